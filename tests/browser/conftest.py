"""Browser tests: a real server in a thread and Debian's Chromium driven by Playwright.

Never `playwright install`: the browser is /usr/bin/chromium from Debian's packages."""

import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from consultation import create_app
from consultation.config import normalise_database_url
from consultation.extensions import db as _db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "motdepasse-solide-42"
TEST_STUDY = "etude-test"


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(5)

    @contextmanager
    def study_context(self):
        """An app context working in the test study (as its pages do): what the test creates
        there belongs to it."""
        from consultation.studies.scope import enter_study
        from consultation.studies.services import find_study

        with self.app.app_context():
            enter_study(find_study(TEST_STUDY), None)
            yield

    def create_user(self, role: str, email: str | None = None, name: str = "") -> tuple[str, str]:
        """Creates an administrator, or a member of the test study with `role`, in the live
        server's database; returns (email, password)."""
        from consultation.accounts.services import create_user
        from consultation.studies.services import add_member, find_study

        with self.app.app_context():
            email = email or f"{role}-{_next_id()}@exemple.fr"
            user = create_user(email, PASSWORD, name or f"Camille {role}", is_admin=role == "admin")
            if role != "admin":
                add_member(find_study(TEST_STUDY), user, role)
            _db.session.commit()
        return email, PASSWORD

    def login(self, page, role: str = "admin") -> str:
        """Logs `page` in as a new user with `role`; returns the e-mail."""
        email, password = self.create_user(role)
        page.goto(self.url + "/compte/connexion")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/compte/connexion" not in url)
        return email


_counter = iter(range(1, 1_000_000))


def _next_id() -> int:
    return next(_counter)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served on a free loopback port, with its own database (SQLite file by default,
    PostgreSQL when DATABASE_URL says so); CSRF stays on, as in production."""
    import os

    url = os.environ.get("DATABASE_URL")
    database_url = (
        normalise_database_url(url)
        if url
        else f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    )
    app = create_app(
        {
            "SECRET_KEY": "live-test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from consultation.studies.services import create_study

        _db.drop_all()
        _db.create_all()
        create_study("Étude de test", 2026, slug=TEST_STUDY, state="en_cours")
        _db.session.commit()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def context(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    yield context
    context.close()


@pytest.fixture()
def page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
