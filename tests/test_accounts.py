import pytest

from consultation.accounts.models import User

pytestmark = pytest.mark.storage


def test_password_is_hashed_with_argon2(make_user, db):
    user = make_user("enqueteur")
    assert user.password_hash.startswith("$argon2")
    assert "motdepasse" not in user.password_hash


def test_login_with_wrong_password_is_refused_in_french(client, make_user):
    user = make_user("lecteur")
    response = client.post("/compte/connexion", data={"email": user.email, "password": "faux-mot-de-passe"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_pages(app, make_user):
    user = make_user("lecteur")
    client = app.test_client()
    response = client.post(
        "/compte/connexion?next=https://ailleurs.example/piège",
        data={"email": user.email, "password": "motdepasse-solide-42"},
    )
    assert response.status_code == 302
    assert "ailleurs.example" not in response.headers["Location"]


def test_users_page_is_for_admins_only(login):
    assert login("lecteur").get("/compte/utilisateurs").status_code == 403
    assert login("admin").get("/compte/utilisateurs").status_code == 200


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/compte/utilisateurs")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_admin_creates_account_with_role(admin_client, db):
    response = admin_client.post(
        "/compte/utilisateurs",
        data={"email": "Nadia.Benali@ccas-tours.fr", "name": "Nadia Benali", "role": "enqueteur", "password": "un-mot-de-passe-long"},
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="nadia.benali@ccas-tours.fr"))
    assert user is not None and user.role == "enqueteur"


def test_inactive_user_cannot_log_in(client, make_user, db):
    user = make_user("enqueteur")
    user.active = False
    db.session.commit()
    response = client.post("/compte/connexion", data={"email": user.email, "password": "motdepasse-solide-42"})
    assert response.status_code == 200


def test_login_is_rate_limited(tmp_path):
    from consultation import create_app
    from consultation.extensions import limiter

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}", "RATELIMIT_ENABLED": True})
    try:
        with app.app_context():
            from consultation.extensions import db as _db
            _db.create_all()
        client = app.test_client()
        codes = [client.post("/compte/connexion", data={"email": "x@y.fr", "password": "nope"}).status_code for _ in range(12)]
        assert codes[0] == 200
        assert 429 in codes
        last = client.post("/compte/connexion", data={"email": "x@y.fr", "password": "nope"})
        assert "Trop de" in last.get_data(as_text=True)
    finally:
        # The limiter is one object shared by every app of this process: leave it as found.
        limiter.reset()
        limiter.enabled = False


def test_form_fields_are_marked_invalid_only_when_they_have_an_error(client, make_user):
    blank = client.get("/compte/connexion").get_data(as_text=True)
    # Any aria-invalid value other than "false" means "invalid" to a screen reader.
    assert "aria-invalid" not in blank and 'aria-describedby="None"' not in blank
    user = make_user("lecteur")
    refused = client.post("/compte/connexion", data={"email": user.email, "password": "faux-mot-de-passe"})
    page = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'aria-describedby="password-erreur"' in page
