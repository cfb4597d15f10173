"""The chargé d'étude's pages: open a published questionnaire online, its codes and their sheet."""

from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..accounts.roles import DESIGN, role_required
from ..extensions import db
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..studies.audit import record
from ..studies.scope import current_study
from ..submissions.exports import table_csv_bytes
from ..submissions.local_time import local, study_timezone
from ..submissions.models import PUBLICS
from ..transaction import abandon
from . import bp
from .forms import CodesForm, EmptyForm, LinkForm
from .services import (
    SettingsInvalid,
    codes_of,
    generate_codes,
    link_of,
    online_counts,
    save_link,
)


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None or questionnaire.archived:
        abort(404)
    return questionnaire


def public_url(link) -> str:
    return url_for("respond.welcome", link_token=link.token, _external=True)


@bp.route("/")
@role_required(*DESIGN)
def index():
    questionnaires = db.session.scalars(
        select(Questionnaire).where(Questionnaire.archived.is_(False)).order_by(Questionnaire.title)
    ).all()
    rows = [
        (questionnaire, link_of(questionnaire))
        for questionnaire in questionnaires
        if questionnaire.current_published is not None
    ]
    return render_template("public/admin_index.html", rows=rows, public_url=public_url)


@bp.route("/<int:questionnaire_id>", methods=["GET", "POST"])
@role_required(*DESIGN)
def edit(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    versions = [version for version in questionnaire.versions if version.status == PUBLISHED]
    if not versions:
        flash("Publiez d'abord une version de ce questionnaire pour l'ouvrir en ligne.", "error")
        return redirect(url_for("public.index"))
    link = link_of(questionnaire)
    form = LinkForm(obj=None)
    form.version_id.choices = [
        (version.id, f"Version {version.number}") for version in reversed(versions)
    ]
    if link is not None and not form.is_submitted():
        form.version_id.data = link.version_id
        form.open_link.data = link.open_link
        form.uses_codes.data = link.uses_codes
        form.active.data = link.active
        form.opens_at.data = local(link.opens_at)
        form.closes_at.data = local(link.closes_at)
        form.introduction.data = link.introduction
        for public in PUBLICS:
            getattr(form, f"quota_{public}").data = (link.quotas or {}).get(public)
    elif link is None and not form.is_submitted():
        form.version_id.data = versions[-1].id
        form.open_link.data = True
        form.active.data = True
    submitted = form.validate_on_submit()
    form.french_errors()
    if submitted:
        version = (
            db.session.get(QuestionnaireVersion, form.version_id.data)
            if form.version_id.data
            else None
        )
        values = {
            "version": version,
            "open_link": form.open_link.data,
            "uses_codes": form.uses_codes.data,
            "active": form.active.data,
            "opens_at": _aware(form.opens_at.data),
            "closes_at": _aware(form.closes_at.data),
            "introduction": form.introduction.data,
            "quotas": {public: getattr(form, f"quota_{public}").data for public in PUBLICS},
        }
        try:
            link = save_link(questionnaire, values, current_user)
        except SettingsInvalid as error:
            abandon()
            for name, message in error.errors.items():
                target = getattr(form, name if hasattr(form, name) else "version_id", None)
                if name == "version":
                    target = form.version_id
                target.errors = list(target.errors) + [message]
        else:
            flash("Réponses en ligne enregistrées.", "success")
            return redirect(url_for("public.edit", questionnaire_id=questionnaire.id))
    codes = codes_of(link) if link is not None else []
    return render_template(
        "public/admin_edit.html",
        questionnaire=questionnaire,
        link=link,
        form=form,
        codes_form=CodesForm(formdata=None),
        url=public_url(link) if link is not None else None,
        counts=online_counts(link) if link is not None else {},
        codes_total=len(codes),
        codes_used=sum(1 for code in codes if code.used_at is not None),
        codes_started=sum(1 for code in codes if code.draft_id is not None and not code.used_at),
        publics=PUBLICS,
    )


@bp.route("/<int:questionnaire_id>/codes", methods=["POST"])
@role_required(*DESIGN)
def create_codes(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    link = link_of(questionnaire)
    form = CodesForm()
    if link is None:
        flash("Ouvrez d'abord le questionnaire en ligne.", "error")
        return redirect(url_for("public.edit", questionnaire_id=questionnaire.id))
    if not form.validate_on_submit():
        flash("Nombre de codes : entre 1 et 5 000 à la fois.", "error")
        return redirect(url_for("public.edit", questionnaire_id=questionnaire.id))
    try:
        codes = generate_codes(link, form.count.data, current_user)
    except SettingsInvalid as error:
        abandon()
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(f"{len(codes)} codes d'invitation créés.", "success")
    return redirect(url_for("public.edit", questionnaire_id=questionnaire.id))


def _codes_or_404(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    link = link_of(questionnaire)
    if link is None:
        abort(404)
    return questionnaire, link


@bp.route("/<int:questionnaire_id>/codes.csv")
@role_required(*DESIGN)
def codes_csv(questionnaire_id: int):
    questionnaire, link = _codes_or_404(questionnaire_id)
    lines = [
        [
            code.code,
            _code_url(link, code.code),
            "utilisé" if code.used_at else ("commencé" if code.draft_id else "libre"),
        ]
        for code in codes_of(link)
    ]
    record(
        "public_link",
        link.id,
        "codes_download",
        study_id=link.study_id,
        after={"format": "csv"},
    )
    return Response(
        table_csv_bytes(["code", "lien", "état"], lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="codes-{questionnaire.id}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:questionnaire_id>/codes/feuille")
@role_required(*DESIGN)
def codes_sheet(questionnaire_id: int):
    """A printable sheet, one cut-out card per unused code, each with its QR code."""
    questionnaire, link = _codes_or_404(questionnaire_id)
    cards = _free_cards(link)
    return render_template(
        "public/codes_sheet.html",
        questionnaire=questionnaire,
        study=current_study(),
        cards=cards,
        url=public_url(link),
        form=EmptyForm(),
    )


@bp.route("/<int:questionnaire_id>/codes.pdf")
@role_required(*DESIGN)
def codes_pdf(questionnaire_id: int):
    """The same cards as a PDF, for a print shop or a mail merge."""
    from weasyprint import HTML

    questionnaire, link = _codes_or_404(questionnaire_id)
    html = render_template(
        "public/codes_sheet_pdf.html",
        questionnaire=questionnaire,
        study=current_study(),
        cards=_free_cards(link),
    )
    pdf = HTML(string=html, base_url=None).write_pdf()
    record(
        "public_link",
        link.id,
        "codes_download",
        study_id=link.study_id,
        after={"format": "pdf"},
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="codes-{questionnaire.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _free_cards(link) -> list:
    return [
        (code.code, _code_url(link, code.code), _qr_svg(_code_url(link, code.code)))
        for code in codes_of(link)
        if code.used_at is None and code.draft_id is None
    ]


def _code_url(link, code: str) -> str:
    return url_for("respond.welcome", link_token=link.token, code=code, _external=True)


def _qr_svg(url: str) -> Markup:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, omitsize=False
    )
    # segno writes the SVG itself from a URL we built: no text of a user goes in it.
    return Markup(buffer.getvalue().decode("utf-8"))


def _aware(moment):
    if moment is None:
        return None
    return moment.replace(tzinfo=study_timezone())
