"""emergent classification: Reinert's classes of free-text answers, kept with their parameters

Revision ID: b7d41c09e2a5
Revises: 08dc95202d45
Create Date: 2026-12-07 08:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d41c09e2a5"
down_revision = "08dc95202d45"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "emergent_classification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_emergent_classification_created_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_emergent_classification_job_id_job")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_emergent_classification_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_emergent_classification_study_id_study")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergent_classification")),
    )
    with op.batch_alter_table("emergent_classification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_emergent_classification_questionnaire_id"),
            ["questionnaire_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_emergent_classification_study_id"), ["study_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("emergent_classification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergent_classification_study_id"))
        batch_op.drop_index(batch_op.f("ix_emergent_classification_questionnaire_id"))
    op.drop_table("emergent_classification")
