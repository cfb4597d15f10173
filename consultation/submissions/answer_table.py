"""The answer table: one row per free-text answer, the read model of the analysis pages.

A submission keeps its answers as JSON; the coding workspace, results, concordance, clouds and
the analysis job read this table instead, with SQL and indexes, so that a page costs the rows it
shows and not the whole questionnaire. It is written in the same transaction as the submission, by
`write_answer_rows` (paper entry, back-office edits, state changes) or, for a new submission
from the sync, by the submission's INSERT itself on PostgreSQL (`with_answer_rows`, the same rows
in one statement) and by `write_new_answer_rows` right after it on SQLite. It can be rebuilt from
the submissions (`consultation reponses-libres reconstruire`).

Concordance searches it through a full-text index of the answers the analysis job has seen: their
folded text and their lemmas, in an FTS5 table on SQLite (kept by triggers when the job writes the
lemmas, when a row is deleted or its text changes), a partial GIN index over a `simple` tsvector
on PostgreSQL. An answer not analysed yet is not in it (the concordance reads all of those, and
checks each): a new interview's answer rows then cost the sync no index entry per word."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache

import orjson
from flask import current_app, has_app_context
from sqlalchemy import (
    DDL,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from analyse.nlp import fold, text_hash
from questionnaires.answers import Plan, answer_plan, walk_plan

from ..extensions import db
from ..questionnaire_store.models import QuestionnaireVersion
from .models import Submission

FREE_TEXT_TYPES = ("text", "paragraph")
SEARCH_TABLE = "answer_search"  # SQLite FTS5, external content over answer_text
SEARCH_INDEX = "ix_answer_text_search"  # PostgreSQL GIN expression index
_PLANS = "consultation.answer_plans"
_CHUNK = 500


class AnswerText(db.Model):
    """One non-empty free-text answer of a submission, with what the analysis filters on."""

    __tablename__ = "answer_text"
    __table_args__ = (
        UniqueConstraint("submission_id", "path"),
        # The workspace lists one question's answers in submission order, filtered by profile:
        # one index keyed by question carries the filters' columns too. Each index keyed by
        # question costs a page per free-text answer of every new interview (its answers land in
        # as many places of the index), so there is one, not one per filter.
        Index(
            "ix_answer_text_question",
            "questionnaire_id",
            "question",
            "submission_id",
            "position",
            "public",
            "commune_code",
        ),
        # Results and the analysis job read the whole questionnaire in submission order.
        Index("ix_answer_text_questionnaire", "questionnaire_id", "submission_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    # Copied from the submission, whose own foreign keys keep them right (a version with
    # submissions cannot be deleted): no foreign key of their own, whose checks cost the sync a
    # lookup per answer and per column.
    questionnaire_id: Mapped[int]
    questionnaire_version_id: Mapped[int]
    question: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(200))  # "besoins", "menage[1]/precisions"
    repeat_index: Mapped[int | None]  # index of the innermost repeat instance, None outside repeats
    position: Mapped[int]  # order within the submission: questions in form order, then instances
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    folded: Mapped[str] = mapped_column(Text)  # lower case without accents: search and concordance
    # Folded lemmas, written by the analysis job; None until it has seen this text.
    lemmas: Mapped[str | None] = mapped_column(Text)

    # The submission's review state and respondent profile, copied so that filters need no join.
    state: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    public: Mapped[str] = mapped_column(String(10))
    age_band: Mapped[str] = mapped_column(String(10), default="")
    sex: Mapped[str] = mapped_column(String(10), default="")
    commune_code: Mapped[str | None] = mapped_column(String(5))
    quartier_id: Mapped[int | None]
    enumerator_id: Mapped[int | None]
    received_at: Mapped[datetime | None]


# ---- full-text search, created with the table (tests, create_all) and by the migration ---------------
# Only rows with lemmas (written by the analysis job, by UPDATE) are indexed: answer rows are
# always inserted without them, so no insert needs the index. On SQLite, triggers add a row when
# its lemmas arrive and take it out when it is deleted or changed; a row never indexed is never
# taken out (FTS5 must be told the very values it indexed).
SQLITE_SEARCH_DDL = [
    f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(folded, lemmas, content='answer_text', content_rowid='id')",
    f"""CREATE TRIGGER answer_text_search_delete AFTER DELETE ON answer_text
WHEN old.lemmas IS NOT NULL BEGIN
  INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, folded, lemmas)
  VALUES ('delete', old.id, old.folded, old.lemmas);
END""",
    f"""CREATE TRIGGER answer_text_search_update AFTER UPDATE OF folded, lemmas ON answer_text BEGIN
  INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, folded, lemmas)
  SELECT 'delete', old.id, old.folded, old.lemmas WHERE old.lemmas IS NOT NULL;
  INSERT INTO {SEARCH_TABLE}(rowid, folded, lemmas)
  SELECT new.id, new.folded, new.lemmas WHERE new.lemmas IS NOT NULL;
END""",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS answer_text_search_insert",
    "DROP TRIGGER IF EXISTS answer_text_search_delete",
    "DROP TRIGGER IF EXISTS answer_text_search_update",
    f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
]
_PG_VECTOR = "to_tsvector('simple'::regconfig, folded || ' ' || lemmas)"
POSTGRESQL_SEARCH_DDL = [
    f"CREATE INDEX {SEARCH_INDEX} ON answer_text USING gin (({_PG_VECTOR})) WHERE lemmas IS NOT NULL"
]
POSTGRESQL_SEARCH_DROP = [f"DROP INDEX IF EXISTS {SEARCH_INDEX}"]

for _statement in SQLITE_SEARCH_DDL:
    event.listen(AnswerText.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_SEARCH_DDL:
    event.listen(
        AnswerText.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
for _statement in SQLITE_SEARCH_DROP:
    event.listen(AnswerText.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


def is_search_object(name: str | None, type_: str, _parent_names=None) -> bool:
    """Alembic's include_name: the search table and index are kept by hand, not by the models."""
    return not (
        name
        and (name == SEARCH_TABLE or name.startswith(f"{SEARCH_TABLE}_") or name == SEARCH_INDEX)
    )


# ---- what the answers of one version hold -------------------------------------------------------------
def free_text_plan(model) -> Plan:
    """[(question, repeat chain)] of the free-text questions, in form order."""
    return answer_plan(model, FREE_TEXT_TYPES)


def free_text_answers(plan: Plan, answers: dict) -> list[tuple[str, str, int | None, str]]:
    """[(question, path, repeat index, text)] of one submission's answers, in plan order."""
    return [
        (answer.question.name, answer.path, answer.repeat_index, answer.value)
        for answer in walk_plan(plan, answers or {})
        if isinstance(answer.value, str) and answer.value.strip()
    ]


def _plans() -> dict:
    cache = current_app.extensions.setdefault(_PLANS, {})
    if len(cache) > 256:
        cache.clear()
    return cache


def _plan(version_id: int) -> tuple[int, list]:
    """(questionnaire id, free-text plan) of a version, kept per app: a published version never
    changes, and a draft's plan is forgotten whenever a version row changes."""
    cache = _plans()
    found = cache.get(version_id)
    if found is None:
        from ..questionnaire_store.definitions import version_model

        version = db.session.get(QuestionnaireVersion, version_id)
        found = cache[version_id] = (
            version.questionnaire_id,
            free_text_plan(version_model(version)),
        )
    return found


@event.listens_for(QuestionnaireVersion, "after_insert")
@event.listens_for(QuestionnaireVersion, "after_update")
@event.listens_for(QuestionnaireVersion, "after_delete")
def _forget_plans(_mapper, _connection, _version):
    if has_app_context():
        current_app.extensions.pop(_PLANS, None)


# ---- the one writer ---------------------------------------------------------------------------------
_PROFILE = (
    "state",
    "channel",
    "public",
    "age_band",
    "sex",
    "commune_code",
    "quartier_id",
    "enumerator_id",
    "received_at",
)


def answer_records(submission, questionnaire_id: int, plan) -> list[dict]:
    """The answer-table rows of one submission (a Submission or any object with its columns)."""
    return _records(submission, questionnaire_id, _own_rows(plan, submission.answers))


def _records(submission, questionnaire_id: int, own_rows: list[dict]) -> list[dict]:
    """Answer rows: their own columns, and what they copy from their submission."""
    profile = {name: getattr(submission, name, None) for name in _PROFILE}
    profile["age_band"] = profile["age_band"] or ""
    profile["sex"] = profile["sex"] or ""
    copied = {
        "submission_id": submission.id,
        "questionnaire_id": questionnaire_id,
        "questionnaire_version_id": submission.questionnaire_version_id,
    }
    return [{**copied, **row, "lemmas": None, **profile} for row in own_rows]


def _own_rows(plan: Plan, answers: dict) -> list[dict]:
    """The columns each answer row takes from the answer itself, in plan order."""
    return [
        _own_columns(position, question, path, repeat_index, value)
        for position, (question, path, repeat_index, value) in enumerate(
            free_text_answers(plan, answers)
        )
    ]


def new_answer_rows(version_id: int, answers: dict) -> tuple[int, list[dict]]:
    """(questionnaire id, the answer rows' own columns) of a new submission of this version,
    computed before the submission is inserted: on SQLite the write lock, which every sync
    waits for, is then held only while the rows are written."""
    questionnaire_id, plan = _plan(version_id)
    return questionnaire_id, _own_rows(plan, answers)


def write_new_answer_rows(submission, questionnaire_id: int, own_rows: list[dict]) -> int:
    """The answer rows of a submission just inserted, from `new_answer_rows`. Flushes."""
    return _write_records(_records(submission, questionnaire_id, own_rows))


def write_answer_rows(submissions: Iterable, *, new: bool = False) -> int:
    """Make the answer table say what these submissions say now: their free-text answers, their
    state and respondent profile. Called wherever a submission is stored or changed, in the same
    transaction; `new` skips the delete for submissions just inserted. Flushes, never commits.

    Each item is a Submission, or any object with its columns (the sync inserts without the ORM).
    Returns the number of answer rows written."""
    submissions = list(submissions)
    if not submissions:
        return 0
    if not new:
        ids = [submission.id for submission in submissions]
        for start in range(0, len(ids), _CHUNK):
            db.session.execute(
                delete(AnswerText).where(AnswerText.submission_id.in_(ids[start : start + _CHUNK])),
                execution_options={"synchronize_session": False},
            )
    records = []
    for submission in submissions:
        questionnaire_id, plan = _plan(submission.questionnaire_version_id)
        records.extend(answer_records(submission, questionnaire_id, plan))
    return _write_records(records)


def _write_records(records: list[dict]) -> int:
    """Inserts new answer rows, without lemmas: the full-text index takes them when the analysis
    job writes their lemmas. Returns how many."""
    for start in range(0, len(records), _CHUNK):
        _insert_rows(records[start : start + _CHUNK])
    return len(records)


def _insert_rows(records: list[dict]) -> None:
    """One statement for many rows. On PostgreSQL the rows travel as one JSON parameter
    (jsonb_populate_recordset gives them the table's column types): an executemany sends a
    statement per row, and the sync of a 100-question interview writes dozens of rows. On SQLite,
    the driver's executemany with the statement compiled once (SQLAlchemy's would process every
    parameter of every row)."""
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        statement, processors = _driver_insert(dialect)
        db.session.connection().exec_driver_sql(
            statement,
            [
                tuple(
                    record[name] if process is None else process(record[name])
                    for name, process in processors
                )
                for record in records
            ],
        )
        return
    columns = ", ".join(records[0])
    db.session.execute(
        text(
            f"INSERT INTO answer_text ({columns}) SELECT {columns} "
            "FROM jsonb_populate_recordset(NULL::answer_text, CAST(:rows AS jsonb))"
        ),
        {"rows": json.dumps(records, default=_json_value)},
    )


@lru_cache(maxsize=2)
def _driver_insert(dialect) -> tuple[str, list[tuple[str, Callable | None]]]:
    """The driver-level INSERT of every column but the id, and each column's bind processor (the
    date-time's: SQLite keeps it as text in SQLAlchemy's format, without a time zone)."""
    columns = [column for column in AnswerText.__table__.columns if not column.primary_key]
    names = ", ".join(column.name for column in columns)
    placeholders = ", ".join("?" for _ in columns)
    return (
        f"INSERT INTO answer_text ({names}) VALUES ({placeholders})",
        [
            (column.name, column.type.dialect_impl(dialect).bind_processor(dialect))
            for column in columns
        ],
    )


# ---- a new submission from the sync: its answer rows written by its INSERT -----------------------
# The profile columns an answer row copies from its submission, as the INSERT returns them.
_COPIED = ("questionnaire_version_id", *_PROFILE)
_PER_ANSWER = (
    ("question", "varchar"),
    ("path", "varchar"),
    ("repeat_index", "integer"),
    ("position", "integer"),
    ("text", "text"),
    ("text_hash", "varchar"),
    ("folded", "text"),
)


def with_answer_rows(insert_submission: str, returned: str = "id") -> str:
    """PostgreSQL: `insert_submission` (the SQL of an INSERT of one submission, without RETURNING)
    made to write the submission's answer rows too, in the same statement: one round trip and one
    statement where the sync made two. The result returns the new row's `returned` columns, and no
    row when the insert did nothing (ON CONFLICT), in which case no answer row is written either. Its parameters are
    the insert's and `answer_row_parameters`'s.

    The answer rows take the profile columns from the row the INSERT returns: they copy the
    submission as stored, as `answer_records` copies it from the Submission. Their own columns
    travel as one JSON parameter (json_to_recordset types them): the driver's encoding of one
    array per column cost five times as much on the sync path."""
    returning = ", ".join(("id", *_COPIED))
    copied = ", ".join(
        f"coalesce(inserted.{name}, '')" if name in ("age_band", "sex") else f"inserted.{name}"
        for name in _COPIED
    )
    per_answer = ", ".join(name for name, _ in _PER_ANSWER)
    typed = ", ".join(f"{name} {kind}" for name, kind in _PER_ANSWER)
    return (
        f"WITH inserted AS ({insert_submission} RETURNING {returning}), "
        f"answer_rows AS (INSERT INTO answer_text (submission_id, questionnaire_id, {', '.join(_COPIED)}, "
        f"{per_answer}) SELECT inserted.id, CAST(:answer_questionnaire_id AS integer), {copied}, "
        f"{', '.join(f'answer.{name}' for name, _ in _PER_ANSWER)} "
        f"FROM inserted, json_to_recordset(CAST(:answer_rows AS json)) AS answer({typed})) "
        f"SELECT {returned} FROM inserted"
    )


def _own_columns(position: int, question: str, path: str, repeat_index, value: str) -> dict:
    """The columns an answer row takes from the answer itself (the rest: its submission's)."""
    return {
        "question": question,
        "path": path,
        "repeat_index": repeat_index,
        "position": position,
        "text": value,
        "text_hash": text_hash(value),
        "folded": fold(value),
    }


def answer_row_parameters(questionnaire_id: int, own_rows: list[dict]) -> dict:
    """The parameters of `with_answer_rows` for a submission whose answer rows are `own_rows`
    (from `new_answer_rows`): its questionnaire and the rows' own columns, as JSON."""
    return {
        "answer_questionnaire_id": questionnaire_id,
        # orjson: a tenth of the json module's time for the rows of a long interview. Their
        # columns are text, integers and None (validation has refused text UTF-8 cannot hold).
        "answer_rows": orjson.dumps(own_rows).decode(),
    }


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def rebuild_answer_table(questionnaire_id: int | None = None, *, batch: int = 1000) -> int:
    """Rewrite the answer table from the submissions (all, or one questionnaire's), in batches.
    For a database that was changed by hand; the writer keeps it right otherwise."""
    query = select(Submission.id).order_by(Submission.id)
    if questionnaire_id is not None:
        query = query.join(
            QuestionnaireVersion, Submission.questionnaire_version_id == QuestionnaireVersion.id
        ).where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    ids = list(db.session.scalars(query))
    written = 0
    for start in range(0, len(ids), batch):
        part = db.session.scalars(
            select(Submission).where(Submission.id.in_(ids[start : start + batch]))
        ).all()
        written += write_answer_rows(part)
        db.session.flush()
        for submission in part:
            db.session.expunge(submission)
    return written


# ---- search -----------------------------------------------------------------------------------------
_WORD = re.compile(r"\w+")


def search_words(value: str) -> list[str]:
    """The folded words a full-text query looks for (each as a prefix)."""
    return _WORD.findall(fold(value or ""))[:8]


def matching_ids_clause(words: list[str]):
    """A WHERE clause on AnswerText: analysed rows whose folded text or lemmas hold every word as
    a prefix, found through the full-text index of the database. Rows not analysed yet are not
    in the index: a caller wanting them too reads them apart (`AnswerText.lemmas.is_(None)`)."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        matches = literal_column(_PG_VECTOR).op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), query)
        )
        # The partial index's own condition, for the planner to use it.
        return AnswerText.id.in_(
            select(AnswerText.id).where(AnswerText.lemmas.is_not(None), matches)
        )
    query = " AND ".join(f'"{word}"*' for word in words)
    return AnswerText.id.in_(
        text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :fts_query").bindparams(
            fts_query=query
        )
    )
