import pytest

from consultation.jobs.queue import JobError, enqueue, job_handler, start_job

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
    raise JobError("fichier illisible")


@job_handler("test_crashing")
def _crashing(job, progress):
    return {"value": {}["missing key"]}


def test_job_runs_and_reports_progress(login, db):
    client = login("charge_etude")
    job = start_job("test_count_words", {"texts": ["un bus le soir", "un médecin"]}, client.user.id)
    db.session.commit()
    enqueue(job)
    response = client.get(f"/etudes/etude-test/travaux/{job.id}")
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
    payload = client.get(f"/etudes/etude-test/travaux/{job.id}").get_json()
    assert payload["status"] == "failed"
    assert "fichier illisible" in payload["message"]


def test_other_users_cannot_read_a_job(login, db):
    owner = login("charge_etude")
    job = start_job("test_count_words", {"texts": []}, owner.user.id)
    db.session.commit()
    assert login("lecteur").get(f"/etudes/etude-test/travaux/{job.id}").status_code == 403


def test_unexpected_failure_shows_a_french_message_and_logs_the_traceback(login, db, caplog):
    client = login("charge_etude")
    job = start_job("test_crashing", {}, client.user.id)
    db.session.commit()
    enqueue(job)
    payload = client.get(f"/etudes/etude-test/travaux/{job.id}").get_json()
    assert payload["status"] == "failed"
    # The user reads French and the job's number, not Python's English…
    assert f"Échec inattendu du travail n° {job.id}" in payload["message"]
    assert "missing key" not in payload["message"] and "KeyError" not in payload["message"]
    # …and the log keeps the traceback under that number.
    logged = next(record for record in caplog.records if f"n° {job.id}" in record.getMessage())
    assert logged.exc_info is not None and logged.exc_info[0] is KeyError
