"""Device tokens: issued once to a logged-in tablet page (session + CSRF header), usable by the
API, listed and revoked by an administrator on /reponses/appareils."""

import re

import pytest
from sqlalchemy import select
from submission_records import payload, publish, territory

from consultation.accounts.devices import DeviceToken

pytestmark = pytest.mark.storage


def _csrf_token(client) -> str:
    page = client.get("/accueil").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_logged_in_enqueteur_gets_a_token_that_works_for_the_api(login, db, app):
    from consultation.submissions.models import Assignment

    questionnaire = publish(db)
    enqueteur = login("enqueteur")
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.user.id))
    db.session.commit()
    response = enqueteur.post("/api/v1/tokens", json={"device_label": "Tablette du CCAS"})
    assert response.status_code == 201
    token = response.get_json()["token"]

    listed = app.test_client().get(
        "/api/v1/questionnaires", headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200
    assert [item["title"] for item in listed.get_json()] == ["Besoins des habitants"]
    device = db.session.get(DeviceToken, response.get_json()["id"])
    assert device.user_id == enqueteur.user.id and device.device_label == "Tablette du CCAS"
    assert device.last_used_at is None  # a download writes nothing

    territory(db)
    synced = app.test_client().post(
        "/api/v1/submissions",
        json=payload(questionnaire.id),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert synced.status_code == 201
    db.session.expire_all()
    assert db.session.get(DeviceToken, device.id).last_used_at is not None


def test_token_request_needs_the_csrf_header(login, db, app, monkeypatch):
    enqueteur = login("enqueteur")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = enqueteur.post("/api/v1/tokens", json={})
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["message"]

    accepted = enqueteur.post(
        "/api/v1/tokens", json={}, headers={"X-CSRFToken": _csrf_token(enqueteur)}
    )
    assert accepted.status_code == 201


def test_anonymous_or_token_caller_cannot_mint_tokens(client, login, db):
    assert client.post("/api/v1/tokens", json={}).status_code == 401
    enqueteur = login("enqueteur")
    token = enqueteur.post("/api/v1/tokens", json={}).get_json()["token"]
    from_token = client.post(
        "/api/v1/tokens", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert from_token.status_code == 401


def test_reader_role_cannot_get_a_device_token(login, db):
    assert login("lecteur").post("/api/v1/tokens", json={}).status_code == 403


def test_tablet_can_revoke_its_own_token(login, client, db):
    token = login("enqueteur").post("/api/v1/tokens", json={}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/questionnaires", headers=headers).status_code == 401


def test_admin_lists_and_revokes_tokens_on_the_devices_page(login, client, db):
    enqueteur = login("enqueteur", name="Samir Enquêteur")
    token = enqueteur.post(
        "/api/v1/tokens", json={"device_label": "Tablette <Sanitas>"}
    ).get_json()["token"]
    admin = login("admin")
    page = admin.get("/etudes/etude-test/reponses/appareils")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Samir Enquêteur" in html
    assert "Tablette &lt;Sanitas&gt;" in html  # escaped

    device = db.session.scalar(
        select(DeviceToken).where(DeviceToken.device_label == "Tablette <Sanitas>")
    )
    response = admin.post(
        f"/etudes/etude-test/reponses/appareils/{device.id}/revoquer", follow_redirects=True
    )
    assert response.status_code == 200 and "révoqué" in response.get_data(as_text=True)
    assert (
        client.get(
            "/api/v1/questionnaires", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )


def test_enqueteur_cannot_open_the_devices_page(login, db):
    assert login("enqueteur").get("/etudes/etude-test/reponses/appareils").status_code == 403


def test_a_revoked_tablet_needs_the_password_again_before_a_new_token(login, client, db, app):
    from conftest import PASSWORD

    enqueteur = login("enqueteur")
    colleague = login("enqueteur")
    token = enqueteur.post("/api/v1/tokens", json={"device_label": "Tablette perdue"}).get_json()[
        "token"
    ]
    device = db.session.scalar(
        select(DeviceToken).where(DeviceToken.device_label == "Tablette perdue")
    )
    login("admin").post(f"/etudes/etude-test/reponses/appareils/{device.id}/revoquer")

    refused = client.post(
        "/api/v1/submissions", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 401
    # The lost tablet still holds its session cookie: that alone must not re-authorise it.
    again = enqueteur.post("/api/v1/tokens", json={})
    assert again.status_code == 401
    assert again.get_json()["code"] == "reconnexion_requise"
    assert "mot de passe" in again.get_json()["message"]
    assert colleague.post("/api/v1/tokens", json={}).status_code == 201

    enqueteur.post("/compte/connexion", data={"email": enqueteur.user.email, "password": PASSWORD})
    renewed = enqueteur.post("/api/v1/tokens", json={})
    assert renewed.status_code == 201
    listed = client.get(
        "/api/v1/questionnaires", headers={"Authorization": f"Bearer {renewed.get_json()['token']}"}
    )
    assert listed.status_code == 200
