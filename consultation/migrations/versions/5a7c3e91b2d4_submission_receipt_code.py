"""submissions carry a receipt code, the respondent's key to their own answers

Revision ID: 5a7c3e91b2d4
Revises: 1f3faa93de02
Create Date: 2026-12-07 04:30:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a7c3e91b2d4"
down_revision = "1f3faa93de02"
branch_labels = None
depends_on = None

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=14), nullable=True))
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM submission")).scalars().all()
    if ids:
        connection.execute(
            sa.text("UPDATE submission SET receipt_code = :code WHERE id = :id"),
            [{"id": id_, "code": _code()} for id_ in ids],
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("receipt_code", existing_type=sa.String(length=14), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_submission_receipt_code"), ["receipt_code"]
        )


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_submission_receipt_code"), type_="unique")
        batch_op.drop_column("receipt_code")
