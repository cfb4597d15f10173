"""full-text search index of the analysed answers only: answer rows arrive without lemmas and
enter the index when the analysis job writes them (the concordance reads the others apart)

Revision ID: 3f9b6d2c8e51
Revises: 0d6e2b8f4a17
Create Date: 2026-12-07 20:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f9b6d2c8e51"
down_revision = "0d6e2b8f4a17"
branch_labels = None
depends_on = None

# As consultation/submissions/answer_table.py makes them, written out so that this revision stays
# what it was whatever that module becomes.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER answer_text_search_delete AFTER DELETE ON answer_text
WHEN old.lemmas IS NOT NULL BEGIN
  INSERT INTO answer_search(answer_search, rowid, folded, lemmas)
  VALUES ('delete', old.id, old.folded, old.lemmas);
END""",
    """CREATE TRIGGER answer_text_search_update AFTER UPDATE OF folded, lemmas ON answer_text BEGIN
  INSERT INTO answer_search(answer_search, rowid, folded, lemmas)
  SELECT 'delete', old.id, old.folded, old.lemmas WHERE old.lemmas IS NOT NULL;
  INSERT INTO answer_search(rowid, folded, lemmas)
  SELECT new.id, new.folded, new.lemmas WHERE new.lemmas IS NOT NULL;
END""",
]
# As revision 5a1d9c3e7b42 left them: every row indexed, new ones by the writer.
SQLITE_TRIGGERS_BEFORE = [
    """CREATE TRIGGER answer_text_search_delete AFTER DELETE ON answer_text BEGIN
  INSERT INTO answer_search(answer_search, rowid, folded, lemmas)
  VALUES ('delete', old.id, old.folded, coalesce(old.lemmas, ''));
END""",
    """CREATE TRIGGER answer_text_search_update AFTER UPDATE OF folded, lemmas ON answer_text BEGIN
  INSERT INTO answer_search(answer_search, rowid, folded, lemmas)
  VALUES ('delete', old.id, old.folded, coalesce(old.lemmas, ''));
  INSERT INTO answer_search(rowid, folded, lemmas) VALUES (new.id, new.folded, coalesce(new.lemmas, ''));
END""",
]
TRIGGER_NAMES = ("answer_text_search_delete", "answer_text_search_update")
PG_INDEX = (
    "CREATE INDEX ix_answer_text_search ON answer_text USING gin "
    "((to_tsvector('simple'::regconfig, folded || ' ' || lemmas))) WHERE lemmas IS NOT NULL"
)
PG_INDEX_BEFORE = (
    "CREATE INDEX ix_answer_text_search ON answer_text USING gin "
    "((to_tsvector('simple'::regconfig, folded || ' ' || coalesce(lemmas, ''))))"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_answer_text_search")
        op.execute(PG_INDEX)
        return
    _triggers(SQLITE_TRIGGERS)
    # The index is made again from the analysed rows alone.
    op.execute("INSERT INTO answer_search(answer_search) VALUES ('delete-all')")
    op.execute(
        "INSERT INTO answer_search(rowid, folded, lemmas) "
        "SELECT id, folded, lemmas FROM answer_text WHERE lemmas IS NOT NULL"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_answer_text_search")
        op.execute(PG_INDEX_BEFORE)
        return
    _triggers(SQLITE_TRIGGERS_BEFORE)
    op.execute("INSERT INTO answer_search(answer_search) VALUES ('rebuild')")


def _triggers(statements):
    for name in TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in statements:
        op.execute(statement)
