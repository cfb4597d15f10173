"""Demo: the emerging themes of the « manque_quartier » answers, as a chargé d'étude would have
classified them, so that the « Thèmes émergents » page shows classes after `make run`."""

from sqlalchemy import func, select

from ..coding.classes import classify_and_store, runs_of
from ..extensions import db
from ..jobs.queue import JobError
from ..submissions.answer_table import AnswerText

QUESTION = "manque_quartier"
CLASSES = 5
# Below this many answers the demo has too few words for five classes (and the tests' small
# seeds need no language model).
MIN_ANSWERS = 150


def seed_classes(questionnaire) -> int:
    """The number of classifications made: 0 or 1."""
    if runs_of(questionnaire.id, limit=1):
        return 0
    answers = db.session.scalar(
        select(func.count(AnswerText.id)).where(
            AnswerText.questionnaire_id == questionnaire.id, AnswerText.question == QUESTION
        )
    )
    if (answers or 0) < MIN_ANSWERS:
        return 0
    try:
        classify_and_store(questionnaire.id, [QUESTION], CLASSES)
    except JobError:
        return 0
    return 1
