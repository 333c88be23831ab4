"""track states relayed between the processes of one node (issue 18)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_relay",
        sa.Column("relay_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("at_s", sa.Float(), nullable=False),
        sa.Column("states", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("relay_id", name=op.f("pk_track_relay")),
    )
    with op.batch_alter_table("track_relay", schema=None) as batch_op:
        batch_op.create_index("ix_track_relay_at_s", ["at_s"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("track_relay", schema=None) as batch_op:
        batch_op.drop_index("ix_track_relay_at_s")
    op.drop_table("track_relay")
