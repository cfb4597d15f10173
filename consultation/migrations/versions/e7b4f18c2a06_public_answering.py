"""residents answer online: public links, invitation codes, drafts

Revision ID: e7b4f18c2a06
Revises: a9c4f1e6b8d3
Create Date: 2026-12-07 04:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7b4f18c2a06"
down_revision = "a9c4f1e6b8d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("open_link", sa.Boolean(), nullable=False),
        sa.Column("uses_codes", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("introduction", sa.String(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_public_link_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_public_link_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_public_link_study_id_study")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_public_link_version_id_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_link")),
        sa.UniqueConstraint("questionnaire_id", name=op.f("uq_public_link_questionnaire_id")),
        sa.UniqueConstraint("token", name=op.f("uq_public_link_token")),
    )
    with op.batch_alter_table("public_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_link_study_id"), ["study_id"], unique=False)

    op.create_table(
        "public_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_link_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("furthest", sa.Integer(), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["public_link_id"],
            ["public_link.id"],
            name=op.f("fk_public_draft_public_link_id_public_link"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_draft")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_public_draft_client_uuid")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_public_draft_token_hash")),
    )
    with op.batch_alter_table("public_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_draft_public_link_id"), ["public_link_id"], unique=False
        )

    op.create_table(
        "public_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_link_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["public_draft.id"], name=op.f("fk_public_code_draft_id_public_draft")
        ),
        sa.ForeignKeyConstraint(
            ["public_link_id"],
            ["public_link.id"],
            name=op.f("fk_public_code_public_link_id_public_link"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_code")),
        sa.UniqueConstraint("code", name=op.f("uq_public_code_code")),
    )
    with op.batch_alter_table("public_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_code_public_link_id"), ["public_link_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("public_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_code_public_link_id"))
    op.drop_table("public_code")
    with op.batch_alter_table("public_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_draft_public_link_id"))
    op.drop_table("public_draft")
    with op.batch_alter_table("public_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_link_study_id"))
    op.drop_table("public_link")
