"""What waits for a chargé d'étude in the review: submissions « reçues » not read yet and those
marked « à vérifier »."""

from flask import url_for
from sqlalchemy import func, select

from ..accounts.roles import REVIEW
from ..extensions import db
from ..questionnaire_store.models import QuestionnaireVersion
from ..studies.waiting import waiting_provider
from ..submissions.models import Submission

LABELS = {
    "recue": ("réponse reçue à relire", "réponses reçues à relire"),
    "a_verifier": ("réponse à vérifier", "réponses à vérifier"),
}


@waiting_provider
def submissions_to_check(study, user, role) -> list[tuple[str, int, str]]:
    if role not in REVIEW:
        return []
    # Named study: on the home page no study is open, so nothing limits the query but this.
    rows = db.session.execute(
        select(QuestionnaireVersion.questionnaire_id, Submission.state, func.count(Submission.id))
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Submission.questionnaire_version_id)
        .where(Submission.study_id == study.id, Submission.state.in_(list(LABELS)))
        .group_by(QuestionnaireVersion.questionnaire_id, Submission.state)
    ).all()
    items = []
    for state, (singular, plural) in LABELS.items():
        found = [
            (questionnaire_id, count) for questionnaire_id, found, count in rows if found == state
        ]
        total = sum(count for _, count in found)
        if not total:
            continue
        # One questionnaire: straight to its list, filtered; several: the review's home.
        url = (
            url_for(
                "review.submissions", study=study.slug, questionnaire_id=found[0][0], state=state
            )
            if len(found) == 1
            else url_for("review.index", study=study.slug)
        )
        items.append((singular if total == 1 else plural, total, url))
    return items
