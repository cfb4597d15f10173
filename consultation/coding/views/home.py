"""The coding home page: the questionnaires, their codebooks and progress, and the analysis and
retraining jobs started from it."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from questionnaires.model import label_in

from ...accounts.roles import CODE, READ_RESULTS, role_required
from ...jobs.queue import enqueue
from ...transaction import abandon
from .. import bp, results
from ..forms import ActionForm
from ..jobs import (
    ANALYSE,
    RETRAIN,
    latest_job,
    running_job,
    start_analysis,
    training_summary,
)
from ..services import (
    CodingError,
    codable_questionnaires,
    codebook_of,
    create_default_codebook,
    free_text_questions,
)
from .common import (
    _codebook,
    _is_coder,
    _questionnaire,
)


@bp.route("/")
@role_required(*READ_RESULTS)
def index():
    overview = []
    for questionnaire in codable_questionnaires():
        codebook = codebook_of(questionnaire.id)
        entry = {
            "questionnaire": questionnaire,
            "codebook": codebook,
            "questions": [],
            "job": running_job(ANALYSE, questionnaire.id) or running_job(RETRAIN, questionnaire.id),
            "last_analysis": latest_job(ANALYSE, questionnaire.id),
            "training": training_summary(questionnaire.id),
        }
        if codebook is not None and _is_coder():
            counts, publication, to_validate = results.home_figures(codebook)
            for question in free_text_questions(questionnaire):
                found = counts.get(question.name, {})
                entry["questions"].append(
                    {
                        "name": question.name,
                        "label": label_in(question.label, "fr") or question.name,
                        "answers": found.get("answers", 0),
                        "coded": found.get("coded", 0),
                        "suggestions": found.get("suggestions", 0),
                        "to_review": found.get("to_review", 0),
                    }
                )
            entry["to_validate"] = to_validate
            entry["publication"] = publication
        overview.append(entry)
    return render_template(
        "coding/index.html", overview=overview, action_form=ActionForm(), is_coder=_is_coder()
    )


@bp.route("/<int:questionnaire_id>/livre/creer", methods=["POST"])
@role_required(*CODE)
def create_codebook(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        codebook = create_default_codebook(questionnaire)
    except CodingError as error:
        abandon()
        flash(error.message, "error")
        return redirect(url_for("coding.index"))
    flash(
        f"Livre de codes créé à partir de celui de l'ABS ({len(codebook.codes)} codes).", "success"
    )
    return redirect(url_for("coding.codebook", questionnaire_id=questionnaire.id))


@bp.route("/<int:questionnaire_id>/analyser", methods=["POST"])
@role_required(*CODE)
def analyse(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _codebook(questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    if running_job(ANALYSE, questionnaire.id) is not None:
        flash("Une analyse de ce questionnaire est déjà en cours.", "warning")
        return redirect(url_for("coding.index"))
    job = start_analysis(questionnaire.id, current_user.id, force=request.form.get("tout") == "1")
    enqueue(job)
    return redirect(url_for("coding.index"))


@bp.route("/<int:questionnaire_id>/reentrainer", methods=["POST"])
@role_required(*CODE)
def retrain(questionnaire_id: int):
    from ...jobs.queue import start_job

    questionnaire = _questionnaire(questionnaire_id)
    _codebook(questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    if running_job(RETRAIN, questionnaire.id) is None:
        job = start_job(RETRAIN, {"questionnaire_id": questionnaire.id}, current_user.id)
        enqueue(job)
    return redirect(url_for("coding.index"))
