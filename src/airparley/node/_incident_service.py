"""What the incident routes call (``node/_routes_incidents.py``): the act checked, then the records
(``node/_incidents.py``) read or written in a transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley.node._access import Act, require
from airparley.node._incidents import IncidentRecords
from airparley.store import Officer, Store, Tx

__all__ = ["IncidentService"]


class IncidentService:
    """What the incident routes call: each method checks the act, then reads or writes through the records."""

    def __init__(self, store: Store, clock: Callable[[], datetime], records: IncidentRecords) -> None:
        self._store = store
        self._clock = clock
        self._records = records

    def incidents_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The records the officer's party made and those disclosed to it, newest first."""
        require(officer.tier, Act.READ_INCIDENTS)
        with self._store.begin() as tx:
            return self._records.incidents_for(tx, officer.party)

    def incident_for(self, officer: Officer, incident_id: str) -> dict[str, Any]:
        """One record, trails included, if the officer's party recorded it or it was disclosed to it."""
        require(officer.tier, Act.READ_INCIDENTS)
        with self._store.begin() as tx:
            return self._records.incident_for(tx, officer.party, incident_id)

    def disclosed_to_peer(self, peer: Officer, incident_id: str) -> dict[str, Any]:
        """A record of a hosted party disclosed to the asking peer node's party (federation)."""
        require(peer.tier, Act.FETCH_INCIDENTS)
        with self._store.begin() as tx:
            return self._records.disclosed_to(tx, peer.party, incident_id)

    def disclose(self, tx: Tx, officer: Officer, incident_id: str, body: Any) -> dict[str, Any]:
        """Disclose a record of the officer's party to named parties (a signed ``incident.disclosed`` act)."""
        require(officer.tier, Act.DISCLOSE_INCIDENTS)
        bounds.check_json(body)
        return self._records.disclose(tx, officer, incident_id, body, self._clock())
