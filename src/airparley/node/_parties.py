"""The parties service: who an officer is, the parties on the node, and the agreed frequencies.

The frequencies agreed are those of the agreements in force (node/_agreements.py), plus the guards; a frequency
registered with ``POST /frequencies`` is in the node's catalogue only, agreed by nobody until an agreement that
both parties signed names it (issue 14: one party alone had made a frequency "agreed" for all)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley.node._events import EventKind
from airparley.store import Officer, Store, Tx

__all__ = ["PartiesService"]


class PartiesService:
    """Reads and writes about parties and frequencies (the routes never open the store themselves)."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        #: The frequencies agreed between parties (node/_agreements.py); set by the node.
        self.agreed_frequencies: Callable[[Collection[str]], list[dict[str, Any]]] = lambda _parties: []

    def whoami(self, officer: Officer) -> dict[str, Any]:
        with self._store.begin() as tx:
            party = tx.party(officer.party)
        return {"officer": officer.as_dict(), "party": party.as_dict() if party else None}

    def parties(self) -> list[dict[str, Any]]:
        with self._store.begin() as tx:
            return [{"code": p.code, "name": p.name, "language": p.language} for p in tx.parties()]

    def frequencies(self, officer: Officer) -> list[dict[str, Any]]:
        """The frequencies agreed for the officer's party: the guards and those of agreements in force it is a
        party to, each naming its agreement."""
        return self.agreed_frequencies([officer.party])

    def registered_frequencies(self) -> list[dict[str, Any]]:
        """The node's catalogue (``POST /frequencies``): names and areas, not agreements."""
        with self._store.begin() as tx:
            return [frequency.as_dict() for frequency in tx.frequencies()]

    @staticmethod
    def checked_frequency(name: str, mhz: float, area: str, notes: str) -> dict[str, Any]:
        """A frequency's fields, checked before the store, so SQLite and PostgreSQL agree on what is valid
        (airparley/bounds.py); what the idempotency key is hashed over."""
        return {
            "name": bounds.free_text(name, "name", "frequency_name", one_line=True),
            "mhz": bounds.number(mhz, "mhz", "frequency_mhz"),
            "area": bounds.free_text(area, "area", "frequency_area", one_line=True),
            "notes": bounds.free_text(notes, "notes", "frequency_notes"),
        }

    def add_frequency(self, tx: Tx, frequency: dict[str, Any]) -> dict[str, Any]:
        """Register a checked frequency (:meth:`checked_frequency`) in the catalogue, told to every party. It is
        not agreed by this: an agreement in force names the frequencies agreed."""
        added = tx.add_frequency(frequency["name"], frequency["mhz"], frequency["area"], frequency["notes"]).as_dict()
        everyone = [p.code for p in tx.parties()]
        tx.append_event(EventKind.FREQUENCY_ADDED, everyone, dict.fromkeys(everyone, added), self._clock())
        return added
