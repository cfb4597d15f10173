"""Building the synthesis report as a background job (the page shows its progress bar), and
keeping each version built."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..accounts.models import User
from ..coding.themes import themes_of
from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import job_handler, start_job
from ..studies.audit import record
from ..studies.models import Study
from ..studies.scope import current_study_id, enter_study
from .report import VALIDATED, gather, studied_codebooks
from .report_models import Report
from .report_render import render_html, render_pdf, render_xlsx

REPORT = "collectif.report"


def start_report(user_id: int) -> Job:
    """Records the job in the study of the request; the caller commits, then enqueues it."""
    return start_job(REPORT, {}, user_id)


def report_in_progress() -> Job | None:
    return db.session.scalar(
        select(Job)
        .where(Job.kind == REPORT, Job.status.in_(("queued", "running")))
        .order_by(Job.id.desc())
        .limit(1)
    )


def last_report_job() -> Job | None:
    return db.session.scalar(select(Job).where(Job.kind == REPORT).order_by(Job.id.desc()).limit(1))


def build_report(study: Study, built_by_id: int | None, progress=None) -> Report:
    """Gathers, renders (HTML, PDF, XLSX) and keeps a new version of the report. Flushes."""
    minimum = current_app.config["SMALL_CELL_MINIMUM"]
    step = progress or (lambda message: None)
    data = gather(study, minimum=minimum, progress=step)
    step("Mise en page (HTML)")
    html = render_html(data)
    step("Mise en page (PDF)")
    pdf = render_pdf(data, html)
    step("Tableaux (XLSX)")
    xlsx = render_xlsx(data)
    counts = dict(data["sources"], minimum=minimum)
    report = Report(
        study_id=study.id,
        built_by_id=built_by_id,
        fingerprint=data["fingerprint"],
        counts=counts,
        html=html,
        pdf=pdf,
        xlsx=xlsx,
    )
    db.session.add(report)
    db.session.flush()
    record(
        "report",
        report.id,
        "build",
        study_id=study.id,
        by=db.session.get(User, built_by_id) if built_by_id else None,
        after={"fingerprint": report.short_fingerprint, **counts},
    )
    return report


@job_handler(REPORT)
def build_report_job(job: Job, progress) -> dict:
    study = db.session.get(Study, job.study_id)
    if current_study_id() != study.id:
        enter_study(study, None)  # the worker's own context: its queries in the study
    validated = sum(
        1
        for _, book in studied_codebooks()
        for theme in themes_of(book)
        if theme.status == VALIDATED
    )
    total = 1 + validated + 3
    done = 0

    def step(message: str) -> None:
        nonlocal done
        progress(done, total, message)
        done += 1

    report = build_report(study, job.created_by_id, step)
    progress(total, total, "Rapport construit")
    return {"report_id": report.id, "fingerprint": report.short_fingerprint}
