"""a person may turn off the e-mail digest of their notifications

Revision ID: b91d4e6f0a3c
Revises: f42e7e8c811a
Create Date: 2026-12-07 07:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b91d4e6f0a3c"
down_revision = "f42e7e8c811a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notification_digest", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("notification_digest")
