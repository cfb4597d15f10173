"""The pseudonymisation review: a coder checks, corrects and validates the masked answers
before their verbatims are shown to the collectif."""

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

from questionnaires.messages import as_sentence
from questionnaires.model import label_in

from ...accounts.roles import CODE, role_required
from ...transaction import abandon
from .. import bp, results
from ..forms import ActionForm
from ..services import (
    CodingError,
    active_codes,
    code_label,
    correct_pseudonymisation,
    free_text_questions,
    occurrences,
    pseudonymised_in,
    validate_pseudonymisation,
    validate_pseudonymisations,
)
from .common import (
    _codebook,
    _questionnaire,
)

REVIEW_PAGE = 30


def _review_args() -> dict:
    """The review page's filters, kept across its forms' redirects."""
    args = {"vue": request.values.get("vue", "a_valider")}
    for name in ("question", "code"):
        if request.values.get(name):
            args[name] = request.values[name]
    return args


@bp.route("/<int:questionnaire_id>/pseudonymisation", methods=["GET", "POST"])
@role_required(*CODE)
def pseudonymisation(questionnaire_id: int):
    from analyse.pseudonymise import KINDS

    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action")
        if action == "valider_page":
            # Only the answers that were on the coder's screen, listed in the form.
            ids = [int(value) for value in request.form.getlist("answers") if value.isdigit()][
                :REVIEW_PAGE
            ]
            records = pseudonymised_in(questionnaire, ids)
            count, problems = validate_pseudonymisations(records, current_user.id)
            flash(
                f"{count} réponse(s) validée(s) : leurs verbatims sont maintenant visibles du collectif.",
                "success",
            )
            for problem in problems:
                flash(as_sentence(problem), "error")
            return redirect(
                url_for(
                    "coding.pseudonymisation", questionnaire_id=questionnaire.id, **_review_args()
                )
            )
        found = pseudonymised_in(questionnaire, [request.form.get("answer", type=int) or 0])
        if not found:
            abort(404)
        stored = found[0]
        try:
            if action == "retirer":
                correct_pseudonymisation(
                    stored,
                    remove=[
                        (request.form.get("start", type=int), request.form.get("end", type=int))
                    ],
                )
            elif action == "ajouter":
                correct_pseudonymisation(
                    stored,
                    add=occurrences(
                        stored, request.form.get("texte", ""), request.form.get("type", "PERSONNE")
                    ),
                )
            elif action == "valider":
                validate_pseudonymisation(stored, current_user.id)
            else:
                abort(400)
        except CodingError as error:
            abandon()
            flash(as_sentence(error.message), "error")
        else:
            flash(
                "Pseudonymisation validée : ce verbatim est visible du collectif."
                if action == "valider"
                else "Correction enregistrée : à valider.",
                "success",
            )
        return redirect(
            url_for("coding.pseudonymisation", questionnaire_id=questionnaire.id, **_review_args())
            + f"#reponse-{stored.id}"
        )
    filters = _review_args()
    view = filters["vue"]
    questions = free_text_questions(questionnaire)
    question = filters.get("question", "")
    code = None
    if filters.get("code", "").isdigit() and len(filters["code"]) < 10:
        code = results.code_by_id(book, int(filters["code"]))
    family = results.code_family(book, code) if code is not None else None
    listed, waiting, validated = results.review_rows(
        book, question=question, code_ids=family, validated=view != "a_valider", limit=REVIEW_PAGE
    )
    publication = results.publication_of(questionnaire.id)
    return render_template(
        "coding/pseudonymisation.html",
        questionnaire=questionnaire,
        rows=listed,
        count=waiting if view == "a_valider" else validated,
        waiting=waiting,
        validated=validated,
        view=view,
        form=form,
        kinds=KINDS,
        not_analysed=publication.answers - publication.analysed,
        publication=publication,
        filters=filters,
        questions=questions,
        question=question,
        code=code,
        codes=active_codes(book),
        label_in=label_in,
        code_label=code_label,
    )
