"""codings to review after an edit of their answer

Revision ID: c4e1a7d2f9b3
Revises: c5e0a8d41f27
Create Date: 2026-12-06 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e1a7d2f9b3"
down_revision = "c5e0a8d41f27"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("words_before", sa.String(), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("coding", schema=None) as batch_op:
        batch_op.drop_column("words_before")
        batch_op.drop_column("needs_review")
