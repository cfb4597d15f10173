"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from consultation import create_app
from consultation.config import normalise_database_url
from consultation.extensions import db as _db
from consultation.submissions.answer_table import is_search_object

pytestmark = pytest.mark.storage


@pytest.fixture()
def migrated_app(tmp_path):
    url = os.environ.get("DATABASE_URL")
    if url:
        url = normalise_database_url(url)
        # A separate schema on PostgreSQL, so the suite's own tables are left alone.
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migrations_check CASCADE"))
            connection.execute(text("CREATE SCHEMA migrations_check"))
        engine.dispose()
        options = {"connect_args": {"options": "-csearch_path=migrations_check"}}
    else:
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        options = {}
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    yield app
    with app.app_context():
        _db.engine.dispose()
    if os.environ.get("DATABASE_URL"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS migrations_check CASCADE"))
        engine.dispose()


def test_upgrade_gives_the_models_schema_and_downgrade_empties_it(migrated_app):
    with migrated_app.app_context():
        upgrade()
        with _db.engine.connect() as connection:
            # The answer table's full-text search (FTS5 table, GIN index) is made by hand.
            context = MigrationContext.configure(
                connection, opts={"include_name": is_search_object}
            )
            differences = compare_metadata(context, _db.metadata)
        assert differences == [], differences
        downgrade(revision="base")
        tables = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
