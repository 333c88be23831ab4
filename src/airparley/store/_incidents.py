"""Incident records: the recorder's private trails of each incident, and the parties they were disclosed to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["IncidentsTx", "StoredIncident"]


@dataclass(frozen=True)
class StoredIncident:
    """One private incident record: the recorder's document (``node._incidents`` writes it) and one document
    per party it was disclosed to, oldest first."""

    incident_id: str
    party: str
    recorded_at: datetime
    document: Mapping[str, Any]
    disclosures: tuple[Mapping[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        """The record as the node reads and serves it: its document with ``disclosures``."""
        return {**dict(self.document), "disclosures": [dict(d) for d in self.disclosures]}


class IncidentsTx(TxBase):
    """Private incident records and their disclosures (documents as ``node._incidents`` writes them)."""

    def put_incident_record(
        self, incident_id: str, party: str, recorded_at: datetime, document: Mapping[str, Any]
    ) -> None:
        """Insert a record (a record never changes: a disclosure is a row of its own)."""
        self.connection.execute(
            insert(t.incident_records).values(
                incident_id=incident_id, party=party, recorded_at=recorded_at, document=dict(document)
            )
        )

    def incident_record(self, incident_id: str) -> StoredIncident | None:
        """The record, with its disclosures: one document per party it was disclosed to, oldest first."""
        row = self.connection.execute(
            select(t.incident_records).where(t.incident_records.c.incident_id == incident_id)
        ).first()
        if row is None:
            return None
        query = (
            select(t.incident_disclosures.c.document)
            .where(t.incident_disclosures.c.incident_id == incident_id)
            .order_by(t.incident_disclosures.c.disclosed_at, t.incident_disclosures.c.party)
        )
        disclosures = tuple(dict(r.document) for r in self.connection.execute(query))
        return StoredIncident(row.incident_id, row.party, row.recorded_at, dict(row.document), disclosures)

    def add_incident_disclosure(
        self, incident_id: str, party: str, disclosed_at: datetime, document: Mapping[str, Any]
    ) -> None:
        self.connection.execute(
            insert(t.incident_disclosures).values(
                incident_id=incident_id, party=party, disclosed_at=disclosed_at, document=dict(document)
            )
        )

    def incident_ids_for(self, party: str, limit: int = 500) -> list[str]:
        """The incidents ``party`` recorded or was disclosed, newest first."""
        disclosed = select(t.incident_disclosures.c.incident_id).where(t.incident_disclosures.c.party == party)
        query = (
            select(t.incident_records.c.incident_id)
            .where(or_(t.incident_records.c.party == party, t.incident_records.c.incident_id.in_(disclosed)))
            .order_by(t.incident_records.c.recorded_at.desc(), t.incident_records.c.incident_id)
            .limit(limit)
        )
        return [str(r.incident_id) for r in self.connection.execute(query)]
