"""The picture service: track states posted and read, track shares, tactical alerts and non-response flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley.errors import InvalidInput, NotFound
from airparley.node._access import Act, require
from airparley.node._nonresponse import NonResponse
from airparley.node._shares import SharedPictures
from airparley.node._sharing import TrackSharing
from airparley.node._tactical import LivePicture, TacticalRunner
from airparley.node._tracks import Pictures, state_dict
from airparley.store import Officer, Store, Tx

__all__ = ["PictureService"]


class PictureService:
    """Each party's air picture as a desk sees it (its own tracks and those shared with it)."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        pictures: Pictures,
        view: SharedPictures,
        sharing: TrackSharing,
        tactical: TacticalRunner,
        nonresponse: NonResponse,
    ) -> None:
        self._store = store
        self._clock = clock
        self._pictures = pictures
        self._view = view
        self._sharing = sharing
        self._tactical = tactical
        self._nonresponse = nonresponse

    # -- tracks --------------------------------------------------------------------------------------
    @staticmethod
    def check_batch(batch: dict[str, Any]) -> None:
        """A posted batch is ``{"states": [...]}`` and nothing else (checked before the idempotency key)."""
        unknown = set(batch) - {"states"}
        if unknown or "states" not in batch:
            raise InvalidInput("states", 'the body is {"states": [track state, ...]}')

    def post_tracks(self, officer: Officer, batch: dict[str, Any]) -> dict[str, Any]:
        """Add a batch of the party's sensor states to its own picture (held in memory, no transaction)."""
        require(officer.tier, Act.POST_TRACKS)
        self.check_batch(batch)
        accepted, rejected = self._pictures.post(officer.party, batch["states"])
        return {"accepted": accepted, "rejected": [r.as_dict() for r in rejected]}

    def tracks_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The party's live picture: its own tracks and the tracks shared with it (``shared_by``)."""
        require(officer.tier, Act.READ_TRACKS)
        states, sharers = self._view.picture(officer.party, self._clock().timestamp())
        tracks = [state_dict(s) for s in states]
        for track in tracks:
            if track["id"] in sharers:
                track["shared_by"] = sharers[track["id"]]
        return tracks

    # -- shares --------------------------------------------------------------------------------------
    def share_track(self, tx: Tx, officer: Officer, body: Any) -> dict[str, Any]:
        """Share a track of the officer's own picture with other parties (a signed ``track.shared`` act)."""
        require(officer.tier, Act.SHARE_TRACKS)
        bounds.check_json(body)  # no lone surrogate, NUL or unbounded number reaches the share's checks
        return self._sharing.grant(tx, officer, body, self._clock())

    def unshare_track(self, tx: Tx, officer: Officer, share_id: str) -> dict[str, Any]:
        """Revoke one of the party's shares (a signed ``track.shared`` act with state ``revoked``)."""
        require(officer.tier, Act.SHARE_TRACKS)
        if not bounds.is_plain_id(share_id):  # never a share's id; not looked up (see node/_core.py _own_notice)
            raise NotFound("share", share_id)
        return self._sharing.revoke(tx, officer, share_id, self._clock())

    def shares_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The shares the party made and those made with it, newest first."""
        require(officer.tier, Act.READ_SHARES)
        with self._store.begin() as tx:
            return self._sharing.shares_for(tx, officer.party, self._clock())

    def live_for(self, party: str) -> LivePicture | None:
        """The party's live picture from the last scan, with its version (the WebSocket pushes each new one)."""
        return self._tactical.live.get(party)

    # -- alerts and flags ----------------------------------------------------------------------------
    def alerts_for(self, officer: Officer) -> list[dict[str, Any]]:
        """The party's tactical alerts in force (from its own picture's last scan), most severe first."""
        require(officer.tier, Act.READ_ALERTS)
        live = self._tactical.live.get(officer.party)
        alerts: list[dict[str, Any]] = list(live.data.get("alerts", [])) if live is not None else []
        return sorted(alerts, key=lambda a: (-int(a.get("severity", 0)), a["a"]["id"], a["b"]["id"]))

    def flags_for(self, officer: Officer) -> list[dict[str, Any]]:
        """Aircraft flagged non-responsive that the party called or owns, newest first."""
        require(officer.tier, Act.READ_FLAGS)
        with self._store.begin() as tx:
            return self._nonresponse.flags_for(tx, officer.party)
