"""Designer pages: thin views that parse a form (forms.py maps it onto the model), call a service and render."""

from __future__ import annotations

import io

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from questionnaires import Group, Question, editing, label_in

from ..accounts.roles import DESIGN, role_required
from ..extensions import db
from ..questionnaire_store.models import STATUS_LABELS, Questionnaire
from ..transaction import abandon
from . import bp, services
from .conditions import condition_subjects
from .forms import (
    GROUP_TEXTS,
    QUESTION_TEXTS,
    TYPE_LABELS,
    ImportForm,
    MoveForm,
    NewChoiceListForm,
    NewQuestionnaireForm,
    SettingsForm,
    choice_form,
    choice_from_form,
    choice_list_choices,
    choices_from_lines,
    fill_form_from_choice,
    fill_form_from_group,
    fill_form_from_question,
    fill_settings_form,
    group_form,
    group_from_form,
    language_name,
    move_destinations,
    put_errors,
    question_form,
    question_from_form,
    settings_from_form,
    suggested_name,
)
from .services import DesignerError


@bp.app_context_processor
def designer_template_helpers():
    return {
        "TYPE_LABELS": TYPE_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "label_in": label_in,
        "language_name": language_name,
        "is_group": lambda node: isinstance(node, Group),
    }


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _show_errors(form, error: DesignerError, language: str = "fr") -> None:
    """Puts each message of `error` under its field; the rest goes to the form's own errors."""
    abandon()
    put_errors(form, error.errors, language)


def _editable_model(questionnaire: Questionnaire):
    version = services.working_version(questionnaire)
    if version is None:
        # A questionnaire created elsewhere without any version: give it its empty draft v1.
        version = services.editable_draft(questionnaire)
    return version, version.model()


def _redirect_editor(questionnaire: Questionnaire, anchor: str | None = None):
    url = url_for("designer.editor", questionnaire_id=questionnaire.id)
    return redirect(url + (f"#element-{anchor}" if anchor else ""))


# --- list, create, import -------------------------------------------------------------------


@bp.route("/")
@role_required(*DESIGN)
def index():
    questionnaires = db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.archived.is_(False))
        .order_by(Questionnaire.updated_at.desc())
    ).all()
    return render_template("designer/index.html", questionnaires=questionnaires)


@bp.route("/nouveau", methods=["GET", "POST"])
@role_required(*DESIGN)
def create():
    form = NewQuestionnaireForm()
    if form.validate_on_submit():
        try:
            questionnaire = services.create_questionnaire(
                form.title.data,
                form_id=form.form_id.data or "",
                language=form.language.data or "fr",
                description=form.description.data or "",
                user=current_user,
            )
        except DesignerError as error:
            _show_errors(form, error)
        else:
            flash("Questionnaire créé : ajoutez ses questions.", "success")
            return _redirect_editor(questionnaire)
    return render_template("designer/create.html", form=form)


@bp.route("/importer", methods=["GET", "POST"])
@role_required(*DESIGN)
def import_form():
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        attachments = {
            attached.filename: attached.read()
            for attached in form.attachments.data or []
            if attached and attached.filename
        }
        outcome = services.import_xlsform(
            io.BytesIO(upload.read()),
            attachments=attachments,
            title=form.title.data or None,
            user=current_user,
            publish_it=False,
            filename=upload.filename or "",
        )
        if outcome.ok and form.publish.data:
            try:
                services.publish(outcome.questionnaire, current_user)
            except DesignerError as error:
                abandon()
                outcome = services.ImportOutcome(None, _problem_lines(error), outcome.warnings)
        if outcome.ok:
            questionnaire = outcome.questionnaire
            flash(
                f"Questionnaire importé : {len(questionnaire.latest.model().questions())} question(s).",
                "success",
            )
            if outcome.warnings:
                # Shown once, as one list on the editor; capped so that the session cookie stays small.
                session["import_warnings"] = {
                    "questionnaire": questionnaire.id,
                    "lines": [str(warning) for warning in outcome.warnings[:IMPORT_WARNINGS_SHOWN]],
                    "total": len(outcome.warnings),
                }
            return _redirect_editor(questionnaire)
        abandon()
    return render_template("designer/import.html", form=form, outcome=outcome)


IMPORT_WARNINGS_SHOWN = 20


def _import_warnings(questionnaire: Questionnaire) -> dict | None:
    warnings = session.get("import_warnings")
    if warnings and warnings.get("questionnaire") == questionnaire.id:
        session.pop("import_warnings")
        return warnings
    return None


def _problem_lines(error: DesignerError) -> list[str]:
    problems = getattr(error, "problems", None)
    if problems:
        return [services.describe_problem(problem) for problem in problems]
    return [error.message]


# --- the editor -----------------------------------------------------------------------------


@bp.route("/<int:questionnaire_id>")
@role_required(*DESIGN)
def editor(questionnaire_id: int):
    return _editor_page(_questionnaire(questionnaire_id))


def _editor_page(questionnaire, **extra):
    version, model = _editable_model(questionnaire)
    return render_template(
        "designer/editor.html",
        questionnaire=questionnaire,
        version=version,
        model=model,
        language=model.default_language,
        groups=editing.groups_of(model),
        import_warnings=_import_warnings(questionnaire),
        expression_warnings=services.expression_warnings(model),
        **extra,
    )


@bp.route("/<int:questionnaire_id>/reglages", methods=["GET", "POST"])
@role_required(*DESIGN)
def settings(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    form = SettingsForm()
    if request.method == "GET":
        fill_settings_form(form, questionnaire, model)
    if form.validate_on_submit():
        try:
            services.update_settings(questionnaire, **settings_from_form(form))
        except DesignerError as error:
            _show_errors(form, error)
        else:
            flash("Réglages enregistrés.", "success")
            return _redirect_editor(questionnaire)
    return render_template("designer/settings.html", questionnaire=questionnaire, form=form)


def _question_page(questionnaire, model, form, question_name: str | None, parent: str | None):
    return render_template(
        "designer/question.html",
        questionnaire=questionnaire,
        model=model,
        form=form,
        question_name=question_name,
        parent=parent,
        languages=model.languages,
        texts=QUESTION_TEXTS,
        references=editing.references_to(model, question_name) if question_name else [],
        condition_subjects=condition_subjects(model, question_name, parent),
    )


@bp.route("/<int:questionnaire_id>/questions/nouvelle", methods=["GET", "POST"])
@role_required(*DESIGN)
def new_question(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    form = question_form(model.languages)()
    form.choice_list.choices = choice_list_choices(model)
    parent = request.values.get("parent") or None
    if request.method == "GET":
        wanted_type = request.args.get("type", "text")
        form.type.data = wanted_type if wanted_type in TYPE_LABELS else "text"
        form.parent.data = parent or ""
        form.name.data = suggested_name(model, form.type.data)
    if form.validate_on_submit():
        parent = form.parent.data or None
        question = question_from_form(form, model.languages)
        try:
            position = request.form.get("position", type=int)
            services.add_node(questionnaire, question, parent=parent, position=position)
        except DesignerError as error:
            _show_errors(form, error, model.default_language)
        else:
            flash(f"Question « {question.name} » ajoutée.", "success")
            if request.form.get("then") == "another":
                return redirect(
                    url_for(
                        "designer.new_question",
                        questionnaire_id=questionnaire.id,
                        type=question.type,
                        parent=parent or "",
                    )
                )
            return _redirect_editor(questionnaire, question.name)
    return _question_page(questionnaire, model, form, None, parent)


def _save_edited_node(questionnaire, model, form, name: str, updated, saved_message: str):
    """Saves an edited question or group; on a refusal, its errors go under the form's fields."""
    try:
        services.update_node(questionnaire, name, updated)
    except DesignerError as error:
        _show_errors(form, error, model.default_language)
        return None
    flash(saved_message, "success")
    return _redirect_editor(questionnaire, updated.name)


@bp.route("/<int:questionnaire_id>/questions/<name>", methods=["GET", "POST"])
@role_required(*DESIGN)
def edit_question(questionnaire_id: int, name: str):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    question = model.find(name)
    if not isinstance(question, Question):
        abort(404)
    form = question_form(model.languages)()
    form.choice_list.choices = choice_list_choices(model)
    if request.method == "GET":
        fill_form_from_question(form, question, model.languages)
    if form.validate_on_submit():
        updated = question_from_form(form, model.languages, question)
        saved = _save_edited_node(
            questionnaire, model, form, name, updated, f"Question « {updated.name} » enregistrée."
        )
        if saved is not None:
            return saved
    return _question_page(questionnaire, model, form, name, None)


def _group_page(questionnaire, model, form, group_name):
    return render_template(
        "designer/group.html",
        questionnaire=questionnaire,
        model=model,
        form=form,
        group_name=group_name,
        languages=model.languages,
        texts=GROUP_TEXTS,
        condition_subjects=condition_subjects(model, group_name, form.parent.data or None),
    )


@bp.route("/<int:questionnaire_id>/groupes/nouveau", methods=["GET", "POST"])
@role_required(*DESIGN)
def new_group(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    form = group_form(model.languages)()
    if request.method == "GET":
        form.parent.data = request.args.get("parent", "")
        form.name.data = editing.free_name(model, "groupe")
    if form.validate_on_submit():
        group = group_from_form(form, model.languages)
        try:
            services.add_node(questionnaire, group, parent=form.parent.data or None)
        except DesignerError as error:
            _show_errors(form, error, model.default_language)
        else:
            flash(f"Groupe « {group.name} » ajouté.", "success")
            return _redirect_editor(questionnaire, group.name)
    return _group_page(questionnaire, model, form, None)


@bp.route("/<int:questionnaire_id>/groupes/<name>", methods=["GET", "POST"])
@role_required(*DESIGN)
def edit_group(questionnaire_id: int, name: str):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    group = model.find(name)
    if not isinstance(group, Group):
        abort(404)
    form = group_form(model.languages)()
    if request.method == "GET":
        fill_form_from_group(form, group, model.languages)
    if form.validate_on_submit():
        updated = group_from_form(form, model.languages, group)
        saved = _save_edited_node(
            questionnaire, model, form, name, updated, f"Groupe « {updated.name} » enregistré."
        )
        if saved is not None:
            return saved
    return _group_page(questionnaire, model, form, name)


@bp.route("/<int:questionnaire_id>/elements/<name>/deplacer", methods=["GET", "POST"])
@role_required(*DESIGN)
def move(questionnaire_id: int, name: str):
    """Up/down buttons (direction), the "move to" form (parent + 1-based position), and drag and
    drop (the same fields, sent by fetch, answered in JSON)."""
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    node = model.find(name)
    if node is None:
        abort(404)
    wants_json = request.accept_mimetypes.best == "application/json"
    direction = request.form.get("direction")
    if request.method == "POST" and direction:
        try:
            services.move_node(questionnaire, name, direction=direction)
        except DesignerError as error:
            abandon()
            if wants_json:
                return jsonify({"ok": False, "message": error.message}), 400
            flash(error.message, "error")
        else:
            if wants_json:
                return jsonify({"ok": True})
        return _redirect_editor(questionnaire, name)

    form = MoveForm()
    form.parent.choices = move_destinations(model, node)
    siblings, index, parent = editing.locate(model, name)
    if request.method == "GET":
        form.parent.data = parent or ""
        form.position.data = index + 1
    if form.validate_on_submit():
        try:
            services.move_node(
                questionnaire,
                name,
                parent=form.parent.data or None,
                position=form.position.data - 1,
            )
        except DesignerError as error:
            if wants_json:
                abandon()
                return jsonify({"ok": False, "message": error.message}), 400
            _show_errors(form, error)
        else:
            if wants_json:
                return jsonify({"ok": True})
            flash("Élément déplacé.", "success")
            return _redirect_editor(questionnaire, name)
    elif wants_json:
        return jsonify({"ok": False, "message": "Déplacement invalide."}), 400
    return render_template(
        "designer/move.html", questionnaire=questionnaire, model=model, node=node, form=form
    )


@bp.route("/<int:questionnaire_id>/elements/<name>/supprimer", methods=["GET", "POST"])
@role_required(*DESIGN)
def delete(questionnaire_id: int, name: str):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    node = model.find(name)
    if node is None:
        abort(404)
    if request.method == "POST":
        services.delete_node(questionnaire, name)
        flash(f"« {name} » supprimé.", "success")
        return _redirect_editor(questionnaire)
    inside = editing.descendants(node) if isinstance(node, Group) else []
    return render_template(
        "designer/delete.html",
        questionnaire=questionnaire,
        node=node,
        is_group=isinstance(node, Group),
        inside=inside,
        references=editing.references_to(model, name),
        language=model.default_language,
    )


# --- choice lists ---------------------------------------------------------------------------


@bp.route("/<int:questionnaire_id>/listes", methods=["GET", "POST"])
@role_required(*DESIGN)
def choice_lists(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    form = NewChoiceListForm()
    if form.validate_on_submit():
        try:
            choices = choices_from_lines(form.choices.data or "", model.default_language)
            services.create_choice_list(questionnaire, form.list_name.data, choices)
        except DesignerError as error:
            _show_errors(form, error)
            if "name" in error.errors or "label" in error.errors:
                form.choices.errors = list(form.choices.errors) + [error.message]
        else:
            flash(f"Liste « {form.list_name.data.strip()} » créée.", "success")
            return_to = request.args.get("retour")
            if return_to and return_to.startswith("/") and not return_to.startswith("//"):
                return redirect(return_to)
            return redirect(
                url_for(
                    "designer.choice_list",
                    questionnaire_id=questionnaire.id,
                    list_name=form.list_name.data.strip(),
                )
            )
    return render_template(
        "designer/choice_lists.html",
        questionnaire=questionnaire,
        model=model,
        form=form,
        users={name: services.questions_using(model, name) for name in model.choice_lists},
    )


@bp.route("/<int:questionnaire_id>/listes/<list_name>", methods=["GET", "POST"])
@role_required(*DESIGN)
def choice_list(questionnaire_id: int, list_name: str):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    current = model.choice_lists.get(list_name)
    if current is None:
        abort(404)
    form = choice_form(model.languages)()
    if form.validate_on_submit():
        try:
            choice = choice_from_form(form, model.languages)
            services.add_choice(questionnaire, list_name, choice)
        except DesignerError as error:
            _show_errors(form, error, model.default_language)
        else:
            flash(f"Choix « {choice.name} » ajouté.", "success")
            return redirect(
                url_for(
                    "designer.choice_list", questionnaire_id=questionnaire.id, list_name=list_name
                )
                + "#nouveau-choix"
            )
    return render_template(
        "designer/choice_list.html",
        questionnaire=questionnaire,
        model=model,
        choice_list=current,
        form=form,
        languages=model.languages,
        users=services.questions_using(model, list_name),
    )


@bp.route("/<int:questionnaire_id>/listes/<list_name>/choix/<choice_name>", methods=["GET", "POST"])
@role_required(*DESIGN)
def edit_choice(questionnaire_id: int, list_name: str, choice_name: str):
    questionnaire = _questionnaire(questionnaire_id)
    _version, model = _editable_model(questionnaire)
    current = model.choice_lists.get(list_name)
    choice = (
        next((item for item in current.choices if item.name == choice_name), None)
        if current
        else None
    )
    if choice is None:
        abort(404)
    form = choice_form(model.languages)()
    if request.method == "GET":
        fill_form_from_choice(form, choice, model.languages)
    if form.validate_on_submit():
        try:
            updated = choice_from_form(form, model.languages, previous=choice)
            services.update_choice(questionnaire, list_name, choice_name, updated)
        except DesignerError as error:
            _show_errors(form, error, model.default_language)
        else:
            flash("Choix enregistré.", "success")
            return redirect(
                url_for(
                    "designer.choice_list", questionnaire_id=questionnaire.id, list_name=list_name
                )
            )
    return render_template(
        "designer/choice.html",
        questionnaire=questionnaire,
        list_name=list_name,
        choice=choice,
        form=form,
        languages=model.languages,
    )


@bp.route(
    "/<int:questionnaire_id>/listes/<list_name>/choix/<choice_name>/deplacer", methods=["POST"]
)
@role_required(*DESIGN)
def move_choice(questionnaire_id: int, list_name: str, choice_name: str):
    questionnaire = _questionnaire(questionnaire_id)
    try:
        services.move_choice(
            questionnaire,
            list_name,
            choice_name,
            direction=request.form.get("direction"),
            position=request.form.get("position", type=int),
        )
    except DesignerError as error:
        abandon()
        flash(error.message, "error")
    return redirect(
        url_for("designer.choice_list", questionnaire_id=questionnaire.id, list_name=list_name)
    )


@bp.route(
    "/<int:questionnaire_id>/listes/<list_name>/choix/<choice_name>/supprimer", methods=["POST"]
)
@role_required(*DESIGN)
def delete_choice(questionnaire_id: int, list_name: str, choice_name: str):
    questionnaire = _questionnaire(questionnaire_id)
    try:
        services.delete_choice(questionnaire, list_name, choice_name)
    except DesignerError as error:
        abandon()
        flash(error.message, "error")
    else:
        flash(f"Choix « {choice_name} » supprimé.", "success")
    return redirect(
        url_for("designer.choice_list", questionnaire_id=questionnaire.id, list_name=list_name)
    )


@bp.route("/<int:questionnaire_id>/listes/<list_name>/supprimer", methods=["POST"])
@role_required(*DESIGN)
def delete_choice_list(questionnaire_id: int, list_name: str):
    questionnaire = _questionnaire(questionnaire_id)
    try:
        services.delete_choice_list(questionnaire, list_name)
    except DesignerError as error:
        abandon()
        flash(error.message, "error")
        return redirect(
            url_for("designer.choice_list", questionnaire_id=questionnaire.id, list_name=list_name)
        )
    flash(f"Liste « {list_name} » supprimée.", "success")
    return redirect(url_for("designer.choice_lists", questionnaire_id=questionnaire.id))


# --- versions, publication, copies, export ----------------------------------------------------


@bp.route("/<int:questionnaire_id>/versions")
@role_required(*DESIGN)
def versions(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    from ..accounts.models import User

    publisher_ids = {
        version.published_by_id for version in questionnaire.versions if version.published_by_id
    }
    publishers = (
        {
            user.id: user
            for user in db.session.scalars(select(User).where(User.id.in_(publisher_ids)))
        }
        if publisher_ids
        else {}
    )
    ordered = questionnaire.versions
    changes = {
        version.number: editing.compare_definitions(previous.definition, version.definition)
        for previous, version in zip(ordered, ordered[1:])
    }
    return render_template(
        "designer/versions.html",
        questionnaire=questionnaire,
        versions=list(reversed(ordered)),
        publishers=publishers,
        changes=changes,
    )


@bp.route("/<int:questionnaire_id>/publier", methods=["POST"])
@role_required(*DESIGN)
def publish(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    try:
        version = services.publish(questionnaire, current_user)
    except DesignerError as error:
        abandon()
        return _editor_page(
            _questionnaire(questionnaire_id), publish_problems=_problem_lines(error)
        ), 422
    flash(
        f"Version {version.number} publiée : elle ne changera plus. Les prochaines modifications iront dans un nouveau brouillon.",
        "success",
    )
    return _redirect_editor(questionnaire)


@bp.route("/<int:questionnaire_id>/dupliquer", methods=["POST"])
@role_required(*DESIGN)
def duplicate(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    copy = services.duplicate(questionnaire, current_user)
    flash(f"Copie créée : « {copy.title} ».", "success")
    return _redirect_editor(copy)


@bp.route("/<int:questionnaire_id>/exporter")
@role_required(*DESIGN)
def export(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    version = _requested_version(questionnaire)
    buffer = io.BytesIO()
    services.export_xlsform(version, buffer)
    buffer.seek(0)
    filename = services.export_filename(questionnaire, version)
    if services.has_choice_files(version):
        # the form and the files its questions read their choices from, side by side
        return send_file(
            io.BytesIO(services.export_archive(version, filename)),
            mimetype="application/zip",
            as_attachment=True,
            download_name=filename.removesuffix(".xlsx") + ".zip",
        )
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )


def _requested_version(questionnaire: Questionnaire):
    number = request.args.get("version", type=int)
    version = (
        services.version_by_number(questionnaire, number)
        if number
        else services.working_version(questionnaire)
    )
    if version is None:
        abort(404)
    return version


# --- live expression check and preview ------------------------------------------------------


@bp.route("/<int:questionnaire_id>/expression", methods=["POST"])
@role_required(*DESIGN)
def check_expression(questionnaire_id: int):
    from questionnaires.expressions import check_expression as check

    questionnaire = _questionnaire(questionnaire_id)
    payload = request.get_json(silent=True) or {}
    expression = str(payload.get("expression") or "")
    question_name = str(payload.get("question") or "").strip()
    _version, model = _editable_model(questionnaire)
    names = editing.known_names(model, [question_name] if question_name else [])
    if not expression.strip():
        return jsonify({"ok": True, "errors": [], "warnings": []})
    problems = check(expression, names)
    errors = [problem for problem in problems if not problem.is_warning]
    warnings = [problem for problem in problems if problem.is_warning]
    return jsonify(
        {
            "ok": not errors,
            "errors": [{"message": error.message, "position": error.position} for error in errors],
            "warnings": [
                {"message": warning.message, "position": warning.position} for warning in warnings
            ],
        }
    )


@bp.route("/<int:questionnaire_id>/apercu")
@role_required(*DESIGN)
def preview(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    version = _requested_version(questionnaire)
    model = version.model()
    language = request.args.get("langue") or model.default_language
    if language not in model.languages:
        language = model.default_language
    return render_template(
        "designer/preview.html",
        questionnaire=questionnaire,
        version=version,
        model=model,
        language=language,
        mode="pages" if request.args.get("mode") == "pages" else "single",
    )
