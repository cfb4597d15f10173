"""The export of submissions as a background job: a cursor on the server streams the rows
(PostgreSQL: a named cursor; SQLite steps through its result) into the file, under instance/exports/,
with the job's progress bar; the back office offers the file to the user who asked
(review/views.py). The file is deleted 24 h after it was written (jobs/files.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, Text, cast, func, select

from ..accounts.models import User
from ..extensions import db
from ..jobs import files
from ..jobs.models import Job
from ..jobs.queue import JobError, job_handler, reading_connection, start_job
from ..questionnaire_store.definitions import version_model
from ..questionnaire_store.models import QuestionnaireVersion
from ..studies.audit import record
from ..territory.models import Commune, Quartier
from .exports import ExportOptions, csv_extension, plan_export, write_csv, write_xlsx
from .models import Submission
from .queries import SubmissionFilters, submissions_query

EXPORT = "submissions.export"
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
# Rows fetched from the cursor at a time, and submissions between two progress commits.
FETCH_ROWS = 1000
PROGRESS_EVERY = 1000

# What export_rows reads of a submission, without loading ORM objects and their relations.
RECORD_COLUMNS = (
    Submission.id,
    Submission.client_uuid,
    Submission.questionnaire_version_id,
    QuestionnaireVersion.number.label("version_number"),
    Submission.channel,
    Submission.state,
    Submission.started_at,
    Submission.completed_at,
    Submission.received_at,
    Submission.enumerator_id,
    User.name.label("enumerator_name"),
    User.email.label("enumerator_email"),
    Submission.public,
    Submission.age_band,
    Submission.sex,
    Submission.commune_code,
    Commune.name.label("commune_name"),
    Quartier.name.label("quartier_name"),
    Submission.place,
    Submission.consent_given,
    Submission.parental_consent,
    # As JSON text, decoded by export_rows (faster than the driver's or SQLAlchemy's decoding).
    cast(Submission.answers, Text).label("answers"),
)


def start_export(
    questionnaire_id: int,
    filters: SubmissionFilters,
    options: ExportOptions,
    file_format: str,
    user_id: int,
) -> Job:
    """Records the job; the caller commits, then enqueues it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    params = {
        "questionnaire_id": questionnaire_id,
        "format": file_format,
        "headers": options.headers,
        "multiple": options.multiple,
        "filters": _filters_to_params(filters),
        "download_name": f"reponses-{questionnaire_id}-{stamp}",
    }
    return start_job(EXPORT, params, user_id)


def records_query(query: Select) -> Select:
    """The rows of `query` (submissions_query) as RECORD_COLUMNS, by submission id."""
    return (
        query.with_only_columns(*RECORD_COLUMNS)
        .outerjoin(User, User.id == Submission.enumerator_id)
        .outerjoin(Commune, Commune.insee_code == Submission.commune_code)
        .outerjoin(Quartier, Quartier.id == Submission.quartier_id)
        .order_by(Submission.id)
    )


def plan_for(query: Select, options: ExportOptions):
    version_ids = query.with_only_columns(Submission.questionnaire_version_id).distinct()
    versions = db.session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids))
    )
    return plan_export({version.id: version_model(version) for version in versions}, options)


def stream_records(connection, query: Select):
    """Rows from a server-side cursor, FETCH_ROWS at a time."""
    # Options of this statement only: Connection.execution_options() would change the connection.
    result = connection.execute(
        records_query(query), execution_options={"stream_results": True, "yield_per": FETCH_ROWS}
    )
    try:
        yield from result
    finally:
        result.close()


@job_handler(EXPORT)
def export_submissions(job: Job, progress) -> dict:
    params = job.params
    file_format = params["format"]
    if file_format not in ("xlsx", "csv"):
        raise JobError(f"Format d'export inconnu : {file_format}.")
    files.delete_expired_files()
    options = ExportOptions(headers=params["headers"], multiple=params["multiple"])
    query = submissions_query(params["questionnaire_id"], _filters_from_params(params["filters"]))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    plan = plan_for(query, options)
    # The reads above end here, so that each progress commit starts as a writer (see jobs.queue).
    db.session.commit()
    extension = "xlsx" if file_format == "xlsx" else csv_extension(plan)
    name = files.new_file_name(job, extension)
    progress(0, total, f"0 réponse exportée sur {total}")

    def on_submission(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            progress(count, total, f"{count} réponses exportées sur {total}")

    write = write_xlsx if file_format == "xlsx" else write_csv
    try:
        with reading_connection() as connection:
            write(
                plan, stream_records(connection, query), files.temporary_path(name), on_submission
            )
        files.publish(name)
    finally:
        files.discard(name)
    progress(total, total, f"{total} réponse(s) exportée(s)")
    return {
        "file": name,
        "filename": f"{params['download_name']}.{extension}",
        "mimetype": FORMATS[extension],
        "rows": total,
    }


def export_downloaded(job: Job) -> None:
    """Who took personal data away, and which: one line each time the file is downloaded."""
    record(
        "export",
        job.id,
        "download",
        after={
            "file": job.result.get("filename", ""),
            "questionnaire_id": job.params.get("questionnaire_id"),
            "rows": job.result.get("rows"),
            "filters": {
                key: value for key, value in job.params.get("filters", {}).items() if value
            },
        },
    )


def _filters_to_params(filters: SubmissionFilters) -> dict:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in vars(filters).items()
    }


def _filters_from_params(values: dict) -> SubmissionFilters:
    values = dict(values)
    for key in ("received_from", "received_to"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    return SubmissionFilters(**values)
