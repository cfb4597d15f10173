"""The queue itself, not its immediate test mode: a job goes through Huey's storage (SQLite file by
default, Redis when REDIS_URL is set) and a worker takes it from there."""

import socket
import uuid

import pytest

from consultation import create_app
from consultation.extensions import db as _db
from consultation.jobs.models import Job
from consultation.jobs.queue import enqueue, job_handler, start_job


@job_handler("test_queue_lengths")
def _lengths(job, progress):
    texts = job.params["texts"]
    progress(len(texts), len(texts), "fini")
    return {"lengths": [len(text) for text in texts]}


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["sqlite", "redis"])
def queued_app(request, tmp_path):
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}",
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_NAME": f"test-{uuid.uuid4().hex}",
        "SECRET_KEY": "x",
    }
    if request.param == "redis":
        if not _redis_answers():
            pytest.skip("Redis ne répond pas sur 127.0.0.1:6379")
        config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        config["JOBS_DATABASE"] = str(tmp_path / "jobs.sqlite3")
    app = create_app(config)
    with app.app_context():
        _db.create_all()
    yield app
    app.extensions["huey"].flush()
    with app.app_context():
        _db.engine.dispose()


def test_a_queued_job_waits_for_a_worker_then_runs(queued_app):
    huey = queued_app.extensions["huey"]
    with queued_app.app_context():
        job = start_job("test_queue_lengths", {"texts": ["un bus le soir", "un médecin"]})
        _db.session.commit()
        enqueue(job)
        job_id = job.id
        assert _db.session.get(Job, job_id).status == "queued"
        assert huey.pending_count() == 1
    # What `consultation worker` does, one task at a time, outside any request.
    task = huey.dequeue()
    huey.execute(task)
    with queued_app.app_context():
        job = _db.session.get(Job, job_id)
        assert job.status == "done"
        assert job.result == {"lengths": [14, 10]}
        assert huey.pending_count() == 0
