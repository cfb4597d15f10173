import json

from flask import Response, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.roles import DESIGN, INTERVIEW, current_role, role_required
from ..submissions.assignments import (
    AssignmentError,
    all_assignments,
    assign,
    assignable_questionnaires,
    enumerators,
    unassign,
    versions_for,
)
from ..transaction import abandon
from . import bp
from .assets import (
    SERVICE_WORKER_FILE,
    asset_paths,
    assets_version,
    import_map,
    static_folder,
    versioned_url,
)
from .forms import AssignmentForm, RemoveAssignmentForm
from .services import bootstrap_payload


def _tablet_context() -> dict:
    version = assets_version()
    return {
        "assets_version": version,
        "import_map": import_map(version),
        "asset": lambda relative: versioned_url(relative, version),
    }


@bp.route("/")
@role_required(*INTERVIEW)
def index():
    return render_template(
        "interviews/index.html",
        versions=versions_for(current_user, current_role()),
        **_tablet_context(),
    )


@bp.route("/app")
@role_required(*INTERVIEW)
def app_shell():
    return render_template("interviews/app.html", **_tablet_context())


@bp.route("/bootstrap.json")
@role_required(*INTERVIEW)
def bootstrap():
    response = jsonify(bootstrap_payload(current_user))
    # The service worker keeps its own copy for offline use; no HTTP cache in between.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sw.js")
@role_required(*INTERVIEW)
def service_worker():
    version = assets_version()
    static_paths = asset_paths()
    config = {
        "version": version,
        "shell": [url_for("interviews.app_shell"), url_for("interviews.index")],
        "bootstrap": url_for("interviews.bootstrap"),
        # Versioned URLs as the pages ask for them, plain ones for relative imports between modules.
        "assets": [versioned_url(path, version) for path in static_paths]
        + [url_for("static", filename=path) for path in static_paths],
        "static_prefix": url_for("static", filename=""),
        "api_prefix": "/api/",
    }
    source = (static_folder() / SERVICE_WORKER_FILE).read_text(encoding="utf-8")
    body = f"const CONFIG = {json.dumps(config)};\n{source}"
    return Response(
        body,
        mimetype="text/javascript",
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": url_for("interviews.index"),
        },
    )


@bp.route("/affectations", methods=["GET", "POST"])
@role_required(*DESIGN)
def assignments():
    form = AssignmentForm()
    form.fill_choices(assignable_questionnaires(), enumerators())
    if form.validate_on_submit():
        try:
            assign(form.questionnaire_id.data, form.enumerator_id.data, current_user.id)
        except AssignmentError as error:
            abandon()
            form.form_errors.append(str(error))
        else:
            flash(
                "Questionnaire affecté : il sera sur la tablette de l'enquêteur à sa prochaine connexion.",
                "success",
            )
            return redirect(url_for("interviews.assignments"))
    return render_template(
        "interviews/assignments.html",
        form=form,
        remove_form=RemoveAssignmentForm(),
        assignments=all_assignments(),
    )


@bp.route("/affectations/<int:assignment_id>/retirer", methods=["POST"])
@role_required(*DESIGN)
def remove_assignment(assignment_id: int):
    form = RemoveAssignmentForm()
    if form.validate_on_submit() and unassign(assignment_id, current_user.id):
        flash(
            "Affectation retirée. Les entretiens déjà menés restent sur la tablette et seront envoyés.",
            "success",
        )
    else:
        flash("Cette affectation n'existe plus.", "error")
    return redirect(url_for("interviews.assignments"))
