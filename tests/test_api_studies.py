"""The API works in one study at a time: a device token opens the study it was issued for, a
logged-in session names its study. Another study's questionnaires are neither listed, nor read,
nor fed, and the refusal does not tell whether they exist."""

import pytest
from flask import g
from security_records import fast_user, session_client
from sqlalchemy import func, select
from submission_records import payload, publish, territory

from consultation.accounts.tokens import issue_token
from consultation.studies.models import Study
from consultation.studies.scope import current_study, enter_study
from consultation.studies.services import add_member, create_study, remove_member
from consultation.submissions.models import Submission

pytestmark = pytest.mark.storage


@pytest.fixture()
def two_studies(db):
    """Questionnaire A in the test's study, questionnaire B in « autre-etude »; a chargée d'étude
    member of both (she supervises: every questionnaire of her study is hers to use)."""
    territory(db)
    home = current_study()
    questionnaire_a = publish(db, "Questionnaire A")
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    enter_study(other, None)
    questionnaire_b = publish(db, "Questionnaire B")
    enter_study(home, None)
    charge = fast_user(db, "charge_etude")
    add_member(other, charge, "charge_etude")
    db.session.commit()
    return {"a": questionnaire_a, "b": questionnaire_b, "other": other, "charge": charge}


def _token(db, user, study_id: int) -> dict:
    _, token = issue_token(user, "Tablette", study_id)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_token_lists_reads_and_feeds_only_its_study(app, db, two_studies):
    client = app.test_client()
    headers = _token(db, two_studies["charge"], two_studies["a"].study_id)
    listed = client.get("/api/v1/questionnaires", headers=headers).get_json()
    assert [item["title"] for item in listed] == ["Questionnaire A"]
    assert (
        client.get(
            f"/api/v1/questionnaires/{two_studies['a'].id}/versions/1", headers=headers
        ).status_code
        == 200
    )
    hidden = client.get(f"/api/v1/questionnaires/{two_studies['b'].id}/versions/1", headers=headers)
    unknown = client.get("/api/v1/questionnaires/999999/versions/1", headers=headers)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json()["message"] == unknown.get_json()["message"]
    refused = client.post("/api/v1/submissions", json=payload(two_studies["b"].id), headers=headers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "version_inconnue"
    stored = client.post("/api/v1/submissions", json=payload(two_studies["a"].id), headers=headers)
    assert stored.status_code == 201
    submission = db.session.get(Submission, stored.get_json()["id"])
    assert submission.study_id == two_studies["a"].study_id


def test_the_same_person_gets_one_token_per_study(app, db, two_studies):
    """Her token for the other study opens that study only."""
    client = app.test_client()
    headers = _token(db, two_studies["charge"], two_studies["other"].id)
    listed = client.get("/api/v1/questionnaires", headers=headers).get_json()
    assert [item["title"] for item in listed] == ["Questionnaire B"]
    sent = client.post("/api/v1/submissions", json=payload(two_studies["b"].id), headers=headers)
    assert sent.status_code == 201
    enter_study(two_studies["other"], None)
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_a_session_names_its_study_when_it_has_several(app, db, two_studies):
    client = session_client(app, two_studies["charge"])
    ambiguous = client.get("/api/v1/questionnaires")
    assert ambiguous.status_code == 400 and "Précisez l'étude" in ambiguous.get_json()["message"]
    listed = client.get("/api/v1/questionnaires?study=autre-etude").get_json()
    assert [item["title"] for item in listed] == ["Questionnaire B"]
    stranger = session_client(app, fast_user(db, "charge_etude"))
    db.session.commit()
    refused = stranger.get("/api/v1/questionnaires?study=autre-etude")
    assert (
        refused.status_code == 404
        and "Aucune étude « autre-etude »" in refused.get_json()["message"]
    )
    # With one study only, it needs not be named.
    assert [item["title"] for item in stranger.get("/api/v1/questionnaires").get_json()] == [
        "Questionnaire A"
    ]


def test_a_tablet_token_is_asked_for_the_study_of_the_page(app, db, two_studies):
    client = session_client(app, two_studies["charge"])
    response = client.post("/api/v1/tokens?study=autre-etude", json={"device_label": "Tablette"})
    assert response.status_code == 201
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    listed = client.get("/api/v1/questionnaires", headers=headers).get_json()
    assert [item["title"] for item in listed] == ["Questionnaire B"]


def test_a_removed_member_s_tablet_is_cut_off_with_a_french_message(app, db, two_studies):
    enqueteur = fast_user(db, "enqueteur")
    db.session.commit()
    headers = _token(db, enqueteur, two_studies["a"].study_id)
    client = app.test_client()
    assert client.get("/api/v1/questionnaires", headers=headers).status_code == 200
    remove_member(db.session.get(Study, g.study_id), enqueteur)
    db.session.commit()
    refused = client.get("/api/v1/questionnaires", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["code"] == "membre_retire"
    assert "Vous n'êtes plus membre de l'étude de cette tablette" in refused.get_json()["message"]


def test_a_removed_member_loses_the_study_at_the_next_request(app, db, login):
    charge = login("charge_etude")
    lecteur = login("lecteur")
    assert lecteur.get("/etudes/etude-test/").status_code == 200
    response = charge.post(f"/etudes/etude-test/membres/{lecteur.user.id}/retirer")
    assert response.status_code == 302
    assert lecteur.get("/etudes/etude-test/").status_code == 404
    assert lecteur.get("/etudes/etude-test/analyse/").status_code == 404


def test_a_uuid_already_used_in_another_study_is_a_conflict_that_names_nothing(
    app, db, two_studies
):
    """The UUID is unique across studies: an interview of the other study sent again under its
    UUID with this study's questionnaire is refused as any other UUID conflict, never a 500."""
    client = app.test_client()
    other_study = _token(db, two_studies["charge"], two_studies["other"].id)
    body = payload(two_studies["b"].id)
    assert client.post("/api/v1/submissions", json=body, headers=other_study).status_code == 201
    this_study = _token(db, two_studies["charge"], two_studies["a"].study_id)
    response = client.post(
        "/api/v1/submissions",
        json=payload(two_studies["a"].id) | {"uuid": body["uuid"]},
        headers=this_study,
    )
    assert response.status_code == 409 and response.get_json()["code"] == "conflit_uuid"
    assert "id" not in response.get_json()
