"""Replay (issue 19 item 4): what a party could see at a past moment T, rebuilt from what the node kept.

Keeping: ``node/_state_keeper.py`` (each party's own accepted states, one compressed batch per tick).

Rebuilding (:class:`ReplayService`, ``GET /api/v1/picture?at=T``), for the calling party only:

* its notices: each one's newest version written at or before T (``notice_versions``), shaped by
  ``node._visibility.notice_for``;
* conflicts, messages and cases: the events the party was in the audience of, up to T, folded by id (a
  conflict detected and not cleared; each message's and case's newest document). Their payloads were shaped
  for the party by ``node._visibility`` when written, so a replay shows exactly what the live desk was sent;
* tracks: its own kept states (the newest of each track within ``stale_s`` before T), plus the newest kept
  state of each track another party shared with it and that share applied at T (same de-duplication and ids
  as ``node._shares.SharedPictures``); never another party's track it was not given;
* alerts: recomputed at T from those tracks with the tactical core (``tactical.alerts_at``), as the live scan
  does (DO-365 levels and the caution cylinder; only the pairs that alert);
* trails (asked for with ``trail_s``): each replayed track's kept positions in the ``trail_s`` before T, for the
  desk's map; a shared track's only from the moment its share was granted (what the reader was given).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np

from airparley import bounds
from airparley._time import iso_z
from airparley.errors import InvalidInput
from airparley.node._access import Act, require
from airparley.node._disclosure import parse_instant
from airparley.node._events import EventKind
from airparley.node._shares import Share, ShareState, duplicates
from airparley.node._state_keeper import decode
from airparley.node._tracks import Row
from airparley.node._visibility import notice_for
from airparley.store import Officer, Store, Tx
from airparley.tactical import AlertingSettings, TrackState, TrackStates, alerts_at

__all__ = ["ReplayService"]

_TIME: Final = 2

_CONFLICT_KINDS: Final = (EventKind.CONFLICT_DETECTED, EventKind.CONFLICT_CLEARED)
_MESSAGE_KINDS: Final = (
    EventKind.MESSAGE_SENT,
    EventKind.MESSAGE_READ,
    EventKind.MESSAGE_ACKNOWLEDGED,
    EventKind.MESSAGE_ESCALATED,
)
_CASE_KINDS: Final = (
    EventKind.CASE_OPENED,
    EventKind.CASE_PROPOSE,
    EventKind.CASE_COUNTER,
    EventKind.CASE_ACCEPT,
    EventKind.CASE_REJECT,
    EventKind.CASE_ESCALATE,
    EventKind.CASE_ESCALATED,
    EventKind.CASE_RESOLVE,
    EventKind.CASE_RESOLVED,
    EventKind.CASE_LAPSED,
)


def _newest(rows: Sequence[Row], at_s: float, stale_s: float) -> dict[str, Row]:
    """The newest state of each track at ``at_s`` (not after it, at most ``stale_s`` before it)."""
    found: dict[str, Row] = {}
    for row in rows:
        time_s = row[_TIME]
        if at_s - stale_s <= time_s <= at_s:
            held = found.get(row[0])
            if held is None or time_s >= held[_TIME]:
                found[row[0]] = row
    return found


def _share_at(share: Share, party: str, at: datetime) -> bool:
    """Whether ``share`` applied to ``party`` at ``at`` (granted by then, not yet revoked or expired)."""
    if party not in share.recipients or share.party == party or share.created_at > at:
        return False
    if share.state is ShareState.REVOKED and share.revoked_at is not None and share.revoked_at <= at:
        return False
    return share.until is None or share.until > at


class ReplayService:
    """``GET /api/v1/picture?at=T``: the calling party's picture as it stood at T (module docstring)."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        keep_s: float,
        stale_s: Callable[[], float],
        alerting: Callable[[], AlertingSettings],
    ) -> None:
        self._store = store
        self._clock = clock
        self._keep_s = keep_s
        self._stale_s = stale_s
        self._alerting = alerting

    def parse_at(self, at: Any) -> datetime:
        """T: an ISO 8601 instant with a zone, not after the node's now."""
        if at is None:
            raise InvalidInput("at", "is required: an ISO 8601 instant such as 2025-03-01T06:00:00Z")
        moment = parse_instant(at, "at")
        assert moment is not None
        now = self._clock()
        if moment > now:
            raise InvalidInput("at", f"must not be after the node's now ({iso_z(now)}), got {iso_z(moment)}")
        return moment

    def picture_at(self, officer: Officer, at: Any, trail_s: Any = 0) -> dict[str, Any]:
        """What the officer's party could see at ``at`` (the route's call)."""
        require(officer.tier, Act.READ_REPLAY)
        trail = bounds.number(trail_s, "trail_s", "trail_s")
        return self.picture_of(officer.party, self.parse_at(at), trail)

    def picture_of(self, party: str, moment: datetime, trail_s: float = 0) -> dict[str, Any]:
        """What ``party`` could see at ``moment``: the same rules as an officer's read, for the node's operator
        reading its database (``airparley replay --db``) or an officer's route once its access is checked.
        With ``trail_s``, also each track's kept positions in the ``trail_s`` before ``moment``."""
        with self._store.begin() as tx:
            notices = self._notices(tx, party, moment)
            conflicts, messages, cases = self._folded(tx, party, moment)
            tracks, shared, trails = self._tracks(tx, party, moment, trail_s)
            oldest_s = tx.oldest_kept_state_s(party)
        alerts = alerts_at(tracks, moment.timestamp(), self._alerting(), shared)
        worst: dict[str, int] = {}
        for alert in alerts:
            for key in ("a", "b"):
                worst[alert[key]["id"]] = max(worst.get(alert[key]["id"], 0), alert["severity"])
        track_list = []
        for k in range(len(tracks)):
            track = _track_dict(tracks, k)
            track["severity"] = worst.get(track["id"], 0)
            if track["id"] in shared:
                track["shared_by"] = shared[track["id"]]
            track_list.append(track)
        return {
            "at": iso_z(moment),
            "party": party,
            "track_keep_s": self._keep_s,
            # The party's oldest kept state: before it, states were pruned or never kept, and an earlier T shows
            # no tracks (not a wrong picture). None: none of its states are kept.
            "tracks_kept_since": None if oldest_s is None else iso_z(datetime.fromtimestamp(oldest_s, UTC)),
            "notices": notices,
            "conflicts": conflicts,
            "messages": messages,
            "cases": cases,
            "tracks": sorted(track_list, key=lambda t: t["id"]),
            "alerts": alerts,
            "trails": trails,
        }

    @staticmethod
    def _notices(tx: Tx, party: str, at: datetime) -> dict[str, Any]:
        features: list[Any] = []
        for stored in tx.notice_versions_as_of(party, at):
            view = notice_for(party, stored)
            if view is not None:
                features.extend(view["features"])
        return {"type": "FeatureCollection", "features": features}

    @staticmethod
    def _folded(
        tx: Tx, party: str, at: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        kinds = [k.value for k in (*_CONFLICT_KINDS, *_MESSAGE_KINDS, *_CASE_KINDS)]
        conflicts: dict[str, dict[str, Any]] = {}
        messages: dict[str, dict[str, Any]] = {}
        cases: dict[str, dict[str, Any]] = {}
        for event in tx.events_until(at, kinds):
            payload = event.payload.get(party) if party in event.audience else None
            if not isinstance(payload, dict):
                continue
            if event.kind == EventKind.CONFLICT_DETECTED:
                conflicts[payload["id"]] = payload
            elif event.kind == EventKind.CONFLICT_CLEARED:
                conflicts.pop(payload.get("id", ""), None)
            elif event.kind in _MESSAGE_KINDS and "message" in payload:
                messages[payload["message"]["message_id"]] = {
                    "message": payload["message"],
                    "rendered": payload["rendered"],
                }
            elif event.kind in _CASE_KINDS and "case" in payload:
                cases[payload["case"]["case_id"]] = {"case": payload["case"], "awaiting": payload.get("awaiting", [])}
        return (
            [conflicts[k] for k in sorted(conflicts)],
            [messages[k] for k in sorted(messages)],
            [cases[k] for k in sorted(cases)],
        )

    def _tracks(
        self, tx: Tx, party: str, at: datetime, trail_s: float
    ) -> tuple[TrackStates, dict[str, str], dict[str, list[list[float]]]]:
        at_s, stale_s = at.timestamp(), self._stale_s()
        # One read serves both the newest state (within stale_s) and the trail (within trail_s).
        since_s = at_s - max(stale_s, trail_s)
        read: dict[str, list[Row]] = {}

        def rows_of(owner: str) -> list[Row]:
            if owner not in read:
                read[owner] = [row for blob in tx.state_batches(owner, since_s, at_s) for row in decode(blob)]
            return read[owner]

        def kept(owner: str) -> dict[str, Row]:
            return _newest(rows_of(owner), at_s, stale_s)

        own_rows = kept(party)
        own = TrackStates.from_states([TrackState(*row) for row in sorted(own_rows.values())])
        shares = [Share.from_dict(row.as_dict()) for row in tx.shares_made_before(at)]
        applying = sorted((s for s in shares if _share_at(s, party, at)), key=lambda s: (s.created_at, s.share_id))
        sharers: dict[str, dict[str, Row]] = {}
        given: list[tuple[Share, TrackState]] = []
        taken: set[tuple[str, str]] = set()
        for share in applying:
            if (share.party, share.track) in taken:
                continue
            if share.party not in sharers:
                sharers[share.party] = kept(share.party)
            row = sharers[share.party].get(share.track)
            if row is not None:
                taken.add((share.party, share.track))
                given.append((share, TrackState(*row)))
        if not given:
            return own, {}, _trails(rows_of(party), {str(i): (str(i), at_s - trail_s) for i in own.id}, at_s, trail_s)
        kept_own = own.take(np.flatnonzero(~duplicates(own, party, [state for _, state in given])))
        used = set(kept_own.id.tolist())
        rows = [TrackState(*r) for r in zip(*_columns_of(kept_own), strict=True)]
        marks: dict[str, str] = {}
        # Per sharer: view id -> (its track id in the sharer's picture, the trail's earliest time).
        wanted: dict[str, dict[str, tuple[str, float]]] = {share.party: {} for share, _ in given}
        for share, state in given:
            view_id = state.id if state.id not in used else f"{share.party}/{state.id}"
            used.add(view_id)
            rows.append(replace(state, id=view_id))
            marks[view_id] = share.party
            wanted[share.party][view_id] = (share.track, max(at_s - trail_s, share.created_at.timestamp()))
        trails = _trails(rows_of(party), {str(i): (str(i), at_s - trail_s) for i in kept_own.id}, at_s, trail_s)
        for sharer, views in wanted.items():
            trails.update(_trails(rows_of(sharer), views, at_s, trail_s))
        return TrackStates.from_states(rows), marks, trails


def _trails(
    rows: Sequence[Row], views: dict[str, tuple[str, float]], at_s: float, trail_s: float
) -> dict[str, list[list[float]]]:
    """Each view id's positions [lat, lon, time_s], oldest first, from its track's rows between its earliest
    time and ``at_s`` (none when ``trail_s`` is 0)."""
    if trail_s <= 0 or not views:
        return {}
    by_track: dict[str, list[tuple[str, float]]] = {}
    for view_id, (track, since_s) in views.items():
        by_track.setdefault(track, []).append((view_id, since_s))
    found: dict[str, list[list[float]]] = {}
    for row in rows:
        for view_id, since_s in by_track.get(row[0], ()):
            if since_s <= row[_TIME] <= at_s:
                found.setdefault(view_id, []).append([round(row[3], 6), round(row[4], 6), round(row[_TIME], 3)])
    for points in found.values():
        points.sort(key=lambda p: p[2])
    return found


def _columns_of(states: TrackStates) -> list[list[Any]]:
    names = ("id", "party", "time_s", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "callsign", "source")
    return [getattr(states, name).tolist() for name in names]


def _track_dict(states: TrackStates, k: int) -> dict[str, Any]:
    return {
        "id": str(states.id[k]),
        "party": str(states.party[k]),
        "time_s": round(float(states.time_s[k]), 3),
        "lat": round(float(states.lat[k]), 6),
        "lon": round(float(states.lon[k]), 6),
        "alt_ft": round(float(states.alt_ft[k]), 1),
        "gs_kt": round(float(states.gs_kt[k]), 1),
        "trk_deg": round(float(states.trk_deg[k]), 1),
        "vs_fpm": round(float(states.vs_fpm[k]), 1),
        "callsign": str(states.callsign[k]),
        "source": str(states.source[k]),
    }
