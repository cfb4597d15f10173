"""questionnaire versions remember the version of the previous edition they were copied from

Revision ID: d2b8f6a1c350
Revises: 96d5b667f423
Create Date: 2026-12-07 02:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2b8f6a1c350"
down_revision = "96d5b667f423"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copied_from_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_questionnaire_version_copied_from_version_id_questionnaire_version"),
            "questionnaire_version",
            ["copied_from_version_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("questionnaire_version", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_questionnaire_version_copied_from_version_id_questionnaire_version"),
            type_="foreignkey",
        )
        batch_op.drop_column("copied_from_version_id")
