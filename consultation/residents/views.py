"""/mes-reponses: the respondent types their receipt code and sees, downloads or erases their
answers. Every POST carries the code (no session to forget on a shared computer) and counts
against a limit per address when the code is wrong, so that codes cannot be tried in bulk."""

from flask import Response, render_template, request

from ..extensions import db, limiter
from ..studies.models import Study
from ..studies.scope import enter_study
from ..submissions.local_time import local_text
from ..submissions.rights import (
    copy_as_csv,
    copy_as_json,
    erase_submission,
    find_by_receipt,
    record_download,
    submission_copy,
)
from ..transaction import abandon
from . import bp
from .forms import CODE_HINT, DownloadForm, EraseForm, ReceiptForm

# The same words whether the code is malformed, unknown or erased: nothing is learnt from them.
WRONG_CODE = (
    "Aucune réponse ne correspond à ce code. Vérifiez-le sur votre récépissé "
    "(12 lettres et chiffres) ; s'il est exact, vos réponses ont peut-être déjà été effacées."
)
LIMIT_MESSAGE = "Trop de codes essayés depuis votre connexion : réessayez dans quelques minutes."
RESIDENT = "la personne (code de récépissé)"
WRONG_STATUS = 422


@bp.after_request
def _never_kept(response):
    # Someone's answers, shown on what may be a shared computer: no copy in any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _client_address() -> str:
    return request.remote_addr or "inconnue"


def _code_was_wrong(response) -> bool:
    return response.status_code == WRONG_STATUS


# Only wrong codes count: a person downloading then erasing is not an attack.
limited = limiter.limit(
    "10 per minute;30 per hour",
    methods=["POST"],
    key_func=_client_address,
    deduct_when=_code_was_wrong,
    error_message=LIMIT_MESSAGE,
)


def _wrong_code(form: ReceiptForm | None = None):
    form = form or ReceiptForm(formdata=None)
    form.code.errors = [WRONG_CODE]
    abandon()
    return render_template("residents/lookup.html", form=form, hint=CODE_HINT), WRONG_STATUS


def _submission_of(code: str):
    """The submission of the code, its study entered (for the journal and the scope)."""
    submission = find_by_receipt(code)
    if submission is not None:
        enter_study(db.session.get(Study, submission.study_id), None)
    return submission


def _answers_page(submission, code: str):
    return render_template(
        "residents/answers.html",
        copy=submission_copy(submission),
        received=local_text(submission.received_at, "%d/%m/%Y"),
        code=code,
        download_form=DownloadForm(formdata=None),
        erase_form=EraseForm(formdata=None),
    )


@bp.route("/", methods=["GET", "POST"])
@limited
def lookup():
    form = ReceiptForm()
    if request.method == "GET":
        return render_template("residents/lookup.html", form=form, hint=CODE_HINT)
    if not form.validate_on_submit():
        abandon()
        return render_template("residents/lookup.html", form=form, hint=CODE_HINT), 400
    submission = _submission_of(form.code.data)
    if submission is None:
        return _wrong_code(form)
    return _answers_page(submission, submission.receipt_code)


@bp.route("/telecharger", methods=["POST"])
@limited
def download():
    form = DownloadForm()
    if not form.validate_on_submit() or form.fmt.data not in ("json", "csv"):
        abandon()
        return render_template("residents/lookup.html", form=ReceiptForm(), hint=CODE_HINT), 400
    submission = _submission_of(form.code.data or "")
    if submission is None:
        return _wrong_code()
    copy = submission_copy(submission)
    record_download(submission, form.fmt.data, by_resident=True)
    name = f"mes-reponses-{submission.receipt_code}.{form.fmt.data}"
    if form.fmt.data == "json":
        body, mimetype = copy_as_json(copy), "application/json"
    else:
        body, mimetype = copy_as_csv(copy), "text/csv; charset=utf-8"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/effacer", methods=["POST"])
@limited
def erase():
    form = EraseForm()
    if not form.validate_on_submit():
        abandon()
        return render_template("residents/lookup.html", form=ReceiptForm(), hint=CODE_HINT), 400
    submission = _submission_of(form.code.data or "")
    if submission is None:
        return _wrong_code()
    if not form.confirm.data:
        if "confirm_step" in request.form:
            form.confirm.errors = [
                "Cochez la case pour confirmer : l'effacement ne peut pas être annulé."
            ]
        return render_template(
            "residents/erase.html", form=form, code=submission.receipt_code, copy=None
        )
    erase_submission(submission, reason="la personne", user_label=RESIDENT)
    return render_template("residents/erased.html")
