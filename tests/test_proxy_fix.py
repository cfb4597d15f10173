"""Behind the reverse proxy the README recommends: the login limit counts each real client (and
each account from that client), so failures by someone else do not lock the admin out."""

import pytest
from conftest import PASSWORD

pytestmark = pytest.mark.storage

PROXY = "10.0.0.1"  # every request reaches the app from the proxy's address
ATTACKER = "203.0.113.5"
ADMIN_OFFICE = "198.51.100.7"


@pytest.fixture()
def limited_app(tmp_path):
    """An app of its own with the login limit on (the suite's app has it off)."""
    from consultation import create_app
    from consultation.extensions import limiter

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.db'}",
                "RATELIMIT_ENABLED": True,
            }
            | config
        )
        with app.app_context():
            from consultation.accounts.services import create_user
            from consultation.extensions import db

            db.create_all()
            create_user("admin@ccas-tours.fr", PASSWORD, is_admin=True)
            db.session.commit()
        return app

    yield make
    # The limiter is one object shared by every app of this process: leave it as found.
    limiter.reset()
    limiter.enabled = False


def _login(client, client_address, email, password):
    return client.post(
        "/compte/connexion",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": client_address},
        environ_base={"REMOTE_ADDR": PROXY},
    )


def test_two_clients_behind_one_proxy_are_limited_apart(limited_app):
    app = limited_app(PROXY_FIX_X_FOR=1)
    attacker, admin = app.test_client(), app.test_client()
    codes = [
        _login(attacker, ATTACKER, f"inconnu{n}@exemple.fr", "devine-encore").status_code
        for n in range(21)
    ]
    codes += [
        _login(attacker, ATTACKER, "admin@ccas-tours.fr", "devine-encore").status_code
        for _ in range(6)
    ]
    assert codes[0] == 200 and codes[-1] == 429  # the one who fails is stopped…
    refused = _login(attacker, ATTACKER, "admin@ccas-tours.fr", PASSWORD)
    assert refused.status_code == 429 and "Trop de tentatives" in refused.get_data(as_text=True)

    # …and the admin, from another address behind the same proxy, logs in.
    response = _login(admin, ADMIN_OFFICE, "admin@ccas-tours.fr", PASSWORD)
    assert response.status_code == 302
    assert admin.get("/compte/utilisateurs", environ_base={"REMOTE_ADDR": PROXY}).status_code == 200


def test_failures_on_one_account_are_limited_per_address(limited_app):
    app = limited_app(PROXY_FIX_X_FOR=1)
    attacker = app.test_client()
    codes = [
        _login(attacker, ATTACKER, "admin@ccas-tours.fr", "devine-encore").status_code
        for _ in range(6)
    ]
    assert codes[:5] == [200] * 5 and codes[5] == 429  # five tries per account from one address
    assert (
        _login(app.test_client(), ADMIN_OFFICE, "admin@ccas-tours.fr", PASSWORD).status_code == 302
    )


def test_without_proxy_settings_a_client_cannot_escape_the_limit_by_forging_the_header(limited_app):
    app = limited_app()
    client = app.test_client()
    codes = [
        _login(client, f"192.0.2.{n}", f"inconnu{n}@exemple.fr", "devine-encore").status_code
        for n in range(21)
    ]
    # The forged X-Forwarded-For is ignored: all these came from one address.
    assert codes[-1] == 429
