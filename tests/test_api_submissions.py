"""The sync API as a tablet uses it: idempotent on the interview's UUID, French errors with field
paths, tokens that can be revoked, and nothing half-written."""

import json

import pytest
from french import assert_french
from sqlalchemy import func, select, update
from submission_records import device_token, payload, publish, territory

from consultation.submissions.answer_table import AnswerText
from consultation.submissions.models import Assignment, Submission, normal_receipt_code

pytestmark = pytest.mark.storage


@pytest.fixture()
def tablet(app, db, make_user):
    """A test client that sends an enquêteur's device token, with a questionnaire and territory."""
    enqueteur = make_user("enqueteur")
    token = device_token(db, enqueteur)
    questionnaire = publish(db, versions=2)
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
    db.session.commit()
    places = territory(db)
    client = app.test_client()

    def post(body, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} | kwargs.pop("headers", {})
        if isinstance(body, (dict, list)):
            return client.post("/api/v1/submissions", json=body, headers=headers, **kwargs)
        return client.post(
            "/api/v1/submissions",
            data=body,
            headers=headers,
            content_type="application/json",
            **kwargs,
        )

    client.post_submission = post
    client.token = token
    client.user = enqueteur
    client.questionnaire = questionnaire
    client.places = places
    return client


def _count(db) -> int:
    return db.session.scalar(select(func.count(Submission.id)))


def _assert_french_json(response):
    assert response.is_json, response.data
    body = response.get_json()
    assert set(body) >= {"code", "message", "errors"}
    assert_french(body["message"])
    return body


def test_first_sync_stores_the_interview_with_its_profile(tablet, db):
    body = payload(tablet.questionnaire.id)
    response = tablet.post_submission(body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["uuid"] == body["uuid"] and created["state"] == "recue"

    submission = db.session.get(Submission, created["id"])
    assert submission.answers["age"] == 19
    assert submission.public == "jeune" and submission.commune_code == "37261"
    assert submission.quartier_id == tablet.places["sanitas"].id
    assert submission.enumerator_id == tablet.user.id
    assert submission.consent_given and submission.consent_recorded_by == "Camille Enquêtrice"
    assert submission.channel == "tablette" and submission.device_id == "tablette-ccas-1"


def test_resending_the_same_interview_returns_the_same_row(tablet, db):
    body = payload(tablet.questionnaire.id)
    first = tablet.post_submission(body)
    # Same content with the keys in another order: still the same interview.
    reordered = json.dumps(dict(reversed(list(body.items()))))
    again = tablet.post_submission(reordered)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(db) == 1


def test_same_uuid_with_other_answers_is_a_conflict_and_keeps_the_original(tablet, db):
    body = payload(tablet.questionnaire.id)
    first = tablet.post_submission(body)
    changed = payload(tablet.questionnaire.id, uuid=body["uuid"])
    changed["answers"]["age"] = 22
    response = tablet.post_submission(changed)
    assert response.status_code == 409
    error = _assert_french_json(response)
    assert "identifiant" in error["message"]
    assert "id" not in error
    assert db.session.get(Submission, first.get_json()["id"]).answers["age"] == 19
    assert _count(db) == 1


def test_invalid_answers_and_profile_are_reported_by_field_path(tablet, db):
    body = payload(
        tablet.questionnaire.id,
        answers={"age": "dix-neuf", "logement": "chateau", "menage": [{"age_membre": "x"}]},
        profile={"commune": "99999"},
    )
    response = tablet.post_submission(body)
    assert response.status_code == 422
    error = _assert_french_json(response)
    assert "answers.age" in error["errors"]
    assert "answers.logement" in error["errors"]
    assert "answers.menage[0]/age_membre" in error["errors"]
    assert error["errors"]["profile.commune"] == [
        "La commune « 99999 » n'est pas dans le territoire de l'étude."
    ]
    assert _count(db) == 0


@pytest.mark.parametrize(
    "answers, profile, path",
    [
        # "\ud800" alone is valid JSON, but half a character: no UTF-8 text can hold it.
        ({"besoins": "Un logement \ud800 plus grand"}, {}, "answers.besoins"),
        ({"prenom": "Ka\x00rim"}, {}, "answers.prenom"),
        ({"menage": [{"lien": "fille\udc00", "age_membre": 12}]}, {}, "answers.menage[0]/lien"),
        ({}, {"place": "Mission locale \udfff"}, "profile.place"),
    ],
)
def test_text_no_database_can_store_is_refused_by_field(tablet, db, answers, profile, path):
    """A NUL or a lone surrogate in a text is a French error naming its field, on both databases
    alike (PostgreSQL refused the NUL with a 500, SQLite stored it), and nothing is written."""
    body = payload(tablet.questionnaire.id)
    body["answers"] |= answers
    body["profile"] |= profile
    response = tablet.post_submission(json.dumps(body))
    assert response.status_code == 422, response.data
    errors = _assert_french_json(response)["errors"]
    assert list(errors) == [path]
    assert "caractère" in errors[path][0]
    assert _count(db) == 0
    assert db.session.scalar(select(func.count(AnswerText.id))) == 0
    # The same interview without the bad character is stored.
    body["answers"] = payload(tablet.questionnaire.id)["answers"]
    body["profile"] = payload(tablet.questionnaire.id)["profile"]
    assert tablet.post_submission(json.dumps(body)).status_code == 201


def test_missing_required_answer_is_refused(tablet, db):
    body = payload(tablet.questionnaire.id)
    del body["answers"]["age"]
    response = tablet.post_submission(body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["answers.age"]


def test_schema_errors_are_french_with_nested_paths(tablet, db):
    body = payload(tablet.questionnaire.id, uuid="pas-un-uuid", profile={"public": "enfant"})
    del body["consent"]["given"]
    response = tablet.post_submission(body)
    assert response.status_code == 422
    errors = _assert_french_json(response)["errors"]
    assert errors["uuid"] == ["Identifiant UUID invalide."]
    assert "profile.public" in errors
    assert errors["consent.given"] == ["Ce champ est obligatoire."]


def test_consent_is_required_and_parental_consent_under_15(tablet, db):
    refused = tablet.post_submission(payload(tablet.questionnaire.id, consent={"given": False}))
    assert refused.status_code == 422
    assert "consent.given" in refused.get_json()["errors"]

    child = payload(tablet.questionnaire.id, profile={"age_band": "moins_15"})
    child["answers"]["age"] = 14
    without_parent = tablet.post_submission(child)
    assert without_parent.status_code == 422
    assert "consent.parental_consent" in without_parent.get_json()["errors"]

    child["consent"]["parental_consent"] = True
    assert tablet.post_submission(child).status_code == 201


def test_age_band_unusual_for_the_public_is_stored_for_checking(tablet, db):
    response = tablet.post_submission(
        payload(tablet.questionnaire.id, profile={"public": "age", "age_band": "18_25"})
    )
    assert response.status_code == 201
    assert response.get_json()["state"] == "a_verifier"
    submission = db.session.get(Submission, response.get_json()["id"])
    assert "inhabituelle" in submission.review_comment


def test_quartier_must_belong_to_the_commune(tablet, db):
    response = tablet.post_submission(
        payload(
            tablet.questionnaire.id,
            profile={"commune": "37122", "quartier": tablet.places["sanitas"].id},
        )
    )
    assert response.status_code == 422
    assert "profile.quartier" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("commune", "quartier", "stored"),
    [
        (None, None, (None, None)),
        ("37122", None, ("37122", None)),
        ("37261", "Sanitas", ("37261", "sanitas")),
        ("37261", " Sanitas ", ("37261", "sanitas")),
        ("37261", "sanitas-id", ("37261", "sanitas")),
        (None, "sanitas-id", ("37261", "sanitas")),
        (" ", "sanitas-id", ("37261", "sanitas")),
    ],
)
def test_the_interview_keeps_its_commune_and_quartier_and_so_do_its_answer_rows(
    tablet, db, commune, quartier, stored
):
    sanitas_id = tablet.places["sanitas"].id
    body = payload(
        tablet.questionnaire.id,
        profile={
            "commune": commune,
            "quartier": sanitas_id if quartier == "sanitas-id" else quartier,
        },
    )
    response = tablet.post_submission(body)
    assert response.status_code == 201, response.get_json()
    expected = (stored[0], sanitas_id if stored[1] == "sanitas" else None)
    submission = db.session.get(Submission, response.get_json()["id"])
    assert (submission.commune_code, submission.quartier_id) == expected
    rows = db.session.execute(
        select(AnswerText.commune_code, AnswerText.quartier_id).where(
            AnswerText.submission_id == submission.id
        )
    ).all()
    assert rows and set(rows) == {expected}


@pytest.mark.parametrize(
    ("commune", "quartier", "fields"),
    [
        ("99999", None, ["profile.commune"]),
        ("99999", "Sanitas", ["profile.commune", "profile.quartier"]),
        ("37261", "Gare", ["profile.quartier"]),
        ("37122", "Sanitas", ["profile.quartier"]),
        (None, "Sanitas", ["profile.quartier"]),
        (None, "unknown-id", ["profile.quartier"]),
        ("37261", "unknown-id", ["profile.quartier"]),
    ],
)
def test_a_place_outside_the_territory_is_refused_alone_and_nothing_is_written(
    tablet, db, commune, quartier, fields
):
    # The answers are right: only the place is wrong, found by the insert itself.
    unknown_id = tablet.places["sanitas"].id + 1000
    body = payload(
        tablet.questionnaire.id,
        profile={
            "commune": commune,
            "quartier": unknown_id if quartier == "unknown-id" else quartier,
        },
    )
    response = tablet.post_submission(body)
    assert response.status_code == 422
    errors = _assert_french_json(response)["errors"]
    assert sorted(errors) == fields
    assert _count(db) == 0
    assert db.session.scalar(select(func.count()).select_from(AnswerText)) == 0
    # Sent again once the place is right, it is stored, once.
    body["profile"] |= {"commune": "37261", "quartier": "Sanitas"}
    assert tablet.post_submission(body).status_code == 201
    assert tablet.post_submission(body).status_code == 200
    assert _count(db) == 1


def test_interview_made_on_an_older_version_is_stored_against_it(tablet, db):
    version_1 = tablet.questionnaire.versions[0]
    body = payload(tablet.questionnaire.id, version=1)
    response = tablet.post_submission(body)
    assert response.status_code == 201
    assert (
        db.session.get(Submission, response.get_json()["id"]).questionnaire_version_id
        == version_1.id
    )

    # Version 1 has no transport question: an answer to it is refused there, accepted on version 2.
    with_transport = payload(tablet.questionnaire.id, version=2)
    with_transport["answers"]["transport"] = "bus"
    assert tablet.post_submission(with_transport).status_code == 201


def test_unknown_version_is_refused(tablet, db):
    response = tablet.post_submission(payload(tablet.questionnaire.id, version=9))
    assert response.status_code == 422
    assert "version" in _assert_french_json(response)["errors"]
    assert _count(db) == 0


def test_revoked_or_wrong_token_gets_401(tablet, db):
    from consultation.accounts.devices import DeviceToken
    from consultation.accounts.tokens import revoke_token, token_digest

    wrong = tablet.post_submission(
        payload(tablet.questionnaire.id), headers={"Authorization": "Bearer faux"}
    )
    assert wrong.status_code == 401
    _assert_french_json(wrong)

    device = db.session.scalar(
        select(DeviceToken).where(DeviceToken.token_hash == token_digest(tablet.token))
    )
    revoke_token(device, None)
    db.session.commit()
    revoked = tablet.post_submission(payload(tablet.questionnaire.id))
    assert revoked.status_code == 401
    assert "révoqué" in revoked.get_json()["message"]
    assert _count(db) == 0


def test_missing_token_gets_401(client, db):
    response = client.post("/api/v1/submissions", json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_is_stored_hashed(tablet, db):
    from consultation.accounts.devices import DeviceToken

    stored = db.session.scalars(select(DeviceToken.token_hash)).all()
    assert tablet.token not in stored and len(stored[0]) == 64


def test_malformed_json_gets_400_json(tablet, db):
    response = tablet.post_submission('{"uuid": "abc", ')
    assert response.status_code == 400
    assert "JSON" in _assert_french_json(response)["message"]


def test_json_that_is_not_an_object_gets_422(tablet, db):
    response = tablet.post_submission("[1, 2, 3]")
    assert response.status_code == 422
    _assert_french_json(response)


def test_oversized_payload_gets_413_json(tablet, db):
    body = payload(tablet.questionnaire.id)
    body["answers"]["besoins"] = "x" * (3 * 1024 * 1024)
    response = tablet.post_submission(body)
    assert response.status_code == 413
    assert "volumineuse" in _assert_french_json(response)["message"]
    assert _count(db) == 0


def test_questionnaires_list_only_published_versions(tablet, db):
    from consultation.questionnaire_store.models import Questionnaire, QuestionnaireVersion

    draft_only = Questionnaire(title="Brouillon seulement")
    draft_only.versions.append(
        QuestionnaireVersion(number=1, definition={"title": "x", "form_id": "x"})
    )
    db.session.add(draft_only)
    db.session.commit()

    headers = {"Authorization": f"Bearer {tablet.token}"}
    db.session.add(Assignment(questionnaire_id=draft_only.id, enumerator_id=tablet.user.id))
    db.session.commit()

    response = tablet.get("/api/v1/questionnaires", headers=headers)
    assert response.status_code == 200
    listed = {item["title"]: item for item in response.get_json()}
    assert "Brouillon seulement" not in listed
    assert listed["Besoins des habitants"]["current_version"] == 2
    assert [v["number"] for v in listed["Besoins des habitants"]["versions"]] == [1, 2]


def test_version_definition_is_served_and_drafts_are_not(tablet, db):
    from consultation.questionnaire_store.models import QuestionnaireVersion

    headers = {"Authorization": f"Bearer {tablet.token}"}
    questionnaire_id = tablet.questionnaire.id
    response = tablet.get(f"/api/v1/questionnaires/{questionnaire_id}/versions/1", headers=headers)
    assert response.status_code == 200
    served = response.get_json()
    assert served["number"] == 1 and served["title"] == "Besoins des habitants"
    assert [child["name"] for child in served["definition"]["children"]][:2] == ["prenom", "age"]

    tablet.questionnaire.versions.append(
        QuestionnaireVersion(number=3, definition=served["definition"])
    )
    db.session.commit()
    draft = tablet.get(f"/api/v1/questionnaires/{questionnaire_id}/versions/3", headers=headers)
    assert draft.status_code == 404
    _assert_french_json(draft)


def test_json_nested_thousands_deep_gets_400_json(tablet, db):
    response = tablet.post_submission("[" * 5000 + "]" * 5000)
    assert response.status_code == 400
    assert "imbriqué" in _assert_french_json(response)["message"]
    assert _count(db) == 0


def test_each_stored_interview_gets_its_own_receipt_code(tablet, db):
    first = tablet.post_submission(payload(tablet.questionnaire.id))
    second = tablet.post_submission(payload(tablet.questionnaire.id))
    codes = [db.session.get(Submission, r.get_json()["id"]).receipt_code for r in (first, second)]
    assert codes[0] != codes[1]
    for code in codes:
        assert len(code) == 14 and code[4] == code[9] == "-"
        assert not set(code.replace("-", "")) & set("ILOU")
        # What a resident types back, in lower case, with spaces and an O for a zero, finds it.
        typed = code.lower().replace("-", " ").replace("0", "o")
        assert normal_receipt_code(typed) == code


def test_the_receipt_code_drawn_by_the_tablet_is_kept_and_answered_on_every_retry(tablet, db):
    body = payload(tablet.questionnaire.id, receipt_code="7k2m qx9d 4tbe")
    first = tablet.post_submission(body)
    again = tablet.post_submission(body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["receipt_code"] == again.get_json()["receipt_code"] == "7K2M-QX9D-4TBE"
    assert db.session.get(Submission, first.get_json()["id"]).receipt_code == "7K2M-QX9D-4TBE"


def test_without_a_receipt_code_the_server_draws_one_and_answers_it(tablet, db):
    response = tablet.post_submission(payload(tablet.questionnaire.id))
    code = response.get_json()["receipt_code"]
    assert (
        len(code) == 14
        and db.session.get(Submission, response.get_json()["id"]).receipt_code == code
    )


def test_a_receipt_code_already_taken_or_malformed_is_refused_in_french(tablet, db):
    tablet.post_submission(payload(tablet.questionnaire.id, receipt_code="7K2M-QX9D-4TBE"))
    taken = tablet.post_submission(payload(tablet.questionnaire.id, receipt_code="7K2M-QX9D-4TBE"))
    assert taken.status_code == 422
    assert "déjà celui d'une autre réponse" in taken.get_json()["errors"]["receipt_code"][0]
    malformed = tablet.post_submission(payload(tablet.questionnaire.id, receipt_code="ABC"))
    assert malformed.status_code == 422 and "receipt_code" in malformed.get_json()["errors"]
    assert _count(db) == 1


def test_a_receipt_code_taken_by_another_interview_during_the_sync_is_refused_in_french(
    tablet, db, monkeypatch
):
    """Two tablets sync at once with the same code: the other one stores it after this request
    found it free and before this request's insert. Same answer as when it was taken before."""
    from consultation.submissions import services

    other = tablet.post_submission(payload(tablet.questionnaire.id)).get_json()
    checked = services._receipt

    def checked_then_taken(typed, client_uuid, errors):
        code = checked(typed, client_uuid, errors)
        db.session.execute(
            update(Submission).where(Submission.id == other["id"]).values(receipt_code=code)
        )
        return code

    monkeypatch.setattr(services, "_receipt", checked_then_taken)
    body = payload(tablet.questionnaire.id, receipt_code="7K2M-QX9D-4TBE")
    response = tablet.post_submission(body)

    assert response.status_code == 422
    error = _assert_french_json(response)
    assert "déjà celui d'une autre réponse" in error["errors"]["receipt_code"][0]
    # Nothing of the refused interview is stored: neither its row nor its answer rows.
    assert _count(db) == 1
    assert db.session.get(Submission, other["id"]) is not None
    refused = select(Submission.id).where(Submission.client_uuid == body["uuid"])
    assert db.session.scalar(refused) is None
    answer_rows = select(func.count(AnswerText.id)).where(AnswerText.submission_id != other["id"])
    assert db.session.scalar(answer_rows) == 0
