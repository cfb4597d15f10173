"""The consultation web application."""

import os
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, config_from_env
from .transaction import App


def create_app(test_config: dict | None = None, *, serving: bool = False) -> Flask:
    """The application. `serving`: it is about to answer requests (`consultation serve`);
    gunicorn's workers are recognised by themselves (see `preload_nlp`)."""
    app = App(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        # INSTANCE_PATH puts the instance folder (SQLite files, exports, models) elsewhere.
        instance_path=os.path.abspath(os.environ["INSTANCE_PATH"])
        if os.environ.get("INSTANCE_PATH")
        else None,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_from_env(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    trust_reverse_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_template_helpers(app)
    preload_nlp(app, serving)
    return app


def preload_nlp(app: Flask, serving: bool) -> None:
    """Starts loading the French pipeline in a background thread of this process when the app
    is served (PRELOAD_NLP, config.py): the first concordance or word cloud then waits only for
    what is left of a load of several seconds. gunicorn imports its arbiter in every process it
    runs the app in, and nowhere else runs it; tests and commands do not load what they may never
    use."""
    import sys

    wanted = app.config.get("PRELOAD_NLP")
    if wanted is None:
        wanted = serving or "gunicorn.arbiter" in sys.modules
    if wanted:
        from analyse.nlp import DEFAULT_MODEL, preload_pipeline

        # The model the requests ask for (analyse_texts' default), held for the tests to see.
        app.extensions["consultation.nlp_preload"] = preload_pipeline(DEFAULT_MODEL)


def trust_reverse_proxies(app: Flask) -> None:
    """Behind a reverse proxy, every request comes from the proxy's address: the login limit
    would then count everyone's failures together. ProxyFix takes the client's address (and
    scheme, host…) from the headers the configured number of proxies set, and only those."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from .config import PROXY_FIX_HEADERS

    counts = {
        name.lower(): int(app.config.get(f"PROXY_FIX_{name}", 0) or 0) for name in PROXY_FIX_HEADERS
    }
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model registered before migrations look)
    from .extensions import api, csrf, db, limiter, login_manager, migrate
    from .mail import init_mail

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login_manager.init_app(app)
    from .main.cookie_session import CookieSessionInterface

    app.session_interface = CookieSessionInterface()
    csrf.init_app(app)
    limiter.init_app(app)
    init_mail(app)
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    api.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    from .jobs.queue import init_jobs

    init_jobs(app)


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from .extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, emit BEGIN: SAVEPOINTs and rollbacks then behave as on
        # PostgreSQL (SQLAlchemy's documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers work while a sync writes; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A request that will write may ask for "BEGIN IMMEDIATE": it then waits for the write
        # lock up front instead of failing when another writer commits between its read and write.
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))


def register_blueprints(app: Flask) -> None:
    from .blueprints import all_blueprints, study_blueprints
    from .main.converters import DatabaseIdConverter
    from .studies.scope import URL_PREFIX, init_scope

    app.url_map.converters["int"] = DatabaseIdConverter

    for blueprint in all_blueprints():
        app.register_blueprint(blueprint)
    for blueprint in study_blueprints():
        app.register_blueprint(blueprint, url_prefix=URL_PREFIX + (blueprint.url_prefix or ""))
    init_scope(app)
    from .api import register_api

    register_api(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .accounts.roles import ROLE_LABELS, current_role, has_role
    from .studies.scope import current_study
    from .studies.views import my_studies

    app.jinja_env.globals.update(
        has_role=has_role,
        current_role=current_role,
        current_study=current_study,
        my_studies=my_studies,
        ROLE_LABELS=ROLE_LABELS,
    )
