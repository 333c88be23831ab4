"""Non-response (DESIGN 5.5): a safety call about another party's aircraft that nobody answers.

A ``safety`` message whose references name a track of the sender's own picture, owned by a recipient party,
arms a **watch** on that aircraft: its state at the call is recorded (position, track, ground speed, and an
altitude smoothed over the last ``ALT_SMOOTHING_S`` seconds of reports, so that sensor noise is not taken
for a climb). Each scheduler tick then decides, with :func:`decide`:

* the owner party acknowledged the message by the deadline -> ``acknowledged``;
* the aircraft changed course: track by ``turn_deg`` or more, altitude by ``climb_ft`` or more (up or
  down), ground speed by ``speed_kt`` or more, against the state at the call -> ``manoeuvred``;
* the track left the caller's picture (not heard from for ``LOST_AFTER_STALE`` times the picture's stale
  time, 60 s by default) -> ``lost``, with no flag: nothing can be said of an aircraft nobody sees. A track
  missing for less than that (a radar gap, a late feed) is neither lost nor judged: the decision waits for
  the next report;
* the deadline passed with none of these -> ``non_responsive``: a ``track.non_responsive`` event to the
  caller and the owner (marked ``escalated_to: "senior"``, as the seniors of both are now concerned), a
  signed ``track.non_responsive`` ledger entry of the caller, and the flag in ``GET /api/v1/flags``.

Watches live in the store (``watches``), so a restart loses none. The picture does not (it is live data
held in memory): for as long after the node starts, a track missing from the picture is not taken as lost,
to give the sensors time to report again; a deadline that passes meanwhile is decided as soon as they have.
A manoeuvre first seen after the deadline (the node was down) counts as a manoeuvre: the benefit of the
doubt goes to the pilot. An aircraft already turning at the call (an orbit) shows as a
manoeuvre as soon as its track has changed by ``turn_deg``: the rule compares states, not intentions.

The decisions are pure functions (:func:`observe`, :func:`manoeuvre`, :func:`decide`); :class:`NonResponse`
is the node's glue: it arms watches when messages are sent and runs them at each tick.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from airparley import hotline as hl
from airparley.errors import InvalidInput
from airparley.ledger import Kind
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._settings import NodeSettings
from airparley.node._tracks import Pictures
from airparley.node._visibility import flag_for
from airparley.store import Tx
from airparley.tactical import TrackState

_log = logging.getLogger("airparley.node")

__all__ = [
    "ALT_SMOOTHING_S",
    "DEFAULT_CALL_MHZ",
    "LOST_AFTER_STALE",
    "Criteria",
    "NonResponse",
    "Observation",
    "Outcome",
    "SafetyCall",
    "Watch",
    "decide",
    "manoeuvre",
    "observe",
    "parse_safety_call",
]

#: Altitudes are the median of the reports of this many seconds (a radar's altitude noise is ~100 ft).
ALT_SMOOTHING_S: Final = 30.0
#: The frequency a safety call names when the caller does not say: UHF guard, which military aircraft monitor.
DEFAULT_CALL_MHZ: Final = 243.0
#: A track not heard from for this many times the picture's stale time has left it (the watch is ``lost``).
LOST_AFTER_STALE: Final = 2.0
#: Guard frequencies are always agreed: every aircraft is expected to listen on them.
GUARD_MHZ: Final = (121.5, 243.0)


class Outcome(StrEnum):
    WATCHING = "watching"
    ACKNOWLEDGED = "acknowledged"
    MANOEUVRED = "manoeuvred"
    LOST = "lost"
    NON_RESPONSIVE = "non_responsive"


@dataclass(frozen=True)
class Criteria:
    """What counts as a response: the deadline and the least course change that shows a manoeuvre."""

    deadline_s: float = 180.0
    turn_deg: float = 15.0
    climb_ft: float = 300.0
    speed_kt: float = 40.0

    @classmethod
    def from_settings(cls, settings: NodeSettings) -> Criteria:
        return cls(
            settings.non_response_s,
            settings.non_response_turn_deg,
            settings.non_response_climb_ft,
            settings.non_response_speed_kt,
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "deadline_s": self.deadline_s,
            "turn_deg": self.turn_deg,
            "climb_ft": self.climb_ft,
            "speed_kt": self.speed_kt,
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Observation:
    """The aircraft as the caller's picture shows it: the newest report's time (POSIX s), position (WGS84
    degrees), ground speed (kt) and track (degrees true), and the median altitude (ft MSL) of the reports of
    the last ``ALT_SMOOTHING_S`` seconds up to it."""

    time_s: float
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": _iso(datetime.fromtimestamp(self.time_s, UTC)),
            "time_s": round(self.time_s, 3),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "alt_ft": round(self.alt_ft, 1),
            "gs_kt": round(self.gs_kt, 1),
            "trk_deg": round(self.trk_deg, 1),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        return cls(
            float(data["time_s"]),
            float(data["lat"]),
            float(data["lon"]),
            float(data["alt_ft"]),
            float(data["gs_kt"]),
            float(data["trk_deg"]),
        )


def observe(trail: Sequence[TrackState], now_s: float, stale_s: float) -> Observation | None:
    """The aircraft now from its reports in time order, or None when the newest is older than ``stale_s``."""
    if not trail or now_s - trail[-1].time_s > stale_s:
        return None
    newest = trail[-1]
    recent = [s.alt_ft for s in trail if newest.time_s - s.time_s < ALT_SMOOTHING_S]
    return Observation(
        newest.time_s, newest.lat, newest.lon, float(statistics.median(recent)), newest.gs_kt, newest.trk_deg
    )


def _turned_deg(before: float, after: float) -> float:
    """The smaller angle between two tracks (359° to 001° is a 2° turn), 0-180."""
    return abs((after - before + 180.0) % 360.0 - 180.0)


def manoeuvre(at_call: Observation, now: Observation, criteria: Criteria) -> str | None:
    """How the aircraft changed course since the call, in words, or None if it did not (by the criteria)."""
    turned = _turned_deg(at_call.trk_deg, now.trk_deg)
    if turned >= criteria.turn_deg:
        return f"turned {turned:.0f}° (track {at_call.trk_deg:03.0f}° -> {now.trk_deg:03.0f}°)"
    climbed = now.alt_ft - at_call.alt_ft
    if abs(climbed) >= criteria.climb_ft:
        verb = "climbed" if climbed > 0 else "descended"
        return f"{verb} {abs(climbed):.0f} ft ({at_call.alt_ft:.0f} -> {now.alt_ft:.0f} ft)"
    faster = now.gs_kt - at_call.gs_kt
    if abs(faster) >= criteria.speed_kt:
        verb = "accelerated" if faster > 0 else "slowed"
        return f"{verb} by {abs(faster):.0f} kt ({at_call.gs_kt:.0f} -> {now.gs_kt:.0f} kt)"
    return None


@dataclass(frozen=True)
class Watch:
    """One aircraft under watch after a safety message: who called whom about which track, and the outcome.

    ``track`` is the id in the caller's picture; ``at_call`` its state when the message was sent;
    ``at_close`` its state when the watch closed (None when it was acknowledged before or lost)."""

    message_id: str
    track: str
    caller: str
    owner: str
    callsign: str
    created_at: datetime
    deadline: datetime
    at_call: Observation
    state: Outcome = Outcome.WATCHING
    closed_at: datetime | None = None
    reason: str = ""
    at_close: Observation | None = None
    entry: Mapping[str, Any] | None = None

    @property
    def aircraft(self) -> str:
        """How a desk names the aircraft: its callsign, or the track id when the picture has none."""
        return self.callsign or self.track

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "track": self.track,
            "caller": self.caller,
            "owner": self.owner,
            "callsign": self.callsign,
            "created_at": _iso(self.created_at),
            "deadline": _iso(self.deadline),
            "at_call": self.at_call.as_dict(),
            "state": self.state.value,
            "closed_at": None if self.closed_at is None else _iso(self.closed_at),
            "reason": self.reason,
            "at_close": None if self.at_close is None else self.at_close.as_dict(),
            "entry": None if self.entry is None else dict(self.entry),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Watch:
        return cls(
            message_id=str(data["message_id"]),
            track=str(data["track"]),
            caller=str(data["caller"]),
            owner=str(data["owner"]),
            callsign=str(data.get("callsign") or ""),
            created_at=datetime.fromisoformat(data["created_at"]),
            deadline=datetime.fromisoformat(data["deadline"]),
            at_call=Observation.from_dict(data["at_call"]),
            state=Outcome(data.get("state", "watching")),
            closed_at=None if data.get("closed_at") is None else datetime.fromisoformat(data["closed_at"]),
            reason=str(data.get("reason") or ""),
            at_close=None if data.get("at_close") is None else Observation.from_dict(data["at_close"]),
            entry=data.get("entry"),
        )


def decide(
    watch: Watch,
    *,
    now: datetime,
    acknowledged_at: datetime | None,
    current: Observation | None,
    lost: bool,
    criteria: Criteria,
) -> Watch:
    """The watch after one look at ``now``: unchanged while there is nothing to decide, or closed.

    ``acknowledged_at`` is when the owner party acknowledged the message (None: not yet); ``current`` the
    aircraft as the caller's picture shows it now (None: no fresh report of it); ``lost`` whether the track
    has left the picture for good (no report for long, while the node has been up long enough to know)."""
    if watch.state is not Outcome.WATCHING:
        return watch
    if acknowledged_at is not None and acknowledged_at <= watch.deadline:
        return replace(
            watch,
            state=Outcome.ACKNOWLEDGED,
            closed_at=now,
            reason=f"{watch.owner} acknowledged the message at {_iso(acknowledged_at)}",
        )
    if current is not None:
        moved = manoeuvre(watch.at_call, current, criteria)
        if moved is not None:
            return replace(watch, state=Outcome.MANOEUVRED, closed_at=now, reason=moved, at_close=current)
        if now >= watch.deadline:
            reason = (
                f"no acknowledgement from {watch.owner} and no change of track by {criteria.turn_deg:g}°, altitude by "
                f"{criteria.climb_ft:g} ft or ground speed by {criteria.speed_kt:g} kt within {criteria.deadline_s:g} s"
                f" of safety message {watch.message_id}"
            )
            return replace(watch, state=Outcome.NON_RESPONSIVE, closed_at=now, reason=reason, at_close=current)
        return watch
    if lost:
        return replace(
            watch, state=Outcome.LOST, closed_at=now, reason="the track is no longer in the caller's picture"
        )
    return watch


# -- the safety-call action ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SafetyCall:
    """``POST /api/v1/alerts/safety-call``: the track (caller's picture), the frequency, the party called."""

    track: str
    frequency_mhz: float = DEFAULT_CALL_MHZ
    to: str | None = None


def parse_safety_call(body: Any) -> SafetyCall:
    """The request body checked for shape (whether the track, party and frequency exist is the node's)."""
    if not isinstance(body, Mapping):
        raise InvalidInput("(body)", 'must be an object {"track": ..., "frequency_mhz": ..., "to": ...}')
    unknown = sorted(set(body) - {"track", "frequency_mhz", "to"})
    if unknown:
        raise InvalidInput(unknown[0], "unknown field (allowed: track, frequency_mhz, to)")
    track = body.get("track")
    if not isinstance(track, str) or not track.strip():
        raise InvalidInput("track", "the id of a track in your party's picture")
    frequency = body.get("frequency_mhz", DEFAULT_CALL_MHZ)
    if isinstance(frequency, bool) or not isinstance(frequency, int | float) or not math.isfinite(frequency):
        raise InvalidInput("frequency_mhz", f"must be a frequency in MHz, got {frequency!r}")
    to = body.get("to")
    if to is not None and (not isinstance(to, str) or not to.strip()):
        raise InvalidInput("to", f"must be a party code, got {to!r}")
    return SafetyCall(track.strip(), float(frequency), to.strip().upper() if to is not None else None)


def agreed_frequency(frequency_mhz: float, agreed: Sequence[float]) -> bool:
    """Whether ``frequency_mhz`` is a guard frequency or one registered on the node (to the kHz)."""
    return any(abs(frequency_mhz - mhz) < 0.0005 for mhz in (*GUARD_MHZ, *agreed))


def call_params(aircraft: str, state: TrackState, frequency_mhz: float) -> dict[str, Any]:
    """The ``safety_call`` phrase's parameters for an aircraft as the caller's picture shows it."""
    return {
        "aircraft": aircraft,
        "position": [round(state.lon, 6), round(state.lat, 6)],
        "fl": min(999, max(0, round(state.alt_ft / 100.0))),
        "frequency": round(frequency_mhz, 3),
    }


# -- the node's glue ----------------------------------------------------------------------------------------
class NonResponse:
    """Arms watches on safety messages and runs them at every scheduler tick."""

    def __init__(self, pictures: Pictures, ledger: LedgerWriter, criteria: Criteria, started: datetime) -> None:
        self.pictures = pictures
        self.ledger = ledger
        self.criteria = criteria
        self.started = started

    def newest(self, party: str, track: str, now: datetime) -> tuple[TrackState, Observation] | None:
        """The newest report of ``track`` in ``party``'s picture and the aircraft as observed, if it is fresh."""
        trail = self.pictures.history(party, [track]).get(track, [])
        observed = observe(trail, now.timestamp(), self.pictures.stale_s)
        return None if observed is None else (trail[-1], observed)

    def arm(self, tx: Tx, message: hl.Message, now: datetime, owners: Mapping[str, str] | None = None) -> list[Watch]:
        """Watch every aircraft a safety message refers to that the sender sees and a recipient owns.

        ``owners`` names the owner of a track the picture does not identify (the safety-call action's ``to``)."""
        if message.urgency is not hl.Urgency.SAFETY:
            return []
        caller = message.author.party
        armed = []
        for reference in message.references:
            if reference.kind is not hl.ReferenceKind.TRACK:
                continue
            seen = self.newest(caller, reference.ref_id, now)
            if seen is None:
                continue
            state, observed = seen
            owner = (owners or {}).get(reference.ref_id) or state.party
            if owner not in message.recipients:  # neither UNKNOWN nor the caller can be a recipient
                continue
            if any(w["track"] == reference.ref_id for w in tx.watches_of_message(message.message_id)):
                continue
            watch = Watch(
                message_id=message.message_id,
                track=reference.ref_id,
                caller=caller,
                owner=owner,
                callsign=state.callsign,
                created_at=now,
                deadline=now + timedelta(seconds=self.criteria.deadline_s),
                at_call=observed,
            )
            self._store(tx, watch)
            armed.append(watch)
        return armed

    def _store(self, tx: Tx, watch: Watch) -> None:
        tx.put_watch(
            watch.message_id,
            watch.track,
            watch.caller,
            watch.owner,
            watch.state.value,
            watch.created_at,
            watch.deadline,
            watch.closed_at,
            watch.as_dict(),
        )

    def tick(self, tx: Tx, now: datetime) -> None:
        """Decide every open watch at ``now``; flag, sign and announce the non-responsive aircraft."""
        documents = tx.open_watches()
        if not documents:
            return
        now_s = now.timestamp()
        lost_after_s = LOST_AFTER_STALE * self.pictures.stale_s
        warm = (now - self.started).total_seconds() >= lost_after_s
        for document in documents:
            # Reading and deciding write nothing: a watch that cannot be decided (a document an older version
            # stored, a bug) is logged and left, and the others are decided. What is written after is not
            # guarded: a failed write fails the step, whose transaction is then rolled back whole.
            try:
                watch = Watch.from_dict(document)
                trail = self.pictures.history(watch.caller, [watch.track]).get(watch.track, [])
                silent_s = now_s - trail[-1].time_s if trail else math.inf
                decided = decide(
                    watch,
                    now=now,
                    acknowledged_at=self._acknowledged_at(tx, watch),
                    current=observe(trail, now_s, self.pictures.stale_s),
                    lost=warm and silent_s > lost_after_s,
                    criteria=self.criteria,
                )
            except Exception:
                _log.exception(
                    "scheduler: the non-response watch on message %s (caller %s) was not decided; the others go on",
                    document.get("message_id"),
                    document.get("caller"),
                )
                continue
            if decided is watch:
                continue
            if decided.state is Outcome.NON_RESPONSIVE:
                decided = self._flag(tx, decided, now)
            self._store(tx, decided)

    def _acknowledged_at(self, tx: Tx, watch: Watch) -> datetime | None:
        receipt = tx.receipt(watch.message_id, watch.owner)
        return None if receipt is None else receipt.acknowledged_at

    def _flag(self, tx: Tx, watch: Watch, now: datetime) -> Watch:
        if watch.caller in self.ledger.hosted:
            body = {**flag_body(watch), "criteria": self.criteria.as_dict()}
            entry = self.ledger.record(tx, watch.caller, Kind.TRACK_NON_RESPONSIVE, body, now)
            watch = replace(watch, entry={"party": entry.party, "seq": entry.seq, "hash": entry.hash})
        self._announce(tx, watch, now)
        return watch

    @staticmethod
    def _announce(tx: Tx, watch: Watch, now: datetime) -> None:
        document = watch.as_dict()
        parties = sorted({watch.caller, watch.owner})
        payloads = {party: view for party in parties if (view := flag_for(party, document)) is not None}
        tx.append_event(EventKind.TRACK_NON_RESPONSIVE, payloads.keys(), payloads, now)

    def put_replicated_flag(self, tx: Tx, watch: Watch, now: datetime) -> None:
        """Keep a flag another node raised (its caller's ledger entry) and tell the parties here."""
        self._store(tx, watch)
        self._announce(tx, watch, now)

    def flags_for(self, tx: Tx, party: str) -> list[dict[str, Any]]:
        """The aircraft flagged non-responsive that ``party`` called or owns, newest first, shaped for it."""
        views = (flag_for(party, d) for d in tx.watches_for(party, Outcome.NON_RESPONSIVE.value))
        return [v for v in views if v is not None]


def flag_body(watch: Watch) -> dict[str, Any]:
    """What the caller's ledger entry records of a flag: the aircraft, the call, the two states and why."""
    return {key: value for key, value in watch.as_dict().items() if key != "entry"}
