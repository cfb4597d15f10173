"""What waits for an enquêteur: the questionnaires assigned to them that they can run."""

from flask import url_for
from sqlalchemy import func, select

from ..accounts.roles import ENQUETEUR
from ..extensions import db
from ..questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from ..studies.waiting import waiting_provider
from ..submissions.models import Assignment


@waiting_provider
def questionnaires_to_run(study, user, role) -> list[tuple[str, int, str]]:
    if role != ENQUETEUR:
        return []
    published = (
        select(QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == Questionnaire.id,
            QuestionnaireVersion.status == PUBLISHED,
        )
        .exists()
    )
    # Named study: on the home page no study is open, so nothing limits the query but this.
    count = db.session.scalar(
        select(func.count(Assignment.id))
        .join(Questionnaire, Questionnaire.id == Assignment.questionnaire_id)
        .where(
            Assignment.study_id == study.id,
            Assignment.enumerator_id == user.id,
            Questionnaire.archived.is_(False),
            published,
        )
    )
    if not count:
        return []
    label = "questionnaire à mener" if count == 1 else "questionnaires à mener"
    return [(label, count, url_for("interviews.index", study=study.slug))]
