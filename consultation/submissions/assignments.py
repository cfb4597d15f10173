"""Assignments of questionnaires to enquêteurs, and what a tablet downloads to work offline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import DateTime, bindparam, exists, or_, select

from ..accounts.models import User
from ..accounts.roles import ADMIN, CHARGE_ETUDE, ENQUETEUR, INTERVIEW
from ..extensions import db
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..studies.scope import current_study_id, role_in
from ..studies.services import members_with_role
from .models import Assignment, EndedAssignment

# Below this age band a parent must consent too.
AGE_BANDS_NEEDING_PARENTAL_CONSENT = ("moins_15",)
# The age bands each public offers (the tablet shows only these): a public is defined by its
# ages, « Autre » being everyone outside the two others.
AGE_BANDS_BY_PUBLIC = {
    "jeune": ("16_17", "18_25"),
    "age": ("60_74", "75_84", "85_plus"),
    "autre": ("moins_15", "15_ans", "26_59"),
}
# Where interviews usually happen; the enquêteur may type another place.
USUAL_PLACES = (
    "Domicile de la personne",
    "CCAS",
    "Mission locale",
    "Résidence autonomie",
    "Centre social",
    "Marché",
    "Espace public (rue, parc)",
    "Établissement scolaire",
)


class AssignmentError(ValueError):
    """A refused assignment, with a French message for the user."""


def assign(questionnaire_id: int, enumerator_id: int, assigned_by_id: int | None) -> Assignment:
    """Lets an enquêteur run a questionnaire; assigning twice keeps the first assignment."""
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None or questionnaire.archived:
        raise AssignmentError("Ce questionnaire n'existe pas ou a été archivé.")
    if questionnaire.current_published is None:
        raise AssignmentError(
            "Ce questionnaire n'a pas encore de version publiée : publiez-le avant de l'affecter."
        )
    enumerator = db.session.get(User, enumerator_id)
    role = role_in(questionnaire.study_id, enumerator) if enumerator is not None else None
    if enumerator is None or not enumerator.active or role not in INTERVIEW:
        raise AssignmentError("Ce compte ne peut pas mener d'entretiens dans cette étude.")
    existing = db.session.scalar(
        select(Assignment).filter_by(questionnaire_id=questionnaire_id, enumerator_id=enumerator_id)
    )
    if existing is not None:
        return existing
    assignment = Assignment(
        questionnaire_id=questionnaire_id,
        enumerator_id=enumerator_id,
        assigned_by_id=assigned_by_id,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def unassign(assignment_id: int, removed_by_id: int | None = None) -> bool:
    """Removes an assignment; interviews already made on the tablets stay there and still sync
    (the ended assignment is kept for that)."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        return False
    db.session.add(
        EndedAssignment(
            questionnaire_id=assignment.questionnaire_id,
            enumerator_id=assignment.enumerator_id,
            assigned_at=assignment.assigned_at,
            ended_by_id=removed_by_id,
        )
    )
    db.session.delete(assignment)
    db.session.flush()
    return True


# Tablet clocks drift and are sometimes set by hand in the wrong time zone: an interview dated
# this close to the edges of an ended assignment is taken as made under it.
CLOCK_TOLERANCE = timedelta(hours=12)


def is_assigned(user_id: int, questionnaire_id: int) -> bool:
    """Whether the questionnaire is currently assigned to this enquêteur."""
    return db.session.scalar(
        _assigned_statement(), {"user_id": user_id, "questionnaire_id": questionnaire_id}
    )


def may_send(user_id: int, questionnaire_id: int, made_at: datetime | None) -> bool:
    """Whether an enquêteur may send an interview of this questionnaire made at `made_at`: under
    the current assignment, whenever made; under an ended one, only if made while it lasted (an
    interview without a date cannot show that). One query: every sync asks."""
    made_at = _utc(made_at)
    return db.session.scalar(
        _may_send_statement(),
        {
            "user_id": user_id,
            "questionnaire_id": questionnaire_id,
            "made_before": made_at + CLOCK_TOLERANCE if made_at else None,
            "made_after": made_at - CLOCK_TOLERANCE if made_at else None,
        },
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    # Stored naive in UTC on SQLite, aware on PostgreSQL: compare in UTC either way.
    return moment.astimezone(timezone.utc)


def _current(statement_user, statement_questionnaire):
    return exists().where(
        Assignment.enumerator_id == statement_user,
        Assignment.questionnaire_id == statement_questionnaire,
    )


@lru_cache(maxsize=1)
def _assigned_statement():
    return select(_current(bindparam("user_id"), bindparam("questionnaire_id")))


@lru_cache(maxsize=1)
def _may_send_statement():
    # Built once: constructing a statement costs more than running it (see submissions.services).
    user_id, questionnaire_id = bindparam("user_id"), bindparam("questionnaire_id")
    ended = exists().where(
        EndedAssignment.enumerator_id == user_id,
        EndedAssignment.questionnaire_id == questionnaire_id,
        EndedAssignment.assigned_at <= bindparam("made_before", type_=DateTime()),
        EndedAssignment.ended_at >= bindparam("made_after", type_=DateTime()),
    )
    return select(or_(_current(user_id, questionnaire_id), ended))


def all_assignments() -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Assignment.questionnaire)
            .join(Assignment.enumerator)
            .order_by(User.name, User.email, Questionnaire.title)
        )
    )


def assignable_questionnaires() -> list[Questionnaire]:
    """Questionnaires that are not archived and have at least one published version."""
    return [
        questionnaire
        for questionnaire in db.session.scalars(
            select(Questionnaire).filter_by(archived=False).order_by(Questionnaire.title)
        )
        if questionnaire.current_published is not None
    ]


def enumerators() -> list[User]:
    """The enquêteurs of the study of the request."""
    return members_with_role(current_study_id(), (ENQUETEUR,))


def versions_for(user: User, role: str | None) -> list[QuestionnaireVersion]:
    """The published versions the user may run in the study of the request (`role`: theirs
    there): the current one of each questionnaire assigned to an enquêteur; every current one
    for admins and chargés d'étude, who supervise."""
    query = select(Questionnaire).filter_by(archived=False).order_by(Questionnaire.title)
    if role not in (ADMIN, CHARGE_ETUDE):
        query = query.join(Assignment, Assignment.questionnaire_id == Questionnaire.id).where(
            Assignment.enumerator_id == user.id
        )
    versions = []
    for questionnaire in db.session.scalars(query):
        version = questionnaire.current_published
        if version is not None and version.status == PUBLISHED:
            versions.append(version)
    return versions
