"""Kept track states and the reads a replay needs (issue 19 item 4): what a party could see at a past moment.

Track states are kept as one row per party per flush (about one a second): a batch of the party's own
states, compressed, between the first and last state time it holds. One row a second per party, not one
per state, keeps the cost of keeping 20,000 tracks at 1 Hz to one INSERT a second (``docs/replay.md``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from airparley.store import _schema as t
from airparley.store._base import TxBase
from airparley.store._events import Event
from airparley.store._notices import StoredNotice, _notice_from_shared
from airparley.store._tracks import StoredShare, _share

__all__ = ["StatesTx"]


class StatesTx(TxBase):
    """Kept track state batches; notices, events and shares as they stood at a moment."""

    def put_state_batch(self, party: str, first_s: float, last_s: float, count: int, states: bytes) -> None:
        self.connection.execute(
            insert(t.track_state_batches).values(
                party=party, first_s=first_s, last_s=last_s, count=count, states=states
            )
        )

    def state_batches(self, party: str, since_s: float, until_s: float) -> list[bytes]:
        """The batches of ``party`` holding a state time in ``[since_s, until_s]``, oldest first."""
        c = t.track_state_batches.c
        query = (
            select(c.states)
            .where(c.party == party, c.last_s >= since_s, c.first_s <= until_s)
            .order_by(c.first_s, c.batch_id)
        )
        return [bytes(r.states) for r in self.connection.execute(query)]

    def forget_state_batches_before(self, before_s: float) -> int:
        """Delete the batches whose every state is older than ``before_s``; how many went."""
        result = self.connection.execute(delete(t.track_state_batches).where(t.track_state_batches.c.last_s < before_s))
        return int(result.rowcount or 0)

    def oldest_kept_state_s(self, party: str) -> float | None:
        c = t.track_state_batches.c
        return self.connection.execute(select(func.min(c.first_s)).where(c.party == party)).scalar_one_or_none()

    def notice_versions_as_of(self, party: str, at: datetime) -> list[StoredNotice]:
        """Each of ``party``'s notices as its newest version written at or before ``at``, by notice id
        (``updated_at``: when that version was written)."""
        v = t.notice_versions.c
        query = (
            select(v.notice_id, v.shared, v.private, v.created_at)
            .where(v.party == party, v.created_at <= at)
            .order_by(v.notice_id, v.version)
        )
        newest: dict[str, Any] = {}
        for r in self.connection.execute(query):
            newest[r.notice_id] = r
        return [
            StoredNotice(_notice_from_shared(r.shared), r.private, r.created_at)
            for r in (newest[k] for k in sorted(newest))
        ]

    def events_until(self, at: datetime, kinds: list[str]) -> list[Event]:
        """The events of ``kinds`` written at or before ``at``, in the order they were written."""
        e = t.events.c
        query = select(t.events).where(e.created_at <= at, e.kind.in_(kinds)).order_by(e.seq)
        return [
            Event(r.seq, r.created_at, r.kind, list(r.audience), dict(r.payload))
            for r in self.connection.execute(query)
        ]

    def shares_made_before(self, at: datetime) -> list[StoredShare]:
        """Every track share granted at or before ``at`` (its stored document: a revoked one says when)."""
        s = t.track_shares.c
        query = select(t.track_shares).where(s.created_at <= at).order_by(s.created_at, s.share_id)
        return [_share(r) for r in self.connection.execute(query)]
