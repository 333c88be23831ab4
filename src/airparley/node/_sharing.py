"""Track sharing's acts: granting and revoking a share, each a signed ``track.shared`` entry and an event.

A grant (``POST /api/v1/tracks/shares``) names a track of the party's own live picture and the parties to
share it with, for a number of minutes (at most :data:`MAX_MINUTES`) or until revoked; a revocation ends a
share of the party's own. Either is recorded in the act's transaction: the stored share, the ledger entry,
the ``track.shared`` / ``track.unshared`` event to the sharer and the recipients, then the in-memory book.
What the shares do to a recipient's picture is ``node/_shares.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from airparley.errors import InvalidInput, NotFound, PermissionDenied
from airparley.ledger import Kind
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._shares import Share, ShareBook, ShareState
from airparley.node._tracks import Pictures
from airparley.node._visibility import share_for
from airparley.store import Officer, Tx

__all__ = ["MAX_MINUTES", "ShareRequest", "TrackSharing", "parse_share_request"]

#: The longest a share may be granted for (a day); beyond that, share until revoked.
MAX_MINUTES: Final = 1440


# -- the request ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShareRequest:
    """``POST /api/v1/tracks/shares``, checked for shape (whether the track and parties exist is the node's)."""

    track: str
    recipients: tuple[str, ...]
    minutes: int | None = None


def parse_share_request(body: Any) -> ShareRequest:
    if not isinstance(body, Mapping):
        raise InvalidInput("(body)", 'must be an object {"track": ..., "with": [...], "minutes": ...}')
    unknown = sorted(set(body) - {"track", "with", "minutes"})
    if unknown:
        raise InvalidInput(unknown[0], "unknown field (allowed: track, with, minutes)")
    track = body.get("track")
    if not isinstance(track, str) or not track.strip():
        raise InvalidInput("track", "the id of a track in your party's own picture (GET /tracks)")
    parties = body.get("with")
    if not isinstance(parties, list) or not parties:
        raise InvalidInput("with", f'must be a non-empty list of party codes, e.g. ["RUS"], got {parties!r}')
    codes = []
    for code in parties:
        if not isinstance(code, str) or not code.strip():
            raise InvalidInput("with", f"must be party codes, got {code!r}")
        codes.append(code.strip().upper())
    minutes = body.get("minutes")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES
    ):
        raise InvalidInput(
            "minutes", f"must be a whole number of minutes from 1 to {MAX_MINUTES}, or left out, got {minutes!r}"
        )
    return ShareRequest(track.strip(), tuple(sorted(set(codes))), minutes)


# -- the acts -------------------------------------------------------------------------------------------------
class TrackSharing:
    """Grants and revokes shares: the store, the book, the ledger entry and the events, in the act's transaction."""

    def __init__(self, pictures: Pictures, book: ShareBook, ledger: LedgerWriter) -> None:
        self.pictures = pictures
        self.book = book
        self.ledger = ledger
        #: Makes share ids (``share-...``); random unless the node is given a seeded one (see ``Node``).
        self.new_id: Callable[[str], str] = lambda prefix: f"{prefix}-{uuid.uuid4().hex[:16]}"

    def grant(self, tx: Tx, officer: Officer, body: Any, now: datetime) -> dict[str, Any]:
        request = parse_share_request(body)
        trail = self.pictures.history(officer.party, [request.track]).get(request.track, [])
        if not trail or now.timestamp() - trail[-1].time_s > self.pictures.stale_s:
            raise InvalidInput(
                "track",
                f"no track {request.track!r} in your party's own live picture (GET /tracks): a party shares only"
                " what its own sensors report",
            )
        for code in request.recipients:
            if code == officer.party:
                raise InvalidInput("with", f"{code} is your own party: a track is shared with other parties")
            if tx.party(code) is None:
                raise InvalidInput("with", f"unknown party {code!r}")
        for share in self.book.of_track(officer.party, request.track, now):
            again = sorted(set(share.recipients) & set(request.recipients))
            if again:
                raise InvalidInput(
                    "with",
                    f"{request.track} is already shared with {', '.join(again)} (share {share.share_id});"
                    " revoke that share first to change it",
                )
        share = Share(
            share_id=self.new_id("share"),
            party=officer.party,
            track=request.track,
            recipients=request.recipients,
            created_by=officer.id,
            created_at=now,
            until=None if request.minutes is None else now + timedelta(minutes=request.minutes),
        )
        share = self._record(tx, share, EventKind.TRACK_SHARED, now)
        return {"share": share_for(officer.party, share.as_dict(now))}

    def revoke(self, tx: Tx, officer: Officer, share_id: str, now: datetime) -> dict[str, Any]:
        row = tx.track_share(share_id)
        if row is None or share_for(officer.party, row.as_dict()) is None:
            raise NotFound("share", share_id)
        share = Share.from_dict(row.document)
        if share.party != officer.party:
            raise PermissionDenied(f"only {share.party}'s desks may revoke {share.party}'s share")
        state = share.state_at(now)
        if state is not ShareState.ACTIVE:
            raise InvalidInput("state", f"share {share_id} is already {state.value}")
        revoked = replace(share, state=ShareState.REVOKED, revoked_at=now, revoked_by=officer.id, entry=None)
        revoked = self._record(tx, revoked, EventKind.TRACK_UNSHARED, now)
        return {"share": share_for(officer.party, revoked.as_dict(now))}

    def _record(self, tx: Tx, share: Share, event: EventKind, now: datetime) -> Share:
        entry = self.ledger.record(tx, share.party, Kind.TRACK_SHARED, share.body(), now)
        share = replace(share, entry={"party": entry.party, "seq": entry.seq, "hash": entry.hash})
        document = share.as_dict()
        tx.put_track_share(
            share.share_id,
            share.party,
            share.track,
            share.recipients,
            share.state.value,
            share.created_at,
            share.until,
            document,
        )
        audience = [share.party, *share.recipients]
        payloads = {p: view for p in audience if (view := share_for(p, share.as_dict(now))) is not None}
        tx.append_event(event, payloads.keys(), payloads, now)
        # Last, so that an act refused above leaves the book as it was. (A commit that fails after this is
        # mended at the next tick, which reloads the book from the store.)
        self.book.put(share)
        return share

    def shares_for(self, tx: Tx, party: str, now: datetime) -> list[dict[str, Any]]:
        """The shares ``party`` made and those made with it, newest first, shaped for it."""
        views = (share_for(party, Share.from_dict(row.document).as_dict(now)) for row in tx.track_shares_for(party))
        return [v for v in views if v is not None]
