"""Exports as background jobs: a progress bar then a link, a file for the user who asked only,
never cached, deleted after 24 h, and memory that stays flat however many submissions there are."""

import csv
import io
import os
import re
import time
import tracemalloc
import uuid
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert
from submission_records import publish, stored_submission, territory
from test_exports import export_through_the_job

from consultation.jobs import files
from consultation.jobs.models import Job
from consultation.jobs.queue import enqueue
from consultation.submissions.export_job import start_export
from consultation.submissions.exports import ExportOptions
from consultation.submissions.models import Submission
from consultation.submissions.queries import SubmissionFilters

pytestmark = pytest.mark.storage


@pytest.fixture()
def questionnaire(db, make_user):
    questionnaire = publish(db)
    territory(db)
    stored_submission(
        db,
        questionnaire,
        make_user("enqueteur"),
        answers={"age": 30, "logement": "locataire", "besoins": "Un médecin"},
    )
    return questionnaire


def _job_page(client, questionnaire_id, options):
    started = client.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire_id}/export", data=options
    )
    assert started.status_code == 302
    return started.headers["Location"]


def test_the_page_shows_a_progress_bar_until_the_file_is_ready(login, db, questionnaire):
    charge = login("charge_etude")
    job = start_export(
        questionnaire.id, SubmissionFilters(), ExportOptions(), "csv", charge.user.id
    )
    db.session.commit()
    page = charge.get(f"/etudes/etude-test/reponses/exports/{job.id}").get_data(as_text=True)
    assert f'data-job-url="/etudes/etude-test/travaux/{job.id}"' in page and "<progress" in page
    assert "data-export-download" not in page

    enqueue(job)  # the worker's turn
    assert charge.get(f"/etudes/etude-test/travaux/{job.id}").get_json()["percent"] == 100
    page = charge.get(f"/etudes/etude-test/reponses/exports/{job.id}").get_data(as_text=True)
    section = page[page.index('<section class="export-job">') :]
    assert "1 réponse(s) exportée(s)" in section and "data-export-download" in section
    assert "<progress" not in section
    # The form lists the user's recent exports.
    form = charge.get(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/export"
    ).get_data(as_text=True)
    assert (
        f'href="/etudes/etude-test/reponses/exports/{job.id}"'
        in form[form.index("Vos exports récents") :]
    )


def test_only_the_user_who_asked_downloads_and_nothing_is_cached(login, questionnaire):
    charge = login("charge_etude")
    response = export_through_the_job(
        charge, questionnaire.id, {"format": "csv", "headers": "codes"}
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert re.search(
        r"filename=reponses-\d+-\d{8}-\d{4}\.zip", response.headers["Content-Disposition"]
    )
    job_id = re.search(
        r"/etudes/etude-test/reponses/exports/(\d+)/fichier",
        charge.get(_job_page(charge, questionnaire.id, {"format": "xlsx"})).get_data(as_text=True),
    ).group(1)

    colleague = login("charge_etude")
    assert colleague.get(f"/etudes/etude-test/reponses/exports/{job_id}").status_code == 403
    assert colleague.get(f"/etudes/etude-test/reponses/exports/{job_id}/fichier").status_code == 403
    assert (
        login("lecteur").get(f"/etudes/etude-test/reponses/exports/{job_id}/fichier").status_code
        == 403
    )
    assert (
        login("admin").get(f"/etudes/etude-test/reponses/exports/{job_id}/fichier").status_code
        == 200
    )
    assert charge.get(f"/etudes/etude-test/reponses/exports/{job_id}/fichier").status_code == 200


def test_an_export_file_is_deleted_24_hours_after_it_was_written(login, db, questionnaire):
    charge = login("charge_etude")
    location = _job_page(charge, questionnaire.id, {"format": "xlsx"})
    job = db.session.get(Job, int(location.rstrip("/").rsplit("/", 1)[1]))
    path = files.files_folder() / job.result["file"]
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"

    yesterday = time.time() - 25 * 3600
    os.utime(path, (yesterday, yesterday))
    assert charge.get(f"{location}/fichier").status_code == 404
    page = charge.get(location).get_data(as_text=True)
    assert "Ce fichier a été supprimé du serveur (24 h après sa préparation)" in page
    assert not path.exists()


def _bulk_submissions(db, questionnaire, count: int) -> None:
    version_id = questionnaire.versions[0].id
    rows = [
        {
            "client_uuid": str(uuid.uuid4()),
            "content_hash": "0" * 64,
            "questionnaire_version_id": version_id,
            "study_id": questionnaire.study_id,
            "public": "jeune",
            "commune_code": "37261",
            "consent_given": True,
            "answers": {
                "age": 20 + index % 50,
                "logement": "locataire",
                "aides": ["apl", "rsa"],
                "besoins": f"Réponse libre numéro {index}, un peu longue, comme un vrai verbatim.",
                "menage": [{"lien": "sœur", "age_membre": index % 90}],
            },
        }
        for index in range(count)
    ]
    for start in range(0, count, 1000):
        db.session.execute(insert(Submission), rows[start : start + 1000])
    db.session.commit()


def _export_peak(client, questionnaire_id: int, file_format: str) -> tuple[int, bytes]:
    """Peak memory of the export job (it runs inside the POST in the tests), then its file."""
    tracemalloc.start()
    try:
        location = _job_page(client, questionnaire_id, {"format": file_format, "headers": "codes"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    response = client.get(f"{location}/fichier")
    assert response.status_code == 200
    return peak, response.data


@pytest.mark.slow
def test_an_export_of_10000_submissions_streams_with_flat_memory(login, db, make_user):
    questionnaire = publish(db)
    territory(db)
    charge = login("charge_etude")
    _bulk_submissions(db, questionnaire, 2_000)
    small_csv, _ = _export_peak(charge, questionnaire.id, "csv")
    small_xlsx, _ = _export_peak(charge, questionnaire.id, "xlsx")
    _bulk_submissions(db, questionnaire, 8_000)
    large_csv, content = _export_peak(charge, questionnaire.id, "csv")
    large_xlsx, workbook = _export_peak(charge, questionnaire.id, "xlsx")

    main = zipfile.ZipFile(io.BytesIO(content)).read("reponses.csv").decode("utf-8-sig")
    assert sum(1 for _ in csv.reader(io.StringIO(main), delimiter=";")) == 10_001
    assert (
        sum(1 for _ in load_workbook(io.BytesIO(workbook), read_only=True)["reponses"].iter_rows())
        == 10_001
    )
    # Five times the submissions, not five times the memory (built in memory, it would be).
    assert large_csv < 1.5 * small_csv, (small_csv, large_csv)
    assert large_xlsx < 1.5 * small_xlsx, (small_xlsx, large_xlsx)
