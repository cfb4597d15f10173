"""The results for the collectif: frequencies, co-occurrences, keywords in context, word clouds
and the verbatims of a code."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    render_template,
    request,
    send_file,
)

from questionnaires.model import label_in

from ...accounts.roles import READ_RESULTS, role_required
from ...submissions.models import PUBLICS
from .. import bp, results
from ..clouds import cloud_path, cloud_state
from ..services import (
    active_codes,
    code_label,
    codebook_of,
    free_text_questions,
    memo_of,
)
from .common import (
    _clouds,
    _code_or_404,
    _codebook,
    _is_coder,
    _questionnaire,
)

VERBATIM_PAGE = 50  # answers per page of verbatims


@bp.route("/<int:questionnaire_id>/resultats")
@role_required(*READ_RESULTS)
def results_page(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    if book is None:
        return render_template("coding/results.html", questionnaire=questionnaire, codebook=None)
    by = request.args.get("par", "public")
    by = by if by in results.GROUPINGS else "public"
    originals = _is_coder()
    lemma = (request.args.get("lemme") or "").strip()[:60]
    cloud_code = request.args.get("nuage_code", "")[:64]
    lines, kwic_waiting = (
        results.kwic_lines(questionnaire.id, lemma, originals) if lemma else ([], 0)
    )
    codes = active_codes(book)
    questions = {
        q.name: label_in(q.label, "fr") or q.name for q in free_text_questions(questionnaire)
    }
    summary = results.results_figures(book, by)
    publication = summary["publication"]
    clouds = _clouds(book, code=cloud_code if cloud_code in {c.key for c in codes} else "")
    return render_template(
        "coding/results.html",
        questionnaire=questionnaire,
        codebook=book,
        by=by,
        groupings=results.GROUPINGS,
        overall=summary["overall"],
        table=summary["table"],
        cooccurrence=summary["cooccurrence"],
        lemma=lemma,
        kwic=lines,
        kwic_waiting=kwic_waiting,
        codes=codes,
        publics=PUBLICS,
        questions=questions,
        respondents=summary["respondents"],
        answers=publication.answers,
        coded=publication.coded,
        publication=publication,
        originals=originals,
        to_review=summary["to_review"],
        visible_by_public=summary["visible_by_public"],
        cloud_code=cloud_code,
        cloud_public=request.args.get("nuage_public", ""),
        cloud_code_visible=originals or _code_visible(book, cloud_code),
        clouds=clouds["clouds"],
        clouds_drawing=clouds["drawing"],
        audience="coders" if originals else "readers",
    )


def _code_visible(book, key: str) -> bool:
    """Whether a non-coder may read at least one segment of the code (a cloud with none is not drawn)."""
    code = (
        next((c for c in book.codes if c.key == key and c.merged_into_id is None), None)
        if key
        else None
    )
    return code is not None and results.code_visible(book, code)


@bp.route("/<int:questionnaire_id>/resultats/code/<int:code_id>")
@role_required(*READ_RESULTS)
def verbatims(questionnaire_id: int, code_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    code = _code_or_404(book, code_id)
    public = request.args.get("public", "")
    public = public if public in PUBLICS else ""
    family = results.code_family(book, code)
    total, visible = results.verbatim_counts(book, family, public=public)
    originals = _is_coder()
    # Pages of answers: a code may have thousands of verbatims.
    answers = results.coded_answer_count(book, family, public=public)
    pages = max((answers + VERBATIM_PAGE - 1) // VERBATIM_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = results.rows_coded_with(
        book, family, public=public, limit=VERBATIM_PAGE, offset=(page - 1) * VERBATIM_PAGE
    )
    shown, _ = results.verbatims(book, rows, code, originals)
    waiting = 0 if originals else total - visible
    memo = memo_of(code)
    return render_template(
        "coding/verbatims.html",
        questionnaire=questionnaire,
        code=code,
        label=code_label(code),
        verbatims=shown,
        waiting=waiting,
        memo=memo,
        publics=PUBLICS,
        public=public,
        originals=originals,
        total=total,
        visible=visible,
        page=page,
        pages=pages,
        questions={
            q.name: label_in(q.label, "fr") or q.name for q in free_text_questions(questionnaire)
        },
    )


@bp.route("/<int:questionnaire_id>/nuage/<kind>/<key>.<fmt>")
@role_required(*READ_RESULTS)
def cloud(questionnaire_id: int, kind: str, key: str, fmt: str):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    if kind not in ("code", "public") or fmt not in ("png", "svg"):
        abort(404)
    audience = "coders" if _is_coder() else "readers"
    # The image of a page already shown: served as drawn; only a missing one starts a drawing.
    state, _ = cloud_state(book, refresh=False)
    path = cloud_path(state, audience, kind, key, fmt)
    if path is None:
        active = kind == "code" and any(
            c.key == key and c.merged_into_id is None for c in book.codes
        )
        state = _clouds(book, code=key if active else "")
        path = cloud_path(state, audience, kind, key, fmt)
    if path is None:
        if state["drawing"]:
            # 202, not an error: the drawing this request may have started is committed with it.
            return Response(
                "Nuage de mots en cours de dessin : rechargez la page dans un instant.",
                status=202,
                mimetype="text/plain",
                headers={"Retry-After": "10"},
            )
        return Response(
            "Pas assez de mots pour dessiner ce nuage.", status=404, mimetype="text/plain"
        )
    response = send_file(
        path, mimetype="image/png" if fmt == "png" else "image/svg+xml", max_age=300
    )
    if fmt == "svg":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
    return response
