"""track shares

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import airparley.store._schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_shares",
        sa.Column("share_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("track", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", airparley.store._schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("share_id", name=op.f("pk_track_shares")),
    )
    with op.batch_alter_table("track_shares", schema=None) as batch_op:
        batch_op.create_index("ix_track_shares_state", ["state"], unique=False)
        batch_op.create_index("ix_track_shares_party", ["party"], unique=False)
    op.create_table(
        "track_share_recipients",
        sa.Column("share_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["track_shares.share_id"],
            name=op.f("fk_track_share_recipients_share_id_track_shares"),
        ),
        sa.PrimaryKeyConstraint("share_id", "party", name=op.f("pk_track_share_recipients")),
    )
    with op.batch_alter_table("track_share_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_track_share_recipients_party", ["party"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("track_share_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_track_share_recipients_party")
    op.drop_table("track_share_recipients")
    with op.batch_alter_table("track_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_track_shares_party")
        batch_op.drop_index("ix_track_shares_state")
    op.drop_table("track_shares")
