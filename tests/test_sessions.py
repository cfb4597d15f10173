"""Sessions end when they should: a cookie copied before a logout opens nothing after it, and
« se déconnecter partout » (by the person, or by an administrator) ends the other sessions and
cuts the tablets off."""

import pytest
from conftest import PASSWORD

pytestmark = pytest.mark.storage


def _copy(app, client, *names):
    """Another browser holding copies of `client`'s cookies (a shared computer, a stolen file)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, domain=cookie.domain)
    return thief


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def _api_token(db, user) -> dict:
    from consultation.accounts.tokens import issue_token

    _, token = issue_token(user, "Tablette du CCAS")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_answers(app, login):
    charge = login("charge_etude")
    copied = _copy(app, charge, "session")
    assert (
        copied.get("/etudes/etude-test/reponses/").status_code == 200
    )  # the copy works while the session lasts

    assert charge.post("/compte/deconnexion").status_code == 302
    assert _sent_to_login(copied.get("/etudes/etude-test/reponses/"))
    assert _sent_to_login(charge.get("/etudes/etude-test/reponses/"))


def test_a_remember_me_cookie_copied_before_logout_no_longer_logs_in(app, make_user):
    user = make_user("charge_etude")
    browser = app.test_client()
    browser.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    copied = _copy(app, browser, "remember_token")
    assert (
        copied.get("/etudes/etude-test/reponses/").status_code == 200
    )  # "remember me" alone opens a session

    browser.post("/compte/deconnexion")
    assert _sent_to_login(_copy(app, copied, "remember_token").get("/etudes/etude-test/reponses/"))


def test_logging_in_again_after_logout_works(app, login):
    lecteur = login("lecteur")
    lecteur.post("/compte/deconnexion")
    again = lecteur.post(
        "/compte/connexion", data={"email": lecteur.user.email, "password": PASSWORD}
    )
    assert again.status_code == 302
    assert lecteur.get("/accueil").status_code == 200


def test_logout_everywhere_ends_the_other_sessions_and_the_tablets(app, db, login):
    from conftest import _logged_in

    enqueteur = login("enqueteur")
    other_device = _logged_in(app, enqueteur.user)
    headers = _api_token(db, enqueteur.user)
    assert enqueteur.get("/api/v1/questionnaires", headers=headers).status_code == 200

    page = enqueteur.get("/compte/mot-de-passe").get_data(as_text=True)
    assert "Se déconnecter partout" in page
    done = enqueteur.post("/compte/deconnecter-partout", follow_redirects=True)
    assert done.status_code == 200
    assert "Vos autres sessions ont été fermées et 1 tablette(s) déconnectée(s)" in done.get_data(
        as_text=True
    )

    assert (
        enqueteur.get("/etudes/etude-test/entretiens/").status_code == 200
    )  # this device stays logged in
    assert _sent_to_login(other_device.get("/etudes/etude-test/entretiens/"))
    assert app.test_client().get("/api/v1/questionnaires", headers=headers).status_code == 401


def test_admin_logs_another_user_out_everywhere(app, db, login):
    admin = login("admin")
    charge = login("charge_etude")
    headers = _api_token(db, charge.user)
    page = admin.get(f"/compte/utilisateurs/{charge.user.id}").get_data(as_text=True)
    assert f"Déconnecter {charge.user.email} partout" in page

    done = admin.post(
        f"/compte/utilisateurs/{charge.user.id}/deconnecter-partout", follow_redirects=True
    )
    assert f"Les sessions de {charge.user.email} ont été fermées" in done.get_data(as_text=True)
    assert _sent_to_login(charge.get("/etudes/etude-test/reponses/"))
    assert app.test_client().get("/api/v1/questionnaires", headers=headers).status_code == 401
    assert admin.get("/compte/utilisateurs").status_code == 200  # the admin's own session goes on


def test_only_an_admin_logs_someone_else_out(app, db, login):
    charge = login("charge_etude")
    lecteur = login("lecteur")
    refused = charge.post(f"/compte/utilisateurs/{lecteur.user.id}/deconnecter-partout")
    assert refused.status_code == 403
    assert lecteur.get("/accueil").status_code == 200


def test_a_new_secret_key_ends_sessions_unless_the_old_one_is_kept_as_a_fallback(app, login):
    """Rotating the key: cookies signed with the old one open nothing, unless it is listed in
    SECRET_KEY_FALLBACKS, and sessions opened afterwards work (the signing is not stuck on the
    key the server started with)."""
    charge = login("charge_etude")
    assert charge.get("/etudes/etude-test/reponses/").status_code == 200
    old_key = app.secret_key

    app.config["SECRET_KEY"] = old_key + "-renouvelée"
    assert _sent_to_login(charge.get("/etudes/etude-test/reponses/"))

    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    try:
        again = login("charge_etude")
        assert again.get("/etudes/etude-test/reponses/").status_code == 200
        # Logged in again under the old key, still accepted as a fallback.
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old_key, []
        old = login("charge_etude")
        app.config["SECRET_KEY"] = old_key + "-renouvelée"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert old.get("/etudes/etude-test/reponses/").status_code == 200
    finally:
        app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = old_key, []
