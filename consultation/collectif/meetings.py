"""The collectif's meetings: scheduling them, who is invited and who was there, the agenda (themes
of the study, préconisations, free titles) and the decisions recorded against its items.

Times are typed in the study's time zone (Europe/Paris by default) and stored in UTC, naive, as
every other moment of the app. Every function checks what it is given and raises
`MeetingInvalid` with a French message per field before writing anything; it flushes, never
commits, and writes its journal line.

Following: when the study's first meeting is scheduled, its current chargés d'étude and members
of the collectif are made followers of the study's meetings (`following.follow` with both ids
None), so that the people the meetings are for hear of them without a step of their own. Later
meetings add nobody: whoever stopped following stays so, and a member who joins afterwards
follows from the notifications page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User, utcnow
from ..accounts.roles import CHARGE_ETUDE, COLLECTIF
from ..coding.models import THEME_STATUSES, Code, Codebook, Theme
from ..coding.themes import themes_of
from ..extensions import db
from ..studies.audit import record
from ..studies.models import Membership
from ..studies.services import members_with_role
from ..submissions.local_time import local_text, study_timezone
from .following import follow, notify_followers
from .models import Meeting, MeetingAttendee, MeetingItem, Recommendation

TITLE_LENGTH = 300
PLACE_LENGTH = 300
NAME_LENGTH = 200
NOTES_LENGTH = 10_000
DECISION_LENGTH = 10_000
# Control characters other than tab and line breaks: none belongs in a title or a decision typed
# in a form (a NUL never reaches here: every form refuses it, main/request_bodies.py).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DATE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y à %H:%M")
DATE_MESSAGE = (
    "Date et heure : indiquez une date et une heure réelles, par exemple 12/01/2027 18:30."
)
ITEM_KINDS = ("theme", "recommendation", "free")


class MeetingInvalid(ValueError):
    """What is wrong with what was typed, one French message per field; nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def clean_text(value: str | None) -> str:
    return _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()


def _check_length(errors: dict, field: str, label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors[field] = f"{label} : {limit} caractères au plus ({len(value)} saisis)."


def parse_starts_at(text: str | None) -> datetime:
    """A date and time typed in the study's time zone (the browser's datetime-local field, or
    « 12/01/2027 18:30 ») as a naive UTC moment, as the app stores them."""
    text = clean_text(text)
    for pattern in DATE_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if not 2000 <= moment.year <= 2100:
            break
        aware = moment.replace(tzinfo=study_timezone())
        return aware.astimezone(timezone.utc).replace(tzinfo=None)
    raise MeetingInvalid({"starts_at": DATE_MESSAGE})


def local_input_value(moment: datetime | None) -> str:
    """A stored moment as the datetime-local field shows it (study time)."""
    return local_text(moment, "%Y-%m-%dT%H:%M", missing="")


def _now() -> datetime:
    return utcnow().replace(tzinfo=None)


def is_upcoming(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.starts_at >= (now or _now())


def meetings_by_time(now: datetime | None = None) -> tuple[list[Meeting], list[Meeting]]:
    """The study's meetings: (upcoming, soonest first; past, latest first)."""
    now = now or _now()
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at, Meeting.id)).all()
    upcoming = [meeting for meeting in meetings if meeting.starts_at >= now]
    past = [meeting for meeting in meetings if meeting.starts_at < now]
    return upcoming, list(reversed(past))


def _meeting_fields(title, starts_at_text, place, notes) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "title": clean_text(title),
        "place": clean_text(place),
        "notes": clean_text(notes),
    }
    if not values["title"]:
        errors["title"] = "Titre : donnez un titre à la réunion."
    _check_length(errors, "title", "Titre", values["title"], TITLE_LENGTH)
    _check_length(errors, "place", "Lieu", values["place"], PLACE_LENGTH)
    _check_length(errors, "notes", "Notes", values["notes"], NOTES_LENGTH)
    try:
        values["starts_at"] = parse_starts_at(starts_at_text)
    except MeetingInvalid as error:
        errors.update(error.errors)
    return values, errors


def _when(meeting: Meeting) -> str:
    return local_text(meeting.starts_at, "%d/%m/%Y à %H:%M")


def _meeting_url(meeting: Meeting) -> str:
    return url_for("collectif.meeting", meeting_id=meeting.id)


def schedule_meeting(
    study_id: int, title: str, starts_at: str, place: str = "", notes: str = "", *, by: User
) -> Meeting:
    """A new meeting of the study; the followers of its meetings are told when it is to come (a
    meeting entered after it was held tells nobody). The study's first meeting makes its
    chargés d'étude and members of the collectif followers first (see the module's docstring)."""
    values, errors = _meeting_fields(title, starts_at, place, notes)
    if errors:
        raise MeetingInvalid(errors)
    first = not db.session.scalar(select(func.count(Meeting.id)))
    meeting = Meeting(**values, created_by_id=by.id)
    db.session.add(meeting)
    db.session.flush()
    if first:
        for member in members_with_role(study_id, (CHARGE_ETUDE, COLLECTIF)):
            follow(member.id, study_id)
    record(
        "meeting",
        meeting.id,
        "create",
        after={"title": meeting.title, "starts_at": _when(meeting), "place": meeting.place},
    )
    if is_upcoming(meeting):
        notify_followers(
            study_id,
            "reunion",
            f"Réunion du collectif programmée le {_when(meeting)} : {meeting.title}",
            _meeting_url(meeting),
            exclude_user_id=by.id,
        )
    return meeting


def update_meeting(
    meeting: Meeting, title: str, starts_at: str, place: str = "", notes: str = "", *, by: User
) -> bool:
    """Changes the meeting; a new date or place of an upcoming meeting is told to the followers.
    Returns whether anything changed."""
    values, errors = _meeting_fields(title, starts_at, place, notes)
    if errors:
        raise MeetingInvalid(errors)
    before = {"title": meeting.title, "starts_at": _when(meeting), "place": meeting.place}
    before_notes = meeting.notes
    moved = values["starts_at"] != meeting.starts_at or values["place"] != meeting.place
    for name, value in values.items():
        setattr(meeting, name, value)
    db.session.flush()
    after = {"title": meeting.title, "starts_at": _when(meeting), "place": meeting.place}
    if after == before and before_notes == meeting.notes:
        return False
    record("meeting", meeting.id, "edit", before=before, after=after)
    if moved and is_upcoming(meeting):
        where = f" ({meeting.place})" if meeting.place else ""
        notify_followers(
            meeting.study_id,
            "reunion",
            f"Réunion du collectif déplacée au {_when(meeting)}{where} : {meeting.title}",
            _meeting_url(meeting),
            exclude_user_id=by.id,
        )
    return True


def delete_meeting(meeting: Meeting, *, by: User) -> None:
    """Cancels the meeting (its people, agenda and decisions go with it); the followers of an
    upcoming meeting are told."""
    upcoming = is_upcoming(meeting)
    summary = {"title": meeting.title, "starts_at": _when(meeting), "items": len(meeting.items)}
    meeting_id, study_id, title, when = meeting.id, meeting.study_id, meeting.title, _when(meeting)
    db.session.delete(meeting)
    db.session.flush()
    record("meeting", meeting_id, "delete", before=summary)
    if upcoming:
        notify_followers(
            study_id,
            "reunion",
            f"Réunion du collectif du {when} annulée : {title}",
            url_for("collectif.meetings_list"),
            exclude_user_id=by.id,
        )


# --- people -------------------------------------------------------------------------------------


def invitable_members(meeting: Meeting) -> list[User]:
    """The study's members not yet on the meeting's list, by name."""
    listed = {attendee.user_id for attendee in meeting.attendees if attendee.user_id}
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.study_id == meeting.study_id, User.active)
        .order_by(User.name, User.email)
    )
    return [user for user in users if user.id not in listed]


def add_member_attendee(meeting: Meeting, user_id: int | None) -> MeetingAttendee:
    is_member = user_id is not None and db.session.scalar(
        select(Membership.id).where(
            Membership.study_id == meeting.study_id, Membership.user_id == user_id
        )
    )
    if not is_member:
        raise MeetingInvalid({"user_id": "Membre : choisissez un membre de l'étude dans la liste."})
    if any(attendee.user_id == user_id for attendee in meeting.attendees):
        raise MeetingInvalid({"user_id": "Membre : cette personne est déjà sur la liste."})
    attendee = MeetingAttendee(user_id=user_id)
    meeting.attendees.append(attendee)
    db.session.flush()
    user = db.session.get(User, user_id)
    record("meeting", meeting.id, "add", after={"personne": user.name or user.email})
    return attendee


def add_guest(meeting: Meeting, name: str, organisation: str = "") -> MeetingAttendee:
    """Someone without an account (an élu, a partner), named with their organisation."""
    name, organisation = clean_text(name), clean_text(organisation)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Nom : indiquez le nom de la personne invitée."
    _check_length(errors, "name", "Nom", name, NAME_LENGTH)
    _check_length(errors, "organisation", "Organisation", organisation, NAME_LENGTH)
    if errors:
        raise MeetingInvalid(errors)
    attendee = MeetingAttendee(name=name, organisation=organisation)
    meeting.attendees.append(attendee)
    db.session.flush()
    record("meeting", meeting.id, "add", after={"personne": name, "organisation": organisation})
    return attendee


def attendee_label(attendee: MeetingAttendee) -> str:
    if attendee.user is not None:
        return attendee.user.name or attendee.user.email
    return attendee.name or "Personne retirée"


def _attendee(meeting: Meeting, attendee_id: int) -> MeetingAttendee:
    attendee = next((a for a in meeting.attendees if a.id == attendee_id), None)
    if attendee is None:
        raise MeetingInvalid({"attendee": "Cette personne n'est plus sur la liste de la réunion."})
    return attendee


def remove_attendee(meeting: Meeting, attendee_id: int) -> None:
    attendee = _attendee(meeting, attendee_id)
    label = attendee_label(attendee)
    meeting.attendees.remove(attendee)
    db.session.flush()
    record("meeting", meeting.id, "remove", before={"personne": label})


def set_presence(meeting: Meeting, present_ids: set[int]) -> None:
    """Marks exactly these people of the list as present (the others absent)."""
    known = {attendee.id for attendee in meeting.attendees}
    if not present_ids <= known:
        raise MeetingInvalid(
            {"present": "Présences : une personne cochée n'est plus sur la liste ; rechargez."}
        )
    before = sorted(attendee_label(a) for a in meeting.attendees if a.present)
    for attendee in meeting.attendees:
        attendee.present = attendee.id in present_ids
    db.session.flush()
    after = sorted(attendee_label(a) for a in meeting.attendees if a.present)
    if before != after:
        record(
            "meeting",
            meeting.id,
            "presence",
            before={"présents": before},
            after={"présents": after},
        )


# --- agenda -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeChoice:
    theme: Theme
    questionnaire_id: int
    label: str


def study_themes() -> list[ThemeChoice]:
    """The themes of every codebook of the study (the request's study: codebooks are limited to
    it), in each codebook's order; the questionnaire's title tells apart two questionnaires'
    themes of the same name."""
    codebooks = db.session.scalars(select(Codebook).order_by(Codebook.id)).all()
    several = len(codebooks) > 1
    choices = []
    for codebook in codebooks:
        if codebook.questionnaire_id is None:
            continue
        for theme in themes_of(codebook):
            label = theme.code.name
            if several:
                label = f"{label} ({codebook.name})"
            choices.append(ThemeChoice(theme, codebook.questionnaire_id, label))
    return choices


def study_recommendations() -> list[Recommendation]:
    return list(
        db.session.scalars(
            select(Recommendation).order_by(Recommendation.position, Recommendation.id)
        )
    )


def item_label(item: MeetingItem) -> str:
    if item.theme is not None:
        return f"Thème : {item.theme.code.name}"
    if item.recommendation is not None:
        return f"Préconisation : {item.recommendation.title}"
    if item.title:
        return item.title
    return "Point retiré de l'étude"


def add_item(
    meeting: Meeting, kind: str, ref_id: int | None = None, title: str = ""
) -> MeetingItem:
    """Adds an item at the end of the agenda: a theme of the study, one of its préconisations,
    or a free title."""
    title = clean_text(title)
    item = MeetingItem(position=max((i.position for i in meeting.items), default=-1) + 1)
    if kind == "theme":
        themes = {choice.theme.id: choice for choice in study_themes()}
        if ref_id not in themes:
            raise MeetingInvalid({"theme_id": "Thème : choisissez un thème de cette étude."})
        item.theme_id = ref_id
    elif kind == "recommendation":
        recommendation = (
            db.session.scalar(select(Recommendation).where(Recommendation.id == ref_id))
            if ref_id is not None
            else None
        )
        if recommendation is None:
            raise MeetingInvalid(
                {
                    "recommendation_id": "Préconisation : choisissez une préconisation de cette étude."
                }
            )
        item.recommendation_id = recommendation.id
    elif kind == "free":
        errors: dict[str, str] = {}
        if not title:
            errors["title"] = "Intitulé du point : écrivez l'intitulé du point à l'ordre du jour."
        _check_length(errors, "title", "Intitulé du point", title, TITLE_LENGTH)
        if errors:
            raise MeetingInvalid(errors)
        item.title = title
    else:
        raise MeetingInvalid({"kind": "Type de point : thème, préconisation ou intitulé libre."})
    meeting.items.append(item)
    db.session.flush()
    record("meeting", meeting.id, "add", after={"point": item_label(item)})
    return item


def _item(meeting: Meeting, item_id: int) -> MeetingItem:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise MeetingInvalid({"item": "Ce point n'est plus à l'ordre du jour de la réunion."})
    return item


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(sorted(meeting.items, key=lambda i: (i.position, i.id))):
        item.position = position


def move_item(meeting: Meeting, item_id: int, direction: str) -> None:
    """Moves the item one place up (« monter ») or down (« descendre »)."""
    if direction not in ("monter", "descendre"):
        raise MeetingInvalid({"direction": "Déplacement : vers le haut ou vers le bas."})
    item = _item(meeting, item_id)
    _renumber(meeting)
    ordered = sorted(meeting.items, key=lambda i: i.position)
    index = ordered.index(item)
    other = index - 1 if direction == "monter" else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = other, index
        db.session.flush()
        record("meeting", meeting.id, "move", after={"point": item_label(item), "rang": other + 1})


def remove_item(meeting: Meeting, item_id: int) -> None:
    item = _item(meeting, item_id)
    label = item_label(item)
    meeting.items.remove(item)
    _renumber(meeting)
    db.session.flush()
    record("meeting", meeting.id, "remove", before={"point": label, "décision": item.decision})


def record_decision(
    meeting: Meeting,
    item_id: int,
    decision: str,
    *,
    by: User,
    theme_status: str = "",
    theme_version: int | None = None,
) -> MeetingItem:
    """Writes (or rewrites) the decision taken on an item, who recorded it and when. On a theme's
    item the decision may also set the theme's status: `theme_version` is the version the page
    was read at, and another change of the theme since refuses the whole decision."""
    item = _item(meeting, item_id)
    decision = clean_text(decision)
    errors: dict[str, str] = {}
    if not decision:
        errors["decision"] = "Décision : écrivez ce qui a été décidé sur ce point."
    _check_length(errors, "decision", "Décision", decision, DECISION_LENGTH)
    if theme_status and (item.theme is None or theme_status not in THEME_STATUSES):
        errors["theme_status"] = "Statut du thème : choisissez l'un des statuts proposés."
    if errors:
        raise MeetingInvalid(errors)
    before = {"décision": item.decision}
    item.decision = decision
    item.decided_at = utcnow()
    item.decided_by_id = by.id
    db.session.flush()
    record(
        "meeting",
        meeting.id,
        "decision",
        before=before,
        after={"point": item_label(item), "décision": decision},
    )
    if theme_status and theme_status != item.theme.status:
        _set_theme_status(item.theme, theme_status, theme_version, meeting, by)
    return item


def _set_theme_status(
    theme: Theme, status: str, version: int | None, meeting: Meeting, by: User
) -> None:
    stale = MeetingInvalid(
        {
            "theme_status": "Statut du thème : le thème a été modifié par quelqu'un d'autre "
            "pendant que vous lisiez la page ; rechargez-la pour voir son statut actuel."
        }
    )
    if version is None or version != theme.version:
        raise stale
    before = theme.status
    theme.status = status
    try:
        db.session.flush()  # the UPDATE names the version read: a concurrent change fails here
    except StaleDataError:
        raise stale from None
    record("theme", theme.id, "state", before={"status": before}, after={"status": status})
    code = theme.code
    questionnaire_id = db.session.scalar(
        select(Codebook.questionnaire_id)
        .join(Code, Code.codebook_id == Codebook.id)
        .where(Code.id == code.id)
    )
    notify_followers(
        meeting.study_id,
        "theme_valide" if status == "valide" else "theme_statut",
        f"Thème « {code.name} » : {THEME_STATUSES[status].lower()} en réunion du {_when(meeting)}",
        url_for("coding.theme_page", questionnaire_id=questionnaire_id, key=code.key),
        theme_id=theme.id,
        exclude_user_id=by.id,
    )
