"""Pages and JSON endpoints of the coding workspace. Views parse, call a service, commit once and
render; JSON endpoints answer errors as {"error": "<French message>"} with a 4xx status."""

from __future__ import annotations

from flask import (
    Response,
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
from sqlalchemy import func, select
from wtforms import SelectChoice

from questionnaires.messages import as_sentence
from questionnaires.model import label_in

from ..accounts.roles import CODE, READ_RESULTS, has_role, role_required
from ..extensions import db
from ..jobs.queue import enqueue
from ..main.converters import MAX_DATABASE_ID
from ..questionnaire_store.models import Questionnaire
from ..submissions.models import PUBLICS, Submission
from ..territory.models import Commune
from ..transaction import abandon
from . import bp, exports, results
from .clouds import cloud_path, cloud_state
from .display import initials, pieces
from .forms import ActionForm, AnswerFilterForm, CodeForm, MemoForm, MergeForm, MoveForm
from .jobs import (
    ANALYSE,
    RETRAIN,
    latest_job,
    maybe_start_retraining,
    running_job,
    start_analysis,
    training_meta,
)
from .models import Code, Coding, PseudonymisedAnswer, Suggestion
from .services import (
    SOURCE_LABELS,
    AnswerFilters,
    CodingError,
    accept_suggestion,
    active_codes,
    add_coding,
    answer_row,
    code_depth,
    code_label,
    code_usage,
    codebook_of,
    coders_of,
    confirm_coding,
    correct_pseudonymisation,
    create_code,
    create_default_codebook,
    delete_code,
    free_text_questions,
    merge_codes,
    move_code,
    question_counts,
    question_page,
    reject_suggestion,
    remove_coding,
    save_memo,
    update_code,
    validate_pseudonymisation,
    validate_pseudonymisations,
)

PER_PAGE = 40
VERBATIM_PAGE = 50  # answers per page of verbatims


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _codebook(questionnaire: Questionnaire):
    codebook = codebook_of(questionnaire.id)
    if codebook is None:
        flash("Créez d'abord le livre de codes de ce questionnaire.", "warning")
        abort(redirect(url_for("coding.index")))
    return codebook


def _is_coder() -> bool:
    return has_role(*CODE)


def _question_label(questionnaire: Questionnaire, name: str) -> str:
    for question in free_text_questions(questionnaire):
        if question.name == name:
            return label_in(question.label, "fr") or name
    return name


def _blind(questionnaire_id: int) -> bool:
    return bool(session.get("coding_blind", {}).get(str(questionnaire_id)))


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


# ---- home -------------------------------------------------------------------------------------------
@bp.route("/")
@role_required(*READ_RESULTS)
def index():
    questionnaires = [
        q
        for q in db.session.scalars(select(Questionnaire).order_by(Questionnaire.title))
        if q.published_versions and not q.archived
    ]
    overview = []
    for questionnaire in questionnaires:
        codebook = codebook_of(questionnaire.id)
        entry = {
            "questionnaire": questionnaire,
            "codebook": codebook,
            "questions": [],
            "job": running_job(ANALYSE, questionnaire.id) or running_job(RETRAIN, questionnaire.id),
            "last_analysis": latest_job(ANALYSE, questionnaire.id),
            "training": training_meta(questionnaire.id),
        }
        if codebook is not None and _is_coder():
            counts, publication = results.question_overview(questionnaire.id)
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
            entry["to_validate"] = results.to_validate(questionnaire.id)
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
    from ..jobs.queue import start_job

    questionnaire = _questionnaire(questionnaire_id)
    _codebook(questionnaire)
    if not ActionForm().validate_on_submit():
        abort(400)
    if running_job(RETRAIN, questionnaire.id) is None:
        job = start_job(RETRAIN, {"questionnaire_id": questionnaire.id}, current_user.id)
        enqueue(job)
    return redirect(url_for("coding.index"))


# ---- codebook editor --------------------------------------------------------------------------------
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


def _code_or_404(codebook, code_id) -> Code:
    if isinstance(code_id, str):  # from a form field: anything but digits names no code
        code_id = int(code_id) if code_id.isdecimal() else None
    code = results.code_by_id(codebook, code_id) if code_id is not None else None
    if code is None:
        abort(404)
    return code


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
    usage = dict(
        db.session.execute(
            select(Coding.code_id, func.count(Coding.id))
            .join(Code, Coding.code_id == Code.id)
            .where(Code.codebook_id == book.id)
            .group_by(Coding.code_id)
        ).all()
    )
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
    from .models import Memo

    memo = db.session.scalar(select(Memo).where(Memo.code_id == code.id))
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


# ---- workspace --------------------------------------------------------------------------------------
def _filters(codebook) -> tuple[AnswerFilterForm, AnswerFilters]:
    form = AnswerFilterForm(request.args)
    form.code.choices = [SelectChoice("", "Tous")] + [
        SelectChoice(str(code.id), "  " * code_depth(code) + code.name)
        for code in active_codes(codebook)
    ]
    form.commune.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(commune.insee_code, commune.name)
        for commune in db.session.scalars(select(Commune).order_by(Commune.name))
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
    )
    return form, filters


def _answer_helpers(blind: bool) -> dict:
    return {"cut": pieces, "initials": initials, "source_labels": SOURCE_LABELS, "blind": blind}


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
    )


def _row_payload(questionnaire_id: int, submission_id: int, path: str, book) -> str:
    blind = _blind(questionnaire_id)
    row = answer_row(questionnaire_id, submission_id, path, coder_id=current_user.id, blind=blind)
    if row is None:
        return ""
    return render_template("coding/_answer.html", row=row, **_answer_helpers(blind))


def _submission(submission_id, questionnaire: Questionnaire) -> Submission:
    known = isinstance(submission_id, int) and 0 < submission_id <= MAX_DATABASE_ID
    submission = db.session.get(Submission, submission_id) if known else None
    if submission is None or submission.questionnaire_version.questionnaire_id != questionnaire.id:
        raise CodingError("réponse introuvable dans ce questionnaire", 404)
    return submission


@bp.route("/<int:questionnaire_id>/api/codages", methods=["POST"])
@role_required(*CODE)
def api_add_coding(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    try:
        if book is None:
            raise CodingError("ce questionnaire n'a pas encore de livre de codes", 409)
        payload = _json_body()
        submission = _submission(payload.get("submission_id"), questionnaire)
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


@bp.route("/<int:questionnaire_id>/api/codages/<int:coding_id>", methods=["DELETE"])
@role_required(*CODE)
def api_remove_coding(questionnaire_id: int, coding_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    coding = db.session.get(Coding, coding_id)
    try:
        if coding is None or book is None or coding.code.codebook_id != book.id:
            raise CodingError("codage introuvable", 404)
        submission_id, path = coding.submission_id, coding.path
        remove_coding(coding, current_user)
    except CodingError as error:
        return _error(error)
    return jsonify({"row_html": _row_payload(questionnaire.id, submission_id, path, book)})


@bp.route("/<int:questionnaire_id>/api/codages/<int:coding_id>/confirmer", methods=["POST"])
@role_required(*CODE)
def api_confirm_coding(questionnaire_id: int, coding_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = codebook_of(questionnaire.id)
    coding = db.session.get(Coding, coding_id)
    try:
        if coding is None or book is None or coding.code.codebook_id != book.id:
            raise CodingError("codage introuvable", 404)
        confirm_coding(coding, current_user)
    except CodingError as error:
        return _error(error)
    return jsonify(
        {"row_html": _row_payload(questionnaire.id, coding.submission_id, coding.path, book)}
    )


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
            submission = _submission(payload.get("submission_id"), questionnaire)
            memo = save_memo(
                current_user.id, text, submission=submission, path=str(payload.get("path") or "")
            )
    except CodingError as error:
        return _error(error)
    return jsonify({"saved": memo is not None, "text": memo.text if memo else ""})


# ---- agreement --------------------------------------------------------------------------------------
@bp.route("/<int:questionnaire_id>/accord")
@role_required(*CODE)
def agreement(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    coders = coders_of(book)
    coder_a = request.args.get("a", type=int) or (coders[0].id if coders else None)
    coder_b = request.args.get("b", type=int) or (coders[1].id if len(coders) > 1 else None)
    question = request.args.get("question", "")
    measures = results.agreement(
        book, results.load_frames(book, question=question, codings_only=True), coder_a, coder_b
    )
    return render_template(
        "coding/agreement.html",
        questionnaire=questionnaire,
        coders=coders,
        coder_a=coder_a,
        coder_b=coder_b,
        measures=measures,
        questions=free_text_questions(questionnaire),
        question=question,
        label_in=label_in,
    )


# ---- results ----------------------------------------------------------------------------------------
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
    summary = results.summary_in_sql(book, by)
    publication = results.publication_of(questionnaire.id)
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
        to_review=results.to_review(questionnaire.id)[0],
        visible_by_public=results.visible_by_public(questionnaire.id),
        cloud_code=cloud_code,
        cloud_public=request.args.get("nuage_public", ""),
        cloud_code_visible=originals or _code_visible(book, cloud_code),
        clouds=clouds["clouds"],
        clouds_drawing=clouds["drawing"],
        audience="coders" if originals else "readers",
    )


def _clouds(book, code: str = "") -> dict:
    """The last word clouds drawn; a new drawing is started (after this request's commit) when
    the answers or codings changed since, or a code's cloud is asked for the first time."""
    state, job = cloud_state(book, code=code)
    if job is not None:
        enqueue(job)
    return state


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
    answers = (
        db.session.scalar(
            select(func.count()).select_from(
                results.coded_answers_query(book, family, public=public).subquery()
            )
        )
        or 0
    )
    pages = max((answers + VERBATIM_PAGE - 1) // VERBATIM_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = results.rows_coded_with(
        book, family, public=public, limit=VERBATIM_PAGE, offset=(page - 1) * VERBATIM_PAGE
    )
    shown, _ = results.verbatims(book, rows, code, originals)
    waiting = 0 if originals else total - visible
    from .models import Memo

    memo = db.session.scalar(select(Memo).where(Memo.code_id == code.id))
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


# ---- pseudonymisation review ------------------------------------------------------------------------
REVIEW_PAGE = 30


def _pseudonymised_in(questionnaire: Questionnaire, ids: list[int]) -> list[PseudonymisedAnswer]:
    """The pseudonymised answers with these ids that belong to this questionnaire's submissions."""
    from ..questionnaire_store.models import QuestionnaireVersion

    return list(
        db.session.scalars(
            select(PseudonymisedAnswer)
            .join(Submission, Submission.id == PseudonymisedAnswer.submission_id)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Submission.questionnaire_version_id
            )
            .where(
                PseudonymisedAnswer.id.in_(ids),
                QuestionnaireVersion.questionnaire_id == questionnaire.id,
            )
            .order_by(PseudonymisedAnswer.id)
        )
    )


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
            records = _pseudonymised_in(questionnaire, ids)
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
        found = _pseudonymised_in(questionnaire, [request.form.get("answer", type=int) or 0])
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
                    add=_occurrences(
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


def _occurrences(stored: PseudonymisedAnswer, needle: str, kind: str) -> list[tuple[int, int, str]]:
    submission = db.session.get(Submission, stored.submission_id)
    from .services import text_at

    original = text_at(submission.answers or {}, stored.path) or ""
    needle = needle.strip()
    if not needle:
        raise CodingError("indiquez le texte à masquer, tel qu'il apparaît dans la réponse", 422)
    found, start = [], original.find(needle)
    while start != -1:
        found.append((start, start + len(needle), kind))
        start = original.find(needle, start + len(needle))
    if not found:
        raise CodingError(f"« {needle} » ne figure pas dans la réponse", 422)
    return found


# ---- exports ----------------------------------------------------------------------------------------
@bp.route("/<int:questionnaire_id>/export")
@role_required(*CODE)
def export(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    _codebook(questionnaire)
    return render_template("coding/export.html", questionnaire=questionnaire)


@bp.route("/<int:questionnaire_id>/export/<name>")
@role_required(*CODE)
def export_file(questionnaire_id: int, name: str):
    from analyse.refiqda import RefiQdaError

    questionnaire = _questionnaire(questionnaire_id)
    book = _codebook(questionnaire)
    pseudonymised = request.args.get("originaux") != "1"
    stem = f"codage-{questionnaire.id}" + ("" if pseudonymised else "-originaux")
    try:
        if name in ("segments.csv", "segments.xlsx"):
            file_format = name.rsplit(".", 1)[1]
            content = exports.segments_file(book, file_format, pseudonymised=pseudonymised)
            mimetype = (
                "text/csv; charset=utf-8"
                if file_format == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        elif name == "livre.qdc":
            content, mimetype, stem = (
                exports.codebook_file(book),
                "application/xml",
                f"livre-de-codes-{questionnaire.id}",
            )
        elif name == "projet.qdpx":
            content, mimetype = (
                exports.project_file(book, pseudonymised=pseudonymised),
                "application/zip",
            )
        else:
            abort(404)
    except RefiQdaError as error:
        flash(f"Export impossible : {error}", "error")
        return redirect(url_for("coding.export", questionnaire_id=questionnaire.id))
    extension = name.rsplit(".", 1)[1]
    filename = (
        f"{stem}-{name.rsplit('.', 1)[0]}.{extension}"
        if name.startswith("segments")
        else f"{stem}.{extension}"
    )
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
