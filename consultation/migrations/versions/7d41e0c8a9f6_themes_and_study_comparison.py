"""themes (codes marked as themes), the themes an indicator documents, a study's territory and
comparison levels

Revision ID: 7d41e0c8a9f6
Revises: 5a7c3e91b2d4
Create Date: 2026-12-07 04:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d41e0c8a9f6"
down_revision = "5a7c3e91b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="propose", nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("key_indicator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('propose', 'discussion', 'valide', 'ecarte')",
            name=op.f("ck_theme_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["code.id"], name=op.f("fk_theme_code_id_code"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["key_indicator_id"],
            ["indicator.id"],
            name=op.f("fk_theme_key_indicator_id_indicator"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
        sa.UniqueConstraint("code_id", name=op.f("uq_theme_code_id")),
    )
    op.create_table(
        "indicator_theme",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("theme_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_indicator_theme_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "theme_key", name=op.f("pk_indicator_theme")),
    )
    with op.batch_alter_table("indicator_theme", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_theme_theme_key"), ["theme_key"], unique=False
        )
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(sa.Column("territory_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("comparison_levels", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_study_territory_id_territory"), "territory", ["territory_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_study_territory_id_territory"), type_="foreignkey")
        batch_op.drop_column("comparison_levels")
        batch_op.drop_column("territory_id")
    with op.batch_alter_table("indicator_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_theme_theme_key"))
    op.drop_table("indicator_theme")
    op.drop_table("theme")
