"""« Préconisations »: the list (filtered by comité, status, priority and theme; CSV and XLSX),
a préconisation's page with its evidence as links and its follow-up over the years, the form that
writes it, and the page of one linked verbatim in its context."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..accounts.roles import CODE, DISCUSS, READ_RESULTS, has_role, role_required
from ..coding.models import Codebook, Theme
from ..extensions import db
from ..studies.audit import audit_link, int_ids
from ..submissions.exports import table_csv_bytes, table_xlsx_bytes
from ..transaction import abandon
from . import bp
from . import recommendation_evidence as evidence_service
from . import recommendations as service
from .following import follow, is_following, unfollow
from .models import (
    COMMITTEES,
    EVIDENCE_KINDS,
    PRIORITIES,
    RECOMMENDATION_STATUSES,
    Evidence,
    Recommendation,
)
from .recommendation_forms import ButtonForm, EntryForm, RecommendationForm


def _recommendation_or_404(recommendation_id: int) -> Recommendation:
    recommendation = (
        db.session.get(Recommendation, recommendation_id) if recommendation_id < 2**31 else None
    )
    if recommendation is None or recommendation.study_id != g.study.id:
        abort(404)
    return recommendation


def _detail_url(recommendation: Recommendation, anchor: str | None = None) -> str:
    return url_for("collectif.recommendation", recommendation_id=recommendation.id, _anchor=anchor)


# --- the list ------------------------------------------------------------------------------------


def _list_filters() -> dict:
    """The list's filters from the query string; a value the study does not know is ignored."""
    theme = request.args.get("theme", "")
    known_themes = {choice.theme.id for choice in service.study_themes()}
    committee = request.args.get("comite", "")[:200]
    return {
        "committee": committee,
        "status": request.args.get("statut", "")
        if request.args.get("statut", "") in RECOMMENDATION_STATUSES
        else "",
        "priority": request.args.get("priorite", "")
        if request.args.get("priorite", "") in PRIORITIES
        else "",
        "theme_id": int(theme)
        if theme.isdecimal() and len(theme) < 12 and int(theme) in known_themes
        else None,
    }


@bp.route("/preconisations")
@role_required(*READ_RESULTS)
def recommendations():
    filters = _list_filters()
    shown = service.filtered(**filters)
    return render_template(
        "collectif/recommendations.html",
        recommendations=shown,
        counts=service.evidence_counts([r.id for r in shown]),
        filters=filters,
        filtered=any(value for value in filters.values()),
        themes=service.study_themes(),
        committees=service.committees_in_use(),
        statuses=RECOMMENDATION_STATUSES,
        priorities=PRIORITIES,
        may_write=has_role(*DISCUSS),
        query={key: value for key, value in request.args.items() if value},
    )


EXPORT_HEADERS = [
    "N°",
    "Titre",
    "Texte",
    "Thèmes",
    "Comité",
    "Priorité",
    "Statut",
    "Date du statut",
    "Preuves",
    "Reprise de l'édition",
]


@bp.route("/preconisations.<fmt>")
@role_required(*READ_RESULTS)
def recommendations_file(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    shown = service.filtered(**_list_filters())
    counts = service.evidence_counts([r.id for r in shown])
    lines = [
        [
            recommendation.id,
            recommendation.title,
            recommendation.body,
            ", ".join(theme.code.name for theme in recommendation.themes),
            recommendation.committee,
            recommendation.priority_label,
            recommendation.status_label,
            recommendation.entries[-1].at.strftime("%d/%m/%Y") if recommendation.entries else "",
            counts.get(recommendation.id, 0),
            _previous_year(recommendation),
        ]
        for recommendation in shown
    ]
    name = f"preconisations-{g.study.slug}"
    if fmt == "csv":
        return Response(
            table_csv_bytes(EXPORT_HEADERS, lines),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        table_xlsx_bytes([("Préconisations", EXPORT_HEADERS, lines)]),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _previous_year(recommendation: Recommendation):
    _, study = service.previous_of(recommendation)
    return study.year if study is not None else ""


# --- create, edit --------------------------------------------------------------------------------


def _form_with_themes(form: RecommendationForm) -> RecommendationForm:
    form.themes.choices = [
        SelectChoice(choice.theme.id, choice.label) for choice in service.study_themes()
    ]
    return form


def _render_form(form, recommendation=None, stale=None, errors=(), status=200):
    return (
        render_template(
            "collectif/recommendation_form.html",
            form=form,
            recommendation=recommendation,
            stale=stale,
            errors=list(errors),
            committees=COMMITTEES,
        ),
        status,
    )


def _theme_ids(form) -> list[int]:
    return [value for value in (form.themes.data or []) if isinstance(value, int)]


@bp.route("/preconisations/nouvelle", methods=["GET", "POST"])
@role_required(*DISCUSS)
def recommendation_new():
    form = _form_with_themes(RecommendationForm())
    if request.method == "GET":
        theme = request.args.get("theme", "")
        if theme.isdecimal() and len(theme) < 12:
            form.themes.data = [int(theme)]
    if not form.validate_on_submit():
        if request.method == "POST":
            abandon()
            return _render_form(form, status=422)
        return _render_form(form)
    try:
        recommendation = service.create_recommendation(
            g.study,
            title=form.title.data,
            body=form.body.data or "",
            committee=form.committee.data or "",
            priority=form.priority.data,
            theme_ids=_theme_ids(form),
            by=current_user,
        )
    except service.RecommendationInvalid as error:
        abandon()
        return _render_form(form, errors=error.errors.values(), status=422)
    follow(current_user.id, g.study.id, recommendation_id=recommendation.id)
    flash("Préconisation enregistrée. Ajoutez-lui ses preuves ci-dessous.", "success")
    return redirect(_detail_url(recommendation, "preuves"))


@bp.route("/preconisations/<int:recommendation_id>/modifier", methods=["GET", "POST"])
@role_required(*DISCUSS)
def recommendation_edit(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    if request.method == "GET":
        form = _form_with_themes(RecommendationForm(obj=recommendation))
        form.themes.data = [theme.id for theme in recommendation.themes]
        form.version.data = str(recommendation.version)
        return _render_form(form, recommendation)
    form = _form_with_themes(RecommendationForm())
    if not form.validate_on_submit():
        abandon()
        return _render_form(form, recommendation, status=422)
    version = form.version.data or ""
    try:
        changed = service.update_recommendation(
            recommendation,
            version=int(version) if version.isdecimal() and len(version) < 12 else -1,
            title=form.title.data,
            body=form.body.data or "",
            committee=form.committee.data or "",
            priority=form.priority.data,
            theme_ids=_theme_ids(form),
            by=current_user,
        )
    except service.RecommendationStale as error:
        abandon()
        current = _recommendation_or_404(recommendation_id)
        # What was typed stays in the form; the next save is made against the current version.
        form.version.data = str(current.version)
        return _render_form(form, current, stale=current, errors=error.errors.values(), status=409)
    except service.RecommendationInvalid as error:
        abandon()
        return _render_form(form, recommendation, errors=error.errors.values(), status=422)
    flash("Préconisation enregistrée." if changed else "Aucune modification.", "success")
    return redirect(_detail_url(recommendation))


# --- the page of a préconisation -----------------------------------------------------------------


def _figure_link(evidence: Evidence) -> str | None:
    if evidence.questionnaire_id is None:
        return None
    return url_for(
        "coding.survey_page",
        questionnaire_id=evidence.questionnaire_id,
        _anchor=f"chiffre-{evidence.question}",
    )


@bp.route("/preconisations/<int:recommendation_id>")
@role_required(*READ_RESULTS)
def recommendation(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    originals = has_role(*CODE)
    may_write = has_role(*DISCUSS)
    verbatims = {
        evidence.id: evidence_service.show_verbatim(evidence, recommendation, originals)
        for evidence in recommendation.evidence
        if evidence.kind == "verbatim"
    }
    previous, previous_study = service.previous_of(recommendation)
    context = {}
    if may_write:
        linked, others = evidence_service.indicator_choices(recommendation)
        context = {
            "candidates": evidence_service.verbatim_candidates(recommendation, originals),
            "figure_choices": evidence_service.figure_choices(recommendation),
            "linked_indicators": linked,
            "other_indicators": others,
            "entry_form": EntryForm(status=recommendation.status),
        }
    return render_template(
        "collectif/recommendation.html",
        recommendation=recommendation,
        verbatims=verbatims,
        figure_link=_figure_link,
        theme_links={theme.id: _theme_link(theme) for theme in recommendation.themes},
        previous=previous,
        previous_study=previous_study,
        previous_verbatims=sum(1 for e in previous.evidence if e.kind == "verbatim")
        if previous is not None
        else 0,
        originals=originals,
        may_write=may_write,
        following=is_following(current_user.id, g.study.id, recommendation_id=recommendation.id),
        form=ButtonForm(),
        kinds=EVIDENCE_KINDS,
        **context,
    )


def _theme_link(theme: Theme) -> str | None:
    book = db.session.get(Codebook, theme.code.codebook_id)
    if book is None or book.questionnaire_id is None:
        return None
    return url_for("coding.theme_page", questionnaire_id=book.questionnaire_id, key=theme.code.key)


@bp.route("/preconisations/<int:recommendation_id>/suivi", methods=["POST"])
@role_required(*DISCUSS)
def recommendation_entry(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    form = EntryForm()
    if not form.validate_on_submit():
        abandon()
        for errors in form.errors.values():
            for message in errors:
                flash(f"Suivi : {message}", "error")
        return redirect(_detail_url(recommendation, "suivi"))
    try:
        service.add_entry(
            recommendation,
            g.study,
            status=form.status.data,
            note=form.note.data or "",
            by=current_user,
            url=_detail_url(recommendation),
        )
    except service.RecommendationInvalid as error:
        abandon()
        for message in error.errors.values():
            flash(message, "error")
    else:
        flash(f"Suivi enregistré : {recommendation.status_label.lower()}.", "success")
    return redirect(_detail_url(recommendation, "suivi"))


@bp.route("/preconisations/<int:recommendation_id>/preuves", methods=["POST"])
@role_required(*DISCUSS)
def recommendation_evidence_add(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind", "")
    try:
        if kind == "verbatim":
            added = evidence_service.add_verbatims(
                recommendation, request.form.getlist("verbatims"), by=current_user
            )
            message = (
                f"{added} verbatim(s) lié(s)." if added else "Ces verbatims étaient déjà liés."
            )
        elif kind == "figure":
            questionnaire, _, question = request.form.get("figure", "").partition(":")
            if not questionnaire.isdecimal() or len(questionnaire) > 12:
                raise service.RecommendationInvalid(
                    {"figure": "Chiffre de l'enquête : choisissez une question dans la liste."}
                )
            added = evidence_service.add_figure(
                recommendation, int(questionnaire), question[:200], by=current_user
            )
            message = "Chiffre de l'enquête lié." if added else "Ce chiffre était déjà lié."
        elif kind == "indicator":
            value = request.form.get("indicator", "")
            if not value.isdecimal() or len(value) > 12:
                raise service.RecommendationInvalid(
                    {"indicator": "Indicateur : choisissez un indicateur dans la liste."}
                )
            added = evidence_service.add_indicator(recommendation, int(value), by=current_user)
            message = "Indicateur lié." if added else "Cet indicateur était déjà lié."
        else:
            raise service.RecommendationInvalid(
                {"kind": "Preuve : choisissez un verbatim, un chiffre ou un indicateur."}
            )
    except service.RecommendationInvalid as error:
        abandon()
        for text in error.errors.values():
            flash(text, "error")
        return redirect(_detail_url(recommendation, "ajouter-preuve"))
    flash(message, "success")
    return redirect(_detail_url(recommendation, "preuves"))


@bp.route(
    "/preconisations/<int:recommendation_id>/preuves/<int:evidence_id>/retirer", methods=["POST"]
)
@role_required(*DISCUSS)
def recommendation_evidence_remove(recommendation_id: int, evidence_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if evidence_service.remove_evidence(recommendation, evidence_id, by=current_user):
        flash("Preuve retirée.", "success")
    else:
        flash("Cette preuve avait déjà été retirée.", "warning")
    return redirect(_detail_url(recommendation, "preuves"))


@bp.route("/preconisations/<int:recommendation_id>/preuves/<int:evidence_id>")
@role_required(*READ_RESULTS)
def recommendation_verbatim(recommendation_id: int, evidence_id: int):
    """A linked verbatim in its context: the whole answer (pseudonymised for readers), the
    question, who answered (public, age, place), the theme's segment marked."""
    recommendation = _recommendation_or_404(recommendation_id)
    evidence = next(
        (e for e in recommendation.evidence if e.id == evidence_id and e.kind == "verbatim"),
        None,
    )
    if evidence is None:
        abort(404)
    originals = has_role(*CODE)
    shown = evidence_service.show_verbatim(evidence, recommendation, originals)
    theme_link = _theme_link(shown.theme) if shown.theme is not None else None
    return render_template(
        "collectif/recommendation_verbatim.html",
        recommendation=recommendation,
        evidence=evidence,
        shown=shown,
        question=evidence_service.question_label(evidence),
        theme_link=theme_link,
        code_verbatims=url_for(
            "coding.verbatims",
            questionnaire_id=evidence.questionnaire_id,
            code_id=shown.theme.code_id,
        )
        if shown.theme is not None
        else None,
        workspace=url_for(
            "coding.workspace",
            questionnaire_id=evidence.questionnaire_id,
            question=shown.row.question,
        )
        if originals and shown.row is not None
        else None,
        originals=originals,
    )


@bp.route("/preconisations/<int:recommendation_id>/suivre", methods=["POST"])
@role_required(*DISCUSS)
def recommendation_follow(recommendation_id: int):
    recommendation = _recommendation_or_404(recommendation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if is_following(current_user.id, g.study.id, recommendation_id=recommendation.id):
        unfollow(current_user.id, g.study.id, recommendation_id=recommendation.id)
        flash("Vous ne suivez plus cette préconisation.", "success")
    else:
        follow(current_user.id, g.study.id, recommendation_id=recommendation.id)
        flash(
            "Vous suivez cette préconisation : un changement de statut vous sera signalé.",
            "success",
        )
    return redirect(_detail_url(recommendation))


@bp.app_template_global()
def theme_recommendations(theme_id: int) -> list[Recommendation]:
    """The préconisations answering a theme, for the theme pages."""
    return service.recommendations_of_theme(theme_id)


@audit_link("recommendation")
def recommendation_links(ids: list[str]) -> dict[str, str]:
    # The scope limits the query to the study of the request: another study's id finds nothing.
    found = db.session.scalars(select(Recommendation.id).where(Recommendation.id.in_(int_ids(ids))))
    return {
        str(recommendation_id): url_for(
            "collectif.recommendation", recommendation_id=recommendation_id
        )
        for recommendation_id in found
    }
