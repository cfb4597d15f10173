import re

import pytest

from consultation.accounts.models import User

pytestmark = pytest.mark.storage


def test_password_is_hashed_with_argon2(make_user, db):
    user = make_user("enqueteur")
    assert user.password_hash.startswith("$argon2")
    assert "motdepasse" not in user.password_hash


def test_login_with_wrong_password_is_refused_in_french(client, make_user):
    user = make_user("lecteur")
    response = client.post(
        "/compte/connexion", data={"email": user.email, "password": "faux-mot-de-passe"}
    )
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


def test_admin_creates_an_account_that_opens_no_study_until_one_gives_it_a_role(admin_client, db):
    response = admin_client.post(
        "/compte/utilisateurs",
        data={
            "email": "Nadia.Benali@ccas-tours.fr",
            "name": "Nadia Benali",
            "password": "un-mot-de-passe-long",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="nadia.benali@ccas-tours.fr"))
    assert user is not None and user.is_admin is False
    nadia = _logged_in_as(admin_client.application, user.email, "un-mot-de-passe-long")
    assert nadia.get("/etudes/etude-test/").status_code == 404
    assert "membre d'aucune étude" in nadia.get("/accueil").get_data(as_text=True)


def _logged_in_as(app, email: str, password: str):
    client = app.test_client()
    assert (
        client.post("/compte/connexion", data={"email": email, "password": password}).status_code
        == 302
    )
    return client


def test_a_new_account_is_not_an_administrator_unless_ticked(admin_client):
    page = admin_client.get("/compte/utilisateurs").get_data(as_text=True)
    form = page[page.index("<h2>Créer un compte</h2>") :]
    box = re.search(r'<input[^>]*name="is_admin"[^>]*>', form).group(0)
    assert "checked" not in box
    assert "Membres" in form


def test_inactive_user_cannot_log_in(client, make_user, db):
    user = make_user("enqueteur")
    user.active = False
    db.session.commit()
    response = client.post(
        "/compte/connexion", data={"email": user.email, "password": "motdepasse-solide-42"}
    )
    assert response.status_code == 200


def test_login_is_rate_limited(tmp_path):
    from consultation import create_app
    from consultation.extensions import limiter

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
            "RATELIMIT_ENABLED": True,
        }
    )
    try:
        with app.app_context():
            from consultation.extensions import db as _db

            _db.create_all()
        client = app.test_client()
        codes = [
            client.post(
                "/compte/connexion", data={"email": "x@y.fr", "password": "nope"}
            ).status_code
            for _ in range(12)
        ]
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
    refused = client.post(
        "/compte/connexion", data={"email": user.email, "password": "faux-mot-de-passe"}
    )
    page = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'aria-describedby="password-erreur"' in page


# --- administrators manage accounts --------------------------------------------------------


def test_admin_deactivates_an_account_and_its_open_session_ends(login, db):
    admin = login("admin")
    enqueteur = login("enqueteur")
    assert enqueteur.get("/etudes/etude-test/entretiens/").status_code == 200
    response = admin.post(
        f"/compte/utilisateurs/{enqueteur.user.id}",
        data={"name": "Karim"},  # "active" unticked
    )
    assert response.status_code == 302
    db.session.refresh(enqueteur.user)
    assert enqueteur.user.active is False
    # The tablet that was logged in is sent back to the login page at its next request.
    after = enqueteur.get("/etudes/etude-test/entretiens/")
    assert after.status_code == 302 and "/compte/connexion" in after.headers["Location"]
    assert "désactivé" in admin.get("/compte/utilisateurs").get_data(as_text=True)


def test_a_role_changed_in_the_study_applies_at_once(login, db):
    charge = login("charge_etude")
    lecteur = login("lecteur")
    assert lecteur.get("/etudes/etude-test/questionnaires/").status_code == 403
    response = charge.post(
        f"/etudes/etude-test/membres/{lecteur.user.id}/role", data={"role": "charge_etude"}
    )
    assert response.status_code == 302
    assert lecteur.get("/etudes/etude-test/questionnaires/").status_code == 200


def test_admin_cannot_lock_themselves_out(login, db):
    admin = login("admin")
    page = admin.post(
        f"/compte/utilisateurs/{admin.user.id}",
        data={"name": "Moi", "active": "y"},  # "is_admin" unticked
    )
    assert page.status_code == 200
    assert "Vous ne pouvez pas retirer votre propre rôle" in page.get_data(as_text=True)
    db.session.refresh(admin.user)
    assert admin.user.is_admin is True


def test_the_last_active_admin_stays(make_user, db):
    from consultation.accounts.services import AccountError, update_account

    only_admin = make_user("admin")
    other = make_user("charge_etude")
    for existing in db.session.scalars(
        db.select(User).where(User.is_admin.is_(True), User.id != only_admin.id)
    ):
        existing.active = False
    db.session.flush()
    with pytest.raises(AccountError, match="dernier administrateur"):
        update_account(only_admin, is_admin=True, active=False, name="", acting=other)


def test_admin_sets_a_new_password_for_an_account(login, client, db):
    admin = login("admin")
    user = login("enqueteur").user
    admin.post(
        f"/compte/utilisateurs/{user.id}",
        data={
            "name": "K",
            "active": "y",
            "new_password": "nouveau-mot-de-passe-7",
        },
    )
    assert (
        client.post(
            "/compte/connexion", data={"email": user.email, "password": "nouveau-mot-de-passe-7"}
        ).status_code
        == 302
    )


def test_account_page_is_for_admins_only(login):
    target = login("lecteur").user
    assert login("charge_etude").get(f"/compte/utilisateurs/{target.id}").status_code == 403
    assert login("admin").get("/compte/utilisateurs/9999999").status_code == 404


# --- a user changes their own password ------------------------------------------------------


def test_user_changes_own_password_and_other_sessions_end(app, login, db):
    from tests.conftest import _logged_in

    first = login("collectif")
    second = _logged_in(app, first.user)  # the same person on another device
    refused = first.post(
        "/compte/mot-de-passe",
        data={
            "current_password": "pas-le-bon-mot",
            "new_password": "tout-nouveau-42",
            "confirmation": "tout-nouveau-42",
        },
    )
    assert "Le mot de passe actuel est incorrect" in refused.get_data(as_text=True)
    mismatch = first.post(
        "/compte/mot-de-passe",
        data={
            "current_password": "motdepasse-solide-42",
            "new_password": "tout-nouveau-42",
            "confirmation": "autre-chose-42",
        },
    )
    assert "Les deux saisies diffèrent" in mismatch.get_data(as_text=True)
    done = first.post(
        "/compte/mot-de-passe",
        data={
            "current_password": "motdepasse-solide-42",
            "new_password": "tout-nouveau-42",
            "confirmation": "tout-nouveau-42",
        },
    )
    assert done.status_code == 302
    db.session.refresh(first.user)
    assert first.user.password_hash.startswith("$argon2") and first.user.check_password(
        "tout-nouveau-42"
    )
    assert first.get("/compte/mot-de-passe").status_code == 200  # this device stays logged in
    assert second.get("/compte/mot-de-passe").status_code == 302  # the other one must log in again


def test_password_page_needs_a_login(client):
    response = client.get("/compte/mot-de-passe")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


# --- create-user for scripts ----------------------------------------------------------------


def test_create_user_reads_the_password_from_stdin(runner, db):
    result = runner.invoke(
        args=[
            "create-user",
            "Agent.Accueil@ccas-tours.fr",
            "--study",
            "etude-test",
            "--role",
            "enqueteur",
            "--password-stdin",
        ],
        input="mot-de-passe-du-script\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="agent.accueil@ccas-tours.fr"))
    assert user.check_password("mot-de-passe-du-script")
    from consultation.studies.scope import role_in

    assert role_in(_test_study_id(), user) == "enqueteur"


def test_create_user_reads_the_password_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("CONSULTATION_PASSWORD", "mot-de-passe-env-12")
    result = runner.invoke(args=["create-user", "lecteur.env@ccas-tours.fr", "--admin"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(
        db.select(User).filter_by(email="lecteur.env@ccas-tours.fr")
    ).check_password("mot-de-passe-env-12")


def test_create_user_prompts_twice_by_default(runner, db, monkeypatch):
    monkeypatch.delenv("CONSULTATION_PASSWORD", raising=False)
    result = runner.invoke(
        args=[
            "create-user",
            "invite@ccas-tours.fr",
            "--study",
            "etude-test",
            "--role",
            "collectif",
        ],
        input="un-mot-de-passe-long\nun-mot-de-passe-long\n",
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output and "Confirmez" in result.output


def test_create_user_refuses_in_french_and_writes_nothing(runner, db):
    short = runner.invoke(
        args=["create-user", "court@ccas-tours.fr", "--admin", "--password-stdin"],
        input="court\n",
    )
    assert short.exit_code == 1 and "au moins 10 caractères" in short.output
    role = runner.invoke(
        args=[
            "create-user",
            "x@ccas-tours.fr",
            "--study",
            "etude-test",
            "--role",
            "maire",
            "--password-stdin",
        ],
        input="assez-long-pour-passer\n",
    )
    assert role.exit_code == 1 and "Rôle inconnu « maire »" in role.output
    assert (
        db.session.scalar(
            db.select(User).filter(User.email.in_(["court@ccas-tours.fr", "x@ccas-tours.fr"]))
        )
        is None
    )


def test_rate_limit_counts_failures_per_account_not_a_team_logging_in(tmp_path):
    from consultation import create_app
    from consultation.accounts.services import create_user
    from consultation.extensions import db as _db
    from consultation.extensions import limiter

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl2.db'}",
            "RATELIMIT_ENABLED": True,
        }
    )
    try:
        with app.app_context():
            _db.create_all()
            for number in range(2):
                create_user(f"enqueteur{number}@ccas.fr", "motdepasse-solide-42")
            _db.session.commit()
        client = app.test_client()
        # Successful logins do not count: the tablets of a team sharing one address log in all day.
        team = [
            client.post(
                "/compte/connexion",
                data={"email": "enqueteur0@ccas.fr", "password": "motdepasse-solide-42"},
            ).status_code
            for n in range(7)
        ]
        assert team == [302] * 7
        # Someone guessing one account's password is stopped after five tries.
        guesses = [
            client.post(
                "/compte/connexion", data={"email": "enqueteur0@ccas.fr", "password": f"essai-{n}"}
            ).status_code
            for n in range(7)
        ]
        assert guesses[:5] == [200] * 5 and guesses[5:] == [429, 429]
        blocked = client.post(
            "/compte/connexion",
            data={"email": "enqueteur0@ccas.fr", "password": "motdepasse-solide-42"},
        )
        assert blocked.status_code == 429 and "Trop de tentatives" in blocked.get_data(as_text=True)
        # Another account from the same address still logs in.
        assert (
            client.post(
                "/compte/connexion",
                data={"email": "enqueteur1@ccas.fr", "password": "motdepasse-solide-42"},
            ).status_code
            == 302
        )
    finally:
        limiter.reset()
        limiter.enabled = False


@pytest.mark.parametrize(
    "target",
    [
        "/\\ailleurs.example",
        "/\\/ailleurs.example",
        "/%0a//ailleurs.example\n",
        "//ailleurs.example",
    ],
)
def test_login_refuses_disguised_external_redirects(app, make_user, target):
    user = make_user("lecteur")
    client = app.test_client()
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": user.email, "password": "motdepasse-solide-42"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")


def _test_study_id() -> int:
    from consultation.studies.scope import current_study_id

    return current_study_id()


def test_create_user_without_a_study_or_admin_says_what_to_give(runner, db):
    result = runner.invoke(
        args=["create-user", "sans@ccas-tours.fr", "--password-stdin"],
        input="assez-long-pour-passer\n",
    )
    assert result.exit_code == 1 and "--study SLUG --role ROLE" in result.output
    unknown = runner.invoke(
        args=["create-user", "x@ccas-tours.fr", "--study", "nulle-part", "--role", "lecteur"],
        input="assez-long-pour-passer\n",
    )
    assert unknown.exit_code == 1 and "Aucune étude « nulle-part »" in unknown.output
    assert db.session.scalar(db.select(User).filter(User.email.like("%@ccas-tours.fr"))) is None
