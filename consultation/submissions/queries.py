"""Finding submissions: one questionnaire's, narrowed by the back office's filters."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..questionnaire_store.models import QuestionnaireVersion
from .models import Submission


@dataclass
class SubmissionFilters:
    enumerator_id: int | None = None
    public: str = ""
    commune_code: str = ""
    received_from: date | None = None
    received_to: date | None = None
    state: str = ""
    channel: str = ""


def submissions_query(questionnaire_id: int, filters: SubmissionFilters | None = None) -> Select:
    filters = filters or SubmissionFilters()
    query = (
        select(Submission)
        .join(QuestionnaireVersion, Submission.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    )
    if filters.enumerator_id:
        query = query.where(Submission.enumerator_id == filters.enumerator_id)
    if filters.public:
        query = query.where(Submission.public == filters.public)
    if filters.commune_code:
        query = query.where(Submission.commune_code == filters.commune_code)
    if filters.state:
        query = query.where(Submission.state == filters.state)
    if filters.channel:
        query = query.where(Submission.channel == filters.channel)
    if filters.received_from:
        query = query.where(Submission.received_at >= _start_of(filters.received_from))
    if filters.received_to:
        query = query.where(
            Submission.received_at < _start_of(filters.received_to + timedelta(days=1))
        )
    return query


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def page_of(query: Select, page: int, per_page: int = 50):
    """(submissions of the page, total count) with their enumerator, commune and version loaded."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(
        query.options(
            selectinload(Submission.enumerator),
            selectinload(Submission.commune),
            selectinload(Submission.quartier),
            selectinload(Submission.questionnaire_version),
        )
        .order_by(Submission.received_at.desc(), Submission.id.desc())
        .limit(per_page)
        .offset(max(page - 1, 0) * per_page)
    ).all()
    return rows, total


def counts_by_state(questionnaire_id: int) -> dict[str, int]:
    query = (
        select(Submission.state, func.count(Submission.id))
        .join(QuestionnaireVersion, Submission.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .group_by(Submission.state)
    )
    return dict(db.session.execute(query).all())
