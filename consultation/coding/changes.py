"""On SQLite, what the analysis figures read changes under a counter per submission, kept by
triggers: the kept figures' fingerprint (coding/figures.py) is then a read of these counters, a
few milliseconds, instead of checksums over every coding and pseudonymised text (at 100,000
answers, 0.19 s on every visit and half a second on the first visit after a change).

Every row written to, rewritten in or deleted from the tables the figures count (submissions,
answer rows, codings, pseudonymised texts; suggestions apart, the analysis home alone counts
them) adds to its submission's counter, whichever process or statement wrote it, in the same
transaction. The amount added is random (1 to 2²⁴): the counters of two histories that part from
one state (a backup restored, then other changes made) do not meet again, as they would by
counting. A counter row is never deleted: a part's sums only grow.

PostgreSQL keeps the scans: there, a counter row bumped by every writer would be a lock that a long
job's transaction holds against every coding click of its submissions, and two writers bumping
in opposite orders would deadlock. The table, SQLite's only, is not one of the models: it and its
triggers are made here with the tables (create_all) and by their migration (0d6e2b8f4a17).
Copying a table (Alembic's batch mode) drops its triggers: without all of them the fingerprint
falls back to the scans (`in_place`), never to counters that stopped following the data."""

from __future__ import annotations

from sqlalchemy import DDL, event, text

from ..extensions import db

TABLE = "figures_change"
# (table, its submission id column, counter its writes add to)
COUNTED = (
    ("submission", "id", "changes"),
    ("answer_text", "submission_id", "changes"),
    ("coding", "submission_id", "changes"),
    ("pseudonymised_answer", "submission_id", "changes"),
    ("suggestion", "submission_id", "suggestion_changes"),
)
_EVENTS = {"insert": ("new",), "delete": ("old",), "update": ("old", "new")}
TRIGGERS = [f"{TABLE}_{table}_{when}" for table, _column, _counter in COUNTED for when in _EVENTS]
_AMOUNT = "(1 + (random() & 16777215))"


def _bump(row: str, column: str, counter: str) -> str:
    return (
        f"  INSERT INTO {TABLE} (submission_id, {counter}) VALUES ({row}.{column}, {_AMOUNT})\n"
        f"  ON CONFLICT (submission_id) DO UPDATE SET {counter} = {counter} + {_AMOUNT};\n"
    )


def _trigger(table: str, column: str, counter: str, when: str) -> str:
    bumps = "".join(_bump(row, column, counter) for row in _EVENTS[when])
    name = f"{TABLE}_{table}_{when}"
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {when.upper()} ON {table} BEGIN\n{bumps}END"


CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (submission_id INTEGER PRIMARY KEY, "
    "changes INTEGER NOT NULL DEFAULT 0, suggestion_changes INTEGER NOT NULL DEFAULT 0)",
    *(
        _trigger(table, column, counter, when)
        for table, column, counter in COUNTED
        for when in _EVENTS
    ),
    # The submissions already there (tables made before the counters): a counter each, started
    # at random; the parts are read from the counters, a submission without one would be left out.
    f"INSERT OR IGNORE INTO {TABLE} (submission_id, changes, suggestion_changes) "
    f"SELECT id, {_AMOUNT}, {_AMOUNT} FROM submission",
]
DROP = [*(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS), f"DROP TABLE IF EXISTS {TABLE}"]

for _statement in CREATE:
    event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in DROP:
    event.listen(db.metadata, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


def is_changes_object(name: str | None, type_: str, _parent_names=None) -> bool:
    """Alembic's include_name: the counters' table is kept by hand, not by the models."""
    return name == TABLE


def in_place() -> bool:
    """Whether the counters follow the data: on SQLite, with every trigger there."""
    if db.session.get_bind().dialect.name != "sqlite":
        return False
    found = db.session.execute(
        text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ("
            + ", ".join(f"'{name}'" for name in TRIGGERS)
            + ")"
        )
    ).scalar()
    return found == len(TRIGGERS)


def counters(suggestions: bool, part: int | None) -> dict:
    """{part: (submissions counted, sum of their counters)} for the parts of `part` submission
    ids that hold any, or {None: the same over every submission} (`part` None)."""
    sums = "count(*), sum(changes)" + (", sum(suggestion_changes)" if suggestions else "")
    if part is None:
        return {None: tuple(db.session.execute(text(f"SELECT {sums} FROM {TABLE}")).one())}
    rows = db.session.execute(
        text(f"SELECT submission_id / :part AS part, {sums} FROM {TABLE} GROUP BY part"),
        {"part": part},
    )
    return {row[0]: tuple(row[1:]) for row in rows}
