"""incident records (private trails) and their disclosures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import airparley.store._schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_records",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_records")),
    )
    with op.batch_alter_table("incident_records", schema=None) as batch_op:
        batch_op.create_index("ix_incident_records_party", ["party"], unique=False)
    op.create_table(
        "incident_disclosures",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("disclosed_at", airparley.store._schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident_records.incident_id"],
            name=op.f("fk_incident_disclosures_incident_id_incident_records"),
        ),
        sa.PrimaryKeyConstraint("incident_id", "party", name=op.f("pk_incident_disclosures")),
    )
    with op.batch_alter_table("incident_disclosures", schema=None) as batch_op:
        batch_op.create_index("ix_incident_disclosures_party", ["party"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_disclosures", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_disclosures_party")
    op.drop_table("incident_disclosures")
    with op.batch_alter_table("incident_records", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_records_party")
    op.drop_table("incident_records")
