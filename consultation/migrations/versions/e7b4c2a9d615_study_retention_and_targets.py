"""studies have a retention period (months after receipt) and fieldwork targets (quotas)

Revision ID: e7b4c2a9d615
Revises: e7b4f18c2a06
Create Date: 2026-12-07 04:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7b4c2a9d615"
down_revision = "e7b4f18c2a06"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("targets", sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_study_retention_in_range"),
            "retention_months IS NULL OR (retention_months >= 1 AND retention_months <= 240)",
        )


def downgrade():
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_study_retention_in_range"), type_="check")
        batch_op.drop_column("targets")
        batch_op.drop_column("retention_months")
