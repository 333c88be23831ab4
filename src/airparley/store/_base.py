"""What every part of a transaction shares: its connection, the heads and events it leaves for the store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from airparley._time import optional_iso_z
from airparley.ledger import Entry
from airparley.store._locks import serialise_writes

if TYPE_CHECKING:
    from airparley.store._events import Event
    from airparley.store._tx import Store


def _iso(moment: datetime | None) -> str | None:
    return optional_iso_z(moment)


def _primary_key(result: Any) -> Any:
    key = result.inserted_primary_key
    assert key is not None  # an INSERT always has one
    return key[0]


class TxBase:
    """One database transaction: the state every feature's operations (the mixins composing ``Tx``) share."""

    def __init__(self, connection: Connection, store: Store | None = None) -> None:
        self.connection = connection
        self._store = store
        #: Ledger heads as this transaction wrote (or read) them: made the store's cached heads after commit.
        self.heads: dict[str, Entry] = {}
        #: Events this transaction appended: added to the store's event tail after commit.
        self.events: list[Event] = []

    def serialise_writes(self) -> None:
        """Take the node-wide write lock for the rest of this transaction (PostgreSQL; store/_locks.py)."""
        serialise_writes(self.connection)

    def _seq_bound(self, seq: int) -> int:
        """A cursor as the seq columns can compare it: PostgreSQL's INTEGER is 32-bit, and a cursor past its
        largest value (up to the API's 2^63-1) means the same there: nothing newer."""
        return min(seq, 2**31 - 1) if self.connection.dialect.name == "postgresql" else seq
