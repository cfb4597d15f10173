"""Jobs that recover: a worker killed in the middle of a job, a worker that starts again, the page
that polls a job whose process is gone, SQLite files shared by a job and a request, and `serve`
that stops its worker with it."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import job_worker  # noqa: F401  (registers the test job kinds in this process too)
import pytest
from sqlalchemy import text

from consultation import create_app
from consultation.coding.jobs import ANALYSE, running_job
from consultation.extensions import db as _db
from consultation.jobs.models import Job
from consultation.jobs.queue import enqueue, start_job
from consultation.jobs.recovery import INTERRUPTED, recover_interrupted_jobs

TESTS = Path(__file__).resolve().parent
BOUND_S = 60  # the longest a process may take to start or stop before the test fails


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _running_job(db, worker: str, *, kind: str = "test_quick", params=None, heartbeat=None) -> Job:
    now = datetime.now(timezone.utc)
    job = Job(
        kind=kind,
        params=params or {},
        status="running",
        started_at=now,
        worker=worker,
        heartbeat_at=heartbeat or now,
        done=1,
        total=2,
    )
    db.session.add(job)
    db.session.commit()
    return job


@pytest.mark.storage
def test_a_starting_worker_fails_the_jobs_of_a_process_that_is_gone(db):
    host = socket.gethostname()
    orphan = _running_job(db, f"{host}:{_dead_pid()}")
    alive = _running_job(db, f"{host}:{os.getppid()}")  # pytest's parent: alive
    elsewhere_silent = _running_job(
        db, "autre-machine:42", heartbeat=datetime.now(timezone.utc) - timedelta(hours=1)
    )
    elsewhere_beating = _running_job(db, "autre-machine:43")

    assert sorted(recover_interrupted_jobs()) == sorted([orphan.id, elsewhere_silent.id])
    db.session.expire_all()
    assert (orphan.status, orphan.message) == ("failed", INTERRUPTED)
    assert elsewhere_silent.status == "failed"
    assert alive.status == "running" and elsewhere_beating.status == "running"


@pytest.mark.storage
def test_polling_a_job_whose_worker_died_says_so_and_frees_the_questionnaire(login, db):
    client = login("charge_etude")
    job = _running_job(
        db, f"{socket.gethostname()}:{_dead_pid()}", kind=ANALYSE, params={"questionnaire_id": 7}
    )
    job.created_by_id = client.user.id
    db.session.commit()
    assert running_job(ANALYSE, 7) == job  # a new analysis of questionnaire 7 is refused…

    payload = client.get(f"/etudes/etude-test/travaux/{job.id}").get_json()
    assert payload["status"] == "failed" and payload["status_label"] == "Échec"
    assert payload["message"].startswith("Interrompu : le processus des travaux s'est arrêté")
    assert running_job(ANALYSE, 7) is None  # …and accepted again


# --- real processes ------------------------------------------------------------------------------


@pytest.fixture()
def instance(tmp_path):
    """An instance folder and SQLite database of their own, for the app of the test and for the
    processes it starts."""
    folder = tmp_path / "instance"
    folder.mkdir()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
        "SECRET_KEY": "test",
        "PYTHONPATH": str(TESTS),
    }
    env.pop("REDIS_URL", None)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "JOBS_IMMEDIATE": False,
            "JOBS_DATABASE": str(folder / "jobs.sqlite3"),
            "SECRET_KEY": "test",
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        _db.create_all()
    yield {"app": app, "env": env, "folder": folder}
    app.extensions["huey"].flush()
    with app.app_context():
        _db.engine.dispose()


def _start_worker(instance) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(TESTS / "job_worker.py"), "worker"],
        env=instance["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(condition, what: str):
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"pas arrivé en {BOUND_S} s : {what}")


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = _db.session.get(Job, job_id)
        _db.session.expunge(job)
        return job


def _enqueue(app, kind: str, params=None) -> int:
    with app.app_context():
        job = start_job(kind, params or {})
        _db.session.commit()
        enqueue(job)
        return job.id


@pytest.mark.slow
def test_a_job_killed_mid_run_is_failed_when_a_worker_starts_again(instance):
    app = instance["app"]
    job_id = _enqueue(app, "test_stuck_halfway", {"questionnaire_id": 3})
    worker = _start_worker(instance)
    try:
        _wait_for(lambda: _job(app, job_id).done == 1, "le travail a commencé")
        worker.kill()  # SIGKILL: the worker cannot say anything
        worker.wait(BOUND_S)
    finally:
        worker.kill()
        worker.communicate()
    assert _job(app, job_id).status == "running"
    with app.app_context():
        assert running_job("test_stuck_halfway", 3) is not None  # what refused new analyses

    worker = _start_worker(instance)
    try:
        job = _wait_for(
            lambda: (job := _job(app, job_id)).status == "failed" and job, "le travail est en échec"
        )
        assert job.message == INTERRUPTED and job.done == 1
        with app.app_context():
            assert running_job("test_stuck_halfway", 3) is None
        # The queue goes on: a new job runs on the restarted worker.
        next_id = _enqueue(app, "test_quick")
        _wait_for(lambda: _job(app, next_id).status == "done", "le travail suivant est fait")
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=BOUND_S)
    assert f"n° {job_id}" in output  # the worker says which jobs it found interrupted


def test_sqlite_files_of_app_and_queue_wait_for_a_lock_instead_of_failing(instance):
    app = instance["app"]
    huey_connection = app.extensions["huey"].storage.conn
    with app.app_context():
        with _db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert huey_connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert huey_connection.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000

    # A request holds the write lock for a moment; the job's progress commit waits for it.
    job_id = _enqueue(app, "test_quick")
    locked = threading.Event()

    def request_that_writes():
        with app.app_context(), _db.engine.connect() as connection:
            connection.execute(
                text("UPDATE job SET message = 'requête' WHERE id = :id"), {"id": job_id}
            )
            locked.set()
            time.sleep(1)
            connection.commit()

    writer = threading.Thread(target=request_that_writes)
    writer.start()
    locked.wait(BOUND_S)
    huey = app.extensions["huey"]
    huey.execute(huey.dequeue())
    writer.join()
    assert _job(app, job_id).status == "done"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue  # a thread that ended between the listing and the reading
    return children


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie has ended; only its parent has not read its status yet.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_its_worker_on_sigterm_and_sigint(instance, signum):
    port = _free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from consultation.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=instance["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Ctrl+C reaches it as from a terminal, however the suite was started: a shell running
        # it in the background (`make test &`) hands its children SIGINT ignored.
        preexec_fn=_interruptible,
    )
    try:

        def answering():
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
            except OSError:
                return False
            return True

        _wait_for(answering, "serve répond")
        worker_pid = _wait_for(lambda: _children(serve.pid), "le processus des travaux est lancé")[
            0
        ]
        serve.send_signal(signum)
        serve.wait(BOUND_S)
        _wait_for(lambda: _gone(worker_pid), "le processus des travaux est arrêté")
    finally:
        serve.kill()
        serve.wait()
