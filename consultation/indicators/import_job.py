"""The import job of the web import: reads the uploaded file with its mapping and stores it, all
or nothing.

The queue's `progress()` commits the job's session, so it is called only before anything is
written: the values are stored and committed in one go at the end by the queue (a failure rolls
everything back), and the bar moves by steps (reading, checking, writing) rather than by line."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..jobs.queue import JobError, job_handler, start_job
from .models import IndicatorUpload
from .services import ImportRefused, describe_count, import_indicator_table
from .uploads import discard_file, read_upload

IMPORT = "indicators.import"
SHOWN_PROBLEMS = 20


def start_import(upload: IndicatorUpload, replace: bool, user_id: int):
    job = start_job(IMPORT, {"upload_id": upload.id, "replace": replace}, user_id=user_id)
    upload.job_id = job.id
    db.session.flush()
    return job


def upload_of_job(job_id: int) -> IndicatorUpload | None:
    return db.session.scalar(select(IndicatorUpload).where(IndicatorUpload.job_id == job_id))


def _refusal(problems) -> str:
    lines = [str(problem) for problem in problems[:SHOWN_PROBLEMS]]
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        lines.append(f"… et {more} autres problèmes.")
    return "Import refusé, rien n'a été enregistré : " + " ; ".join(lines)


@job_handler(IMPORT)
def run_import(job, progress) -> dict:
    upload = db.session.get(IndicatorUpload, job.params["upload_id"])
    if upload is None:
        raise JobError("Le fichier à importer n'existe plus.")
    replace = bool(job.params.get("replace"))
    try:
        progress(0, 3, "Lecture du fichier")
        table = read_upload(upload, keep_last_duplicate=replace)
        progress(1, 3, "Vérification des valeurs")
        try:
            if table.errors:
                raise ImportRefused(table.errors)
            progress(2, 3, "Enregistrement des valeurs")
            report = import_indicator_table(table, replace=replace)
        except ImportRefused as refused:
            raise JobError(_refusal(refused.problems)) from None
    finally:
        # The file is not kept once the job ends, imported or not (the queue commits this
        # change with the import, or after rolling the import back on a failure).
        content_gone = upload.stored_name
        discard_file(upload)
        if content_gone:
            db.session.flush()
    return {
        "indicators": [describe_count(count) for count in report.indicators],
        "rows": len(table.rows),
        "territories_created": report.territories_created,
        "rejected": [str(problem) for problem in report.rejected],
        "replaced_lines": [str(problem) for problem in table.replaced_lines],
        "ignored": list(table.attribute_columns),
    }
