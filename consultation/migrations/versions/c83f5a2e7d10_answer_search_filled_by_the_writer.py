"""answer search on SQLite: new answer rows indexed by the writer in one statement, not by a
trigger firing once per row (deletes and updates keep their triggers)

Revision ID: c83f5a2e7d10
Revises: b7d41c09e2a5
Create Date: 2026-12-07 11:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c83f5a2e7d10"
down_revision = "b7d41c09e2a5"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's GIN index follows the table by itself
    op.execute("DROP TRIGGER IF EXISTS answer_text_search_insert")
    # Whatever was written before, by the trigger or not, the index says what the table says.
    op.execute("INSERT INTO answer_search(answer_search) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        """CREATE TRIGGER answer_text_search_insert AFTER INSERT ON answer_text BEGIN
  INSERT INTO answer_search(rowid, folded, lemmas) VALUES (new.id, new.folded, coalesce(new.lemmas, ''));
END"""
    )
