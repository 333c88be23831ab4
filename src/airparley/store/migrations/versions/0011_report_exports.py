"""case report exports recorded for disclosure accounting (issue 14)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import airparley.store._schema

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_exports",
        sa.Column(
            "export_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("officer", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("made_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("export_id", name=op.f("pk_report_exports")),
    )
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.create_index("ix_report_exports_party", ["party"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.drop_index("ix_report_exports_party")
    op.drop_table("report_exports")
