"""Non-response watches and track shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["TracksTx"]


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

    def open_watches(self) -> list[dict[str, Any]]:
        """The watches still waiting for an acknowledgement, a manoeuvre or their deadline, oldest first."""
        query = select(t.watches.c.document).where(t.watches.c.state == "watching").order_by(t.watches.c.created_at)
        return [dict(r.document) for r in self.connection.execute(query)]

    def watches_of_message(self, message_id: str) -> list[dict[str, Any]]:
        query = select(t.watches.c.document).where(t.watches.c.message_id == message_id)
        return [dict(r.document) for r in self.connection.execute(query)]

    def watches_for(self, party: str, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """The watches ``party`` called or owns the aircraft of, newest closed first (then newest opened)."""
        query = select(t.watches.c.document).where(or_(t.watches.c.caller == party, t.watches.c.owner == party))
        if state is not None:
            query = query.where(t.watches.c.state == state)
        query = query.order_by(t.watches.c.closed_at.desc(), t.watches.c.created_at.desc()).limit(limit)
        return [dict(r.document) for r in self.connection.execute(query)]

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

    def track_share(self, share_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            select(t.track_shares.c.document).where(t.track_shares.c.share_id == share_id)
        ).first()
        return None if row is None else dict(row.document)

    def track_shares_for(self, party: str, limit: int = 500) -> list[dict[str, Any]]:
        """The shares ``party`` made or was made a recipient of, newest first."""
        received = select(t.track_share_recipients.c.share_id).where(t.track_share_recipients.c.party == party)
        query = (
            select(t.track_shares.c.document)
            .where(or_(t.track_shares.c.party == party, t.track_shares.c.share_id.in_(received)))
            .order_by(t.track_shares.c.created_at.desc(), t.track_shares.c.share_id)
            .limit(limit)
        )
        return [dict(r.document) for r in self.connection.execute(query)]

    def active_track_shares(self) -> list[dict[str, Any]]:
        """Every share not revoked (an expired one included: expiry is a matter of the clock), oldest first."""
        query = (
            select(t.track_shares.c.document)
            .where(t.track_shares.c.state == "active")
            .order_by(t.track_shares.c.created_at, t.track_shares.c.share_id)
        )
        return [dict(r.document) for r in self.connection.execute(query)]

    # -- events --------------------------------------------------------------------------------------
