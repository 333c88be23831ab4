"""non-response watches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import airparley.store._schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("track", sa.String(length=128), nullable=False),
        sa.Column("caller", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "track", name=op.f("pk_watches")),
    )
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.create_index("ix_watches_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.drop_index("ix_watches_state")
    op.drop_table("watches")
