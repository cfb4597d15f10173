"""The back office of submissions: lists with filters, a submission's page, review states,
edits with history, paper questionnaires typed in afterwards, exports, device tokens."""

import uuid
from datetime import datetime, timezone

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select
from wtforms import SelectChoice

from ..accounts.devices import DeviceToken
from ..accounts.roles import INTERVIEW, REVIEW, role_required
from ..accounts.tokens import list_tokens, revoke_token
from ..extensions import db
from ..jobs import files as job_files
from ..jobs.models import Job
from ..jobs.queue import enqueue
from ..questionnaire_store.definitions import PublishedVersion, version_model
from ..questionnaire_store.models import Questionnaire, QuestionnaireVersion
from ..studies.scope import current_study_id
from ..studies.services import members_with_role
from ..submissions.contradictions import profile_contradiction
from ..submissions.export_job import EXPORT, export_downloaded, start_export
from ..submissions.exports import ExportOptions
from ..submissions.local_time import local_text
from ..submissions.models import AGE_BANDS, CHANNELS, PUBLICS, SEXES, STATES, Submission
from ..submissions.queries import (
    SubmissionFilters,
    counts_by_state,
    page_of,
    submissions_query,
)
from ..submissions.rights import (
    copy_as_csv,
    copy_as_json,
    erase_submission,
    record_download,
    submission_copy,
)
from ..submissions.schemas import ConsentIn, ProfileIn, flatten_messages
from ..submissions.services import (
    Consent,
    Profile,
    SubmissionConflict,
    SubmissionInvalid,
    SubmissionStale,
    answer_changes,
    answers_version,
    content_hash,
    edit_answers,
    set_state,
    store_submission,
)
from ..territory import services as territory
from ..transaction import abandon
from . import bp
from .answers import answer_rows, path_label
from .forms import EraseForm, ExportForm, FilterForm, RevokeForm, StateForm

PER_PAGE = 50

# Stored in UTC, read in the study's time zone: {{ submission.received_at|heure_locale }}.
bp.add_app_template_filter(local_text, "heure_locale")


LABELS = {
    "channels": CHANNELS,
    "states": STATES,
    "publics": PUBLICS,
    "age_bands": AGE_BANDS,
    "sexes": SEXES,
}


@bp.route("/")
@role_required(*REVIEW)
def index():
    counts = db.session.execute(
        select(QuestionnaireVersion.questionnaire_id, Submission.state, func.count(Submission.id))
        .join(Submission, Submission.questionnaire_version_id == QuestionnaireVersion.id)
        .group_by(QuestionnaireVersion.questionnaire_id, Submission.state)
    ).all()
    by_questionnaire: dict[int, dict[str, int]] = {}
    for questionnaire_id, state, count in counts:
        by_questionnaire.setdefault(questionnaire_id, {})[state] = count
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.title)).all()
    listed = [q for q in questionnaires if q.id in by_questionnaire or q.published_versions]
    return render_template(
        "review/index.html", questionnaires=listed, counts=by_questionnaire, **LABELS
    )


def _questionnaire_or_404(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _filter_form(form_class=FilterForm, source=None):
    form = form_class(request.args if source is None else source)
    enumerators = members_with_role(current_study_id(), INTERVIEW)
    form.enumerator.choices = [SelectChoice("", "Tous")] + [
        SelectChoice(str(user.id), user.name or user.email) for user in enumerators
    ]
    communes = territory.communes()
    form.commune.choices = [SelectChoice("", "Toutes")] + [
        SelectChoice(commune.insee_code, f"{commune.name} ({commune.insee_code})")
        for commune in communes
    ]
    form.validate()
    enumerator = form.enumerator.data or ""
    filters = SubmissionFilters(
        enumerator_id=int(enumerator) if enumerator.isdigit() and len(enumerator) < 10 else None,
        public=form.public.data if not form.public.errors else "",
        commune_code=form.commune.data or "",
        received_from=form.received_from.data if not form.received_from.errors else None,
        received_to=form.received_to.data if not form.received_to.errors else None,
        state=form.state.data if not form.state.errors else "",
        channel=form.channel.data if not form.channel.errors else "",
    )
    return form, filters


@bp.route("/questionnaire/<int:questionnaire_id>")
@role_required(*REVIEW)
def submissions(questionnaire_id: int):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    form, filters = _filter_form()
    page = request.args.get("page", 1, type=int) or 1
    rows, total = page_of(submissions_query(questionnaire.id, filters), page, PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    contradictions = {
        submission.id: message
        for submission in rows
        if (
            message := profile_contradiction(
                version_model(submission.questionnaire_version),
                submission.age_band,
                submission.answers,
            )
        )
    }
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "review/submissions.html",
        questionnaire=questionnaire,
        form=form,
        submissions=rows,
        total=total,
        page=min(max(page, 1), pages),
        pages=pages,
        query_args=query_args,
        counts=counts_by_state(questionnaire.id),
        contradictions=contradictions,
        **LABELS,
    )


def _submission_or_404(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


PROFILE_FIELDS = {
    "public": ("Public", PUBLICS),
    "age_band": ("Tranche d'âge", AGE_BANDS),
    "sex": ("Sexe", SEXES),
    "commune_code": ("Commune (code INSEE)", None),
    "quartier_id": ("Quartier (identifiant)", None),
    "place": ("Lieu de l'entretien", None),
}


def _profile_changes(revision) -> list[dict]:
    """The profile fields a tablet's correction changed, as rows of the history's table."""
    changes = []
    for name, (label, choices) in PROFILE_FIELDS.items():
        if name not in revision.before or revision.before[name] == revision.after.get(name):
            continue
        before, after = revision.before[name], revision.after.get(name)
        if choices is not None:
            before, after = choices.get(before, before), choices.get(after, after)
        changes.append({"path": name, "label": label, "before": before, "after": after})
    return changes


@bp.route("/<int:submission_id>")
@role_required(*REVIEW)
def submission(submission_id: int):
    submission = _submission_or_404(submission_id)
    model = version_model(submission.questionnaire_version)
    history = [
        {
            "revision": revision,
            "changes": [
                change | {"label": path_label(model, change["path"])}
                for change in answer_changes(
                    revision.before.get("answers"), revision.after.get("answers")
                )
            ]
            + _profile_changes(revision)
            if revision.action in ("edit", "correction")
            else [],
        }
        for revision in reversed(submission.revisions)
    ]
    state_form = StateForm(state=submission.state)
    return render_template(
        "review/submission.html",
        submission=submission,
        questionnaire=submission.questionnaire_version.questionnaire,
        rows=answer_rows(model, submission.answers),
        contradiction=profile_contradiction(model, submission.age_band, submission.answers),
        history=history,
        state_form=state_form,
        **LABELS,
    )


@bp.route("/<int:submission_id>/etat", methods=["POST"])
@role_required(*REVIEW)
def change_state(submission_id: int):
    submission = _submission_or_404(submission_id)
    form = StateForm()
    if form.validate_on_submit():
        try:
            set_state(submission, form.state.data, by=current_user, comment=form.comment.data or "")
        except SubmissionInvalid as error:
            abandon()
            flash(error.message, "error")
        else:
            flash(f"État enregistré : {STATES[submission.state]}.", "success")
    else:
        flash("Choisissez un état valide.", "error")
    return redirect(url_for("review.submission", submission_id=submission.id))


def _json_error(status: int, message: str, errors: dict | None = None, **extra):
    return jsonify({"code": status, "message": message, "errors": errors or {}} | extra), status


@bp.route("/<int:submission_id>/copie.<fmt>")
@role_required(*REVIEW)
def submission_copy_file(submission_id: int, fmt: str):
    """What the respondent would download with their code, for a request made by letter or at
    the counter (right of access)."""
    submission = _submission_or_404(submission_id)
    if fmt not in ("json", "csv"):
        abort(404)
    copy = submission_copy(submission)
    record_download(submission, fmt, by=current_user, by_resident=False)
    body = copy_as_json(copy) if fmt == "json" else copy_as_csv(copy)
    mimetype = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="reponse-{submission.id}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:submission_id>/effacer", methods=["GET", "POST"])
@role_required(*REVIEW)
def erase(submission_id: int):
    """Erasure asked by the respondent through the team (right to erasure), after a confirmation."""
    submission = _submission_or_404(submission_id)
    form = EraseForm()
    if request.method == "POST" and form.validate_on_submit() and form.confirm.data:
        questionnaire_id = submission.questionnaire_version.questionnaire_id
        erase_submission(submission, reason="l'équipe", by=current_user)
        flash(f"Réponse {submission_id} effacée, avec tout ce qui en avait été tiré.", "success")
        return redirect(url_for("review.submissions", questionnaire_id=questionnaire_id))
    if request.method == "POST":
        form.confirm.errors = [
            "Cochez la case pour confirmer : l'effacement ne peut pas être annulé."
        ]
    return render_template(
        "review/erase.html",
        submission=submission,
        questionnaire=submission.questionnaire_version.questionnaire,
        form=form,
    ), (422 if form.confirm.errors else 200)


@bp.route("/<int:submission_id>/modifier", methods=["GET", "POST"])
@role_required(*REVIEW)
def edit(submission_id: int):
    submission = _submission_or_404(submission_id)
    version = submission.questionnaire_version
    if request.method == "GET":
        return render_template(
            "review/edit.html",
            submission=submission,
            questionnaire=version.questionnaire,
            definition=version.definition,
            answers_version=answers_version(submission),
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return _json_error(400, "Requête invalide : les réponses doivent être un objet JSON.")
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    # The version of the answers the form was read at; a body without one is not checked.
    version = body.get("version") if isinstance(body.get("version"), str) else None
    try:
        revision = edit_answers(
            submission,
            body["answers"],
            by=current_user,
            comment=comment[:2000],
            version=version,
        )
    except SubmissionStale as error:
        # The page keeps what was typed; saving again replaces the current answers knowingly.
        return _json_error(409, error.message, error.errors, version=error.version)
    except SubmissionInvalid as error:
        return _json_error(422, error.message, error.errors)
    flash(
        "Réponses modifiées ; l'historique garde la version précédente."
        if revision
        else "Aucune modification.",
        "success" if revision else "info",
    )
    return jsonify(
        {
            "id": submission.id,
            "changed": revision is not None,
            "redirect": url_for("review.submission", submission_id=submission.id),
        }
    )


@bp.route("/questionnaire/<int:questionnaire_id>/papier", methods=["GET", "POST"])
@role_required(*REVIEW)
def paper(questionnaire_id: int):
    """A questionnaire filled in on paper, typed in afterwards by a chargé d'étude."""
    questionnaire = _questionnaire_or_404(questionnaire_id)
    published = questionnaire.published_versions
    if not published:
        flash("Ce questionnaire n'a pas de version publiée.", "error")
        return redirect(url_for("review.index"))
    # Paper copies printed before a new version was published are typed against their own.
    wanted = request.args.get("version", type=int)
    version = next((item for item in published if item.number == wanted), published[-1])
    if request.method == "GET":
        communes = territory.communes()
        return render_template(
            "review/paper.html",
            questionnaire=questionnaire,
            version=version,
            published=published,
            definition=version.definition,
            communes=communes,
            new_uuid=str(uuid.uuid4()),
            **LABELS,
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _json_error(400, "Requête invalide : le corps doit être un objet JSON.")
    errors = {}
    typed_profile = body.get("profile") if isinstance(body.get("profile"), dict) else {}
    try:
        profile = ProfileIn().load(typed_profile)
    except ValidationError as error:
        errors |= flatten_messages(error.messages, "profile.")
        profile = None
    if not typed_profile.get("public"):
        errors["profile.public"] = ["Indiquez le public de la personne interrogée."]
    try:
        consent = ConsentIn().load(
            body.get("consent") if isinstance(body.get("consent"), dict) else {}
        )
    except ValidationError as error:
        errors |= flatten_messages(error.messages, "consent.")
        consent = None
    answers = body.get("answers")
    if not isinstance(answers, dict):
        errors["answers"] = ["Les réponses doivent être un objet JSON."]
    client_uuid = body.get("uuid")
    try:
        client_uuid = str(uuid.UUID(str(client_uuid)))
    except ValueError:
        errors["uuid"] = ["Identifiant UUID invalide."]
    receipt_code = body.get("receipt_code")
    if receipt_code is not None and (not isinstance(receipt_code, str) or len(receipt_code) > 40):
        errors["receipt_code"] = ["Code de récépissé : 12 lettres et chiffres attendus."]
    if errors:
        return _json_error(422, "La saisie contient des erreurs.", errors)
    try:
        stored = store_submission(
            version=PublishedVersion.of(version),
            client_uuid=client_uuid,
            answers=answers,
            profile=Profile(**profile),
            consent=Consent(**consent),
            content_hash=content_hash(body),
            channel="papier",
            enumerator_id=current_user.id,
            device_id="saisie papier",
            receipt_code=receipt_code,
        )
    except SubmissionInvalid as error:
        return _json_error(422, error.message, error.errors)
    except SubmissionConflict as error:
        return _json_error(409, str(error))
    if stored.created:
        flash("Questionnaire papier enregistré.", "success")
    return jsonify(
        {
            "id": stored.id,
            "created": stored.created,
            "redirect": url_for("review.submission", submission_id=stored.id),
        }
    ), (201 if stored.created else 200)


@bp.route("/questionnaire/<int:questionnaire_id>/export", methods=["GET", "POST"])
@role_required(*REVIEW)
def export(questionnaire_id: int):
    """The form (GET, filters of the list carried over); POST starts the export job and leads to
    its page, where the file is offered once written."""
    questionnaire = _questionnaire_or_404(questionnaire_id)
    form, filters = _filter_form(ExportForm, request.form if request.method == "POST" else None)
    if request.method == "POST" and not (
        form.format.errors or form.headers.errors or form.multiple.errors
    ):
        options = ExportOptions(headers=form.headers.data, multiple=form.multiple.data)
        job = start_export(questionnaire.id, filters, options, form.format.data, current_user.id)
        enqueue(job)
        return redirect(url_for("review.export_job", job_id=job.id))
    return render_template(
        "review/export.html",
        questionnaire=questionnaire,
        form=form,
        recent=_recent_exports(questionnaire.id),
    )


def _recent_exports(questionnaire_id: int) -> list[Job]:
    """The user's exports of this questionnaire whose file may still be there."""
    since = datetime.now(timezone.utc) - job_files.KEEP_FOR
    jobs = db.session.scalars(
        select(Job)
        .where(Job.kind == EXPORT, Job.created_by_id == current_user.id, Job.created_at >= since)
        .order_by(Job.id.desc())
        .limit(50)
    )
    return [job for job in jobs if job.params.get("questionnaire_id") == questionnaire_id][:10]


def _export_job_or_404(job_id: int) -> Job:
    """Exports hold personal data: only the user who asked for one (and an admin) may see it."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != EXPORT:
        abort(404)
    if job.created_by_id != current_user.id and not current_user.is_admin:
        abort(403)
    return job


@bp.route("/exports/<int:job_id>")
@role_required(*REVIEW)
def export_job(job_id: int):
    job = _export_job_or_404(job_id)
    questionnaire = _questionnaire_or_404(job.params["questionnaire_id"])
    available = job.status == "done" and job_files.file_of(job) is not None
    return render_template(
        "review/export_job.html",
        job=job,
        questionnaire=questionnaire,
        available=available,
        keep_hours=int(job_files.KEEP_FOR.total_seconds() // 3600),
    )


@bp.route("/exports/<int:job_id>/fichier")
@role_required(*REVIEW)
def export_file(job_id: int):
    job = _export_job_or_404(job_id)
    path = job_files.file_of(job) if job.status == "done" else None
    if path is None:
        abort(404)
    export_downloaded(job)
    response = send_file(
        path,
        mimetype=job.result["mimetype"],
        as_attachment=True,
        download_name=job.result["filename"],
        conditional=False,
        etag=False,
        max_age=0,
    )
    # Personal data: no copy in the browser's or a proxy's cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/appareils")
@role_required(*REVIEW)
def devices():
    return render_template("review/devices.html", tokens=list_tokens(), form=RevokeForm())


@bp.route("/appareils/<int:token_id>/revoquer", methods=["POST"])
@role_required(*REVIEW)
def revoke_device(token_id: int):
    form = RevokeForm()
    device_token = db.session.get(DeviceToken, token_id)
    if device_token is None:
        abort(404)
    if form.validate_on_submit():
        revoke_token(device_token, current_user)
        flash(
            f"Jeton révoqué : la tablette « {device_token.device_label or device_token.id} » "
            "devra être reconnectée.",
            "success",
        )
    return redirect(url_for("review.devices"))
