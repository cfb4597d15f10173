"""analysis figures' change counters on SQLite: a counter per submission, kept by triggers, that
the kept figures' fingerprint reads instead of scanning the codings and pseudonymised texts

Revision ID: 0d6e2b8f4a17
Revises: 5a1d9c3e7b42
Create Date: 2026-12-07 17:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0d6e2b8f4a17"
down_revision = "5a1d9c3e7b42"
branch_labels = None
depends_on = None

# As consultation/coding/changes.py makes them with the tables, written out here so that this
# revision stays what it was whatever that module becomes.
AMOUNT = "(1 + (random() & 16777215))"
COUNTED = (
    ("submission", "id", "changes"),
    ("answer_text", "submission_id", "changes"),
    ("coding", "submission_id", "changes"),
    ("pseudonymised_answer", "submission_id", "changes"),
    ("suggestion", "submission_id", "suggestion_changes"),
)
EVENTS = {"insert": ("new",), "delete": ("old",), "update": ("old", "new")}


def _trigger(table: str, column: str, counter: str, when: str) -> str:
    bumps = "".join(
        f"  INSERT INTO figures_change (submission_id, {counter}) VALUES ({row}.{column}, {AMOUNT})\n"
        f"  ON CONFLICT (submission_id) DO UPDATE SET {counter} = {counter} + {AMOUNT};\n"
        for row in EVENTS[when]
    )
    return f"CREATE TRIGGER figures_change_{table}_{when} AFTER {when.upper()} ON {table} BEGIN\n{bumps}END"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's figures keep their fingerprint scans
    op.execute(
        "CREATE TABLE figures_change (submission_id INTEGER PRIMARY KEY, "
        "changes INTEGER NOT NULL DEFAULT 0, suggestion_changes INTEGER NOT NULL DEFAULT 0)"
    )
    for table, column, counter in COUNTED:
        for when in EVENTS:
            op.execute(_trigger(table, column, counter, when))
    # The submissions already there: a counter each, started at random.
    op.execute(
        "INSERT INTO figures_change (submission_id, changes, suggestion_changes) "
        f"SELECT id, {AMOUNT}, {AMOUNT} FROM submission"
    )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, _column, _counter in COUNTED:
        for when in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS figures_change_{table}_{when}")
    op.execute("DROP TABLE IF EXISTS figures_change")
