"""Tactical alerting in the node: every scheduler tick, each party's own air picture is scanned.

For each party (its picture is private to it, and so is everything derived from it):

* pairs that may come close are found by the pruned conflict scan (5 NM / 1,000 ft over 180 s, a
  superset of every DO-365 and caution alert), then alerted exactly as DAIDALUS' ``DO_365B_no_SUM`` does
  (levels 0-3) plus the military caution cylinder; a new or higher alert is an ``alert.raised`` event, a
  pair that clears an ``alert.cleared`` event;
* aircraft of other parties inside, or predicted to enter, one of the party's own active notices give an
  ``intrusion.detected`` event (a party's picture is checked against its own notices only: checking it
  against another party's notices would tell it where those notices are);
* an actual separation below the incident minima of the two aircraft's owners (``hotline.PairMinima``:
  the agreement in force between them, else the node's settings ``incident_h_nm`` and ``incident_v_ft``,
  0.5 NM and 500 ft; the candidate scan grows to the widest minima in force) opens an encounter, whose closest point
  (both aircraft's states there) is kept; when it ends the incident is recorded by ``node/_incidents.py``: a signed
  ``incident.recorded`` entry holding the encounter only, and the party's private record of both tracks' states
  from ``incident_history_s`` before the start to the end;
* the live picture (newest state of each track with its alert level) is pushed to the party's WebSocket
  clients as ``tracks.update``, without being stored: it is replaced every second.

The node scans each party in a transaction of its own (:meth:`TacticalRunner.scan`): a scan that fails is
rolled back, the party's alert memory put back as it was, and the other parties' scans go on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from airparley._time import iso_z_at
from airparley.hotline import PairMinima
from airparley.node._events import EventKind
from airparley.node._incidents import IncidentRecords
from airparley.node._ledger import LedgerWriter
from airparley.node._tracks import Pictures, state_dict
from airparley.store import Tx
from airparley.strategic import Notice
from airparley.tactical import (
    AircraftAt,
    AlertingSettings,
    Encounter,
    IncidentSettings,
    TrackStates,
    aircraft_at,
    alert_pairs,
    alert_payload,
    alert_severity,
    alert_side,
    extrapolate_to,
    find_intrusions,
    picture_tracks,
    scan_containing,
)

__all__ = ["LivePicture", "TacticalRunner"]


@dataclass(frozen=True)
class LivePicture:
    """A party's live picture from its last scan: ``version`` counts the scans (the WebSocket pushes each new
    one), ``data`` is ``{"time", "tracks", "alerts"}`` as ``tracks.update`` carries it."""

    version: int
    data: dict[str, Any]


@dataclass
class _Encounter:
    started_s: float
    min_h_nm: float
    min_v_ft: float
    min_at_s: float
    closest: tuple[AircraftAt, AircraftAt]
    h_nm: float  # the pair's minima when it opened (kept: an agreement that changes mid-encounter does not
    v_ft: float  # split one encounter into two)


@dataclass
class _PartyState:
    severities: dict[tuple[str, str], int] = field(default_factory=dict)
    intrusions: set[tuple[str, str]] = field(default_factory=set)
    encounters: dict[tuple[str, str], _Encounter] = field(default_factory=dict)

    def copy(self) -> _PartyState:
        encounters = {key: replace(encounter) for key, encounter in self.encounters.items()}
        return _PartyState(dict(self.severities), set(self.intrusions), encounters)


class TacticalRunner:
    def __init__(
        self,
        pictures: Pictures,
        ledger: LedgerWriter,
        alerting: AlertingSettings | None = None,
        incidents: IncidentSettings | None = None,
        records: IncidentRecords | None = None,
        minima: PairMinima | None = None,
    ) -> None:
        """``incidents``: the minima and the trail kept (``max_gap_s`` and ``step_s`` are the offline
        ``find_incidents``'; the runner samples once a scan). ``records``: where incidents are recorded."""
        self.pictures = pictures
        self.ledger = ledger
        self.alerting = alerting or AlertingSettings()
        self.incidents = incidents or IncidentSettings()
        self.records = records or IncidentRecords(ledger)
        self.minima = minima or PairMinima(self.incidents)
        self._state: dict[str, _PartyState] = {}
        self.live: dict[str, LivePicture] = {}
        # With several processes on one database every one scans every picture (its /alerts and live picture
        # need them), each with the same memory of what is raised; only the scheduler's leader writes what the
        # scans find (alert and intrusion events, incidents), so each is written once. A follower that takes the
        # lead forgets what it has seen raised (the old leader may have died before writing it) and raises what
        # is alerting again: an alert may then be raised twice across a takeover, but none is lost.
        self.recording = True

    def lead(self, leading: bool) -> None:
        """Whether this process writes what its scans find from now on (see ``recording``)."""
        if leading and not self.recording:
            for memory in self._state.values():
                memory.severities.clear()
                memory.intrusions = set()
        self.recording = leading

    def _event(self, tx: Tx, kind: EventKind, party: str, payload: dict[str, Any], now: datetime) -> None:
        if self.recording:
            tx.append_event(kind, [party], {party: payload}, now)

    def scan(
        self,
        write: Callable[[], AbstractContextManager[Tx]],
        party: str,
        now: datetime,
        notices: Callable[[], list[Notice]],
    ) -> None:
        """Scan one party's picture in a transaction of its own (``write``). If the scan or its commit fails,
        the party's memory of raised alerts, intrusions and encounters is put back as it was, so that the
        next scan raises again what this one's rolled-back events would have told; then the error is raised."""
        memory = self._state.get(party)
        before = memory.copy() if memory is not None else None
        try:
            with write() as tx:
                self.tick(tx, now, notices, (party,))
        except BaseException:
            if before is None:
                self._state.pop(party, None)
            else:
                self._state[party] = before
            raise

    def tick(
        self, tx: Tx, now: datetime, notices: Callable[[], list[Notice]], parties: Collection[str] | None = None
    ) -> bool:
        """One pass over every party's picture (or over ``parties``' only); True if a live picture changed."""
        changed = False
        now_s = now.timestamp()
        for party in self.pictures.parties():
            if parties is not None and party not in parties:
                continue
            states = self.pictures.latest(party, now_s)
            shared = self.pictures.shared_in_view(party)  # of this view: tracks that are another party's report
            memory = self._state.setdefault(party, _PartyState())
            alerts = self._alerts(tx, party, states, shared, now, memory) if len(states) >= 2 else []
            if len(states) < 2:
                self._clear_all(tx, party, memory, now)
            self._intrusions(tx, party, states, now, memory, [n for n in notices() if n.party == party])
            self._publish(party, states, shared, alerts, now_s)
            changed = True
        return changed

    # -- alerts and incidents ----------------------------------------------------------------------
    def _alerts(
        self, tx: Tx, party: str, states: TrackStates, shared: dict[str, str], now: datetime, memory: _PartyState
    ) -> list[dict[str, Any]]:
        now_s = now.timestamp()
        flown = extrapolate_to(states, now_s)
        # The widest minima of any pair (the node's and every agreement's in force): the candidate scan grows to
        # contain them, so an agreement's incident minima beyond 5 NM / 1,000 ft are not cut to the scan's.
        widest_h_nm, widest_v_ft = self.minima.envelope()
        pairs = alert_pairs(flown, self.alerting, now_s, scan_containing(widest_h_nm, widest_v_ft))
        current: dict[tuple[str, str], dict[str, Any] | None] = {}
        if pairs is not None:
            found, alerts = pairs.found, pairs.alerts
            rows_a, rows_b = found.a, found.b
            # Thousands of candidate pairs a second, few of them alerting: every pair's key is needed (to
            # know which pairs are gone), a payload only for a pair that alerts now or did last tick, and
            # the encounter bookkeeping only for a pair within the incident cylinder or already in it.
            ids, parties, callsigns = flown.id.tolist(), flown.party.tolist(), flown.callsign.tolist()
            levels, cautions = alerts.level.tolist(), alerts.caution.tolist()
            dist_nm, dalt_ft = found.dist_nm.tolist(), found.dalt_ft.tolist()
            # within the widest minima: each such pair is then judged by its own pair's minima
            near = ((found.dist_nm < widest_h_nm) & (found.dalt_ft < widest_v_ft)).tolist()
            for k, (a, b) in enumerate(zip(rows_a.tolist(), rows_b.tolist(), strict=True)):
                key = (ids[a], ids[b])
                level, caution = levels[k], cautions[k]
                severity = alert_severity(level, caution)
                current[key] = None
                if severity > 0 or key in memory.severities:
                    side_a = alert_side(key[0], parties[a], callsigns[a], shared)
                    side_b = alert_side(key[1], parties[b], callsigns[b], shared)
                    current[key] = alert_payload(side_a, side_b, alerts, k)
                if near[k] or key in memory.encounters:
                    self._encounter(tx, party, key, dist_nm[k], dalt_ft[k], now, memory, (flown, a, b))
        for key in list(memory.encounters):
            if key not in current:
                self._close_encounter(tx, party, key, now, memory)
        for key, alert in current.items():
            if alert is None:
                continue  # not alerting, and was not
            before = memory.severities.get(key, 0)
            if alert["severity"] > before:
                self._event(tx, EventKind.ALERT_RAISED, party, alert, now)
            if alert["severity"] > 0:
                memory.severities[key] = alert["severity"]
            elif before:
                memory.severities.pop(key, None)
                self._event(tx, EventKind.ALERT_CLEARED, party, {"a": alert["a"], "b": alert["b"]}, now)
        for key in [k for k in memory.severities if k not in current]:
            memory.severities.pop(key)
            self._event(tx, EventKind.ALERT_CLEARED, party, {"a": {"id": key[0]}, "b": {"id": key[1]}}, now)
        return [a for a in current.values() if a is not None and a["severity"] > 0]

    def _clear_all(self, tx: Tx, party: str, memory: _PartyState, now: datetime) -> None:
        for key in list(memory.encounters):
            self._close_encounter(tx, party, key, now, memory)
        for key in list(memory.severities):
            memory.severities.pop(key)
            self._event(tx, EventKind.ALERT_CLEARED, party, {"a": {"id": key[0]}, "b": {"id": key[1]}}, now)

    def _encounter(
        self,
        tx: Tx,
        party: str,
        key: tuple[str, str],
        h_nm: float,
        v_ft: float,
        now: datetime,
        memory: _PartyState,
        rows: tuple[TrackStates, int, int],
    ) -> None:
        encounter = memory.encounters.get(key)
        flown, a, b = rows
        if encounter is not None:
            min_h_nm, min_v_ft = encounter.h_nm, encounter.v_ft
        else:
            min_h_nm, min_v_ft = self.minima.between(str(flown.party[a]), str(flown.party[b]))
        inside = h_nm < min_h_nm and v_ft < min_v_ft
        if inside and encounter is None:
            closest = (aircraft_at(flown, a), aircraft_at(flown, b))
            memory.encounters[key] = _Encounter(
                now.timestamp(), h_nm, v_ft, now.timestamp(), closest, min_h_nm, min_v_ft
            )
        elif encounter is not None:
            if (h_nm, v_ft) < (encounter.min_h_nm, encounter.min_v_ft):
                encounter.min_h_nm, encounter.min_v_ft, encounter.min_at_s = h_nm, v_ft, now.timestamp()
                encounter.closest = (aircraft_at(flown, a), aircraft_at(flown, b))
            if not inside:
                self._close_encounter(tx, party, key, now, memory)

    def _close_encounter(self, tx: Tx, party: str, key: tuple[str, str], now: datetime, memory: _PartyState) -> None:
        encounter = memory.encounters.pop(key)
        now_s = now.timestamp()
        since_s = encounter.started_s - self.incidents.history_s
        history = self.pictures.history(party, list(key))
        trails = {
            track_id: [state_dict(s) for s in trail if since_s <= s.time_s <= now_s]
            for track_id, trail in history.items()
        }
        if not self.recording:
            return
        closest_a, closest_b = encounter.closest
        self.records.record(
            tx,
            party,
            Encounter(
                a=closest_a,
                b=closest_b,
                start_s=encounter.started_s,
                end_s=now_s,
                min_time_s=encounter.min_at_s,
                min_h_nm=encounter.min_h_nm,
                min_v_ft=encounter.min_v_ft,
                h_nm=encounter.h_nm,
                v_ft=encounter.v_ft,
            ),
            key,
            trails,
            now,
        )

    # -- intrusions --------------------------------------------------------------------------------
    def _intrusions(
        self, tx: Tx, party: str, states: TrackStates, now: datetime, memory: _PartyState, own_notices: list[Notice]
    ) -> None:
        if not len(states) or not own_notices:
            memory.intrusions.clear()
            return
        found = find_intrusions(states, own_notices, at_s=now.timestamp())
        current = set()
        for k in range(len(found)):
            key = (str(found.id[k]), str(found.notice_id[k]))
            current.add(key)
            if key not in memory.intrusions:
                row = int(found.track[k])
                intrusion = {
                    "track": {"id": key[0], "party": str(found.party[k]), "callsign": str(states.callsign[row])},
                    "notice_id": key[1],
                    "volume": int(found.volume[k]),
                    "inside_now": bool(found.entry_s[k] == 0.0),
                    "entry_s": round(float(found.entry_s[k]), 1),
                    "entry_time": iso_z_at(float(found.entry_time_s[k])),
                }
                self._event(tx, EventKind.INTRUSION_DETECTED, party, intrusion, now)
        memory.intrusions = current

    # -- the live picture --------------------------------------------------------------------------
    def _publish(
        self, party: str, states: TrackStates, shared: dict[str, str], alerts: list[dict[str, Any]], now_s: float
    ) -> None:
        worst: dict[str, int] = {}
        for alert in alerts:
            for side in ("a", "b"):
                track = alert[side]["id"]
                worst[track] = max(worst.get(track, 0), alert["severity"])
        tracks = picture_tracks(states, worst, shared)
        before = self.live.get(party)
        version = (before.version if before is not None else 0) + 1
        self.live[party] = LivePicture(version, {"time": iso_z_at(now_s), "tracks": tracks, "alerts": alerts})
