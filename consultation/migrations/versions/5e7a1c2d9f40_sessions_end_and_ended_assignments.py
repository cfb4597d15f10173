"""sessions that end (user.session_version) and ended assignments

Revision ID: 5e7a1c2d9f40
Revises: b372399d9e12
Create Date: 2026-12-14 22:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e7a1c2d9f40"
down_revision = "b372399d9e12"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )

    op.create_table(
        "ended_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("enumerator_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["user.id"], name=op.f("fk_ended_assignment_ended_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["enumerator_id"], ["user.id"], name=op.f("fk_ended_assignment_enumerator_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_ended_assignment_questionnaire_id_questionnaire"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ended_assignment")),
    )
    with op.batch_alter_table("ended_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ended_assignment_enumerator_questionnaire",
            ["enumerator_id", "questionnaire_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("ended_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_ended_assignment_enumerator_questionnaire")

    op.drop_table("ended_assignment")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
