import pytest

from consultation.extensions import db as _db
from consultation.jobs.models import Job
from consultation.jobs.queue import enqueue, job_handler, start_job

pytestmark = pytest.mark.storage


@job_handler("test_count_words")
def _count_words(job, progress):
    texts = job.params["texts"]
    for index, _text in enumerate(texts, start=1):
        progress(index, len(texts), f"{index} réponses analysées")
    return {"words": sum(len(text.split()) for text in texts)}


@job_handler("test_failing")
def _failing(job, progress):
    progress(1, 2, "à moitié")
    raise RuntimeError("fichier illisible")


def test_job_runs_and_reports_progress(login, db):
    client = login("charge_etude")
    job = start_job("test_count_words", {"texts": ["un bus le soir", "un médecin"]}, client.user.id)
    db.session.commit()
    enqueue(job)
    response = client.get(f"/travaux/{job.id}")
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["status"] == "done" and payload["percent"] == 100
    assert payload["result"] == {"words": 6}
    assert payload["message"] == "2 réponses analysées"


def test_failed_job_says_why_in_french(login, db):
    client = login("charge_etude")
    job = start_job("test_failing", {}, client.user.id)
    db.session.commit()
    enqueue(job)
    payload = client.get(f"/travaux/{job.id}").get_json()
    assert payload["status"] == "failed"
    assert "fichier illisible" in payload["message"]


def test_other_users_cannot_read_a_job(login, db):
    owner = login("charge_etude")
    job = start_job("test_count_words", {"texts": []}, owner.user.id)
    db.session.commit()
    assert login("lecteur").get(f"/travaux/{job.id}").status_code == 403
