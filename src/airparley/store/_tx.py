"""The store: one object over an engine, and a transaction object through which every read and write goes.

Everything one API call does happens in one transaction (``with store.begin() as tx``), which commits
before the call answers: an act, its event and (later) its ledger entry are stored together or not at all.
``Tx`` is composed of one mixin per feature (each in its own module over the shared ``TxBase``), so call
sites stay ``tx.notice(...)``, ``tx.add_entry(...)``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from airparley.ledger import Entry
from airparley.store._agreements import AgreementsTx
from airparley.store._engine import make_engine, upgrade
from airparley.store._events import Event, EventsTx, EventTail
from airparley.store._federation import FederationTx
from airparley.store._frequencies import FrequenciesTx
from airparley.store._hotline import HotlineTx
from airparley.store._idempotency import IdempotencyTx
from airparley.store._incidents import IncidentsTx
from airparley.store._ledger import LedgerTx
from airparley.store._notices import NoticesTx
from airparley.store._parties import PartiesTx
from airparley.store._report_exports import ReportExportsTx
from airparley.store._states import StatesTx
from airparley.store._tracks import TracksTx

__all__ = ["Store", "Tx"]


# FederationTx comes before PartiesTx because it builds on it (a peer must be a known party).
class Tx(
    FederationTx,
    PartiesTx,
    FrequenciesTx,
    NoticesTx,
    AgreementsTx,
    HotlineTx,
    TracksTx,
    IncidentsTx,
    ReportExportsTx,
    StatesTx,
    EventsTx,
    LedgerTx,
    IdempotencyTx,
):
    """One database transaction with the operations the node needs."""


class Store:
    """The node's database. ``Store.open(url)`` migrates it to the newest schema first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: The recent committed events (see ``keep_event_tail``), or None.
        self.tail: EventTail | None = None
        self._heads: dict[str, Entry] = {}
        self._heads_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        upgrade(self.engine)
        with self.begin() as tx:
            tx.ensure_guard_frequencies()

    @contextmanager
    def begin(self) -> Iterator[Tx]:
        """A transaction: committed when the block ends normally, rolled back if it raises.

        Only once it is committed do its ledger heads join the cached heads and its events the event tail."""
        with self.engine.begin() as connection:
            tx = Tx(connection, self)
            yield tx
        if tx.heads:
            with self._heads_lock:
                for party, entry in tx.heads.items():
                    known = self._heads.get(party)
                    if known is None or entry.seq >= known.seq:
                        self._heads[party] = entry
        if tx.events and self.tail is not None:
            self.tail.add(tx.events)

    def cached_heads(self) -> dict[str, Entry]:
        """Each party's newest entry as last committed through this store (checked by ``Tx.ledger_chain``)."""
        with self._heads_lock:
            return dict(self._heads)

    def keep_event_tail(self, size: int = 5000) -> EventTail:
        """Keep the newest ``size`` (to twice that) committed events in memory, from now on."""
        if self.tail is None:
            self.tail = EventTail(size)
            # Recording starts first, then the base is read: an event committed in between is in the database
            # (seq <= base) and dropped from the tail, so the tail has no gap.
            with self.begin() as tx:
                base = tx.last_event_seq()
            self.tail.start(base)
        return self.tail

    def recent_events(self, after: int, limit: int = 500) -> list[Event] | None:
        """Events after ``after`` from the tail, or None if the tail does not hold them all (ask the database)."""
        return None if self.tail is None else self.tail.after(after, limit)

    def close(self) -> None:
        self.engine.dispose()
