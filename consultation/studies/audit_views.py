"""The journal (audit log) of a study, for its chargés d'étude and the administrators, and the
platform's journal (logins: lines without a study) for the administrators. Filters come from the
query string (a GET form that works without JavaScript); the CSV of the filtered lines is itself a
line of the journal."""

from datetime import datetime

from flask import Response, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from ..accounts.roles import ADMIN, CHARGE_ETUDE, role_required
from ..extensions import db
from .audit import ACTION_LABELS, OBJECT_LABELS, audit_link, int_ids, record
from .forms import JournalForm
from .journal import (
    PER_PAGE,
    JournalFilters,
    journal_csv,
    journal_lines,
    journal_page,
    journal_query,
    people_in_journal,
)
from .models import Membership
from .scope import current_study
from .views import bp


def _filters(study_id: int | None) -> tuple[JournalForm, JournalFilters]:
    form = JournalForm(request.args)
    form.person.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(str(user.id), f"{user.name} ({user.email})" if user.name else user.email)
        for user in people_in_journal(study_id)
    ]
    form.object_type.choices = [SelectChoice("", "Tous")] + [
        SelectChoice(value, label) for value, label in OBJECT_LABELS.items()
    ]
    form.action.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(value, label) for value, label in ACTION_LABELS.items()
    ]
    form.validate()
    person = form.person.data or ""
    filters = JournalFilters(
        user_id=int(person) if person.isdigit() and len(person) < 10 else None,
        object_type=form.object_type.data if not form.object_type.errors else "",
        action=form.action.data if not form.action.errors else "",
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )
    return form, filters


def render_journal(study, endpoint: str, export_endpoint: str):
    study_id = study.id if study is not None else None
    form, filters = _filters(study_id)
    page = request.args.get("page", 1, type=int) or 1
    entries, total = journal_page(journal_query(study_id, filters), page)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "studies/journal.html",
        study=study,
        form=form,
        lines=journal_lines(entries),
        total=total,
        page=min(max(page, 1), pages),
        pages=pages,
        query_args=query_args,
        endpoint=endpoint,
        export_url=url_for(export_endpoint, **query_args),
    )


def journal_download(study):
    """The filtered lines as CSV; who took them away is written in the journal too."""
    study_id = study.id if study is not None else None
    _, filters = _filters(study_id)
    content, count = journal_csv(journal_query(study_id, filters))
    record(
        "export",
        "",
        "download",
        study_id=study_id,
        after={"file": "journal.csv", "rows": count, "filters": filters.as_params()},
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    name = f"journal-{study.slug if study is not None else 'plateforme'}-{stamp}.csv"
    response = Response(
        content,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    # Names and changes of personal data: no copy in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<study>/journal")
@role_required(ADMIN, CHARGE_ETUDE)
def journal():
    return render_journal(current_study(), "studies.journal", "studies.journal_export")


@bp.route("/<study>/journal/export.csv")
@role_required(ADMIN, CHARGE_ETUDE)
def journal_export():
    return journal_download(current_study())


@audit_link("study")
def _study_links(ids: list[str]) -> dict[str, str]:
    study = current_study()
    if study is None or str(study.id) not in ids:
        return {}
    return {str(study.id): url_for("studies.home")}


@audit_link("membership")
def _member_links(ids: list[str]) -> dict[str, str]:
    study = current_study()
    if study is None:
        return {}
    members = db.session.scalars(
        select(Membership.user_id).where(
            Membership.study_id == study.id, Membership.user_id.in_(int_ids(ids))
        )
    )
    return {str(user_id): url_for("studies.members") for user_id in members}
