"""The answer table follows the submissions, and the analysis pages read it: workspace filters,
concordance through the full-text index, word clouds drawn by a job (SQLite and PostgreSQL)."""

import re

import pytest
import results_reference
from coding_records import ANSWERS, coding_study
from sqlalchemy import select, update
from submission_records import publish, stored_submission, territory

from consultation.coding.services import create_default_codebook
from consultation.jobs.models import Job
from consultation.submissions.answer_table import AnswerText, matching_ids_clause, search_words
from consultation.submissions.services import set_state

pytestmark = pytest.mark.storage


def _rows(db, submission_id):
    return {
        row.path: row
        for row in db.session.scalars(
            select(AnswerText)
            .where(AnswerText.submission_id == submission_id)
            .execution_options(populate_existing=True)
        )
    }


def test_the_answer_table_follows_a_submission_its_edit_and_its_state(login, db, make_user):
    questionnaire = publish(db)
    territory(db)
    submission = stored_submission(db, questionnaire, make_user("enqueteur"))
    rows = _rows(db, submission.id)
    assert set(rows) == {"prenom", "besoins", "menage[0]/lien"}
    besoins = rows["besoins"]
    assert besoins.text == "Un logement plus proche de la fac." and besoins.question == "besoins"
    assert (
        besoins.public == "jeune" and besoins.commune_code == "37261" and besoins.state == "recue"
    )
    assert besoins.questionnaire_id == questionnaire.id and besoins.repeat_index is None
    assert rows["menage[0]/lien"].repeat_index == 0 and rows["menage[0]/lien"].question == "lien"

    charge = login("charge_etude")
    answers = dict(submission.answers) | {"besoins": "Un bus le soir.", "prenom": ""}
    response = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={"answers": answers, "comment": "Relu"},
    )
    assert response.status_code == 200 and response.get_json()["changed"]
    rows = _rows(db, submission.id)
    assert set(rows) == {"besoins", "menage[0]/lien"}  # the emptied answer left the table
    assert rows["besoins"].text == "Un bus le soir." and rows["besoins"].folded == "un bus le soir."

    refused = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={"answers": answers | {"age": "vingt"}},
    )
    assert refused.status_code == 422
    assert _rows(db, submission.id)["besoins"].text == "Un bus le soir."  # nothing half-written

    set_state(submission, "rejetee", by=charge.user, comment="Doublon")
    db.session.commit()
    assert {row.state for row in _rows(db, submission.id).values()} == {"rejetee"}


def test_a_synced_interview_writes_the_rows_its_rebuild_would(client, db, make_user):
    """The sync writes a new submission's answer rows with its own INSERT on PostgreSQL: the rows
    are those the one writer gives when rebuilding them, column for column; a resent interview
    adds none; the full-text index finds them once analysed."""
    from submission_records import device_token, payload

    from consultation.submissions.answer_table import write_answer_rows
    from consultation.submissions.models import Assignment, Submission

    questionnaire = publish(db)
    territory(db)
    enqueteur = make_user("enqueteur")
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
    token = device_token(db, enqueteur)
    body = payload(questionnaire.id)
    body["answers"]["menage"] = [
        {"lien": "sœur", "age_membre": 15},
        {"lien": "  Grand-mère\n« Mamie »  ", "age_membre": 80},
    ]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/submissions", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    submission_id = created.get_json()["id"]

    def snapshot():
        return {
            path: {
                column.name: getattr(row, column.name)
                for column in AnswerText.__table__.columns
                if column.name != "id"
            }
            for path, row in sorted(
                _rows(db, submission_id).items(), key=lambda item: item[1].position
            )
        }

    synced = snapshot()
    assert list(synced) == ["prenom", "besoins", "menage[0]/lien", "menage[1]/lien"]
    assert synced["menage[1]/lien"]["repeat_index"] == 1
    assert synced["menage[1]/lien"]["folded"] == "  grand-mere\n« mamie »  "
    assert synced["besoins"]["age_band"] == "18_25" and synced["besoins"]["quartier_id"]
    assert synced["besoins"]["received_at"] is not None
    assert [row["position"] for row in synced.values()] == [0, 1, 2, 3]

    assert client.post("/api/v1/submissions", json=body, headers=headers).status_code == 200
    assert snapshot() == synced
    write_answer_rows([db.session.get(Submission, submission_id)])
    db.session.commit()
    assert snapshot() == synced

    def hits():
        return db.session.scalars(
            select(AnswerText.path).where(matching_ids_clause(search_words("mamie")))
        ).all()

    # In the full-text index once the analysis job has written their lemmas, not before.
    assert hits() == []
    db.session.execute(
        update(AnswerText)
        .where(AnswerText.submission_id == submission_id)
        .values(lemmas=AnswerText.folded)
    )
    assert hits() == ["menage[1]/lien"]


def test_a_paper_entry_lands_in_the_answer_table(login, db):
    import uuid

    questionnaire = publish(db)
    territory(db)
    charge = login("charge_etude")
    body = {
        "uuid": str(uuid.uuid4()),
        "answers": {"age": 70, "logement": "locataire", "besoins": "Une aide pour les courses."},
        "profile": {"public": "age", "age_band": "60_74", "commune": "37261"},
        "consent": {"given": True, "recorded_by": "Camille"},
    }
    response = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body
    )
    assert response.status_code == 201, response.get_json()
    rows = _rows(db, response.get_json()["id"])
    assert (
        rows["besoins"].text == "Une aide pour les courses." and rows["besoins"].channel == "papier"
    )


def _listed(page: str) -> list[str]:
    """Submission ids of the answers listed in the workspace, in order."""
    listed = []
    for tag in re.findall(r"<article\b[^>]*>", page):
        submission, path = (
            re.search(r'data-submission="(\d+)"', tag),
            re.search(r'data-path="([^"]*)"', tag),
        )
        if submission and path and path[1] == "besoins":
            listed.append(submission[1])
    return listed


def test_workspace_filters_are_answered_from_the_answer_table(login, db):
    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    coder = login("charge_etude")
    ids = [str(submission.id) for submission in study["submissions"]]
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
    assert _listed(coder.get(url).get_data(as_text=True)) == ids
    elderly = _listed(coder.get(url + "?public=age").get_data(as_text=True))
    assert elderly == [ids[1], ids[3]]
    # Search ignores case and accents, and a % is a character, not a wildcard.
    assert _listed(coder.get(url + "?q=MEDECIN").get_data(as_text=True)) == [ids[3]]
    assert _listed(coder.get(url + "?q=%25").get_data(as_text=True)) == []


def test_full_text_search_holds_the_analysed_answers_by_word_prefix_and_lemma(login, db):
    """New answer rows cost no index entry per word: the full-text index takes an answer when
    the analysis job writes its lemmas, and lets it go when it is edited or erased (SQLite's
    index left sound)."""
    from sqlalchemy import delete, text

    from consultation.submissions.answer_table import SEARCH_TABLE, write_answer_rows
    from consultation.submissions.models import Submission

    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    questionnaire_id = study["questionnaire"].id
    ids = [submission.id for submission in study["submissions"]]

    def found(query):
        return sorted(
            db.session.scalars(
                select(AnswerText.submission_id).where(
                    AnswerText.questionnaire_id == questionnaire_id,
                    matching_ids_clause(search_words(query)),
                )
            )
        )

    assert found("médecin") == [] and found("loyer") == []  # not analysed yet
    coder = login("charge_etude")
    assert coder.post(f"/etudes/etude-test/analyse/{questionnaire_id}/analyser").status_code == 302
    db.session.expire_all()
    assert found("médecin") == [ids[3]]
    assert found("loyer") == [ids[0]]  # « loyers »: a prefix
    assert found("bus soir") == [ids[2]]
    assert found("trouver") == [ids[3]]  # « trouve »: by its lemma
    assert found("métro") == []

    edited = db.session.get(Submission, ids[3])
    edited.answers = {**edited.answers, "besoins": "Plus de médecins de garde le dimanche."}
    write_answer_rows([edited])
    assert found("médecin") == [] and found("trouver") == []  # until analysed again
    db.session.execute(delete(AnswerText).where(AnswerText.submission_id == ids[0]))
    assert found("loyer") == [] and found("bus") == [ids[2]]
    if db.session.get_bind().dialect.name == "sqlite":
        connection = db.session.connection()
        assert (
            connection.execute(
                text(
                    f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH 'loyers OR medecin'"
                )
            ).all()
            == []
        )
        connection.execute(
            text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('integrity-check')")
        )


def test_concordance_reads_the_indexed_answers(login, db):
    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    coder = login("charge_etude")
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats?lemme=médecin"
    before = coder.get(url).get_data(as_text=True)  # not analysed yet: every answer is checked
    assert (
        coder.post(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/analyser").status_code
        == 302
    )
    lemmas = db.session.scalar(
        select(AnswerText.lemmas).where(
            AnswerText.submission_id == study["submissions"][3].id, AnswerText.path == "besoins"
        )
    )
    assert "medecin" in lemmas.split()
    after = coder.get(url).get_data(as_text=True)
    for page in (before, after):
        section = page[page.index('id="concordance"') : page.index('id="nuages"')]
        assert "1 occurrence(s) de « médecin »" in section and "<strong>médecin</strong>" in section
        assert ANSWERS[0][1][:20] not in section


def test_the_word_cloud_is_drawn_by_a_job_not_by_the_page(app, login, db):
    from consultation.jobs.queue import _run

    study = coding_study(db)
    create_default_codebook(study["questionnaire"])
    db.session.commit()
    coder = login("charge_etude")
    qid = study["questionnaire"].id
    huey = app.extensions["huey"]
    huey.immediate = False  # a real queue: the job waits for a worker
    try:
        page = coder.get(f"/etudes/etude-test/analyse/{qid}/resultats").get_data(as_text=True)
        clouds = page[page.index('id="nuages"') :]
        assert "en cours de dessin" in clouds and "nuage/public/jeune.png" not in clouds
        waiting = coder.get(f"/etudes/etude-test/analyse/{qid}/nuage/public/jeune.png")
        assert waiting.status_code == 202 and "en cours de dessin" in waiting.get_data(as_text=True)
        jobs = db.session.scalars(select(Job).where(Job.kind == "coding.clouds")).all()
        assert [job.status for job in jobs] == ["queued"]  # one drawing, not one per request
        huey.flush()
    finally:
        huey.immediate = True
    _run(jobs[0].id)  # the worker
    page = coder.get(f"/etudes/etude-test/analyse/{qid}/resultats").get_data(as_text=True)
    clouds = page[page.index('id="nuages"') :]
    assert "en cours de dessin" not in clouds and "nuage/public/jeune.png" in clouds
    drawn = coder.get(f"/etudes/etude-test/analyse/{qid}/nuage/public/jeune.png")
    assert drawn.status_code == 200 and drawn.data[:4] == b"\x89PNG"


def test_results_counted_in_sql_equal_analyses_measures_on_the_frames(login, db):
    """The results page's grouped queries give what analyse computes from the codings."""
    from consultation.coding import results

    study = coding_study(db)
    codebook = create_default_codebook(study["questionnaire"])
    db.session.commit()
    coder, other = login("charge_etude"), login("charge_etude")
    codes = {code.key: code for code in codebook.codes}
    first, second, third = study["submissions"][0], study["submissions"][1], study["submissions"][2]
    for client, submission, key, start, end, path in [
        (coder, first, "logement-cout", 4, 10, "besoins"),
        (other, first, "logement-cout", 4, 10, "besoins"),
        (coder, first, "emploi", 10, 17, "menage[1]/precisions"),
        (coder, second, "isolement", 9, 14, "besoins"),
        (other, second, "logement", 0, 5, "besoins"),
        (coder, third, "mobilite", 17, 20, "besoins"),
        (coder, third, "isolement", 0, 4, "besoins"),
    ]:
        response = client.post(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
            json={
                "submission_id": submission.id,
                "path": path,
                "start": start,
                "end": end,
                "code_id": codes[key].id,
            },
        )
        assert response.status_code == 201
    frames = results_reference.load_frames(codebook)
    for by in results.GROUPINGS:
        summary = results.summary_in_sql(codebook, by)
        assert summary["table"] == results_reference.frequencies(codebook, frames, by), by
    assert summary["overall"] == results_reference.overall_frequencies(codebook, frames)
    assert summary["cooccurrence"] == results_reference.cooccurrences(codebook, frames)
    assert summary["respondents"] == len(frames.respondents) == len(study["submissions"])
