"""« Thèmes émergents »: Reinert's classes of a questionnaire's free-text answers, before any
codebook. Readers see the last classification (dendrogram, words, typical segments pseudonymised
for them, over-represented profiles); coders run it again with other settings, turn a class into a
code with suggestions, and export the corpus for IRaMuTeQ and the classes as CSV."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from analyse.charts import french_number
from analyse.reinert_chart import dendrogram_svg
from questionnaires.model import label_in

from ...accounts.roles import CODE, READ_RESULTS, role_required
from ...jobs.queue import enqueue
from ...submissions.exports import table_csv_bytes
from ...transaction import abandon
from .. import bp, classes
from ..forms import ActionForm
from ..jobs import latest_job, running_job
from ..services import CodingError, codebook_of, free_text_questions
from .common import _is_coder, _questionnaire


def _questions(questionnaire) -> list[tuple[str, str]]:
    return [
        (question.name, label_in(question.label, "fr") or question.name)
        for question in free_text_questions(questionnaire)
    ]


def _commune_names() -> dict[str, str]:
    return {commune.insee_code: commune.name for commune in g.study.communes}


@bp.route("/<int:questionnaire_id>/classes")
@role_required(*READ_RESULTS)
def classes_page(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    runs = classes.runs_of(questionnaire.id)
    run = runs[0] if runs else None
    asked = request.args.get("run", "")
    if asked:
        known = asked.isdecimal() and len(asked) < 10
        run = classes.run_of(questionnaire.id, int(asked)) if known else None
        if run is None:
            abort(404)
    originals = _is_coder()
    context = {}
    if run is not None:
        shown = classes.shown_classes(run, originals, _commune_names())
        labels = {
            item.number: f"Classe {item.number} · {french_number(100 * item.share, 0)} %"
            for item in shown
        }
        context = {
            "shown": shown,
            # A double classification has no tree: its classes are crossings of two trees.
            "dendrogram": dendrogram_svg(
                "dendrogramme",
                run.result["splits"],
                {int(node): number for node, number in run.result["leaves"].items()},
                labels,
            )
            if run.result["splits"]
            else None,
            "current": classes.is_current(run),
        }
    questions = _questions(questionnaire)
    return render_template(
        "coding/classes.html",
        questionnaire=questionnaire,
        questions=questions,
        question_labels=dict(questions),
        run=run,
        runs=runs,
        job=running_job(classes.CLASSIFY, questionnaire.id),
        last_job=latest_job(classes.CLASSIFY, questionnaire.id),
        has_codebook=codebook_of(questionnaire.id) is not None,
        class_choices=classes.CLASS_CHOICES,
        segment_sizes=classes.SEGMENT_SIZES,
        variables=classes.PROFILE_VARIABLES,
        form=ActionForm(),
        number=french_number,
        originals=originals,
        **context,
    )


@bp.route("/<int:questionnaire_id>/classes", methods=["POST"])
@role_required(*CODE)
def classes_run(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("coding.classes_page", questionnaire_id=questionnaire.id))
    if running_job(classes.CLASSIFY, questionnaire.id) is not None:
        flash("Une classification de ce questionnaire est déjà en cours.", "warning")
        return back
    try:
        parameters = classes.check_parameters(
            request.form.getlist("questions"),
            [name for name, _label in _questions(questionnaire)],
            request.form.get("classes"),
            request.form.get("segment_size"),
            request.form.get("double") == "1",
        )
    except CodingError as error:
        flash(error.message, "error")
        return back
    job = classes.start_classification(
        questionnaire.id, request.form.getlist("questions"), parameters, current_user.id
    )
    enqueue(job)
    return back


@bp.route("/<int:questionnaire_id>/classes/<int:run_id>/<int:number>/code", methods=["POST"])
@role_required(*CODE)
def classes_code(questionnaire_id: int, run_id: int, number: int):
    questionnaire = _questionnaire(questionnaire_id)
    run = classes.run_of(questionnaire.id, run_id)
    if run is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("coding.classes_page", questionnaire_id=questionnaire.id, run=run.id))
    codebook = codebook_of(questionnaire.id)
    if codebook is None:
        flash("Créez d'abord le livre de codes de ce questionnaire.", "warning")
        return back
    try:
        code, created = classes.create_code_from_class(codebook, run, number)
    except CodingError as error:
        abandon()
        flash(error.message, "error")
        return back
    flash(
        f"Code « {code.name} » créé, avec {created} suggestion(s) à accepter ou refuser dans "
        "l'espace de codage.",
        "success",
    )
    return back


@bp.route("/<int:questionnaire_id>/classes/<int:run_id>/<int:number>/nuage.svg")
@role_required(*READ_RESULTS)
def classes_cloud(questionnaire_id: int, run_id: int, number: int):
    questionnaire = _questionnaire(questionnaire_id)
    run = classes.run_of(questionnaire.id, run_id)
    if run is None:
        abort(404)
    shown = classes.shown_classes(run, _is_coder(), _commune_names())
    path = classes.cloud_file(run, number)
    if path is None or not any(item.number == number and item.cloud for item in shown):
        return Response("Pas de nuage pour cette classe.", status=404, mimetype="text/plain")
    return send_file(path, mimetype="image/svg+xml", max_age=0)


@bp.route("/<int:questionnaire_id>/classes/iramuteq.txt")
@role_required(*CODE)
def classes_iramuteq(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    known = [name for name, _label in _questions(questionnaire)]
    questions = [name for name in request.args.getlist("questions") if name in known] or known
    variables = [
        name for name in request.args.getlist("variables") if name in classes.PROFILE_VARIABLES
    ]
    content = classes.iramuteq_corpus(questionnaire.id, questions, variables)
    return Response(
        content,
        mimetype="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="corpus-iramuteq-{questionnaire.id}.txt"'
        },
    )


@bp.route("/<int:questionnaire_id>/classes/<int:run_id>/classes.csv")
@role_required(*CODE)
def classes_csv(questionnaire_id: int, run_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    run = classes.run_of(questionnaire.id, run_id)
    if run is None:
        abort(404)
    rows = classes.class_table(run)
    columns = ["reponse", "question", "segment", "classe", "texte"]
    content = table_csv_bytes(
        ["réponse", "question", "segment", "classe", "texte"],
        [[row[column] for column in columns] for row in rows],
    )
    return Response(
        content,
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="classes-{questionnaire.id}-{run.id}.csv"'
        },
    )
