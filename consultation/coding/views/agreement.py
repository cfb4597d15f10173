"""Agreement between two coders on the same answers."""

from __future__ import annotations

from flask import (
    render_template,
    request,
)

from questionnaires.model import label_in

from ...accounts.roles import CODE, role_required
from .. import bp, results
from ..services import (
    coders_of,
    free_text_questions,
)
from .common import (
    _codebook,
    _questionnaire,
)


@bp.route("/<int:questionnaire_id>/accord")
@role_required(*CODE)
def agreement(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    coders = coders_of(book)
    coder_a = request.args.get("a", type=int) or (coders[0].id if coders else None)
    coder_b = request.args.get("b", type=int) or (coders[1].id if len(coders) > 1 else None)
    question = request.args.get("question", "")
    measures = results.agreement_figures(book, question, coder_a, coder_b)
    return render_template(
        "coding/agreement.html",
        questionnaire=questionnaire,
        coders=coders,
        coder_a=coder_a,
        coder_b=coder_b,
        measures=measures,
        questions=free_text_questions(questionnaire),
        question=question,
        label_in=label_in,
    )
