"""Replay (issue 19 item 4): what a party could see at a past moment T, rebuilt from what the node kept.

Keeping. Each party's own accepted track states (``node/_tracks.Pictures`` tells :class:`StateKeeper` of
every batch) wait in memory until the next scheduler tick, which writes them as **one row per party**
(``track_state_batches``, the states zlib-compressed JSON) and deletes the rows older than
``track_keep_s``. A posted batch costs a list append; the database sees one INSERT a second per party, not
one per state (20,000 tracks at 1 Hz: see ``docs/replay.md`` for the measured cost). ``track_keep_s`` 0
keeps none. What waits is bounded (:data:`MAX_PENDING` states per party; beyond it, states are not kept).

Rebuilding (:class:`ReplayService`, ``GET /api/v1/picture?at=T``), for the calling party only:

* its notices: each one's newest version written at or before T (``notice_versions``), shaped by
  ``node._visibility.notice_for``;
* conflicts, messages and cases: the events the party was in the audience of, up to T, folded by id (a
  conflict detected and not cleared; each message's and case's newest document). Their payloads were shaped
  for the party by ``node._visibility`` when written, so a replay shows exactly what the live desk was sent;
* tracks: its own kept states (the newest of each track within ``stale_s`` before T), plus the newest kept
  state of each track another party shared with it and that share applied at T (same de-duplication and ids
  as ``node._shares.SharedPictures``); never another party's track it was not given;
* alerts: recomputed at T from those tracks with the tactical core, as the live scan does (DO-365 levels
  and the caution cylinder; only the pairs that alert).
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np

from airparley._time import iso_z
from airparley.errors import InvalidInput
from airparley.node._access import Act, require
from airparley.node._disclosure import parse_instant
from airparley.node._events import EventKind
from airparley.node._shares import Share, ShareState, duplicates
from airparley.node._tactical import CANDIDATES, LEVEL_NAMES
from airparley.node._tracks import Row
from airparley.node._visibility import notice_for
from airparley.store import Officer, Store, Tx
from airparley.tactical import (
    AlertingSettings,
    FlightStates,
    TrackState,
    TrackStates,
    alert_encounters,
    extrapolate_to,
    scan_conflicts,
)

__all__ = ["MAX_PENDING", "ReplayService", "StateKeeper"]

_log = logging.getLogger("airparley.node")

#: States of one party waiting for the next flush, at most: 20,000 tracks for 10 s of ticks that failed.
MAX_PENDING: Final = 200_000
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


def encode(rows: Sequence[Row]) -> bytes:
    """A batch as kept: JSON rows in ``TrackState``'s field order, compressed (level 1: the flush is hot)."""
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)


def decode(blob: bytes) -> list[Row]:
    return [tuple(r) for r in json.loads(zlib.decompress(blob))]


class StateKeeper:
    """Each party's accepted states since the last flush, and the flush that keeps them (thread-safe)."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._pending: dict[str, list[Row]] = {}
        self._dropped: dict[str, int] = {}
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None

    def add(self, party: str, rows: list[Row]) -> None:
        if self.keep_s <= 0:
            return
        with self._lock:
            pending = self._pending.setdefault(party, [])
            room = MAX_PENDING - len(pending)
            pending.extend(rows[:room] if room < len(rows) else rows)
            if room < len(rows):
                self._dropped[party] = self._dropped.get(party, 0) + len(rows) - max(room, 0)

    def flush_in_background(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> None:
        """:meth:`flush` in a thread of its own, unless the last one is still writing (then the next call takes
        what waits). The running scheduler's way: a flush of 20,000 states (encoding, INSERT, fsync) took 0.1 to
        0.5 s on a busy machine, and in the scheduler's loop it delayed every party's next scan by as much."""
        with self._lock:
            if self._writer is not None and self._writer.is_alive():
                return
            self._writer = threading.Thread(
                target=self._flush_logged, args=(begin, now), name="airparley-replay-keeper", daemon=True
            )
            self._writer.start()

    def join(self, timeout_s: float = 10.0) -> None:
        """Wait for a background flush under way (a node closing its store; tests)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout_s)

    def _flush_logged(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> None:
        try:
            self.flush(begin, now)
        except Exception:
            _log.exception("replay: keeping track states failed; those states are not kept")

    def flush(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> int:
        """Write each party's waiting states as one batch, and forget batches older than ``keep_s``; how many
        states were written. The batches are encoded before the transaction (``begin``) opens, so the database
        is held only for the INSERTs. If the transaction fails, those states are not kept: replay is a record,
        not the live picture, and must not hold the scheduler back."""
        with self._lock:
            pending, self._pending = self._pending, {}
            dropped, self._dropped = self._dropped, {}
        for party, count in dropped.items():
            _log.warning("replay: %d track states of %s not kept (more than %d waited)", count, party, MAX_PENDING)
        batches = []
        for party, rows in sorted(pending.items()):
            times = [r[_TIME] for r in rows]
            batches.append((party, min(times), max(times), len(rows), encode(rows)))
        if not batches and self.keep_s <= 0:
            return 0
        with begin() as tx:
            for batch in batches:
                tx.put_state_batch(*batch)
            if self.keep_s > 0:
                tx.forget_state_batches_before(now.timestamp() - self.keep_s)
        return sum(batch[3] for batch in batches)


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


def alerts_at(
    states: TrackStates, at_s: float, alerting: AlertingSettings, shared: dict[str, str]
) -> list[dict[str, Any]]:
    """The pairs of ``states`` that alert at ``at_s``, as the live scan reports them, most severe first."""
    if len(states) < 2:
        return []
    flown = extrapolate_to(states, at_s)
    found = scan_conflicts(flown, CANDIDATES, at_s=at_s)
    if not len(found):
        return []
    a_rows, b_rows = found.a, found.b

    def side_states(rows: Any) -> FlightStates:
        return FlightStates(
            flown.lat[rows],
            flown.lon[rows],
            flown.alt_ft[rows],
            flown.gs_kt[rows],
            flown.trk_deg[rows],
            flown.vs_fpm[rows],
        )

    alerts = alert_encounters(side_states(a_rows), side_states(b_rows), alerting)
    out: list[dict[str, Any]] = []
    for k, (a, b) in enumerate(zip(a_rows.tolist(), b_rows.tolist(), strict=True)):
        level, caution = int(alerts.level[k]), bool(alerts.caution[k])
        severity = 1 + level if level > 0 else (1 if caution else 0)
        if severity == 0:
            continue
        out.append(
            {
                "a": _side(flown, a, shared),
                "b": _side(flown, b, shared),
                "level": level,
                "level_name": LEVEL_NAMES[level],
                "caution": caution,
                "severity": severity,
                "time_to_lowc_s": _finite(alerts.time_to_lowc_s[k]),
                "hmd_nm": _finite(alerts.hmd_nm[k]),
                "tcpa_s": _finite(alerts.tcpa_s[k]),
                "dcpa_nm": _finite(alerts.dcpa_nm[k]),
                "horizontal_sep_nm": _finite(alerts.horizontal_sep_nm[k]),
                "vertical_sep_ft": _finite(alerts.vertical_sep_ft[k]),
            }
        )
    return sorted(out, key=lambda x: (-x["severity"], x["a"]["id"], x["b"]["id"]))


def _side(flown: TrackStates, row: int, shared: dict[str, str]) -> dict[str, Any]:
    track_id = str(flown.id[row])
    side: dict[str, Any] = {"id": track_id, "party": str(flown.party[row]), "callsign": str(flown.callsign[row])}
    if track_id in shared:
        side["shared_by"] = shared[track_id]
    return side


def _finite(value: Any) -> float | None:
    number = float(value)
    return round(number, 3) if np.isfinite(number) else None


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

    def picture_at(self, officer: Officer, at: Any) -> dict[str, Any]:
        """What the officer's party could see at ``at`` (the route's call)."""
        require(officer.tier, Act.READ_REPLAY)
        return self.picture_of(officer.party, self.parse_at(at))

    def picture_of(self, party: str, moment: datetime) -> dict[str, Any]:
        """What ``party`` could see at ``moment``: the same rules as an officer's read, for the node's operator
        reading its database (``airparley replay --db``) or an officer's route once its access is checked."""
        with self._store.begin() as tx:
            notices = self._notices(tx, party, moment)
            conflicts, messages, cases = self._folded(tx, party, moment)
            tracks, shared = self._tracks(tx, party, moment)
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

    def _tracks(self, tx: Tx, party: str, at: datetime) -> tuple[TrackStates, dict[str, str]]:
        at_s, stale_s = at.timestamp(), self._stale_s()

        def kept(owner: str) -> dict[str, Row]:
            rows = [row for blob in tx.state_batches(owner, at_s - stale_s, at_s) for row in decode(blob)]
            return _newest(rows, at_s, stale_s)

        own_rows = kept(party)
        own = TrackStates.from_states([TrackState(*row) for row in sorted(own_rows.values())])
        shares = [Share.from_dict(d) for d in tx.shares_made_before(at)]
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
            return own, {}
        kept_own = own.take(np.flatnonzero(~duplicates(own, party, [state for _, state in given])))
        used = set(kept_own.id.tolist())
        rows = [TrackState(*r) for r in zip(*_columns_of(kept_own), strict=True)]
        marks: dict[str, str] = {}
        for share, state in given:
            view_id = state.id if state.id not in used else f"{share.party}/{state.id}"
            used.add(view_id)
            rows.append(replace(state, id=view_id))
            marks[view_id] = share.party
        return TrackStates.from_states(rows), marks


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
