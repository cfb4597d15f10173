"""web import of indicator files (uploads, mapping templates), communes in their EPCI, and the
weighting of a questionnaire's figures

Revision ID: a9c4f1e6b8d3
Revises: 7d41e0c8a9f6
Create Date: 2026-12-07 04:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9c4f1e6b8d3"
down_revision = "7d41e0c8a9f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "indicator_import_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_indicator_import_template_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_import_template")),
        sa.UniqueConstraint("name", name=op.f("uq_indicator_import_template_name")),
    )
    op.create_table(
        "indicator_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_indicator_upload_created_by_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_indicator_upload_job_id_job"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_upload")),
    )
    op.create_table(
        "survey_weighting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("margins", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_survey_weighting_questionnaire_id_questionnaire"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_survey_weighting_study_id_study")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_weighting")),
        sa.UniqueConstraint("questionnaire_id", name=op.f("uq_survey_weighting_questionnaire_id")),
    )
    with op.batch_alter_table("survey_weighting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_weighting_study_id"), ["study_id"], unique=False
        )
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epci_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_territory_epci_id"), ["epci_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_territory_epci_id_territory"), "territory", ["epci_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_territory_epci_id_territory"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_territory_epci_id"))
        batch_op.drop_column("epci_id")
    with op.batch_alter_table("survey_weighting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_weighting_study_id"))
    op.drop_table("survey_weighting")
    op.drop_table("indicator_upload")
    op.drop_table("indicator_import_template")
