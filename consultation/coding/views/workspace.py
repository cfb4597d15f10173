"""The coding workspace page: one question's answers, filtered and paged, to code on spans.
Its coding actions go through the JSON endpoints of workspace_api.py."""

from __future__ import annotations

from flask import (
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from ...accounts.roles import CODE, role_required
from ...submissions.models import PUBLICS
from ...territory import services as territory
from .. import bp
from ..forms import AnswerFilterForm
from ..jobs import (
    ANALYSE,
    running_job,
    training_summary,
)
from ..services import (
    ANSWER_ORDERS,
    AnswerFilters,
    active_codes,
    attach_followed,
    code_depth,
    code_label,
    free_text_questions,
    question_counts,
    question_page,
)
from .common import (
    _answer_helpers,
    _blind,
    _codebook,
    _question_label,
    _questionnaire,
)

PER_PAGE = 40  # answers per page of the workspace


def _filters(codebook) -> tuple[AnswerFilterForm, AnswerFilters]:
    form = AnswerFilterForm(request.args)
    form.code.choices = [SelectChoice("", "Tous")] + [
        SelectChoice(str(code.id), "  " * code_depth(code) + code.name)
        for code in active_codes(codebook)
    ]
    form.commune.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(commune.insee_code, commune.name) for commune in territory.communes()
    ]
    form.validate()
    code = form.code.data or ""
    score = form.score.data if not form.score.errors and form.score.data is not None else None
    filters = AnswerFilters(
        uncoded_by=current_user.id if form.mine.data else None,
        code_id=int(code) if code.isdigit() and len(code) < 10 else None,
        public=form.public.data if form.public.data in PUBLICS else "",
        commune=form.commune.data or "",
        min_score=float(score) / 100 if score is not None else None,
        search=(form.q.data or "")[:200],
        to_review=bool(form.revoir.data),
        order=form.tri.data if form.tri.data in ANSWER_ORDERS else "",
    )
    return form, filters


@bp.route("/<int:questionnaire_id>/coder/<question>")
@role_required(*CODE)
def workspace(questionnaire_id: int, question: str):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    questions = free_text_questions(questionnaire)
    if question not in {q.name for q in questions}:
        abort(404)
    if "double" in request.args:
        blind_modes = dict(session.get("coding_blind", {}))
        blind_modes[str(questionnaire.id)] = request.args["double"] == "1"
        session["coding_blind"] = blind_modes
        # The route's own parameters may come in the query string too; url_for must not get them twice.
        args = {
            k: v
            for k, v in request.args.items()
            if k not in ("double", "questionnaire_id", "question")
        }
        return redirect(
            url_for(
                "coding.workspace", questionnaire_id=questionnaire.id, question=question, **args
            )
        )
    blind = _blind(questionnaire.id)
    form, filters = _filters(book)
    rows, total, page = question_page(
        questionnaire.id,
        question,
        filters,
        coder_id=current_user.id,
        blind=blind,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
    )
    attach_followed(rows, questionnaire)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    counts = question_counts(questionnaire.id, question, coder_id=current_user.id, blind=blind)
    codes = active_codes(book)
    codes_json = [
        {
            "id": c.id,
            "name": c.name,
            "label": code_label(c),
            "colour": c.colour,
            "depth": code_depth(c),
        }
        for c in codes
    ]
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "coding/workspace.html",
        questionnaire=questionnaire,
        codebook=book,
        question=question,
        question_label=_question_label(questionnaire, question),
        questions=questions,
        form=form,
        rows=rows,
        total=total,
        all_count=counts["answers"],
        coded_by_me=counts["coded_by_me"],
        to_review=counts["to_review"],
        page=page,
        pages=pages,
        query_args=query_args,
        codes=codes,
        codes_json=codes_json,
        code_counts=counts["code_counts"],
        code_depth=code_depth,
        **_answer_helpers(blind),
        pending=counts["pending"],
        job=running_job(ANALYSE, questionnaire.id),
        training=None if blind else training_summary(questionnaire.id),
    )
