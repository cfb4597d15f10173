"""territories (the official geography shared by studies), indicators (the glossary) and their values

Revision ID: 1f3faa93de02
Revises: d2b8f6a1c350
Create Date: 2026-12-07 02:51:32.631316

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1f3faa93de02"
down_revision = "d2b8f6a1c350"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("numerator_label", sa.String(length=300), nullable=False),
        sa.Column("denominator_label", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("millesime", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("update_frequency", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "source = '' OR source IN ('insee', 'caf', 'cpam', 'france_travail', 'departement', 'enquete', 'autre')",
            name=op.f("ck_indicator_known_source"),
        ),
        sa.CheckConstraint(
            "update_frequency = '' OR update_frequency IN ('annuelle', 'trimestrielle', 'mensuelle', 'pluriannuelle', 'ponctuelle')",
            name=op.f("ck_indicator_known_frequency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_code")),
    )
    op.create_table(
        "territory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "level IN ('commune', 'iris', 'epci', 'departement', 'region', 'france')",
            name=op.f("ck_territory_known_level"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["territory.id"], name=op.f("fk_territory_parent_id_territory")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory")),
        sa.UniqueConstraint("level", "code", name=op.f("uq_territory_level")),
    )
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_territory_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "(status = 'value') = (value IS NOT NULL)",
            name=op.f("ck_indicator_value_value_only_when_known"),
        ),
        sa.CheckConstraint(
            "status IN ('value', 'secret', 'missing')", name=op.f("ck_indicator_value_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_indicator_value_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_indicator_value_territory_id_territory"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
        sa.UniqueConstraint(
            "indicator_id", "territory_id", "year", name=op.f("uq_indicator_value_indicator_id")
        ),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_value_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicator_value_territory_id"), ["territory_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_territory_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_value_indicator_id"))

    op.drop_table("indicator_value")
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_territory_parent_id"))

    op.drop_table("territory")
    op.drop_table("indicator")
