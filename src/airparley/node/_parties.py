"""The parties service: who an officer is, the parties on the node, and the agreed frequencies."""

from __future__ import annotations

from collections.abc import Callable
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

    def whoami(self, officer: Officer) -> dict[str, Any]:
        with self._store.begin() as tx:
            party = tx.party(officer.party)
        return {"officer": officer.as_dict(), "party": party.as_dict() if party else None}

    def parties(self) -> list[dict[str, Any]]:
        with self._store.begin() as tx:
            return [{"code": p.code, "name": p.name, "language": p.language} for p in tx.parties()]

    def frequencies(self) -> list[dict[str, Any]]:
        with self._store.begin() as tx:
            return tx.frequencies()

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
        """Register a checked frequency (:meth:`checked_frequency`), told to every party."""
        added = tx.add_frequency(frequency["name"], frequency["mhz"], frequency["area"], frequency["notes"])
        everyone = [p.code for p in tx.parties()]
        tx.append_event(EventKind.FREQUENCY_ADDED, everyone, dict.fromkeys(everyone, added), self._clock())
        return added
