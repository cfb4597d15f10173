"""HTTP headers a browser or a proxy acts on: personal data is never stored in a cache, and a 405
says which methods the URL accepts."""

import pytest
from flask import url_for
from security_records import session_client, study
from submission_records import payload

pytestmark = pytest.mark.storage


@pytest.fixture()
def records(db):
    return study(db)


def _personal_urls(records: dict) -> list[str]:
    questionnaire_id = records["questionnaire"].id
    return [
        url_for("review.index"),
        url_for("review.submissions", questionnaire_id=questionnaire_id),
        url_for("review.submission", submission_id=records["submission"].id),
        url_for("review.export", questionnaire_id=questionnaire_id, format="csv"),
        url_for("coding.workspace", questionnaire_id=questionnaire_id, question="besoins"),
        url_for("coding.verbatims", questionnaire_id=questionnaire_id, code_id=records["code"].id),
        url_for("coding.export_file", questionnaire_id=questionnaire_id, name="segments.csv"),
        url_for("accounts.password"),
        url_for("accounts.users"),
        url_for("interviews.bootstrap"),
        url_for("api.list_questionnaires"),
        url_for("api.get_version", questionnaire_id=questionnaire_id, number=1),
    ]


def test_every_page_of_a_logged_in_user_is_no_store(app, db, records):
    from security_records import fast_user

    admin = session_client(app, fast_user(db, "admin"))
    db.session.commit()
    for url in _personal_urls(records):
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers.get("Cache-Control") == "no-store", url


def test_api_answers_to_a_tablet_are_no_store(app, db, records):
    from consultation.accounts.tokens import issue_token

    _, token = issue_token(records["enqueteur"], "Tablette")
    db.session.commit()
    tablet = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    version = tablet.get(
        f"/api/v1/questionnaires/{records['questionnaire'].id}/versions/1", headers=headers
    )
    body = payload(records["questionnaire"].id, profile={"commune": None, "quartier": None})
    body["answers"] = {"age": 30, "besoins": "Un bus le soir."}
    sent = tablet.post("/api/v1/submissions", json=body, headers=headers)
    refused = tablet.post("/api/v1/submissions", json={}, headers=headers)
    for response in (version, sent, refused):
        assert response.status_code in (200, 201, 422), response.get_json()
        assert response.headers["Cache-Control"] == "no-store"
    assert sent.status_code == 201, sent.get_json()


def test_static_files_stay_cacheable_for_a_logged_in_user(app, db, records):
    browser = session_client(app, records["charge"])
    response = browser.get(url_for("static", filename="css/app.css"))
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_a_405_page_says_which_methods_are_allowed(app, db, records):
    browser = session_client(app, records["charge"])
    response = browser.get("/compte/deconnexion")
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.get_data(as_text=True)
    assert {method.strip() for method in response.headers["Allow"].split(",")} >= {"POST"}
    assert "GET" not in response.headers["Allow"]

    anonymous = app.test_client().delete("/compte/connexion")
    assert anonymous.status_code == 405
    assert {method.strip() for method in anonymous.headers["Allow"].split(",")} >= {"GET", "POST"}


def test_a_405_of_the_api_says_which_methods_are_allowed(client, db):
    response = client.get("/api/v1/submissions")
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["message"] == "Cette action n'est pas possible ici."
    assert "POST" in response.headers["Allow"] and "GET" not in response.headers["Allow"]

    listing = client.delete("/api/v1/questionnaires")
    assert listing.status_code == 405
    assert "GET" in listing.headers["Allow"] and "DELETE" not in listing.headers["Allow"]
