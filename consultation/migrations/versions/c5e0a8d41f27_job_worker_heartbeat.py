"""job: the worker running it and its last heartbeat

Revision ID: c5e0a8d41f27
Revises: 5e7a1c2d9f40
Create Date: 2026-12-06 22:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e0a8d41f27"
down_revision = "5e7a1c2d9f40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("worker", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.alter_column("worker", server_default=None)


def downgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("worker")
