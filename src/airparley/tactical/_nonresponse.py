"""Non-response rules (DESIGN 5.5): when an aircraft that was called on the hotline counts as not responding.

A ``safety`` message whose references name a track of the sender's own picture, owned by a recipient party,
opens a **watch** on that aircraft (:func:`open_watch`): its state at the call is recorded (position, track,
ground speed, and an altitude smoothed over the last ``alt_smoothing_s`` seconds of reports, so that sensor
noise is not taken for a climb). Each look at the watch then decides, with :func:`decide`:

* the owner party acknowledged the message by the deadline -> ``acknowledged``;
* the aircraft changed course: track by ``turn_deg`` or more, altitude by ``climb_ft`` or more (up or
  down), ground speed by ``speed_kt`` or more, against the state at the call -> ``manoeuvred``;
* the track left the caller's picture (not heard from for ``lost_after_stale`` times the picture's stale
  time) -> ``lost``, with no flag: nothing can be said of an aircraft nobody sees. A track missing for less
  than that (a radar gap, a late feed) is neither lost nor judged: the decision waits for the next report;
* the deadline passed with none of these -> ``non_responsive``: the aircraft is flagged, and
  :func:`flag_body` is what the caller's signed ledger entry says of it.

:func:`assess` is one look from an aircraft's trail of reports: it also holds the rule that a picture which
has not been up for ``lost_after_stale`` stale times cannot call a track lost (after a restart the sensors
need time to report again; a deadline passing meanwhile is decided as soon as they have). A manoeuvre first
seen after the deadline counts as a manoeuvre: the benefit of the doubt goes to the pilot. An aircraft
already turning at the call (an orbit) shows as a manoeuvre as soon as its track has changed by
``turn_deg``: the rule compares states, not intentions.

The safety-call action's own rules (its body, the frequency it may go out on, the phrase's parameters) are
here too: :func:`parse_safety_call`, :func:`agreed_frequency`, :func:`call_params`. All pure: the caller
passes the clock, the trail and whether (and when) the owner acknowledged.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from airparley._time import iso_z
from airparley.errors import InvalidInput
from airparley.tactical._states import TrackState

__all__ = [
    "BROADCAST",
    "DEFAULT_CALL_MHZ",
    "GUARD_MHZ",
    "NonResponseSettings",
    "Observation",
    "Outcome",
    "SafetyCall",
    "Watch",
    "agreed_frequency",
    "assess",
    "broadcast_params",
    "call_params",
    "decide",
    "flag_body",
    "guard_frequency",
    "manoeuvre",
    "observe",
    "open_watch",
    "parse_safety_call",
]

#: The frequency a safety call names when the caller does not say: UHF guard, which military aircraft monitor.
DEFAULT_CALL_MHZ: Final = 243.0
#: Guard frequencies are always agreed: every aircraft is expected to listen on them.
GUARD_MHZ: Final = (121.5, 243.0)


def _setting(default: float, unit: str, help_text: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help_text})


@dataclass(frozen=True)
class NonResponseSettings:
    """What counts as a response, and how a watch reads the picture: the declared table of names, defaults,
    units and help (the node's ``non_response_*`` settings are these; every value positive).

    ``deadline_s`` (180 s): how long after the call the owner has to acknowledge or the aircraft to
    manoeuvre. ``turn_deg`` (15°), ``climb_ft`` (300 ft, up or down), ``speed_kt`` (40 kt): the least change
    of track, altitude or ground speed since the call that shows a manoeuvre. ``alt_smoothing_s`` (30 s):
    altitudes are the median of the reports of this many seconds (a radar's altitude noise is ~100 ft).
    ``lost_after_stale`` (2): a track not heard from for this many times the picture's stale time has left it.
    """

    deadline_s: float = _setting(
        180.0,
        "s",
        "A safety message about another party's aircraft flags it non_responsive if, this long after it was sent,"
        " the owner has not acknowledged it and the aircraft has not manoeuvred.",
    )
    turn_deg: float = _setting(
        15.0, "deg", "A change of track at least this large since the safety message counts as a manoeuvre."
    )
    climb_ft: float = _setting(
        300.0,
        "ft",
        "A change of altitude at least this large (climb or descent; altitudes are the median of 30 s of reports)"
        " counts as a manoeuvre.",
    )
    speed_kt: float = _setting(40.0, "kt", "A change of ground speed at least this large counts as a manoeuvre.")
    alt_smoothing_s: float = _setting(
        30.0,
        "s",
        "A watched aircraft's altitude is the median of its reports of this many seconds, so that a radar's"
        " altitude noise (about 100 ft) is not taken for a climb.",
    )
    lost_after_stale: float = _setting(
        2.0,
        "stale times",
        "A watched track not heard from for this many times the picture's stale time has left the caller's"
        " picture: its watch closes as lost, with no flag.",
    )

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise InvalidInput(item.name, f"must be a positive number, got {value!r}")

    def criteria(self) -> dict[str, float]:
        """The deadline and thresholds a flag is judged by, as its ledger entry records them."""
        return {
            "deadline_s": self.deadline_s,
            "turn_deg": self.turn_deg,
            "climb_ft": self.climb_ft,
            "speed_kt": self.speed_kt,
        }


_DEFAULTS: Final = NonResponseSettings()


class Outcome(StrEnum):
    WATCHING = "watching"
    ACKNOWLEDGED = "acknowledged"
    MANOEUVRED = "manoeuvred"
    LOST = "lost"
    NON_RESPONSIVE = "non_responsive"


@dataclass(frozen=True)
class Observation:
    """The aircraft as the caller's picture shows it: the newest report's time (POSIX s), position (WGS84
    degrees), ground speed (kt) and track (degrees true), and the median altitude (ft MSL) of the reports of
    the last ``alt_smoothing_s`` seconds up to it."""

    time_s: float
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": iso_z(datetime.fromtimestamp(self.time_s, UTC)),
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


def observe(
    trail: Sequence[TrackState], now_s: float, stale_s: float, settings: NonResponseSettings = _DEFAULTS
) -> Observation | None:
    """The aircraft now from its reports in time order, or None when the newest is older than ``stale_s``."""
    if not trail or now_s - trail[-1].time_s > stale_s:
        return None
    newest = trail[-1]
    recent = [s.alt_ft for s in trail if newest.time_s - s.time_s < settings.alt_smoothing_s]
    return Observation(
        newest.time_s, newest.lat, newest.lon, float(statistics.median(recent)), newest.gs_kt, newest.trk_deg
    )


def _turned_deg(before: float, after: float) -> float:
    """The smaller angle between two tracks (359° to 001° is a 2° turn), 0-180."""
    return abs((after - before + 180.0) % 360.0 - 180.0)


def manoeuvre(at_call: Observation, now: Observation, settings: NonResponseSettings = _DEFAULTS) -> str | None:
    """How the aircraft changed course since the call, in words, or None if it did not (by the thresholds)."""
    turned = _turned_deg(at_call.trk_deg, now.trk_deg)
    if turned >= settings.turn_deg:
        return f"turned {turned:.0f}° (track {at_call.trk_deg:03.0f}° -> {now.trk_deg:03.0f}°)"
    climbed = now.alt_ft - at_call.alt_ft
    if abs(climbed) >= settings.climb_ft:
        verb = "climbed" if climbed > 0 else "descended"
        return f"{verb} {abs(climbed):.0f} ft ({at_call.alt_ft:.0f} -> {now.alt_ft:.0f} ft)"
    faster = now.gs_kt - at_call.gs_kt
    if abs(faster) >= settings.speed_kt:
        verb = "accelerated" if faster > 0 else "slowed"
        return f"{verb} by {abs(faster):.0f} kt ({at_call.gs_kt:.0f} -> {now.gs_kt:.0f} kt)"
    return None


@dataclass(frozen=True)
class Watch:
    """One aircraft under watch after a safety message: who called whom about which track, and the outcome.

    ``track`` is the id in the caller's picture; ``at_call`` its state when the message was sent;
    ``at_close`` its state when the watch closed (None when it was acknowledged before or lost); ``entry``
    the caller's ledger entry of a flag (party, seq, hash), once signed."""

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
            "created_at": iso_z(self.created_at),
            "deadline": iso_z(self.deadline),
            "at_call": self.at_call.as_dict(),
            "state": self.state.value,
            "closed_at": None if self.closed_at is None else iso_z(self.closed_at),
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


def open_watch(
    message_id: str,
    track: str,
    *,
    caller: str,
    owner: str,
    callsign: str,
    at_call: Observation,
    now: datetime,
    settings: NonResponseSettings = _DEFAULTS,
) -> Watch:
    """The watch a safety message sent at ``now`` opens on ``track`` of the caller's picture, seen ``at_call``."""
    return Watch(
        message_id=message_id,
        track=track,
        caller=caller,
        owner=owner,
        callsign=callsign,
        created_at=now,
        deadline=now + timedelta(seconds=settings.deadline_s),
        at_call=at_call,
    )


def decide(
    watch: Watch,
    *,
    now: datetime,
    acknowledged_at: datetime | None,
    current: Observation | None,
    lost: bool,
    settings: NonResponseSettings = _DEFAULTS,
) -> Watch:
    """The watch after one look at ``now``: unchanged (the same object) while there is nothing to decide, or closed.

    ``acknowledged_at`` is when the owner party acknowledged the message (None: not yet); ``current`` the
    aircraft as the caller's picture shows it now (None: no fresh report of it); ``lost`` whether the track
    has left the picture for good (no report for long, while the picture has been up long enough to know)."""
    if watch.state is not Outcome.WATCHING:
        return watch
    if acknowledged_at is not None and acknowledged_at <= watch.deadline:
        return replace(
            watch,
            state=Outcome.ACKNOWLEDGED,
            closed_at=now,
            reason=f"{watch.owner} acknowledged the message at {iso_z(acknowledged_at)}",
        )
    if current is not None:
        moved = manoeuvre(watch.at_call, current, settings)
        if moved is not None:
            return replace(watch, state=Outcome.MANOEUVRED, closed_at=now, reason=moved, at_close=current)
        if now >= watch.deadline:
            reason = (
                f"no acknowledgement from {watch.owner} and no change of track by {settings.turn_deg:g}°, altitude by "
                f"{settings.climb_ft:g} ft or ground speed by {settings.speed_kt:g} kt within {settings.deadline_s:g} s"
                f" of safety message {watch.message_id}"
            )
            return replace(watch, state=Outcome.NON_RESPONSIVE, closed_at=now, reason=reason, at_close=current)
        return watch
    if lost:
        return replace(
            watch, state=Outcome.LOST, closed_at=now, reason="the track is no longer in the caller's picture"
        )
    return watch


def assess(
    watch: Watch,
    trail: Sequence[TrackState],
    *,
    now: datetime,
    up_since: datetime,
    stale_s: float,
    acknowledged_at: datetime | None,
    settings: NonResponseSettings = _DEFAULTS,
) -> Watch:
    """:func:`decide` from the watched track's reports in the caller's picture (``trail``, time order), a
    picture that holds states ``stale_s`` and has been up since ``up_since``."""
    now_s = now.timestamp()
    lost_after_s = settings.lost_after_stale * stale_s
    warm = (now - up_since).total_seconds() >= lost_after_s
    silent_s = now_s - trail[-1].time_s if trail else math.inf
    return decide(
        watch,
        now=now,
        acknowledged_at=acknowledged_at,
        current=observe(trail, now_s, stale_s, settings),
        lost=warm and silent_s > lost_after_s,
        settings=settings,
    )


def flag_body(watch: Watch, settings: NonResponseSettings = _DEFAULTS) -> dict[str, Any]:
    """What the caller's ledger entry records of a flag: the aircraft, the call, the two states, why, and the
    criteria it was judged by."""
    return {**{key: value for key, value in watch.as_dict().items() if key != "entry"}, "criteria": settings.criteria()}


# -- the safety-call action ---------------------------------------------------------------------------------
#: ``to`` of a safety call to every other party at once, when the caller does not know whose the aircraft is.
BROADCAST: Final = "ALL"


@dataclass(frozen=True)
class SafetyCall:
    """``POST /api/v1/alerts/safety-call``: the track (caller's picture), the frequency, the party called."""

    track: str
    frequency_mhz: float = DEFAULT_CALL_MHZ
    #: A party's code, ``BROADCAST`` (every other party, on a guard frequency), or None (the track's owner).
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


def broadcast_params(aircraft: str, state: TrackState, frequency_mhz: float) -> dict[str, Any]:
    """The ``safety_broadcast`` phrase's parameters: the same as a call's (the track tells every party hearing
    it which of its aircraft it may be)."""
    return call_params(aircraft, state, frequency_mhz)


def guard_frequency(frequency_mhz: float) -> bool:
    """Whether ``frequency_mhz`` is a guard (121.5 or 243.0, to the kHz): the one every party listens on."""
    return any(abs(frequency_mhz - mhz) < 0.0005 for mhz in GUARD_MHZ)


def call_params(aircraft: str, state: TrackState, frequency_mhz: float) -> dict[str, Any]:
    """The ``safety_call`` phrase's parameters for an aircraft as the caller's picture shows it: where it is,
    its level, and its track (true, whole degrees), so the party called can tell which aircraft it is and
    where it is going."""
    return {
        "aircraft": aircraft,
        "position": [round(state.lon, 6), round(state.lat, 6)],
        "fl": min(999, max(0, round(state.alt_ft / 100.0))),
        "heading": round(state.trk_deg) % 360,
        "frequency": round(frequency_mhz, 3),
    }
