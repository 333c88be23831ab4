"""agreements between parties (issue 14)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import airparley.store._schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("proposer", sa.String(length=16), nullable=False),
        sa.Column("start", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposed_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version", name=op.f("pk_agreements")),
    )
    op.create_table(
        "agreement_signatures",
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("signed_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreement_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version", "party", name=op.f("pk_agreement_signatures")),
    )


def downgrade() -> None:
    op.drop_table("agreement_signatures")
    op.drop_table("agreements")
