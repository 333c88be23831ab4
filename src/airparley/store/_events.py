"""The event log, and the in-memory tail of recent events the WebSocket fan-out reads."""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from airparley.store import _schema as t
from airparley.store._base import TxBase, _primary_key
from airparley.store._locks import EVENTS_CHANNEL, must_notify, notified, serialise_writes

__all__ = ["Event", "EventTail", "EventsTx"]


@dataclass(frozen=True)
class Event:
    seq: int
    created_at: datetime
    kind: str
    audience: list[str]
    payload: dict[str, Any]


_INSERT_EVENT = insert(t.events)
#: PostgreSQL: the event, and the notification every process's listener waits for (sent at commit, once).
_INSERT_EVENT_AND_NOTIFY = insert(t.events).returning(t.events.c.seq, func.pg_notify(EVENTS_CHANNEL, ""))


class EventTail:
    """The recent committed events of this process, in seq order, for the WebSocket fan-out.

    It holds every event committed through this ``Store`` with ``seq > base`` (``base`` is the newest seq
    already in the database when the tail started, and moves up as old events are dropped), so a cursor at
    or after ``base`` is answered from memory; an older cursor is answered by the database."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.base: int | None = None  # None until started: nothing is answered from the tail before
        self._seqs: list[int] = []
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, events: Sequence[Event]) -> None:
        """Events just committed (in seq order). The tail stays gap-free: an event that does not follow the
        newest one held (another process wrote to the database, or a PostgreSQL sequence skipped a number)
        starts it anew from that event, so older cursors are answered by the database."""
        with self._lock:
            for event in events:
                newest = self._seqs[-1] if self._seqs else self.base
                if newest is not None and event.seq == newest + 1:
                    self._seqs.append(event.seq)
                    self._events.append(event)
                elif newest is None or event.seq > newest:
                    self.base = event.seq - 1 if newest is not None else None
                    self._seqs, self._events = [event.seq], [event]
                elif self._holds(event.seq):
                    # Already in: the listener of another process's commits (node/_cluster.py) read it from
                    # the database before this process's own commit handed it over, or the other way round.
                    continue
                else:  # committed out of seq order: everything up to the newest one is left to the database
                    self.base = newest
                    self._seqs, self._events = [], []
            if len(self._seqs) > 2 * self.size:
                drop = len(self._seqs) - self.size
                self.base = self._seqs[drop - 1]
                del self._seqs[:drop], self._events[:drop]

    def _holds(self, seq: int) -> bool:
        """Whether the tail holds the event ``seq``."""
        at = bisect.bisect_left(self._seqs, seq)
        return at < len(self._seqs) and self._seqs[at] == seq

    def newest(self) -> int | None:
        """The newest seq the tail accounts for (held, or its base), or None before it is started."""
        with self._lock:
            return self._seqs[-1] if self._seqs else self.base

    def start(self, base: int) -> None:
        with self._lock:
            self.base = base
            keep = bisect.bisect_right(self._seqs, base)
            del self._seqs[:keep], self._events[:keep]
            if self._seqs and self._seqs[0] != base + 1:
                self.base = self._seqs[0] - 1

    def after(self, seq: int, limit: int) -> list[Event] | None:
        """Events with seq > ``seq`` (at most ``limit``), or None if the tail does not reach back that far."""
        with self._lock:
            if self.base is None or seq < self.base:
                return None
            at = bisect.bisect_right(self._seqs, seq)
            return self._events[at : at + limit]


class EventsTx(TxBase):
    """The event log."""

    def append_event(self, kind: str, audience: Iterable[str], payload: Mapping[str, Any], now: datetime) -> int:
        parties = sorted(set(audience))
        # Under the write lock, events commit in seq order across processes (store/_locks.py); every process's
        # listener is woken by the commit (node/_cluster.py).
        serialise_writes(self.connection)
        row = {"created_at": now, "kind": kind, "audience": parties, "payload": dict(payload)}
        if must_notify(self.connection):
            # The notification rides on the INSERT: one round trip less under the write lock (issue 18).
            seq = int(self.connection.execute(_INSERT_EVENT_AND_NOTIFY, row).one()[0])
            notified(self.connection)
        else:
            seq = int(_primary_key(self.connection.execute(_INSERT_EVENT, row)))
        if self._store is not None and self._store.tail is not None:
            # As it reads back from the database: a UTC time, and JSON (a copy, whatever the caller does next).
            self.events.append(Event(seq, now.astimezone(UTC), kind, parties, json.loads(json.dumps(dict(payload)))))
        return seq

    def events_after(self, seq: int, limit: int = 500) -> list[Event]:
        seq = self._seq_bound(seq)
        rows = self.connection.execute(
            select(t.events).where(t.events.c.seq > seq).order_by(t.events.c.seq).limit(limit)
        )
        return [Event(r.seq, r.created_at, r.kind, list(r.audience), dict(r.payload)) for r in rows]

    def latest_event(self, kind: str, after: int = 0) -> Event | None:
        """The newest event of ``kind`` with seq > ``after``, or None (``after`` bounds the scan: no index on kind)."""
        after = self._seq_bound(after)
        e = t.events.c
        query = select(t.events).where(e.seq > after, e.kind == kind).order_by(e.seq.desc()).limit(1)
        r = self.connection.execute(query).first()
        return None if r is None else Event(r.seq, r.created_at, r.kind, list(r.audience), dict(r.payload))

    def last_event_seq(self) -> int:
        return int(self.connection.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one())
