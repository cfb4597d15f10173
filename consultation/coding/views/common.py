"""What the coding pages share: the questionnaire and codebook a URL names, the viewer's role,
the blind mode of double coding, and the word clouds a results page shows."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    session,
    url_for,
)

from questionnaires.model import label_in

from ...accounts.roles import CODE, has_role
from ...extensions import db
from ...jobs.queue import enqueue
from ...questionnaire_store.models import Questionnaire
from .. import results
from ..clouds import cloud_state
from ..display import initials, pieces
from ..models import Code
from ..services import (
    SOURCE_LABELS,
    codebook_of,
    free_text_questions,
)


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _codebook(questionnaire: Questionnaire):
    codebook = codebook_of(questionnaire.id)
    if codebook is None:
        flash("Créez d'abord le livre de codes de ce questionnaire.", "warning")
        abort(redirect(url_for("coding.index")))
    return codebook


def _is_coder() -> bool:
    return has_role(*CODE)


def _question_label(questionnaire: Questionnaire, name: str) -> str:
    for question in free_text_questions(questionnaire):
        if question.name == name:
            return label_in(question.label, "fr") or name
    return name


def _blind(questionnaire_id: int) -> bool:
    return bool(session.get("coding_blind", {}).get(str(questionnaire_id)))


def _code_or_404(codebook, code_id) -> Code:
    if isinstance(code_id, str):  # from a form field: anything but digits names no code
        code_id = int(code_id) if code_id.isdecimal() else None
    code = results.code_by_id(codebook, code_id) if code_id is not None else None
    if code is None:
        abort(404)
    return code


def _answer_helpers(blind: bool) -> dict:
    return {"cut": pieces, "initials": initials, "source_labels": SOURCE_LABELS, "blind": blind}


def _clouds(book, code: str = "") -> dict:
    """The last word clouds drawn; a new drawing is started (after this request's commit) when
    the answers or codings changed since, or a code's cloud is asked for the first time."""
    state, job = cloud_state(book, code=code)
    if job is not None:
        enqueue(job)
    return state
