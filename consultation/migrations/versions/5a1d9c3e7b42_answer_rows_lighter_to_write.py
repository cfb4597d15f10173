"""answer rows lighter to write: one index keyed by question, carrying the filters' columns,
instead of three; no foreign keys on the columns copied from the submission

Revision ID: 5a1d9c3e7b42
Revises: c83f5a2e7d10
Create Date: 2026-12-07 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1d9c3e7b42"
down_revision = "c83f5a2e7d10"
branch_labels = None
depends_on = None

QUESTION_INDEX = ["questionnaire_id", "question", "submission_id", "position"]
COPIED_KEYS = (
    ("fk_answer_text_questionnaire_id_questionnaire", "questionnaire", "questionnaire_id"),
    (
        "fk_answer_text_questionnaire_version_id_questionnaire_version",
        "questionnaire_version",
        "questionnaire_version_id",
    ),
)
# SQLite drops a table's triggers with it, and batch mode copies the table: they are made again
# (as revision c83f5a2e7d10 left them: new rows are indexed by the writer).
SQLITE_TRIGGERS = [
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


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("answer_text", recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_index("ix_answer_text_question_public")
        batch_op.drop_index("ix_answer_text_question_commune")
        batch_op.drop_index("ix_answer_text_question")
        for name, _table, _column in COPIED_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
    op.create_index(
        "ix_answer_text_question", "answer_text", [*QUESTION_INDEX, "public", "commune_code"]
    )
    if sqlite:
        _search_triggers_again()


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_answer_text_question", table_name="answer_text")
    with op.batch_alter_table("answer_text", recreate="always" if sqlite else "auto") as batch_op:
        for name, table, column in COPIED_KEYS:
            batch_op.create_foreign_key(name, table, [column], ["id"])
    op.create_index("ix_answer_text_question", "answer_text", QUESTION_INDEX)
    op.create_index(
        "ix_answer_text_question_public", "answer_text", ["questionnaire_id", "question", "public"]
    )
    op.create_index(
        "ix_answer_text_question_commune",
        "answer_text",
        ["questionnaire_id", "question", "commune_code"],
    )
    if sqlite:
        _search_triggers_again()


def _search_triggers_again():
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    # The copy kept every id, which the search index is keyed by; rebuilt all the same, cheaply.
    op.execute("INSERT INTO answer_search(answer_search) VALUES ('rebuild')")
