"""The back office: a chargé d'étude finds, checks, corrects and completes the submissions."""

import uuid

import pytest
from sqlalchemy import select
from submission_records import publish, stored_submission, territory

from consultation.submissions.models import Submission, SubmissionRevision

pytestmark = pytest.mark.storage


@pytest.fixture()
def study(db, make_user):
    questionnaire = publish(db, versions=1)
    places = territory(db)
    samir = make_user("enqueteur", name="Samir Benali")
    lucie = make_user("enqueteur", name="Lucie Martin")
    return {"questionnaire": questionnaire, "places": places, "samir": samir, "lucie": lucie}


def test_enqueteur_and_reader_cannot_open_the_back_office(login, study):
    assert login("enqueteur").get("/etudes/etude-test/reponses/").status_code == 403
    assert (
        login("lecteur")
        .get(f"/etudes/etude-test/reponses/questionnaire/{study['questionnaire'].id}")
        .status_code
        == 403
    )


def test_list_filters_by_enumerator_public_commune_and_state(login, db, study):
    questionnaire = study["questionnaire"]
    by_samir = stored_submission(db, questionnaire, study["samir"])
    by_lucie = stored_submission(
        db,
        questionnaire,
        study["lucie"],
        commune="37122",
        quartier=None,
        public="age",
        age_band="75_84",
    )
    charge = login("charge_etude")
    url = f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}"

    everything = charge.get(url).get_data(as_text=True)
    assert f"Réponse {by_samir.id}<" in everything and f"Réponse {by_lucie.id}<" in everything

    only_samir = charge.get(url, query_string={"enumerator": study["samir"].id}).get_data(
        as_text=True
    )
    assert f"Réponse {by_samir.id}<" in only_samir and f"Réponse {by_lucie.id}<" not in only_samir

    elderly_in_joue = charge.get(url, query_string={"public": "age", "commune": "37122"}).get_data(
        as_text=True
    )
    assert (
        f"Réponse {by_lucie.id}<" in elderly_in_joue
        and f"Réponse {by_samir.id}<" not in elderly_in_joue
    )

    none_validated = charge.get(url, query_string={"state": "validee"}).get_data(as_text=True)
    assert "Aucune réponse ne correspond" in none_validated


def test_list_is_paginated(login, db, study):
    questionnaire = study["questionnaire"]
    for _ in range(51):
        stored_submission(db, questionnaire, study["samir"])
    charge = login("charge_etude")
    first = charge.get(f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}").get_data(
        as_text=True
    )
    assert "51 réponses" in first and "Page 1 sur 2" in first
    second = charge.get(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}", query_string={"page": 2}
    ).get_data(as_text=True)
    assert (
        second.count('href="/etudes/etude-test/reponses/')
        - second.count("/etudes/etude-test/reponses/questionnaire")
        >= 1
    )
    assert "Page 2 sur 2" in second


def test_submission_page_shows_labels_profile_and_consent(login, db, study):
    submission = stored_submission(db, study["questionnaire"], study["samir"])
    page = (
        login("charge_etude")
        .get(f"/etudes/etude-test/reponses/{submission.id}")
        .get_data(as_text=True)
    )
    assert "Quel âge avez-vous ?" in page and ">19<" in page
    assert "Locataire" in page and "APL" in page
    assert "Personnes du foyer" in page and "sœur" in page
    assert "Tours (37261)" in page and "Sanitas" in page
    assert "Samir Benali" in page and "Donné" in page


def test_times_are_shown_in_the_study_time_zone(login, db, study):
    from datetime import datetime, timezone

    submission = stored_submission(db, study["questionnaire"], study["samir"])
    submission.started_at = datetime(2026, 7, 3, 7, 40, tzinfo=timezone.utc)
    submission.completed_at = datetime(2026, 7, 3, 8, 15, tzinfo=timezone.utc)
    db.session.commit()
    page = (
        login("charge_etude")
        .get(f"/etudes/etude-test/reponses/{submission.id}")
        .get_data(as_text=True)
    )
    assert "03/07/2026 09:40 – 10:15" in page  # Paris in summer: UTC+2


def test_review_state_is_recorded_with_its_comment(login, db, study):
    submission = stored_submission(db, study["questionnaire"], study["samir"])
    charge = login("charge_etude")
    refused = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "rejetee", "comment": ""},
        follow_redirects=True,
    )
    assert "Indiquez pourquoi" in refused.get_data(as_text=True)
    assert db.session.get(Submission, submission.id).state == "recue"

    charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/etat",
        data={"state": "a_verifier", "comment": "Âge à confirmer"},
    )
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == "a_verifier"
    revision = db.session.scalar(
        select(SubmissionRevision).where(SubmissionRevision.submission_id == submission.id)
    )
    assert revision.action == "state" and revision.user_id == charge.user.id
    assert revision.before["state"] == "recue" and revision.after["state"] == "a_verifier"
    page = charge.get(f"/etudes/etude-test/reponses/{submission.id}").get_data(as_text=True)
    assert "Âge à confirmer" in page and "Reçue → À vérifier" in page


def test_edit_revalidates_and_keeps_history(login, db, study):
    submission = stored_submission(db, study["questionnaire"], study["samir"])
    charge = login("charge_etude")
    answers = dict(submission.answers) | {"age": 21}

    invalid = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={"answers": answers | {"age": "vingt"}},
    )
    assert invalid.status_code == 422
    assert "answers.age" in invalid.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).answers["age"] == 19

    response = charge.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier",
        json={"answers": answers, "comment": "Erreur de saisie"},
    )
    assert response.status_code == 200 and response.get_json()["changed"]
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).answers["age"] == 21
    history = charge.get(f"/etudes/etude-test/reponses/{submission.id}").get_data(as_text=True)
    assert (
        "Erreur de saisie" in history and "<del>19</del>" in history and "<ins>21</ins>" in history
    )


def test_edit_page_renders_the_form_runtime(login, db, study):
    submission = stored_submission(db, study["questionnaire"], study["samir"])
    page = (
        login("charge_etude")
        .get(f"/etudes/etude-test/reponses/{submission.id}/modifier")
        .get_data(as_text=True)
    )
    assert "review-entry.js" in page and 'id="entry-definition"' in page


def test_paper_questionnaire_is_stored_with_the_papier_channel(login, db, study):
    questionnaire = study["questionnaire"]
    charge = login("charge_etude")
    assert (
        charge.get(
            f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier"
        ).status_code
        == 200
    )
    body = {
        "uuid": str(uuid.uuid4()),
        "answers": {"age": 67, "logement": "proprietaire", "aides": []},
        "profile": {
            "public": "age",
            "age_band": "60_74",
            "sex": "homme",
            "commune": "37122",
            "quartier": None,
        },
        "consent": {"given": True, "recorded_by": "Accueil du CCAS"},
    }
    response = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body
    )
    assert response.status_code == 201, response.get_json()
    submission = db.session.get(Submission, response.get_json()["id"])
    assert submission.channel == "papier" and submission.enumerator_id == charge.user.id
    assert submission.commune_code == "37122"

    # Clicking twice stores it once.
    again = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body
    )
    assert again.status_code == 200 and again.get_json()["id"] == submission.id


def test_paper_entry_gets_the_same_validation(login, db, study):
    charge = login("charge_etude")
    response = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{study['questionnaire'].id}/papier",
        json={
            "uuid": str(uuid.uuid4()),
            "answers": {"logement": "chateau"},
            "profile": {"public": "jeune", "commune": "00000"},
            "consent": {"given": False},
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"answers.age", "answers.logement", "profile.commune", "consent.given"} <= set(errors)
    assert db.session.scalar(select(Submission.id)) is None


def test_paper_copy_is_typed_against_the_version_it_was_printed_from(login, db):
    questionnaire = publish(db, versions=2)
    territory(db)
    charge = login("charge_etude")
    page = charge.get(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier"
    ).get_data(as_text=True)
    assert "Version imprimée sur le questionnaire papier" in page and "version 2." in page
    assert "version 1." in charge.get(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier?version=1"
    ).get_data(as_text=True)

    def body(public="age"):
        return {
            "uuid": str(uuid.uuid4()),
            "answers": {"age": 67, "logement": "proprietaire"},
            "profile": {"public": public, "age_band": "60_74", "commune": "37122"},
            "consent": {"given": True, "recorded_by": "Accueil du CCAS"},
        }

    old = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier?version=1",
        json=body(),
    )
    assert old.status_code == 201, old.get_json()
    current = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body()
    )
    numbers = {
        response.get_json()["id"]: db.session.get(
            Submission, response.get_json()["id"]
        ).questionnaire_version.number
        for response in (old, current)
    }
    assert sorted(numbers.values()) == [1, 2]

    # The public is asked for, never assumed.
    assert '<option value="" selected>— Choisir —</option>' in page
    missing = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body(public="")
    )
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["profile.public"] == [
        "Indiquez le public de la personne interrogée."
    ]
