"""What an incident shares: the encounter, never the picture it was seen in.

An incident is recorded by the party whose sensors saw it, and its signed entry replicates to every peer. The
recorder's picture (its sensors, their update rates, noise and coverage, the trails before the encounter) is
its own; what the other parties get is the **encounter**: the two aircraft at the closest point and the least
separation, with times, and only the groups of those that an agreement between the two owners allows (the
agreement term ``incident_entry``; :data:`DEFAULT_INCIDENT_FIELDS` where none says otherwise).

:func:`incident_entry` builds that body from an :class:`Encounter` and the allowed field groups
(:data:`INCIDENT_FIELDS`). The aircraft's parties are always in it (an incident between no one is not a record);
everything else is a group one names:

* ``positions``: each aircraft's ``position`` ``{"lat", "lon"}`` at the closest point (WGS84 degrees, 5
  decimals: about a metre, no finer than any sensor in the loop);
* ``levels``: each aircraft's ``alt_ft`` there (feet MSL, whole feet);
* ``velocities``: each aircraft's ``velocity`` ``{"gs_kt", "trk_deg", "vs_fpm"}`` there (one decimal);
* ``min_separation``: ``{"horizontal_nm", "vertical_ft", "thresholds": {"horizontal_nm", "vertical_ft"}}``;
* ``times``: ``{"started", "closest", "ended"}`` (RFC 3339 UTC, whole milliseconds);
* ``callsigns`` and ``tracks``: each aircraft's callsign and its track id in the recorder's picture, shared
  only if an agreement names them (a track id can say which sensor made it).

Rounding is part of the rule: a coordinate of more digits than the encounter needs would carry the sensor's
noise with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Final

from airparley.errors import InvalidInput

__all__ = ["DEFAULT_INCIDENT_FIELDS", "INCIDENT_FIELDS", "AircraftAt", "Encounter", "incident_entry"]

#: Every field group an incident entry may carry, in the order the entry lists them.
INCIDENT_FIELDS: Final = ("positions", "levels", "velocities", "min_separation", "times", "callsigns", "tracks")
#: What an incident entry carries when no agreement between the two owners says otherwise.
DEFAULT_INCIDENT_FIELDS: Final = ("positions", "levels", "velocities", "min_separation", "times")


@dataclass(frozen=True)
class AircraftAt:
    """One aircraft of an encounter at the closest point: WGS84 degrees, feet MSL, knots, degrees true, ft/min.

    ``track`` is its id in the recorder's picture and ``party`` the aircraft's owner (not the recorder)."""

    track: str
    party: str
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float
    vs_fpm: float
    callsign: str = ""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.type == "str":
                if not isinstance(value, str):
                    raise InvalidInput(item.name, f"must be a string, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidInput(item.name, f"must be a finite number, got {value!r}")
        if not -90.0 <= self.lat <= 90.0 or not -180.0 <= self.lon <= 180.0:
            raise InvalidInput("lat/lon", f"({self.lat}, {self.lon}) is not a WGS84 position")


@dataclass(frozen=True)
class Encounter:
    """Two aircraft below the incident minima from ``start_s`` to ``end_s`` (POSIX seconds), closest at
    ``min_time_s`` (``min_h_nm`` NM and ``min_v_ft`` ft apart there), judged against ``h_nm`` and ``v_ft``."""

    a: AircraftAt
    b: AircraftAt
    start_s: float
    end_s: float
    min_time_s: float
    min_h_nm: float
    min_v_ft: float
    h_nm: float
    v_ft: float

    def __post_init__(self) -> None:
        for name in ("start_s", "end_s", "min_time_s", "min_h_nm", "min_v_ft", "h_nm", "v_ft"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidInput(name, f"must be a finite number, got {value!r}")
        if not self.start_s <= self.min_time_s <= self.end_s:
            raise InvalidInput("min_time_s", "the closest point must lie between the start and the end")


def _iso_ms(seconds: float) -> str:
    moment = datetime.fromtimestamp(round(seconds, 3), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _checked(allowed: Sequence[str]) -> frozenset[str]:
    if isinstance(allowed, str) or not isinstance(allowed, Sequence):
        raise InvalidInput("incident_entry", f"must be a list of field groups, got {allowed!r}")
    unknown = [f for f in allowed if f not in INCIDENT_FIELDS]
    if unknown:
        raise InvalidInput("incident_entry", f"unknown field {unknown[0]!r} (allowed: {', '.join(INCIDENT_FIELDS)})")
    if len(set(allowed)) != len(allowed):
        raise InvalidInput("incident_entry", "names a field twice")
    return frozenset(allowed)


def _aircraft(aircraft: AircraftAt, allowed: frozenset[str]) -> dict[str, Any]:
    side: dict[str, Any] = {"party": aircraft.party}
    if "tracks" in allowed:
        side["track"] = aircraft.track
    if "callsigns" in allowed:
        side["callsign"] = aircraft.callsign
    if "positions" in allowed:
        side["position"] = {"lat": round(aircraft.lat, 5), "lon": round(aircraft.lon, 5)}
    if "levels" in allowed:
        side["alt_ft"] = round(aircraft.alt_ft)
    if "velocities" in allowed:
        side["velocity"] = {
            "gs_kt": round(aircraft.gs_kt, 1),
            "trk_deg": round(aircraft.trk_deg, 1),
            "vs_fpm": round(aircraft.vs_fpm, 1),
        }
    return side


def incident_entry(encounter: Encounter, allowed: Sequence[str] = DEFAULT_INCIDENT_FIELDS) -> dict[str, Any]:
    """The body an incident entry shares: the aircraft's parties, ``fields`` (the groups it carries, in
    :data:`INCIDENT_FIELDS` order) and those groups only (see the module docstring). JSON-ready; raises
    :class:`InvalidInput` (field ``incident_entry``) for an unknown or repeated group."""
    groups = _checked(allowed)
    body: dict[str, Any] = {
        "fields": [f for f in INCIDENT_FIELDS if f in groups],
        "aircraft": [_aircraft(encounter.a, groups), _aircraft(encounter.b, groups)],
    }
    if "times" in groups:
        body["times"] = {
            "started": _iso_ms(encounter.start_s),
            "closest": _iso_ms(encounter.min_time_s),
            "ended": _iso_ms(encounter.end_s),
        }
    if "min_separation" in groups:
        body["min_separation"] = {
            "horizontal_nm": round(encounter.min_h_nm, 3),
            "vertical_ft": round(encounter.min_v_ft, 1),
            "thresholds": {"horizontal_nm": encounter.h_nm, "vertical_ft": encounter.v_ft},
        }
    return body
