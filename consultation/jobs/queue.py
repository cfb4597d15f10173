"""The task queue: Huey on SQLite (no server) by default, on Redis when REDIS_URL is set.

Features register a handler per job kind with `@job_handler("kind")`; a handler receives the Job
row and a `progress(done, total, message)` callback, and commits its own work in chunks. The queue
carries only the job id, so the same code runs on any storage and in tests (immediate mode).

A handler raises `JobError` with a French message for a failure the user can act on; any other
exception is a fault of ours: the user reads a French message with the job's number, the log
keeps the traceback under that number."""

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..extensions import db
from ..transaction import after_commit, begin_writing, commit
from .models import Job
from .recovery import worker_name

# Huey's own SQLite file waits for a lock as long as the app's database does (busy_timeout in
# create_app), so a job and a request writing at the same moment wait for each other, not fail.
SQLITE_BUSY_TIMEOUT_S = 10
UNEXPECTED_FAILURE = (
    "Échec inattendu du travail n° {id} : le détail est dans le journal du serveur. "
    "Relancez-le ; si l'échec se répète, transmettez ce numéro à l'administrateur."
)


class JobError(Exception):
    """A failure the user can act on; its message is French and shown as is."""


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
        # WAL is Huey's default journal; said here so that it stays so.
        huey = SqliteHuey(
            name,
            filename=filename,
            immediate=immediate,
            journal_mode="wal",
            timeout=SQLITE_BUSY_TIMEOUT_S,
        )

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
    """Records a job; `enqueue(job)` sends it to the queue once this transaction is committed."""
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params or {}, created_by_id=user_id)
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: Job) -> None:
    """The worker reads the Job row: a job written by the current transaction is queued once that
    transaction commits (never if it rolls back); a job already committed is queued at once."""
    run_job, job_id = current_app.extensions["run_job"], job.id
    if job_id in db.session().info.get(_UNCOMMITTED_JOBS, ()):
        after_commit(lambda: run_job(job_id))
    else:
        run_job(job_id)


_UNCOMMITTED_JOBS = "consultation.uncommitted_jobs"


@event.listens_for(Session, "after_flush")
def _note_written_jobs(session, _flush_context) -> None:
    written = {row.id for row in session.new if isinstance(row, Job)}
    if written:
        session.info.setdefault(_UNCOMMITTED_JOBS, set()).update(written)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_written_jobs(session) -> None:
    session.info.pop(_UNCOMMITTED_JOBS, None)


@contextmanager
def reading_connection() -> Iterator[Connection]:
    """A connection for a long read through a server-side cursor (exports). Its own, from the pool:
    progress() commits the job's session, and on PostgreSQL a commit closes the cursors of its
    connection. When the session is bound to one connection whose transaction its owner controls
    (the tests' rolled-back transaction, where our commits are savepoints), read there: it is the
    only connection that sees that transaction's rows."""
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def run_now(job: Job) -> None:
    """Runs a job in this process, without the queue (CLI commands that wait for it). A job is a
    transaction boundary: what the command wrote so far, the job's row included, is committed
    first, as the worker would only see it committed."""
    job_id = job.id
    commit()
    _run(job_id)


def _run(job_id: int) -> None:
    # The job's bookkeeping starts as a writer on SQLite, as a request that writes does.
    begin_writing()
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        db.session.commit()  # nothing written: lets the write lock go
        return
    job.status = "running"
    job.started_at = job.heartbeat_at = datetime.now(timezone.utc)
    job.worker = worker_name()
    kind = job.kind
    db.session.commit()

    def progress(done: int, total: int, message: str = "") -> None:
        begin_writing()
        job.done, job.total, job.message = done, total, message
        job.heartbeat_at = datetime.now(timezone.utc)
        db.session.commit()

    try:
        result = _HANDLERS[kind](job, progress)
        db.session.commit()  # the handler's last writes, before the job says it is done
    except Exception as error:  # the job fails visibly; its partial work was committed in chunks
        db.session.rollback()
        current_app.logger.exception("Échec du travail n° %s (%s)", job_id, kind)
        begin_writing()
        job = db.session.get(Job, job_id)
        job.status = "failed"
        job.message = (
            str(error) if isinstance(error, JobError) else UNEXPECTED_FAILURE.format(id=job_id)
        )
        job.finished_at = datetime.now(timezone.utc)
        db.session.commit()
        return
    begin_writing()
    job.status = "done"
    job.result = result or {}
    job.finished_at = datetime.now(timezone.utc)
    db.session.commit()
