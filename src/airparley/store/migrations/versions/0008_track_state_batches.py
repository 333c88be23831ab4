"""track state batches kept for replay (issue 19 item 4)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 07:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_state_batches",
        sa.Column("batch_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("first_s", sa.Float(), nullable=False),
        sa.Column("last_s", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("states", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_track_state_batches")),
    )
    with op.batch_alter_table("track_state_batches", schema=None) as batch_op:
        batch_op.create_index("ix_track_state_batches_party_last_s", ["party", "last_s"], unique=False)
        batch_op.create_index("ix_track_state_batches_last_s", ["last_s"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("track_state_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_track_state_batches_last_s")
        batch_op.drop_index("ix_track_state_batches_party_last_s")
    op.drop_table("track_state_batches")
