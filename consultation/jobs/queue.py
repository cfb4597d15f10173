"""The task queue: Huey on SQLite (no server) by default, on Redis when REDIS_URL is set.

Features register a handler per job kind with `@job_handler("kind")`; a handler receives the Job
row and a `progress(done, total, message)` callback, and commits its own work in chunks. The queue
carries only the job id, so the same code runs on any storage and in tests (immediate mode)."""
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from ..extensions import db
from .models import Job

Handler = Callable[[Job, Callable[[int, int, str], None]], dict | None]
_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str):
    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function

    return register


def init_jobs(app: Flask) -> None:
    immediate = bool(app.config.get("JOBS_IMMEDIATE", app.testing))
    name = app.config.get("JOBS_QUEUE_NAME", "consultation")
    if app.config.get("REDIS_URL"):
        huey = RedisHuey(name, url=app.config["REDIS_URL"], immediate=immediate)
    else:
        filename = app.config.get("JOBS_DATABASE") or str(Path(app.instance_path) / "jobs.sqlite3")
        huey = SqliteHuey(name, filename=filename, immediate=immediate)

    @huey.task()
    def run_job(job_id: int) -> None:
        # In immediate mode the job runs inside the caller's context (and session); the
        # consumer process has none and pushes its own.
        if has_app_context():
            _run(job_id)
        else:
            with app.app_context():
                _run(job_id)

    app.extensions["huey"] = huey
    app.extensions["run_job"] = run_job


def start_job(kind: str, params: dict | None = None, user_id: int | None = None) -> Job:
    """Records a job; call `enqueue(job)` once the transaction that created it is committed."""
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params or {}, created_by_id=user_id)
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: Job) -> None:
    current_app.extensions["run_job"](job.id)


def run_now(job: Job) -> None:
    """Runs a committed job in this process, without the queue (CLI commands that wait for it)."""
    _run(job.id)


def _run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    job.status = "running"
    job.started_at = datetime.now(timezone.utc)
    db.session.commit()

    def progress(done: int, total: int, message: str = "") -> None:
        job.done, job.total, job.message = done, total, message
        db.session.commit()

    try:
        result = _HANDLERS[job.kind](job, progress)
    except Exception as error:  # the job fails visibly; its partial work was committed in chunks
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = "failed"
        job.message = f"Échec : {error}"
        job.finished_at = datetime.now(timezone.utc)
        db.session.commit()
        current_app.logger.exception("Échec du travail %s", job_id)
        return
    job.status = "done"
    job.result = result or {}
    job.finished_at = datetime.now(timezone.utc)
    db.session.commit()
