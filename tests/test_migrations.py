"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from consultation import create_app
from consultation.coding.changes import is_changes_object
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
            # The answer table's full-text search (FTS5 table, GIN index) and the figures' change
            # counters (SQLite) are made by hand.
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_name": lambda name, type_, parents: (
                        is_search_object(name, type_, parents)
                        and not is_changes_object(name, type_, parents)
                    )
                },
            )
            differences = compare_metadata(context, _db.metadata)
        assert differences == [], differences
        downgrade(revision="base")
        tables = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()


BEFORE_STUDIES = "8e3118fe3c75"


def _rows(connection, sql: str) -> list:
    return [tuple(row) for row in connection.execute(text(sql))]


def test_existing_work_moves_into_a_default_study_and_roles_become_memberships(migrated_app):
    """Today's data, upgraded: every row is kept and belongs to the default study; every role but
    admin becomes a role in it; a downgrade gives each person back their role."""
    with migrated_app.app_context():
        upgrade(revision=BEFORE_STUDIES)
        now = "2026-11-02 10:00:00"
        with _db.engine.begin() as connection:
            for number, (email, role) in enumerate(
                [
                    ("admin@ccas.fr", "admin"),
                    ("charge@ccas.fr", "charge_etude"),
                    ("karim@ccas.fr", "enqueteur"),
                    ("lea@ccas.fr", "lecteur"),
                ],
                start=1,
            ):
                connection.execute(
                    text(
                        'INSERT INTO "user" (id, email, name, password_hash, role, active, '
                        "created_at, session_version) VALUES (:id, :email, '', 'x', :role, "
                        ":active, :now, 1)"
                    ),
                    {"id": number, "email": email, "role": role, "active": True, "now": now},
                )
            connection.execute(
                text(
                    "INSERT INTO questionnaire (id, title, form_id, description, created_at, "
                    "updated_at, archived) VALUES (1, 'ABS', 'abs_2026', '', :now, :now, :no)"
                ),
                {"now": now, "no": False},
            )
            connection.execute(
                text(
                    "INSERT INTO questionnaire_version (id, questionnaire_id, number, status, "
                    "definition, created_at, updated_at) VALUES (1, 1, 1, 'published', '{}', :now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO submission (id, client_uuid, content_hash, "
                    "questionnaire_version_id, channel, state, review_comment, answers, public, "
                    "age_band, sex, place, consent_given, consent_recorded_by, device_id, "
                    "received_at, updated_at) VALUES (1, 'u-1', 'h', 1, 'tablette', 'recue', '', "
                    "'{}', 'jeune', '', '', '', :yes, '', '', :now, :now)"
                ),
                {"now": now, "yes": True},
            )
            connection.execute(
                text(
                    "INSERT INTO codebook (id, name, questionnaire_id, created_at) "
                    "VALUES (1, 'Thèmes', 1, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO device_token (id, user_id, device_label, token_hash, created_at) "
                    "VALUES (1, 3, 'Tablette', 'abc', :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO job (id, kind, params, status, done, total, message, result, "
                    "created_at, worker) VALUES (1, 'export', '{}', 'done', 1, 1, '', '{}', :now, '')"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO assignment (id, questionnaire_id, enumerator_id, assigned_at) "
                    "VALUES (1, 1, 3, :now)"
                ),
                {"now": now},
            )
        upgrade()
        with _db.engine.connect() as connection:
            studies = _rows(connection, "SELECT id, slug, name FROM study")
            assert len(studies) == 1 and studies[0][1] == "etude"
            default = studies[0][0]
            for table in (
                "questionnaire",
                "submission",
                "codebook",
                "device_token",
                "job",
                "assignment",
            ):
                assert _rows(connection, f'SELECT id, study_id FROM "{table}"') == [(1, default)], (
                    table
                )
            assert _rows(connection, "SELECT count(*) FROM questionnaire_version") == [(1,)]
            assert sorted(_rows(connection, 'SELECT email, is_admin FROM "user"')) == [
                ("admin@ccas.fr", True),
                ("charge@ccas.fr", False),
                ("karim@ccas.fr", False),
                ("lea@ccas.fr", False),
            ]
            assert sorted(_rows(connection, "SELECT user_id, role, study_id FROM membership")) == [
                (2, "charge_etude", default),
                (3, "enqueteur", default),
                (4, "lecteur", default),
            ]
        downgrade(revision=BEFORE_STUDIES)
        with _db.engine.connect() as connection:
            assert sorted(_rows(connection, 'SELECT id, role FROM "user"')) == [
                (1, "admin"),
                (2, "charge_etude"),
                (3, "enqueteur"),
                (4, "lecteur"),
            ]
            assert _rows(connection, "SELECT count(*) FROM submission") == [(1,)]
        downgrade(revision="base")


def test_a_new_database_gets_no_default_study(migrated_app):
    with migrated_app.app_context():
        upgrade()
        with _db.engine.connect() as connection:
            assert _rows(connection, "SELECT count(*) FROM study") == [(0,)]
        downgrade(revision="base")


STUDIES = "96d5b667f423"


def test_versions_learn_where_they_were_copied_from_and_keep_their_rows(migrated_app):
    """The column « copied from » arrives empty on every existing version and leaves without
    taking a row with it."""
    with migrated_app.app_context():
        upgrade(revision=STUDIES)
        now = "2026-11-02 10:00:00"
        with _db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO study (id, slug, name, kind, year, state, description, "
                    "notice_controller, notice_purpose, notice_legal_basis, notice_retention, "
                    "notice_recipients, notice_rights, notice_dpo, created_at) VALUES "
                    "(1, 'abs-2026', 'ABS 2026', 'abs', 2026, 'en_cours', '', '', '', '', '', "
                    "'', '', '', :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO questionnaire (id, study_id, title, form_id, description, "
                    "created_at, updated_at, archived) "
                    "VALUES (1, 1, 'ABS', 'abs_2026', '', :now, :now, :no)"
                ),
                {"now": now, "no": False},
            )
            for number, status in ((1, "published"), (2, "draft")):
                connection.execute(
                    text(
                        "INSERT INTO questionnaire_version (id, questionnaire_id, number, status, "
                        "definition, created_at, updated_at) "
                        "VALUES (:id, 1, :id, :status, '{}', :now, :now)"
                    ),
                    {"id": number, "status": status, "now": now},
                )
        upgrade()
        with _db.engine.begin() as connection:
            assert _rows(
                connection,
                "SELECT id, status, copied_from_version_id FROM questionnaire_version ORDER BY id",
            ) == [(1, "published", None), (2, "draft", None)]
            connection.execute(
                text("UPDATE questionnaire_version SET copied_from_version_id = 1 WHERE id = 2")
            )
        foreign_keys = inspect(_db.engine).get_foreign_keys("questionnaire_version")
        assert {
            "constrained_columns": ["copied_from_version_id"],
            "referred_table": "questionnaire_version",
            "referred_columns": ["id"],
        }.items() <= next(
            key for key in foreign_keys if key["constrained_columns"] == ["copied_from_version_id"]
        ).items()
        downgrade(revision=STUDIES)
        with _db.engine.connect() as connection:
            assert _rows(
                connection, "SELECT id, status FROM questionnaire_version ORDER BY id"
            ) == [
                (1, "published"),
                (2, "draft"),
            ]
            columns = {
                column["name"]
                for column in inspect(connection).get_columns("questionnaire_version")
            }
            assert "copied_from_version_id" not in columns
        downgrade(revision="base")


COPIED_FROM = "d2b8f6a1c350"


def test_territories_and_indicators_arrive_beside_the_communes_and_leave_them(migrated_app):
    """The official geography and the glossary are new tables: the communes and quartiers
    already there are untouched, and a downgrade takes only the new tables away."""
    with migrated_app.app_context():
        upgrade(revision=COPIED_FROM)
        with _db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO commune (insee_code, name) VALUES ('2A004', 'Ajaccio')")
            )
        upgrade()
        with _db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO territory (id, level, code, name) VALUES (1, 'commune', '2A004', 'Ajaccio')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO indicator (id, code, label, definition, numerator_label, "
                    "denominator_label, unit, source, level, update_frequency, notes, "
                    "created_at, updated_at) VALUES (1, 'P20_POP', 'Population', '', '', '', '', "
                    "'insee', 'commune', 'annuelle', '', '2026-11-02 10:00:00', '2026-11-02 10:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO indicator_value (indicator_id, territory_id, year, value, status) "
                    "VALUES (1, 1, 2020, NULL, 'secret')"
                )
            )
            assert _rows(
                connection,
                "SELECT code, status FROM indicator_value JOIN territory "
                "ON territory.id = territory_id",
            ) == [("2A004", "secret")]
        downgrade(revision=COPIED_FROM)
        with _db.engine.connect() as connection:
            assert _rows(connection, "SELECT insee_code, name FROM commune") == [
                ("2A004", "Ajaccio")
            ]
            tables = set(inspect(connection).get_table_names())
            assert not tables & {"territory", "indicator", "indicator_value"}
        downgrade(revision="base")


BEFORE_LIGHTER_ANSWER_ROWS = "c83f5a2e7d10"


def test_answer_rows_keep_their_search_when_their_indexes_and_keys_change(migrated_app):
    """The answer table is copied on SQLite to lose two foreign keys: its rows, their ids and the
    concordance's full-text search come through, and the search still follows edits and
    erasures both ways."""
    from coding_records import coding_study
    from sqlalchemy import select

    from consultation.studies.models import Study
    from consultation.studies.scope import enter_study
    from consultation.studies.services import create_study
    from consultation.submissions.answer_table import (
        AnswerText,
        matching_ids_clause,
        search_words,
        write_answer_rows,
    )
    from consultation.submissions.models import Submission

    def found(word: str) -> list[int]:
        return sorted(
            _db.session.scalars(
                select(AnswerText.submission_id).where(matching_ids_clause(search_words(word)))
            )
        )

    with migrated_app.app_context():
        upgrade(revision=BEFORE_LIGHTER_ANSWER_ROWS)
        study = create_study("ABS 2026", 2026, slug="abs-2026")
        enter_study(study, None)
        study_id = study.id
        submissions = coding_study(_db)["submissions"]
        ids = [submission.id for submission in submissions]
        connection = _db.session.connection()
        if connection.dialect.name == "sqlite":
            # The writer of these revisions indexed every new row; today's does not.
            connection.execute(text("INSERT INTO answer_search(answer_search) VALUES ('rebuild')"))
        # Analysed, so that today's search (the analysed answers) reads them at every revision.
        connection.execute(text("UPDATE answer_text SET lemmas = folded"))
        before = _rows(connection, "SELECT id, submission_id, text FROM answer_text")
        assert found("loyers") == [ids[0]]
        _db.session.commit()
        _db.session.remove()

        for revision in (BEFORE_ANALYSED_SEARCH, BEFORE_LIGHTER_ANSWER_ROWS):
            upgrade(revision=revision) if revision == BEFORE_ANALYSED_SEARCH else downgrade(
                revision=revision
            )
            enter_study(_db.session.get(Study, study_id), None)
            assert (
                _rows(_db.session.connection(), "SELECT id, submission_id, text FROM answer_text")
                == before
            )
            assert found("loyers") == [ids[0]]
            # An edit and an erasure reach the search (the triggers came through the copy).
            first = _db.session.get(Submission, ids[0])
            first.answers = {**first.answers, "besoins": "Les tarifs de la cantine augmentent."}
            write_answer_rows([first])
            assert found("loyers") == []
            _db.session.rollback()
            # The analysis job writes lemmas by UPDATE: searchable at once.
            _db.session.execute(
                text("UPDATE answer_text SET lemmas = 'solitude' WHERE submission_id = :id"),
                {"id": ids[1]},
            )
            assert found("solitude") == [ids[1]]
            _db.session.execute(
                text("DELETE FROM answer_text WHERE submission_id = :id"), {"id": ids[2]}
            )
            assert found("bus") == []
            if _db.session.get_bind().dialect.name == "sqlite":
                # Nothing of the erased answer is left in the index itself.
                assert (
                    _rows(
                        _db.session.connection(),
                        "SELECT rowid FROM answer_search WHERE answer_search MATCH 'bus'",
                    )
                    == []
                )
            _db.session.rollback()
            _db.session.remove()
        downgrade(revision="base")


BEFORE_FIGURE_COUNTERS = "5a1d9c3e7b42"
BEFORE_ANALYSED_SEARCH = "0d6e2b8f4a17"


def test_figures_change_counters_arrive_for_the_submissions_there_and_follow_their_writes(
    migrated_app,
):
    """SQLite: every submission already there gets a counter, which its rows' writes (whatever
    wrote them) then add to, its neighbours' left alone; the way down removes the counters and
    their triggers, and the writes go on without them. PostgreSQL keeps the scans: no table."""
    from coding_records import coding_study

    from consultation.coding import changes
    from consultation.studies.scope import enter_study
    from consultation.studies.services import create_study

    with migrated_app.app_context():
        upgrade(revision=BEFORE_FIGURE_COUNTERS)
        study = create_study("ABS 2026", 2026, slug="abs-2026")
        enter_study(study, None)
        ids = [submission.id for submission in coding_study(_db)["submissions"]]
        _db.session.commit()
        _db.session.remove()

        upgrade()
        connection = _db.session.connection()
        if connection.dialect.name != "sqlite":
            assert changes.TABLE not in inspect(connection).get_table_names()
            assert not changes.in_place()
            _db.session.remove()
            downgrade(revision="base")
            return

        def counters() -> dict[int, int]:
            return dict(
                _rows(_db.session.connection(), "SELECT submission_id, changes FROM figures_change")
            )

        assert changes.in_place()
        before = counters()
        assert sorted(before) == sorted(ids)
        writes = [
            ("UPDATE answer_text SET lemmas = 'solitude' WHERE submission_id = :id", ids[1]),
            ("UPDATE submission SET review_comment = 'vu' WHERE id = :id", ids[2]),
            ("DELETE FROM answer_text WHERE submission_id = :id", ids[3]),
        ]
        for statement, submission_id in writes:
            _db.session.execute(text(statement), {"id": submission_id})
            after = counters()
            assert after[submission_id] > before[submission_id]
            assert {key: value for key, value in after.items() if key != submission_id} == {
                key: value for key, value in before.items() if key != submission_id
            }
            before = after
        _db.session.rollback()
        _db.session.remove()

        downgrade(revision=BEFORE_FIGURE_COUNTERS)
        connection = _db.session.connection()
        assert changes.TABLE not in inspect(connection).get_table_names()
        assert not changes.in_place()
        _db.session.execute(
            text("DELETE FROM answer_text WHERE submission_id = :id"), {"id": ids[0]}
        )
        _db.session.rollback()
        _db.session.remove()
        downgrade(revision="base")


def test_the_search_index_keeps_the_analysed_answers_only_and_gives_them_all_back_on_the_way_down(
    migrated_app,
):
    """Up: the full-text index holds the answers whose lemmas the analysis job wrote, found as
    before, and no longer the others (the concordance reads those apart); what the job writes
    next, and edits and erasures, reach it. Down: every answer is indexed again."""
    from coding_records import coding_study
    from sqlalchemy import select

    from consultation.studies.models import Study
    from consultation.studies.scope import enter_study
    from consultation.studies.services import create_study
    from consultation.submissions.answer_table import AnswerText, matching_ids_clause, search_words

    def found(word: str) -> list[int]:
        return sorted(
            _db.session.scalars(
                select(AnswerText.submission_id).where(matching_ids_clause(search_words(word)))
            )
        )

    def lemmas(submission_id: int, value: str) -> None:
        _db.session.execute(
            text(
                "UPDATE answer_text SET lemmas = :value "
                "WHERE submission_id = :id AND path = 'besoins'"
            ),
            {"id": submission_id, "value": value},
        )

    with migrated_app.app_context():
        upgrade(revision=BEFORE_ANALYSED_SEARCH)
        study = create_study("ABS 2026", 2026, slug="abs-2026")
        enter_study(study, None)
        study_id = study.id
        ids = [submission.id for submission in coding_study(_db)["submissions"]]
        if _db.session.get_bind().dialect.name == "sqlite":
            # The writer of that revision indexed every new row; today's does not.
            _db.session.execute(text("INSERT INTO answer_search(answer_search) VALUES ('rebuild')"))
        lemmas(ids[0], "loyer etre cher")  # analysed; the others not yet
        _db.session.commit()
        _db.session.remove()

        upgrade()
        enter_study(_db.session.get(Study, study_id), None)
        assert found("loyer") == [ids[0]] and found("cher") == [ids[0]]
        assert found("medecin") == [] and found("bus") == []  # not analysed: not indexed
        if _db.session.get_bind().dialect.name == "postgresql":
            definition = _db.session.scalar(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_answer_text_search' "
                    "AND schemaname = current_schema()"
                )
            )
            assert definition.endswith("WHERE (lemmas IS NOT NULL)")
        lemmas(ids[3], "medecin traitant partir")
        assert found("partir") == [ids[3]] and found("medecin") == [ids[3]]
        _db.session.execute(
            text("DELETE FROM answer_text WHERE submission_id = :id"), {"id": ids[0]}
        )
        _db.session.execute(
            text("DELETE FROM answer_text WHERE submission_id = :id"), {"id": ids[2]}
        )
        assert found("loyer") == [] and found("bus") == []
        if _db.session.get_bind().dialect.name == "sqlite":
            connection = _db.session.connection()
            assert (
                _rows(
                    connection, "SELECT rowid FROM answer_search WHERE answer_search MATCH 'loyers'"
                )
                == []
            )
            connection.execute(
                text("INSERT INTO answer_search(answer_search) VALUES ('integrity-check')")
            )
        _db.session.commit()
        _db.session.remove()

        downgrade(revision=BEFORE_ANALYSED_SEARCH)
        enter_study(_db.session.get(Study, study_id), None)
        if _db.session.get_bind().dialect.name == "sqlite":
            # Every answer indexed again, the erased ones left out.
            assert found("medecin") == [ids[3]] and found("seule") == [ids[1]]
            assert found("bus") == [] and found("loyer") == []
        else:
            definition = _db.session.scalar(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_answer_text_search' "
                    "AND schemaname = current_schema()"
                )
            )
            assert "COALESCE(lemmas" in definition and " WHERE " not in definition
        _db.session.remove()
        downgrade(revision="base")
