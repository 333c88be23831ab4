"""What every feed adapter shares: a tally of what was read, building a valid state, the wire record.

Adapters are pure: they take lines or decoded documents and return :class:`~airparley.tactical.TrackState`
values (WGS84 degrees, feet, knots, degrees true, feet per minute, POSIX seconds UTC). A record that cannot
be read is an :class:`~airparley.errors.IngestError` in the :class:`Tally`, never an exception that stops a
feed; a record that is well formed but gives no state (no position yet, on the ground, stale) is counted
under ``skipped`` with the reason.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone
from typing import Any, Final

from airparley._time import iso_z_at
from airparley.errors import IngestError, InvalidInput
from airparley.tactical import UNKNOWN_PARTY, TrackState

__all__ = [
    "Rejected",
    "Tally",
    "Thinner",
    "checked_state",
    "iso_time",
    "number",
    "parse_utc_offset",
    "state_record",
]

#: How many errors a tally keeps in full (all are counted).
MAX_KEPT_ERRORS: Final = 1000

_OFFSET = re.compile(r"^(?:UTC|Z|([+-])(\d{1,2})(?::?(\d{2}))?)$", re.IGNORECASE)


class Rejected(ValueError):
    """A record that cannot become a state: ``field`` names the bad value, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass
class Tally:
    """What a feed held: records read, states made, errors (each bad record) and skips by reason."""

    source: str = ""
    records: int = 0
    states: int = 0
    errors: list[IngestError] = field(default_factory=list)
    error_count: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    #: Called with each error as it is found (a live feed reports bad lines as they come).
    listener: Callable[[IngestError], None] | None = None

    def error(self, field_name: str, reason: str, line: int | None = None) -> IngestError:
        error = IngestError(field_name, reason, self.source, line)
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(error)
        if self.listener is not None:
            self.listener(error)
        return error

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def describe(self, unit: str = "line") -> str:
        """``120 line(s): 40 state(s), 3 bad, skipped: 5 not MSG lines, 2 on the ground``."""
        text = f"{self.records} {unit}(s): {self.states} state(s), {self.error_count} bad"
        if self.skipped:
            text += ", skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        return text


def number(value: Any, name: str, *, lo: float | None = None, hi: float | None = None) -> float:
    """A finite float from a JSON number or a numeric text; :class:`Rejected` naming ``name`` otherwise."""
    if isinstance(value, bool) or value is None:
        raise Rejected(name, f"must be a number, got {value!r}")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise Rejected(name, f"not a number: {value!r}") from None
    else:
        raise Rejected(name, f"must be a number, got {value!r}")
    if not math.isfinite(result):
        raise Rejected(name, f"must be a finite number, got {value!r}")
    if lo is not None and result < lo:
        raise Rejected(name, f"{result:g} is below {lo:g}")
    if hi is not None and result > hi:
        raise Rejected(name, f"{result:g} is above {hi:g}")
    return result


def checked_state(
    track_id: str,
    time_s: float,
    lat: float,
    lon: float,
    alt_ft: float,
    gs_kt: float,
    trk_deg: float,
    vs_fpm: float,
    *,
    party: str = "",
    callsign: str = "",
    source: str = "",
) -> TrackState:
    """A :class:`TrackState` that the tactical engine and the node will accept, or :class:`Rejected`.

    The track is normalised into [0, 360); an empty ``party`` means unknown.
    """
    if not track_id.strip():
        raise Rejected("id", "must not be empty")
    checks = (
        ("time", time_s, None, None),
        ("lat", lat, -90.0, 90.0),
        ("lon", lon, -180.0, 180.0),
        ("alt_ft", alt_ft, -2000.0, 150000.0),
        ("gs_kt", gs_kt, 0.0, 5000.0),
        ("trk_deg", trk_deg, None, None),
        ("vs_fpm", vs_fpm, -100000.0, 100000.0),
    )
    for name, value, lo, hi in checks:
        number(value, name, lo=lo, hi=hi)
    track = float(trk_deg) % 360.0
    if track >= 360.0:  # -1e-17 % 360 == 360.0
        track = 0.0
    return TrackState(
        id=track_id.strip(),
        party=party.strip().upper() or UNKNOWN_PARTY,
        time_s=float(time_s),
        lat=float(lat),
        lon=float(lon),
        alt_ft=float(alt_ft),
        gs_kt=float(gs_kt),
        trk_deg=track,
        vs_fpm=float(vs_fpm),
        callsign=callsign.strip(),
        source=source,
    )


def iso_time(time_s: float) -> str:
    """ISO 8601 UTC with milliseconds: ``2026-11-26T03:00:00.250Z``."""
    return iso_z_at(time_s, "milliseconds")


def state_record(state: TrackState) -> dict[str, Any]:
    """The state as one object of the JSON-lines track format (docs/tactical.md), as the node takes it.

    ``party`` is left out when unknown, ``callsign`` and ``source`` when empty. Positions keep 6 decimals
    (0.1 m), altitudes and speeds one.
    """
    track = round(state.trk_deg, 2)
    record: dict[str, Any] = {"id": state.id}
    if state.party and state.party != UNKNOWN_PARTY:
        record["party"] = state.party
    record.update(
        {
            "time": iso_time(state.time_s),
            "lat": round(state.lat, 6),
            "lon": round(state.lon, 6),
            "alt_ft": round(state.alt_ft, 1),
            "gs_kt": round(state.gs_kt, 1),
            "trk_deg": track if track < 360.0 else 0.0,
            "vs_fpm": round(state.vs_fpm, 1),
        }
    )
    if state.callsign:
        record["callsign"] = state.callsign
    if state.source:
        record["source"] = state.source
    return record


def parse_utc_offset(text: str) -> timezone:
    """The zone of feed times written without one: ``UTC``, ``+03:00``, ``-0500``, ``+3``.

    >>> parse_utc_offset("+03:00")
    datetime.timezone(datetime.timedelta(seconds=10800))
    """
    match = _OFFSET.match(text.strip())
    if not match:
        raise InvalidInput("utc_offset", f"not a UTC offset: {text!r}; write UTC, +03:00 or -05:00")
    if match.group(1) is None:
        return UTC
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise InvalidInput("utc_offset", f"out of range: {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


class Thinner:
    """Lets through at most one state per track id every ``min_interval_s`` seconds of feed time.

    With ``min_interval_s`` 0 it only drops repeats: a state not newer than the last one let through for
    its id (what polling the same ``aircraft.json`` twice gives).
    """

    def __init__(self, min_interval_s: float = 0.0) -> None:
        if not math.isfinite(min_interval_s) or min_interval_s < 0:
            raise InvalidInput("min_interval_s", f"must be a number >= 0, got {min_interval_s!r}")
        self.min_interval_s = min_interval_s
        self._last: dict[str, float] = {}

    def admit(self, state: TrackState) -> bool:
        last = self._last.get(state.id)
        if last is not None:
            gap = state.time_s - last
            if gap <= 0.0 or gap < self.min_interval_s:
                return False
        self._last[state.id] = state.time_s
        return True

    def forget_before(self, time_s: float) -> None:
        """Drop what it remembers of ids not seen since ``time_s`` (bounds memory on a long feed)."""
        self._last = {k: t for k, t in self._last.items() if t >= time_s}
