"""The codebook editor: create, edit, move, merge and delete codes, and a code's memo."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from questionnaires.messages import as_sentence

from ...accounts.roles import CODE, role_required
from ...extensions import db
from ...transaction import abandon
from .. import bp
from ..forms import ActionForm, CodeForm, MemoForm, MergeForm, MoveForm
from ..models import Code
from ..services import (
    CodingError,
    active_codes,
    code_depth,
    code_label,
    code_usage,
    codings_per_code,
    create_code,
    delete_code,
    memo_of,
    merge_codes,
    move_code,
    save_memo,
    update_code,
)
from .common import (
    _code_or_404,
    _codebook,
    _questionnaire,
)


def _parent_choices(
    codebook, exclude: Code | None = None, empty: str = "(aucun : thème principal)"
):
    excluded = set()
    if exclude is not None:
        pending = [exclude]
        while pending:
            current = pending.pop()
            excluded.add(current.id)
            pending.extend(current.children)
    return [SelectChoice("", empty)] + [
        SelectChoice(str(code.id), "  " * code_depth(code) + code.name)
        for code in active_codes(codebook)
        if code.id not in excluded
    ]


@bp.route("/<int:questionnaire_id>/livre", methods=["GET", "POST"])
@role_required(*CODE)
def codebook(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    form = CodeForm()
    form.parent.choices = _parent_choices(book)
    if form.validate_on_submit():
        parent = _code_or_404(book, form.parent.data) if form.parent.data else None
        try:
            code = create_code(
                book,
                form.name.data,
                parent=parent,
                description=form.description.data or "",
                colour=form.colour.data,
                keywords=form.keywords.data,
                phrases=form.phrases.data,
                regexes=form.regexes.data,
            )
        except CodingError as error:
            abandon()
            form.name.errors = [*form.name.errors, error.message]
        else:
            flash(f"Code « {code.name} » créé.", "success")
            return redirect(url_for("coding.codebook", questionnaire_id=questionnaire.id))
    usage = codings_per_code(book)
    return render_template(
        "coding/codebook.html",
        questionnaire=questionnaire,
        codebook=book,
        form=form,
        codes=active_codes(book),
        usage=usage,
        depth=code_depth,
    )


@bp.route("/<int:questionnaire_id>/livre/<int:code_id>", methods=["GET", "POST"])
@role_required(*CODE)
def code(questionnaire_id: int, code_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    code = _code_or_404(book, code_id)
    if code.merged_into_id is not None:
        target = db.session.get(Code, code.merged_into_id)
        flash(f"« {code.name} » a été fusionné dans « {target.name} ».", "warning")
        return redirect(
            url_for("coding.code", questionnaire_id=questionnaire.id, code_id=target.id)
        )
    action = request.form.get("action", "edit")
    editing = request.method == "POST" and action == "edit"
    form = CodeForm(formdata=request.form if editing else None, obj=code)
    if not editing:
        form.keywords.data = "\n".join(code.keywords or [])
        form.phrases.data = "\n".join(code.phrases or [])
        form.regexes.data = "\n".join(code.regexes or [])
    form.parent.choices = _parent_choices(book, exclude=code)
    move_form = MoveForm(
        formdata=request.form if action == "move" else None,
        parent=str(code.parent_id) if code.parent_id else "",
    )
    move_form.parent.choices = _parent_choices(book, exclude=code)
    merge_form = MergeForm(formdata=request.form if action == "merge" else None)
    merge_form.target.choices = [SelectChoice("", "Choisir…")] + [
        SelectChoice(str(c.id), code_label(c)) for c in active_codes(book) if c.id != code.id
    ]
    memo = memo_of(code)
    memo_form = MemoForm(
        formdata=request.form if action == "memo" else None, text=memo.text if memo else ""
    )
    delete_form = ActionForm()
    if request.method == "POST":
        try:
            if action == "edit" and form.validate():
                update_code(
                    code,
                    name=form.name.data,
                    description=form.description.data or "",
                    colour=form.colour.data,
                    keywords=form.keywords.data,
                    phrases=form.phrases.data,
                    regexes=form.regexes.data,
                )
                message = "Code enregistré ; ses codages sont conservés."
            elif action == "move" and move_form.validate():
                move_code(
                    code,
                    _code_or_404(book, move_form.parent.data) if move_form.parent.data else None,
                )
                message = "Code déplacé ; ses codages sont conservés."
            elif action == "merge" and merge_form.validate():
                target = _code_or_404(book, merge_form.target.data)
                counts = merge_codes([code], target)
                flash(
                    f"« {code.name} » fusionné dans « {target.name} » : {counts['codings_moved']} codage(s) "
                    "déplacé(s).",
                    "success",
                )
                return redirect(
                    url_for("coding.code", questionnaire_id=questionnaire.id, code_id=target.id)
                )
            elif action == "memo" and memo_form.validate():
                save_memo(current_user.id, memo_form.text.data or "", code=code)
                message = "Mémo enregistré."
            elif action == "delete" and delete_form.validate():
                name = code.name
                delete_code(code)
                flash(f"Code « {name} » supprimé.", "success")
                return redirect(url_for("coding.codebook", questionnaire_id=questionnaire.id))
            else:
                message = None
        except CodingError as error:
            abandon()
            flash(as_sentence(error.message), "error")
            return redirect(
                url_for("coding.code", questionnaire_id=questionnaire.id, code_id=code_id)
            )
        if message:
            flash(message, "success")
            return redirect(
                url_for("coding.code", questionnaire_id=questionnaire.id, code_id=code.id)
            )
    return render_template(
        "coding/code.html",
        questionnaire=questionnaire,
        codebook=book,
        code=code,
        form=form,
        move_form=move_form,
        merge_form=merge_form,
        memo_form=memo_form,
        delete_form=delete_form,
        usage=code_usage(code),
        label=code_label(code),
    )
