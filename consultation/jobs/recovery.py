"""Jobs whose process is gone: a worker killed in the middle of a job (out of memory, a deploy,
kill -9) cannot say so, and its Job row would stay "running" for ever, refusing every new analysis
of that questionnaire. Each running job records its process ("host:pid") and a heartbeat; a
starting worker, and the page that polls a job, fail the jobs whose process is gone.

We fail them rather than retry them: the analysis keeps the batches it committed and skips them on
the next run, so relaunching is cheap, and a job that killed its worker (memory) would kill the
next one too. The user reads why and relaunches."""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import select, update

from ..extensions import db
from .models import Job

INTERRUPTED = (
    "Interrompu : le processus des travaux s'est arrêté pendant ce travail "
    "(redémarrage ou manque de mémoire). Relancez-le."
)
# A worker on another machine is taken for dead when it has not beaten for this long; the
# worker's heartbeat thread beats every HEARTBEAT_SECONDS, whatever its job is doing.
STALE_AFTER = timedelta(minutes=5)
HEARTBEAT_SECONDS = 15


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; they were stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _pid_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


def process_is_gone(
    job: Job, *, starting_worker: bool = False, now: datetime | None = None
) -> bool:
    """Whether the process that ran `job` has ended. On this machine the pid says so; elsewhere a
    heartbeat older than STALE_AFTER does. A worker that is starting runs no job yet, so a job
    recorded under its own pid (pids repeat after a restart, in a container always) is not its own."""
    now = now or _utcnow()
    host, _, pid = job.worker.rpartition(":")
    last_sign = _aware(job.heartbeat_at or job.started_at)
    stale = last_sign is not None and now - last_sign > STALE_AFTER
    if host != socket.gethostname() or not pid.isdigit():
        return stale
    if int(pid) == os.getpid():
        return starting_worker
    return _pid_is_gone(int(pid))


def fail_interrupted(job: Job) -> None:
    job.status = "failed"
    job.message = INTERRUPTED
    job.finished_at = _utcnow()


def recover_interrupted_jobs() -> list[int]:
    """Called by a starting worker: fails the running jobs of processes that are gone; commits."""
    recovered = []
    for job in db.session.scalars(select(Job).where(Job.status == "running")):
        if process_is_gone(job, starting_worker=True):
            fail_interrupted(job)
            recovered.append(job.id)
    db.session.commit()
    return recovered


def reap_if_gone(job: Job) -> bool:
    """For the polling page: a running job whose process is gone is failed now (the caller
    commits), so the user reads why instead of a bar that never moves."""
    if job.status == "running" and process_is_gone(job):
        fail_interrupted(job)
        return True
    return False


def fail_own_running_jobs(name: str) -> None:
    """A worker that stops without waiting for its jobs (SIGTERM) says they were interrupted."""
    db.session.execute(
        update(Job)
        .where(Job.status == "running", Job.worker == name)
        .values(status="failed", message=INTERRUPTED, finished_at=_utcnow())
    )
    db.session.commit()


def start_heartbeat(app: Flask, name: str, parent_pid: int | None = None) -> threading.Event:
    """A daemon thread that beats for the jobs this worker runs and, when a parent process
    (`consultation serve`) is given, stops the worker if that parent is gone (even killed with
    SIGKILL, which it cannot forward). Returns the event that stops the thread."""
    import signal

    stop = threading.Event()

    def beat() -> None:
        elapsed = HEARTBEAT_SECONDS
        while not stop.wait(1):
            if parent_pid is not None and os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            elapsed += 1
            if elapsed < HEARTBEAT_SECONDS:
                continue
            elapsed = 0
            try:
                with app.app_context():
                    db.session.execute(
                        update(Job)
                        .where(Job.status == "running", Job.worker == name)
                        .values(heartbeat_at=_utcnow())
                    )
                    db.session.commit()
            except Exception:  # a busy database must not stop the beat; the next one retries
                app.logger.warning("Battement de la file de travaux non enregistré", exc_info=True)

    threading.Thread(target=beat, name="job-heartbeat", daemon=True).start()
    return stop
