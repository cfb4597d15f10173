"""One transaction per request: the app commits after a successful view and rolls back after an
error status, an exception or an abandoned request; jobs are queued only after the commit."""

import pytest
from flask import abort, redirect
from sqlalchemy import func, select
from submission_records import device_token, payload, publish, territory

from consultation import create_app, transaction
from consultation.accounts.models import User
from consultation.extensions import db as _db

pytestmark = pytest.mark.storage


@pytest.fixture()
def bare_app(tmp_path):
    """An app of its own, with routes that write then end in each possible way."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'transaction.db'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PROPAGATE_UNEXPECTED": False,
        }
    )
    app.instance_path = str(tmp_path)
    calls = []

    def add_user(name: str) -> None:
        user = User(email=f"{name}@exemple.fr", name=name)
        user.set_password("motdepasse-solide-42")
        _db.session.add(user)
        _db.session.flush()

    @app.post("/ok")
    def ok():
        add_user("ok")
        transaction.after_commit(lambda: calls.append("after ok"))
        return "ok"

    @app.post("/refused")
    def refused():
        add_user("refused")
        transaction.after_commit(lambda: calls.append("after refused"))
        return "non", 422

    @app.post("/raises")
    def raises():
        add_user("raises")
        raise RuntimeError("panne")

    @app.post("/aborts")
    def aborts():
        add_user("aborts")
        abort(404)

    @app.post("/abandoned")
    def abandoned():
        add_user("abandoned")
        transaction.abandon()
        return redirect("/")

    with app.app_context():
        _db.create_all()
    app.calls = calls
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _names(app) -> list[str]:
    with app.app_context():
        return list(_db.session.scalars(select(User.name).order_by(User.name)))


def test_only_a_successful_view_is_committed(bare_app):
    client = bare_app.test_client()
    assert client.post("/ok").status_code == 200
    assert client.post("/refused").status_code == 422
    assert client.post("/raises").status_code == 500
    assert client.post("/aborts").status_code == 404
    assert client.post("/abandoned").status_code == 302
    assert _names(bare_app) == ["ok"]
    assert bare_app.calls == ["after ok"]


def test_a_view_whose_commit_is_missing_fails_the_tests(client, db, make_user, monkeypatch):
    """The test client gives each request its own session: a write that the request does not
    commit never reaches the test, as it would never reach the database in production."""
    from consultation.submissions.models import Assignment, Submission

    territory(db)
    questionnaire = publish(db)
    enqueteur = make_user("enqueteur")
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
    headers = {"Authorization": f"Bearer {device_token(db, enqueteur)}"}

    def count() -> int:
        return db.session.scalar(select(func.count(Submission.id)))

    monkeypatch.setattr(transaction, "commit", lambda: None)
    response = client.post("/api/v1/submissions", json=payload(questionnaire.id), headers=headers)
    assert response.status_code == 201 and count() == 0
    monkeypatch.undo()
    response = client.post("/api/v1/submissions", json=payload(questionnaire.id), headers=headers)
    assert response.status_code == 201 and count() == 1
