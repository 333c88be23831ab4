"""Non-response watches and track shares, read as typed rows (:class:`StoredWatch`, :class:`StoredShare`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, insert, or_, select, update

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["StoredShare", "StoredWatch", "TracksTx"]


@dataclass(frozen=True)
class StoredWatch:
    """One row of ``watches``: the columns the store queries by, and the watch's document as the node wrote it
    (``tactical.Watch.as_dict``; the node reads it back with ``Watch.from_dict``)."""

    message_id: str
    track: str
    caller: str
    owner: str
    state: str
    created_at: datetime
    deadline: datetime
    closed_at: datetime | None
    document: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The stored document, as the API and the events show a watch."""
        return dict(self.document)


@dataclass(frozen=True)
class StoredShare:
    """One row of ``track_shares``: the columns the store queries by, and the share's document as the node
    wrote it (``node._shares.Share.as_dict``; ``state`` is the stored one, ``active`` or ``revoked``)."""

    share_id: str
    party: str
    track: str
    state: str
    created_at: datetime
    until: datetime | None
    document: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The stored document."""
        return dict(self.document)


def _watch(row: Row[Any]) -> StoredWatch:
    return StoredWatch(
        row.message_id,
        row.track,
        row.caller,
        row.owner,
        row.state,
        row.created_at,
        row.deadline,
        row.closed_at,
        dict(row.document),
    )


def _share(row: Row[Any]) -> StoredShare:
    return StoredShare(row.share_id, row.party, row.track, row.state, row.created_at, row.until, dict(row.document))


class TracksTx(TxBase):
    """Watches and track shares."""

    def put_watch(
        self,
        message_id: str,
        track: str,
        caller: str,
        owner: str,
        state: str,
        created_at: datetime,
        deadline: datetime,
        closed_at: datetime | None,
        document: Mapping[str, Any],
    ) -> None:
        """Insert or update a non-response watch (its state changes once, when it closes)."""
        key = and_(t.watches.c.message_id == message_id, t.watches.c.track == track)
        values = {"state": state, "closed_at": closed_at, "document": dict(document)}
        if self.connection.execute(select(t.watches.c.message_id).where(key)).first() is None:
            self.connection.execute(
                insert(t.watches).values(
                    message_id=message_id,
                    track=track,
                    caller=caller,
                    owner=owner,
                    created_at=created_at,
                    deadline=deadline,
                    **values,
                )
            )
        else:
            self.connection.execute(update(t.watches).where(key).values(**values))

    def open_watches(self) -> list[StoredWatch]:
        """The watches still waiting for an acknowledgement, a manoeuvre or their deadline, oldest first."""
        query = select(t.watches).where(t.watches.c.state == "watching").order_by(t.watches.c.created_at)
        return [_watch(r) for r in self.connection.execute(query)]

    def watches_of_message(self, message_id: str) -> list[StoredWatch]:
        query = select(t.watches).where(t.watches.c.message_id == message_id)
        return [_watch(r) for r in self.connection.execute(query)]

    def watches_for(self, party: str, state: str | None = None, limit: int = 500) -> list[StoredWatch]:
        """The watches ``party`` called or owns the aircraft of: open ones first, then newest closed, each by newest
        opened. NULLS FIRST is spelled out because PostgreSQL and SQLite disagree on where NULL sorts in DESC."""
        query = select(t.watches).where(or_(t.watches.c.caller == party, t.watches.c.owner == party))
        if state is not None:
            query = query.where(t.watches.c.state == state)
        query = query.order_by(t.watches.c.closed_at.desc().nulls_first(), t.watches.c.created_at.desc()).limit(limit)
        return [_watch(r) for r in self.connection.execute(query)]

    # -- track shares --------------------------------------------------------------------------------
    def put_track_share(
        self,
        share_id: str,
        party: str,
        track: str,
        recipients: Iterable[str],
        state: str,
        created_at: datetime,
        until: datetime | None,
        document: Mapping[str, Any],
    ) -> None:
        """Insert a share, or update its state and document (a share changes once, when it is revoked)."""
        key = t.track_shares.c.share_id == share_id
        if self.connection.execute(select(t.track_shares.c.share_id).where(key)).first() is None:
            self.connection.execute(
                insert(t.track_shares).values(
                    share_id=share_id,
                    party=party,
                    track=track,
                    state=state,
                    created_at=created_at,
                    until=until,
                    document=dict(document),
                )
            )
            for recipient in sorted(set(recipients)):
                self.connection.execute(insert(t.track_share_recipients).values(share_id=share_id, party=recipient))
        else:
            self.connection.execute(update(t.track_shares).where(key).values(state=state, document=dict(document)))

    def track_share(self, share_id: str) -> StoredShare | None:
        row = self.connection.execute(select(t.track_shares).where(t.track_shares.c.share_id == share_id)).first()
        return None if row is None else _share(row)

    def track_shares_for(self, party: str, limit: int = 500) -> list[StoredShare]:
        """The shares ``party`` made or was made a recipient of, newest first."""
        received = select(t.track_share_recipients.c.share_id).where(t.track_share_recipients.c.party == party)
        query = (
            select(t.track_shares)
            .where(or_(t.track_shares.c.party == party, t.track_shares.c.share_id.in_(received)))
            .order_by(t.track_shares.c.created_at.desc(), t.track_shares.c.share_id)
            .limit(limit)
        )
        return [_share(r) for r in self.connection.execute(query)]

    def active_track_shares(self) -> list[StoredShare]:
        """Every share not revoked (an expired one included: expiry is a matter of the clock), oldest first."""
        query = (
            select(t.track_shares)
            .where(t.track_shares.c.state == "active")
            .order_by(t.track_shares.c.created_at, t.track_shares.c.share_id)
        )
        return [_share(r) for r in self.connection.execute(query)]

    # -- events --------------------------------------------------------------------------------------
