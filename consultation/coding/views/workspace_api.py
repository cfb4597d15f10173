"""The JSON endpoints internal to the coding workspace page (coding/workspace.html).

They are NOT part of the documented API (/api/v1, consultation/api/): no token, no versioning,
no stability promise. They are called only by static/js/coding.js from the workspace page, with
the coder's session cookie and the page's CSRF token (X-CSRFToken header; unlike /api/v1 this
blueprint is not exempt from CSRF), and answer errors as {"error": "<French message>"} with a 4xx
status. The coding actions return the re-rendered answer row, which the page swaps in place."""

from __future__ import annotations

from flask import (
    jsonify,
    render_template,
    request,
)
from flask_login import current_user

from questionnaires.messages import as_sentence

from ...accounts.roles import CODE, role_required
from ...extensions import db
from ...jobs.queue import enqueue
from .. import bp, results
from ..jobs import (
    maybe_start_retraining,
)
from ..models import Coding, Suggestion
from ..services import (
    CodingError,
    accept_suggestion,
    add_coding,
    answer_row,
    attach_followed,
    code_depth,
    code_label,
    codebook_of,
    confirm_coding,
    create_code,
    reject_suggestion,
    remove_coding,
    save_memo,
    submission_in,
)
from .common import (
    _answer_helpers,
    _blind,
    _questionnaire,
)


def _error(error: CodingError):
    return jsonify({"error": as_sentence(error.message)}), error.status


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise CodingError("corps de requête JSON attendu", 400)
    return payload


def _retrain_when_due(codebook) -> bool:
    """Starts a retraining when enough new codings arrived; it runs once the request commits."""
    job = maybe_start_retraining(codebook, current_user.id)
    if job is not None:
        enqueue(job)
        return True
    return False


def _row_payload(questionnaire_id: int, submission_id: int, path: str, book) -> str:
    blind = _blind(questionnaire_id)
    row = answer_row(questionnaire_id, submission_id, path, coder_id=current_user.id, blind=blind)
    if row is None:
        return ""
    attach_followed([row], _questionnaire(questionnaire_id))
    return render_template("coding/_answer.html", row=row, **_answer_helpers(blind))


# Internal to the workspace page (static/js/coding.js), not /api/v1: session + CSRF authenticated.
@bp.route("/<int:questionnaire_id>/api/codages", methods=["POST"])
@role_required(*CODE)
def api_add_coding(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    try:
        if book is None:
            raise CodingError("ce questionnaire n'a pas encore de livre de codes", 409)
        payload = _json_body()
        submission = submission_in(questionnaire, payload.get("submission_id"))
        path = str(payload.get("path") or "")
        created_code = None
        if payload.get("new_code"):
            parent_id = payload.get("parent_id")
            parent = results.code_by_id(book, parent_id) if isinstance(parent_id, int) else None
            created_code = create_code(book, str(payload["new_code"]), parent=parent)
            code = created_code
        else:
            code = (
                results.code_by_id(book, payload.get("code_id"))
                if isinstance(payload.get("code_id"), int)
                else None
            )
            if code is None:
                raise CodingError("code inconnu : choisissez un code du livre de codes", 422)
        coding = add_coding(
            submission,
            path,
            payload.get("start"),
            payload.get("end"),
            code,
            current_user.id,
            expected_hash=payload.get("text_hash"),
        )
    except CodingError as error:
        return _error(error)
    retraining = _retrain_when_due(book)
    body = {
        "coding": {"id": coding.id, "start": coding.start, "end": coding.end, "code_id": code.id},
        "row_html": _row_payload(questionnaire.id, submission.id, path, book),
        "retraining": retraining,
    }
    if created_code is not None:
        body["code"] = {
            "id": code.id,
            "name": code.name,
            "label": code_label(code),
            "colour": code.colour,
            "depth": code_depth(code),
        }
    return jsonify(body), 201


def _coding_in(book, coding_id: int) -> Coding:
    """A coding of this questionnaire's codebook; any other is « introuvable » (404)."""
    coding = db.session.get(Coding, coding_id)
    if coding is None or book is None or coding.code.codebook_id != book.id:
        raise CodingError("codage introuvable", 404)
    return coding


# Internal to the workspace page (static/js/coding.js), not /api/v1: session + CSRF authenticated.
@bp.route("/<int:questionnaire_id>/api/codages/<int:coding_id>", methods=["DELETE"])
@role_required(*CODE)
def api_remove_coding(questionnaire_id: int, coding_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    try:
        coding = _coding_in(book, coding_id)
        submission_id, path = coding.submission_id, coding.path
        remove_coding(coding, current_user)
    except CodingError as error:
        return _error(error)
    return jsonify({"row_html": _row_payload(questionnaire.id, submission_id, path, book)})


# Internal to the workspace page (static/js/coding.js), not /api/v1: session + CSRF authenticated.
@bp.route("/<int:questionnaire_id>/api/codages/<int:coding_id>/confirmer", methods=["POST"])
@role_required(*CODE)
def api_confirm_coding(questionnaire_id: int, coding_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    try:
        coding = _coding_in(book, coding_id)
        confirm_coding(coding, current_user)
    except CodingError as error:
        return _error(error)
    return jsonify(
        {"row_html": _row_payload(questionnaire.id, coding.submission_id, coding.path, book)}
    )


# Internal to the workspace page (static/js/coding.js), not /api/v1: session + CSRF authenticated.
@bp.route(
    "/<int:questionnaire_id>/api/suggestions/<int:suggestion_id>/<decision>", methods=["POST"]
)
@role_required(*CODE)
def api_decide(questionnaire_id: int, suggestion_id: int, decision: str):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    suggestion = db.session.get(Suggestion, suggestion_id)
    try:
        if suggestion is None or book is None or suggestion.code.codebook_id != book.id:
            raise CodingError("suggestion introuvable", 404)
        if decision == "accepter":
            accept_suggestion(suggestion, current_user)
        elif decision == "rejeter":
            reject_suggestion(suggestion, current_user)
        else:
            raise CodingError("décision inconnue : accepter ou rejeter", 404)
    except CodingError as error:
        return _error(error)
    submission_id, path = suggestion.submission_id, suggestion.path
    retraining = _retrain_when_due(book)
    return jsonify(
        {
            "status": suggestion.status,
            "retraining": retraining,
            "row_html": _row_payload(questionnaire.id, submission_id, path, book),
        }
    )


# Internal to the workspace page (static/js/coding.js), not /api/v1: session + CSRF authenticated.
@bp.route("/<int:questionnaire_id>/api/memos", methods=["POST"])
@role_required(*CODE)
def api_memo(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    try:
        payload = _json_body()
        text = payload.get("text")
        if not isinstance(text, str):
            raise CodingError("texte du mémo attendu", 400)
        if payload.get("code_id") is not None:
            code = (
                results.code_by_id(book, payload["code_id"])
                if book and isinstance(payload["code_id"], int)
                else None
            )
            if code is None:
                raise CodingError("code inconnu", 404)
            memo = save_memo(current_user.id, text, code=code)
        else:
            submission = submission_in(questionnaire, payload.get("submission_id"))
            memo = save_memo(
                current_user.id, text, submission=submission, path=str(payload.get("path") or "")
            )
    except CodingError as error:
        return _error(error)
    return jsonify({"saved": memo is not None, "text": memo.text if memo else ""})
