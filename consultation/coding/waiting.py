"""What waits for a coder: codings « à revoir » (their words were edited since) and free-text
answers nobody has coded yet."""

from flask import url_for
from sqlalchemy import func, or_, select

from ..accounts.roles import CODE
from ..extensions import db
from ..questionnaire_store.models import Questionnaire
from ..studies.waiting import waiting_provider
from ..submissions.answer_table import AnswerText
from .models import Coding


def _answers_of(study):
    """The analysed free-text answers of the study's questionnaires still in use. Named study:
    on the home page no study is open, so nothing limits the query but this."""
    return (
        select(AnswerText.questionnaire_id, AnswerText.question, func.count(Coding.id.distinct()))
        .join(Questionnaire, Questionnaire.id == AnswerText.questionnaire_id)
        .where(
            Questionnaire.study_id == study.id,
            Questionnaire.archived.is_(False),
            AnswerText.state != "rejetee",
        )
        .group_by(AnswerText.questionnaire_id, AnswerText.question)
    )


def _to_review(study) -> list[tuple[int, str, int]]:
    return db.session.execute(
        _answers_of(study).join(
            Coding,
            (Coding.submission_id == AnswerText.submission_id)
            & (Coding.path == AnswerText.path)
            & or_(Coding.needs_review.is_(True), Coding.text_hash != AnswerText.text_hash),
        )
    ).all()


def _not_coded(study) -> int:
    coded = (
        select(Coding.id)
        .where(Coding.submission_id == AnswerText.submission_id, Coding.path == AnswerText.path)
        .exists()
    )
    return (
        db.session.scalar(
            select(func.count(AnswerText.id))
            .join(Questionnaire, Questionnaire.id == AnswerText.questionnaire_id)
            .where(
                Questionnaire.study_id == study.id,
                Questionnaire.archived.is_(False),
                AnswerText.state != "rejetee",
                ~coded,
            )
        )
        or 0
    )


@waiting_provider
def coding_to_do(study, user, role) -> list[tuple[str, int, str]]:
    if role not in CODE:
        return []
    items = []
    home = url_for("coding.index", study=study.slug)
    review = _to_review(study)
    total = sum(count for _, _, count in review)
    if total:
        # One question: its workspace, filtered on them; several: the analysis home lists them.
        url = (
            url_for(
                "coding.workspace",
                study=study.slug,
                questionnaire_id=review[0][0],
                question=review[0][1],
                revoir=1,
            )
            if len(review) == 1
            else home
        )
        items.append(("codage à revoir" if total == 1 else "codages à revoir", total, url))
    not_coded = _not_coded(study)
    if not_coded:
        label = "réponse libre à coder" if not_coded == 1 else "réponses libres à coder"
        items.append((label, not_coded, home))
    return items
