"""CSRF: with protection on, as in production, every request that changes something needs the
session's token (a form field, or the X-CSRFToken header for fetch()); the tablets' Bearer API does not."""

import re

import pytest
from flask import url_for
from security_records import role_clients, session_client, study
from test_security_roles import _url

pytestmark = pytest.mark.storage

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Authenticated by a device token, never by the cookie: a forged cross-site request has no token.
BEARER_ONLY = {"api.create_submission", "api.revoke_current_token"}
CSRF_PAGE = "Le formulaire a expiré ou son jeton de sécurité manque"


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def _changing_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & CHANGING):
            if rule.endpoint not in BEARER_ONLY:
                routes.append((rule.endpoint, method))
    return sorted(set(routes))


def _token(client, path: str = "/accueil") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def test_the_live_configuration_keeps_csrf_on(tmp_path):
    from consultation import create_app

    production = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "x"}
    )
    assert production.config.get("WTF_CSRF_ENABLED", True) is True


def test_every_changing_route_refuses_a_request_without_the_token(app, db, csrf_on):
    records = study(db)
    admin = role_clients(app, db)["admin"]
    routes = _changing_routes(app)
    assert len(routes) >= 30, routes
    for endpoint, method in routes:
        url = _url(app, endpoint, records)
        is_json = "/api/" in url or url.endswith("/expression")
        if is_json:
            response = admin.open(
                url,
                method=method,
                json={"submission_id": records["submission"].id},
                headers={"Accept": "application/json"},
            )
        else:
            response = admin.open(url, method=method, data={"name": "x", "title": "x"})
        assert response.status_code == 400, f"{method} {url}: {response.status_code}"
        if response.is_json:
            message = response.get_json()["message"]
            assert "jeton" in message.lower() or "CSRF" in message, f"{method} {url}: {message}"
        else:
            assert CSRF_PAGE in response.get_data(as_text=True), (
                f"{method} {url}: no French CSRF page"
            )


def test_the_login_form_needs_its_token_too(app, db, csrf_on):
    clients = role_clients(app, db)
    anonymous = clients[None]
    user = clients["lecteur"].user
    refused = anonymous.post(
        "/compte/connexion", data={"email": user.email, "password": "motdepasse-solide-42"}
    )
    assert refused.status_code == 400 and CSRF_PAGE in refused.get_data(as_text=True)
    token = _token(anonymous, "/compte/connexion")
    accepted = anonymous.post(
        "/compte/connexion",
        data={"email": user.email, "password": "motdepasse-solide-42", "csrf_token": token},
    )
    assert accepted.status_code == 302


def test_a_token_of_another_session_is_refused(app, db, csrf_on):
    records = study(db)
    clients = role_clients(app, db)
    someone_else = _token(clients["lecteur"])
    url = url_for("review.change_state", submission_id=records["submission"].id)
    response = clients["charge_etude"].post(
        url, data={"state": "validee", "comment": "", "csrf_token": someone_else}
    )
    assert response.status_code == 400 and CSRF_PAGE in response.get_data(as_text=True)


def test_fetch_endpoints_accept_the_header_token(app, db, csrf_on):
    records = study(db)
    charge = role_clients(app, db)["charge_etude"]
    token = _token(charge)
    questionnaire_id = records["questionnaire"].id
    url = url_for("coding.api_memo", questionnaire_id=questionnaire_id)
    body = {
        "submission_id": records["submission"].id,
        "path": "besoins",
        "text": "Relu avec le collectif",
    }
    assert charge.post(url, json=body).status_code == 400
    saved = charge.post(url, json=body, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["text"] == "Relu avec le collectif"
    check = charge.post(
        url_for("designer.check_expression", questionnaire_id=questionnaire_id),
        json={"expression": "${age} >= 16"},
        headers={"X-CSRFToken": token},
    )
    assert check.status_code == 200 and check.get_json()["ok"] is True


def test_forms_with_their_token_go_through(app, db, csrf_on):
    records = study(db)
    charge = role_clients(app, db)["charge_etude"]
    token = _token(charge)
    url = url_for("review.change_state", submission_id=records["submission"].id)
    response = charge.post(
        url, data={"state": "a_verifier", "comment": "Âge à confirmer", "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert records["submission"].state == "a_verifier"


def test_the_token_api_needs_the_header_but_the_bearer_api_does_not(app, db, csrf_on):
    records = study(db)
    enqueteur = session_client(app, records["enqueteur"])
    refused = enqueteur.post("/api/v1/tokens", json={"device_label": "Tablette 2"})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    issued = enqueteur.post(
        "/api/v1/tokens",
        json={"device_label": "Tablette 2"},
        headers={"X-CSRFToken": _token(enqueteur, "/etudes/etude-test/entretiens/")},
    )
    assert issued.status_code == 201
    bearer = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    tablet = session_client(app, None)
    listed = tablet.get("/api/v1/questionnaires", headers=bearer)
    assert listed.status_code == 200
    sent = tablet.post("/api/v1/submissions", json={"uuid": "not-a-uuid"}, headers=bearer)
    assert sent.status_code == 422, sent.get_json()  # checked for its content, not refused for CSRF
    revoked = tablet.delete("/api/v1/tokens/current", headers=bearer)
    assert revoked.status_code == 204
