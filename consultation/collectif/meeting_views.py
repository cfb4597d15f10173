"""« Réunions du collectif »: the list (upcoming, then past), a meeting's page with its people,
agenda and decisions, and its printable agenda and record of decisions (HTML and PDF). Everyone
who reads the results reads them; the chargé d'étude schedules and runs them."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User, utcnow
from ..accounts.roles import DECIDE, READ_RESULTS, has_role, role_required
from ..coding.models import THEME_STATUSES
from ..extensions import db
from ..studies.scope import current_study
from ..submissions.local_time import local_text
from ..transaction import abandon
from . import bp, meetings
from .meeting_forms import MeetingForm
from .models import Meeting


def _meeting(meeting_id: int) -> Meeting:
    # Limited to the study of the request (studies/scope.py): another study's meeting is a 404.
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id))
    if meeting is None:
        abort(404)
    return meeting


def _form_id(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    return int(value) if value.isdecimal() and len(value) < 10 else None


def _refused(error: meetings.MeetingInvalid, anchor: str, meeting_id: int):
    """A refused action: nothing kept, the message (which names the field) shown on the page."""
    abandon()
    for message in error.errors.values():
        flash(message, "error")
    return redirect(url_for("collectif.meeting", meeting_id=meeting_id) + anchor)


def _back(meeting_id: int, anchor: str = ""):
    return redirect(url_for("collectif.meeting", meeting_id=meeting_id) + anchor)


def _when(meeting: Meeting) -> str:
    return local_text(meeting.starts_at, "%d/%m/%Y à %H:%M")


@bp.route("/reunions")
@role_required(*READ_RESULTS)
def meetings_list():
    upcoming, past = meetings.meetings_by_time()
    return render_template(
        "collectif/meetings.html", upcoming=upcoming, past=past, when=_when, study=current_study()
    )


@bp.route("/reunions/nouvelle", methods=["GET", "POST"])
@role_required(*DECIDE)
def new_meeting():
    form = MeetingForm()
    if form.is_submitted():
        try:
            meeting = meetings.schedule_meeting(
                current_study().id,
                form.title.data,
                form.starts_at.data,
                form.place.data,
                form.notes.data,
                by=current_user,
            )
        except meetings.MeetingInvalid as error:
            abandon()
            _show_errors(form, error)
        else:
            flash(f"Réunion programmée le {_when(meeting)}.", "success")
            return redirect(url_for("collectif.meeting", meeting_id=meeting.id))
    return render_template("collectif/meeting_form.html", form=form, meeting=None)


def _show_errors(form: MeetingForm, error: meetings.MeetingInvalid) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message]
        else:
            flash(message, "error")


@bp.route("/reunions/<int:meeting_id>")
@role_required(*READ_RESULTS)
def meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    deciding = has_role(*DECIDE)
    themes = meetings.study_themes() if deciding else []
    theme_links = _theme_links(meeting)
    return render_template(
        "collectif/meeting.html",
        meeting=meeting,
        when=_when(meeting),
        upcoming=meetings.is_upcoming(meeting),
        deciding=deciding,
        members=meetings.invitable_members(meeting) if deciding else [],
        themes=themes,
        recommendations=meetings.study_recommendations() if deciding else [],
        theme_statuses=THEME_STATUSES,
        theme_links=theme_links,
        deciders=_deciders(meeting),
        item_label=meetings.item_label,
        attendee_label=meetings.attendee_label,
        local_text=local_text,
    )


def _deciders(meeting: Meeting) -> dict[int, str]:
    """Who recorded each decision, by id: name or e-mail."""
    ids = {item.decided_by_id for item in meeting.items if item.decided_by_id}
    if not ids:
        return {}
    return {
        user.id: user.name or user.email
        for user in db.session.scalars(select(User).where(User.id.in_(ids)))
    }


def _theme_links(meeting: Meeting) -> dict[int, str]:
    """The page of each theme on the agenda."""
    themes = {choice.theme.id: choice for choice in meetings.study_themes()}
    links = {}
    for item in meeting.items:
        choice = themes.get(item.theme_id) if item.theme_id else None
        if choice is not None:
            links[item.id] = url_for(
                "coding.theme_page",
                questionnaire_id=choice.questionnaire_id,
                key=choice.theme.code.key,
            )
    return links


@bp.route("/reunions/<int:meeting_id>/modifier", methods=["GET", "POST"])
@role_required(*DECIDE)
def edit_meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = MeetingForm()
    if not form.is_submitted():
        form.title.data = meeting.title
        form.starts_at.data = meetings.local_input_value(meeting.starts_at)
        form.place.data = meeting.place
        form.notes.data = meeting.notes
    else:
        try:
            changed = meetings.update_meeting(
                meeting,
                form.title.data,
                form.starts_at.data,
                form.place.data,
                form.notes.data,
                by=current_user,
            )
        except meetings.MeetingInvalid as error:
            abandon()
            _show_errors(form, error)
        else:
            flash("Réunion modifiée." if changed else "Aucune modification.", "success")
            return _back(meeting_id)
    return render_template("collectif/meeting_form.html", form=form, meeting=meeting)


@bp.route("/reunions/<int:meeting_id>/supprimer", methods=["POST"])
@role_required(*DECIDE)
def delete_meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    title = meeting.title
    meetings.delete_meeting(meeting, by=current_user)
    flash(f"Réunion « {title} » supprimée.", "success")
    return redirect(url_for("collectif.meetings_list"))


@bp.route("/reunions/<int:meeting_id>/personnes", methods=["POST"])
@role_required(*DECIDE)
def add_attendee(meeting_id: int):
    meeting = _meeting(meeting_id)
    try:
        if request.form.get("kind") == "invite":
            meetings.add_guest(
                meeting, request.form.get("name", ""), request.form.get("organisation", "")
            )
        else:
            meetings.add_member_attendee(meeting, _form_id("user_id"))
    except meetings.MeetingInvalid as error:
        return _refused(error, "#personnes", meeting_id)
    flash("Personne ajoutée à la réunion.", "success")
    return _back(meeting_id, "#personnes")


@bp.route("/reunions/<int:meeting_id>/personnes/<int:attendee_id>/retirer", methods=["POST"])
@role_required(*DECIDE)
def remove_attendee(meeting_id: int, attendee_id: int):
    meeting = _meeting(meeting_id)
    try:
        meetings.remove_attendee(meeting, attendee_id)
    except meetings.MeetingInvalid:
        abort(404)
    flash("Personne retirée de la réunion.", "success")
    return _back(meeting_id, "#personnes")


@bp.route("/reunions/<int:meeting_id>/presences", methods=["POST"])
@role_required(*DECIDE)
def set_presence(meeting_id: int):
    meeting = _meeting(meeting_id)
    raw = request.form.getlist("present")
    present = {int(value) for value in raw if value.isdecimal() and len(value) < 10}
    try:
        if len(present) != len(raw):
            raise meetings.MeetingInvalid(
                {"present": "Présences : cochez des personnes de la liste."}
            )
        meetings.set_presence(meeting, present)
    except meetings.MeetingInvalid as error:
        return _refused(error, "#personnes", meeting_id)
    flash("Présences enregistrées.", "success")
    return _back(meeting_id, "#personnes")


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour", methods=["POST"])
@role_required(*DECIDE)
def add_item(meeting_id: int):
    meeting = _meeting(meeting_id)
    kind = request.form.get("kind", "")
    ref_name = {"theme": "theme_id", "recommendation": "recommendation_id"}.get(kind)
    try:
        meetings.add_item(
            meeting,
            kind,
            _form_id(ref_name) if ref_name else None,
            request.form.get("title", ""),
        )
    except meetings.MeetingInvalid as error:
        return _refused(error, "#ordre-du-jour", meeting_id)
    flash("Point ajouté à l'ordre du jour.", "success")
    return _back(meeting_id, "#ordre-du-jour")


@bp.route("/reunions/<int:meeting_id>/points/<int:item_id>/deplacer", methods=["POST"])
@role_required(*DECIDE)
def move_item(meeting_id: int, item_id: int):
    meeting = _meeting(meeting_id)
    try:
        meetings.move_item(meeting, item_id, request.form.get("direction", ""))
    except meetings.MeetingInvalid as error:
        if "item" in error.errors:
            abort(404)
        return _refused(error, "#ordre-du-jour", meeting_id)
    return _back(meeting_id, f"#point-{item_id}")


@bp.route("/reunions/<int:meeting_id>/points/<int:item_id>/retirer", methods=["POST"])
@role_required(*DECIDE)
def remove_item(meeting_id: int, item_id: int):
    meeting = _meeting(meeting_id)
    try:
        meetings.remove_item(meeting, item_id)
    except meetings.MeetingInvalid:
        abort(404)
    flash("Point retiré de l'ordre du jour.", "success")
    return _back(meeting_id, "#ordre-du-jour")


@bp.route("/reunions/<int:meeting_id>/points/<int:item_id>/decision", methods=["POST"])
@role_required(*DECIDE)
def record_decision(meeting_id: int, item_id: int):
    meeting = _meeting(meeting_id)
    try:
        meetings.record_decision(
            meeting,
            item_id,
            request.form.get("decision", ""),
            by=current_user,
            theme_status=request.form.get("theme_status", ""),
            theme_version=_form_id("theme_version"),
        )
    except meetings.MeetingInvalid as error:
        if "item" in error.errors:
            abort(404)
        return _refused(error, f"#point-{item_id}", meeting_id)
    flash("Décision enregistrée.", "success")
    return _back(meeting_id, f"#point-{item_id}")


def _printable(meeting: Meeting, for_pdf: bool) -> str:
    study = current_study()
    return render_template(
        "collectif/meeting_print.html",
        meeting=meeting,
        study=study,
        when=_when(meeting),
        for_pdf=for_pdf,
        deciders=_deciders(meeting),
        item_label=meetings.item_label,
        attendee_label=meetings.attendee_label,
        local_text=local_text,
        printed=local_text(utcnow(), "%d/%m/%Y à %H:%M"),
    )


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour")
@role_required(*READ_RESULTS)
def print_agenda(meeting_id: int):
    return _printable(_meeting(meeting_id), for_pdf=False)


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour.pdf")
@role_required(*READ_RESULTS)
def agenda_pdf(meeting_id: int):
    """The agenda, the people and the record of decisions as a PDF (a page or two: made in the
    request, as the paper questionnaire is)."""
    meeting = _meeting(meeting_id)
    html = _printable(meeting, for_pdf=True)
    from weasyprint import HTML  # loaded on demand: pango and cairo are heavy for the rest

    pdf = HTML(string=html, base_url=request.url_root).write_pdf()
    name = f"reunion-{meeting.id}-{meeting.starts_at:%Y-%m-%d}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
