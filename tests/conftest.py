"""Fixtures: the app, a database per test run (SQLite, or PostgreSQL when DATABASE_URL says so),
each test inside a transaction rolled back at the end, and logged-in clients per role."""

import os
import socket
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session

from consultation import create_app
from consultation.config import normalise_database_url
from consultation.extensions import db as _db

PASSWORD = "motdepasse-solide-42"


class _BoundSession(Session):
    """Flask-SQLAlchemy's session picks an engine per table, which would bypass the connection
    that holds the test's outer transaction: always use that connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind


class _RequestInItsOwnContext(FlaskClient):
    """Each request runs in an app context of its own, hence a session of its own, as in
    production: what a view writes reaches the test (and the next request) only if the request
    committed it. The test's session commits first (its savepoint must not enclose the request's,
    or a later rollback in the test would undo what the request committed); committing also
    expires its objects, so the test then reads what the request left."""

    def open(self, *args, **kwargs):
        if has_app_context():
            _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items):
    """Marked at collection, so that `pytest -m browser` and `-m "not browser"` select them."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = _RequestInItsOwnContext
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """The session of one test, inside a transaction that is rolled back afterwards.

    The application may commit: commits become savepoints of the outer transaction
    (SQLAlchemy 2 "join_transaction_mode" recipe)."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _BoundSession,
            }
        )
        try:
            _enter_test_study()
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


TEST_STUDY = "etude-test"
# Where the pages of the test study are: f"{STUDY}/etudes/etude-test/analyse/…".
STUDY = f"/etudes/{TEST_STUDY}"


def _enter_test_study():
    """Every test works in one study, as a request does: what it creates belongs to it and what
    it reads is limited to it (studies/scope.py). Tests of isolation create a second one."""
    from consultation.studies.scope import enter_study
    from consultation.studies.services import create_study

    study = create_study("Étude de test", 2026, slug=TEST_STUDY, state="en_cours")
    _db.session.commit()
    enter_study(study, None)


@pytest.fixture()
def the_study(db):
    from consultation.studies.scope import current_study

    return current_study()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def make_user(db):
    from consultation.accounts.services import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "admin", email: str | None = None, name: str = "", study=None):
        """An account; an administrator, or a member of `study` (the test study by default)
        with `role`."""
        from consultation.studies.scope import current_study
        from consultation.studies.services import add_member

        email = email or f"{role}{next(counter)}@exemple.fr"
        user = create_user(
            email, PASSWORD, name or f"Camille {role.title()}", is_admin=role == "admin"
        )
        if role != "admin":
            add_member(study or current_study(), user, role)
        db.session.commit()
        return user

    return make


def _logged_in(app, user):
    test_client = app.test_client()
    response = test_client.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.data
    return test_client


@pytest.fixture()
def login(app, make_user):
    """login("enqueteur") -> a test client logged in as a new user with that role."""

    def do_login(role: str = "admin", **kwargs):
        user = make_user(role, **kwargs)
        test_client = _logged_in(app, user)
        test_client.user = user
        return test_client

    return do_login


@pytest.fixture()
def admin_client(login):
    return login("admin")


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback(monkeypatch):
    """A test that opens a connection outside this machine fails."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or host.startswith("/")
        ):
            raise AssertionError(f"connexion réseau interdite dans les tests : {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
