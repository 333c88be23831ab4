"""Scenario files (YAML, docs/scenario.md) -> a validated, frozen :class:`Scenario`.

:func:`parse_scenario` takes the decoded document (pure); notices given by path are read through the
``load_geojson`` function the caller passes. Every error names the path to the bad field
(``aircraft.3.route.1.speed_kt``) and the reason; all errors are reported together (``InvalidInputs``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from airparley.errors import InvalidInput, InvalidInputs
from airparley.hotline import load_catalogue
from airparley.sim._model import (
    EVENT_TYPES,
    IDENTIFY,
    LANGUAGES,
    TIERS,
    URGENCIES,
    Aircraft,
    Coverage,
    DeviateEvent,
    Deviation,
    Event,
    Frequency,
    IgnoreCallsEvent,
    MessageEvent,
    Officer,
    Orbit,
    Party,
    SafetyCallEvent,
    Scenario,
    Sensor,
    StoryBeat,
    Waypoint,
)
from airparley.sim._types import Limits, limits_for_type
from airparley.strategic import parse_notices_data

__all__ = ["parse_scenario"]

_REQUIRED: Final = object()


# -- the reader: every error located by its path ----------------------------------------------------------------


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[InvalidInput] = []

    def error(self, path: str, reason: str) -> None:
        self.errors.append(InvalidInput(path, reason, self.source))

    def mapping(self, value: Any, path: str, keys: Sequence[str], required: Sequence[str] = ()) -> dict[str, Any]:
        """The mapping at ``path`` ({} after an error); unknown and missing keys are errors."""
        if not isinstance(value, Mapping):
            self.error(path, f"must be a mapping with {', '.join(required or keys)}, got {_kind(value)}")
            return {}
        for key in value:
            if key not in keys:
                self.error(f"{path}.{key}" if path else str(key), f"unknown key; expected one of {', '.join(keys)}")
        for key in required:
            if key not in value:
                self.error(f"{path}.{key}" if path else key, "is missing")
        return dict(value)

    def items(self, value: Any, path: str, *, required: bool = False) -> list[Any]:
        if value is None:
            if required:
                self.error(path, "is missing")
            return []
        if not isinstance(value, list):
            self.error(path, f"must be a list, got {_kind(value)}")
            return []
        if required and not value:
            self.error(path, "must not be empty")
        return value

    def number(
        self,
        m: Mapping[str, Any],
        key: str,
        path: str,
        default: Any = _REQUIRED,
        *,
        lo: float | None = None,
        hi: float | None = None,
        positive: bool = False,
    ) -> float:
        where = f"{path}.{key}" if path else key
        if key not in m or m[key] is None:
            if default is _REQUIRED:
                if key not in m:  # reported as missing by mapping()
                    return math.nan
                self.error(where, "must be a number, got null")
                return math.nan
            return float(default) if default is not None else math.nan
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.error(where, f"must be a number, got {value!r}")
            return math.nan
        if positive and value <= 0:
            self.error(where, f"must be > 0, got {value!r}")
        if lo is not None and value < lo:
            self.error(where, f"must be >= {lo:g}, got {value!r}")
        if hi is not None and value > hi:
            self.error(where, f"must be <= {hi:g}, got {value!r}")
        return float(value)

    def optional_number(self, m: Mapping[str, Any], key: str, path: str, **limits: Any) -> float | None:
        if m.get(key) is None:
            return None
        return self.number(m, key, path, **limits)

    def text(
        self, m: Mapping[str, Any], key: str, path: str, default: Any = _REQUIRED, choices: Sequence[str] = ()
    ) -> str:
        where = f"{path}.{key}" if path else key
        if key not in m or m[key] is None:
            if default is _REQUIRED and key in m:
                self.error(where, "must be text, got null")
            return "" if default is _REQUIRED else str(default)
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(where, f"must be text, got {_kind(value)}")
            return ""
        text = str(value).strip()
        if not text and default is _REQUIRED:
            self.error(where, "must not be empty")
        if choices and text not in choices:
            self.error(where, f"must be one of {', '.join(choices)}, got {text!r}")
        return text

    def position(self, value: Any, path: str) -> tuple[float, float]:
        m = self.mapping(value, path, ("lat", "lon"), ("lat", "lon"))
        return (self.number(m, "lat", path, lo=-89.0, hi=89.0), self.number(m, "lon", path, lo=-180.0, hi=180.0))


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _time(reader: _Reader, value: Any, path: str) -> float:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            reader.error(path, f"not an ISO 8601 time: {value!r}")
            return math.nan
    else:
        reader.error(path, f"must be an ISO 8601 time such as 2026-11-26T03:00:00Z, got {_kind(value)}")
        return math.nan
    if moment.tzinfo is None or moment.utcoffset() is None:
        reader.error(path, f"{value!s} has no UTC offset; write it with Z or +HH:MM")
        return math.nan
    return moment.timestamp()


# -- sections -------------------------------------------------------------------------------------------------


def _parties(r: _Reader, value: Any) -> tuple[Party, ...]:
    parties = []
    for i, item in enumerate(r.items(value, "parties", required=True)):
        path = f"parties.{i}"
        m = r.mapping(item, path, ("code", "name", "language"), ("code", "name", "language"))
        code = r.text(m, "code", path)
        if code and (not code.isalnum() or not code.isupper()):
            r.error(f"{path}.code", f"must be an upper-case code such as USA, got {code!r}")
        parties.append(Party(code, r.text(m, "name", path), r.text(m, "language", path, choices=LANGUAGES)))
    _unique(r, [p.code for p in parties], "parties", "code")
    return tuple(parties)


def _unique(r: _Reader, values: list[str], path: str, key: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value and value in seen:
            r.error(f"{path}.{i}.{key}", f"{value!r} appears twice")
        seen.add(value)


def _party_ref(r: _Reader, codes: set[str], m: Mapping[str, Any], key: str, path: str) -> str:
    code = r.text(m, key, path)
    if code and code not in codes:
        r.error(f"{path}.{key}", f"no party {code!r} in parties ({', '.join(sorted(codes))})")
    return code


def _officers(r: _Reader, value: Any, codes: set[str]) -> tuple[Officer, ...]:
    officers = []
    for i, item in enumerate(r.items(value, "officers")):
        path = f"officers.{i}"
        m = r.mapping(item, path, ("party", "name", "tier"), ("party", "name", "tier"))
        officers.append(
            Officer(
                _party_ref(r, codes, m, "party", path), r.text(m, "name", path), r.text(m, "tier", path, choices=TIERS)
            )
        )
    return tuple(officers)


def _frequencies(r: _Reader, value: Any, codes: set[str]) -> tuple[Frequency, ...]:
    frequencies = []
    for i, item in enumerate(r.items(value, "frequencies")):
        path = f"frequencies.{i}"
        m = r.mapping(item, path, ("mhz", "name", "parties"), ("mhz",))
        mhz = r.number(m, "mhz", path, lo=2.0, hi=400.0)
        parties = []
        for j, code in enumerate(r.items(m.get("parties"), f"{path}.parties")):
            if code not in codes:
                r.error(f"{path}.parties.{j}", f"no party {code!r} in parties")
            parties.append(str(code))
        frequencies.append(Frequency(mhz, r.text(m, "name", path, default=""), tuple(parties)))
    return tuple(frequencies)


def _notices(r: _Reader, value: Any, codes: set[str], load_geojson: Callable[[str], Any] | None) -> dict[str, Any]:
    features: list[Any] = []
    for i, item in enumerate(r.items(value, "notices")):
        path = f"notices.{i}"
        if isinstance(item, str) or (isinstance(item, Mapping) and set(item) == {"path"}):
            file = item if isinstance(item, str) else item["path"]
            if load_geojson is None:
                r.error(path, f"a path ({file!r}) cannot be read here; give the features inline")
                continue
            try:
                document = load_geojson(str(file))
            except InvalidInput as error:
                r.error(path, f"{file}: {error.describe()}")
                continue
        else:
            document = item
        if isinstance(document, Mapping) and document.get("type") == "Feature":
            document = {"type": "FeatureCollection", "features": [document]}
        if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
            r.error(path, "must be a path to a GeoJSON or KML notices file, a GeoJSON Feature or a FeatureCollection")
            continue
        parsed = parse_notices_data(document)
        for problem in parsed.errors:
            r.error(path, problem.describe())
        for notice in parsed.notices:
            if notice.party not in codes:
                r.error(path, f"notice {notice.notice_id}: party {notice.party!r} is not in parties")
        features.extend(document.get("features", []))
    collection = {"type": "FeatureCollection", "features": features}
    merged = parse_notices_data(collection)
    for problem in merged.errors:
        if "differs from" in problem.reason:
            r.error("notices", problem.describe())
    return collection


def _waypoint(r: _Reader, item: Any, path: str) -> Waypoint:
    m = r.mapping(item, path, ("lat", "lon", "alt_ft", "speed_kt"), ("lat", "lon", "alt_ft", "speed_kt"))
    return Waypoint(
        r.number(m, "lat", path, lo=-89.0, hi=89.0),
        r.number(m, "lon", path, lo=-180.0, hi=180.0),
        r.number(m, "alt_ft", path, lo=-1000.0, hi=100000.0),
        r.number(m, "speed_kt", path, positive=True, hi=3000.0),
    )


def _orbit(r: _Reader, value: Any, path: str) -> Orbit:
    keys = ("center", "points", "radius_nm", "alt_ft", "speed_kt", "laps", "turn")
    m = r.mapping(value, path, keys, ("radius_nm", "alt_ft", "speed_kt"))
    points: list[tuple[float, float]] = []
    if ("center" in m) == ("points" in m):
        r.error(path, "give either center (a circle) or points (two ends of a racetrack)")
    elif "center" in m:
        points.append(r.position(m["center"], f"{path}.center"))
    else:
        items = r.items(m["points"], f"{path}.points")
        if len(items) != 2:
            r.error(f"{path}.points", f"a racetrack has exactly two points, got {len(items)}")
        points.extend(r.position(p, f"{path}.points.{j}") for j, p in enumerate(items[:2]))
    laps = m.get("laps")
    if laps is not None and (isinstance(laps, bool) or not isinstance(laps, int) or laps < 1):
        r.error(f"{path}.laps", f"must be a whole number >= 1 (leave it out to orbit until the end), got {laps!r}")
        laps = None
    return Orbit(
        tuple(points),
        r.number(m, "radius_nm", path, positive=True, hi=200.0),
        r.number(m, "alt_ft", path, lo=-1000.0, hi=100000.0),
        r.number(m, "speed_kt", path, positive=True, hi=3000.0),
        laps,
        r.text(m, "turn", path, default="right", choices=("right", "left")),
    )


def _limits(r: _Reader, value: Any, path: str, base: Limits) -> Limits:
    keys = ("turn_rate_deg_s", "climb_fpm", "descent_fpm", "accel_kt_s")
    m = r.mapping(value, path, keys)
    values = {key: r.number(m, key, path, getattr(base, key), positive=True) for key in keys}
    try:
        return Limits(**values)
    except InvalidInput:
        return base


def _aircraft(r: _Reader, value: Any, codes: set[str]) -> tuple[Aircraft, ...]:
    keys = ("id", "party", "callsign", "type", "start_s", "route", "orbit", "limits")
    aircraft = []
    for i, item in enumerate(r.items(value, "aircraft", required=True)):
        path = f"aircraft.{i}"
        m = r.mapping(item, path, keys, ("id", "party", "type"))
        type_name = r.text(m, "type", path)
        limits = limits_for_type(type_name)
        if "limits" in m:
            limits = _limits(r, m["limits"], f"{path}.limits", limits)
        waypoints = r.items(m.get("route"), f"{path}.route")
        route = tuple(_waypoint(r, w, f"{path}.route.{j}") for j, w in enumerate(waypoints))
        orbit = _orbit(r, m["orbit"], f"{path}.orbit") if "orbit" in m else None
        if orbit is None and len(route) < 2:
            r.error(f"{path}.route", "give a route of at least two waypoints, or an orbit")
        aircraft.append(
            Aircraft(
                id=r.text(m, "id", path),
                party=_party_ref(r, codes, m, "party", path),
                callsign=r.text(m, "callsign", path, default=""),
                type=type_name,
                limits=limits,
                route=route,
                orbit=orbit,
                start_s=r.number(m, "start_s", path, 0.0, lo=0.0),
            )
        )
    _unique(r, [a.id for a in aircraft], "aircraft", "id")
    return tuple(aircraft)


def _sensors(r: _Reader, value: Any, codes: set[str], aircraft_ids: set[str]) -> tuple[Sensor, ...]:
    keys = ("name", "party", "coverage", "update_s", "offset_s", "noise", "identify")
    sensors = []
    for i, item in enumerate(r.items(value, "sensors")):
        path = f"sensors.{i}"
        m = r.mapping(item, path, keys, ("name", "party", "coverage", "update_s"))
        coverage = []
        for j, circle in enumerate(r.items(m.get("coverage"), f"{path}.coverage", required="coverage" in m)):
            where = f"{path}.coverage.{j}"
            c = r.mapping(circle, where, ("lat", "lon", "radius_nm", "aircraft"), ("radius_nm",))
            radius = r.number(c, "radius_nm", where, positive=True, hi=1000.0)
            if "aircraft" in c:
                if "lat" in c or "lon" in c:
                    r.error(where, "give lat and lon (a fixed sensor) or aircraft (a sensor it carries), not both")
                carrier = r.text(c, "aircraft", where)
                if carrier and carrier not in aircraft_ids:
                    r.error(f"{where}.aircraft", f"no aircraft {carrier!r} in aircraft")
                coverage.append(Coverage(radius, aircraft=carrier))
            else:
                lat, lon = r.position({k: c.get(k) for k in ("lat", "lon")}, where)
                coverage.append(Coverage(radius, lat, lon))
        noise = r.mapping(m.get("noise", {}), f"{path}.noise", ("position_nm", "alt_ft"))
        sensors.append(
            Sensor(
                name=r.text(m, "name", path),
                party=_party_ref(r, codes, m, "party", path),
                coverage=tuple(coverage),
                update_s=r.number(m, "update_s", path, positive=True, hi=3600.0),
                offset_s=r.number(m, "offset_s", path, 0.0, lo=0.0),
                position_noise_nm=r.number(noise, "position_nm", f"{path}.noise", 0.0, lo=0.0, hi=50.0),
                alt_noise_ft=r.number(noise, "alt_ft", f"{path}.noise", 0.0, lo=0.0, hi=10000.0),
                identify=r.text(m, "identify", path, default="all", choices=IDENTIFY),
            )
        )
    _unique(r, [s.name for s in sensors], "sensors", "name")
    return tuple(sensors)


def _deviation(r: _Reader, m: Mapping[str, Any], path: str) -> Deviation:
    deviation = Deviation(
        heading_deg=r.optional_number(m, "heading_deg", path, lo=0.0, hi=360.0),
        turn_deg=r.optional_number(m, "turn_deg", path, lo=-180.0, hi=180.0),
        alt_ft=r.optional_number(m, "alt_ft", path, lo=-1000.0, hi=100000.0),
        speed_kt=r.optional_number(m, "speed_kt", path, positive=True, hi=3000.0),
        for_s=r.optional_number(m, "for_s", path, positive=True),
    )
    if deviation.heading_deg is not None and deviation.turn_deg is not None:
        r.error(path, "give heading_deg or turn_deg, not both")
    if all(getattr(deviation, k) is None for k in ("heading_deg", "turn_deg", "alt_ft", "speed_kt")):
        r.error(path, "a deviation needs at least one of heading_deg, turn_deg, alt_ft, speed_kt")
    return deviation


_DEVIATION_KEYS: Final = ("heading_deg", "turn_deg", "alt_ft", "speed_kt", "for_s")


def _events(r: _Reader, value: Any, codes: set[str], aircraft_ids: set[str]) -> tuple[Event, ...]:
    events: list[Event] = []
    for i, item in enumerate(r.items(value, "events")):
        path = f"events.{i}"
        if not isinstance(item, Mapping) or item.get("type") not in EVENT_TYPES:
            got = item.get("type") if isinstance(item, Mapping) else _kind(item)
            r.error(f"{path}.type", f"must be one of {', '.join(EVENT_TYPES)}, got {got!r}")
            continue
        kind = item["type"]

        def aircraft_ref(m: Mapping[str, Any], key: str, where: str = path) -> str:
            ident = r.text(m, key, where)
            if ident and ident not in aircraft_ids:
                r.error(f"{where}.{key}", f"no aircraft {ident!r} in aircraft")
            return ident

        if kind == "message":
            keys = ("type", "at_s", "from", "to", "urgency", "template", "params", "text", "language", "about")
            m = r.mapping(item, path, (*keys, "response"), ("at_s", "from", "to"))
            to = [str(t) for t in r.items(m.get("to"), f"{path}.to", required="to" in m)]
            for j, code in enumerate(to):
                if code not in codes:
                    r.error(f"{path}.to.{j}", f"no party {code!r} in parties")
            if ("template" in m) == ("text" in m):
                r.error(path, "give either template (with params) or text (with language)")
            params = m.get("params", {})
            if not isinstance(params, Mapping):
                r.error(f"{path}.params", f"must be a mapping, got {_kind(params)}")
                params = {}
            if isinstance(m.get("template"), str):
                try:
                    load_catalogue().check_params(m["template"], params)
                except InvalidInput as problem:
                    r.error(f"{path}.{problem.field}", problem.reason)
            response: Deviation | None = None
            after = 10.0
            if "response" in m:
                rm = r.mapping(m["response"], f"{path}.response", (*_DEVIATION_KEYS, "after_s"))
                response = _deviation(r, rm, f"{path}.response")
                after = r.number(rm, "after_s", f"{path}.response", 10.0, lo=0.0)
                if "about" not in m:
                    r.error(f"{path}.about", "a response needs the aircraft the message is about")
            events.append(
                MessageEvent(
                    at_s=r.number(m, "at_s", path, lo=0.0),
                    sender=_party_ref(r, codes, m, "from", path),
                    to=tuple(to),
                    urgency=r.text(m, "urgency", path, default="routine", choices=URGENCIES),
                    template=r.text(m, "template", path) if "template" in m else None,
                    params=dict(params),
                    text=r.text(m, "text", path) if "text" in m else None,
                    language=r.text(m, "language", path, default="en", choices=LANGUAGES) if "text" in m else None,
                    about=aircraft_ref(m, "about") if "about" in m else None,
                    response=response,
                    response_after_s=after,
                )
            )
        elif kind == "safety_call":
            call_keys = ("type", "at_s", "from", "track", "frequency_mhz", "to", "about", "response")
            m = r.mapping(item, path, call_keys, ("at_s", "from", "track"))
            to_party = _party_ref(r, codes, m, "to", path) if "to" in m else None
            call_response: Deviation | None = None
            call_after = 10.0
            if "response" in m:
                rm = r.mapping(m["response"], f"{path}.response", (*_DEVIATION_KEYS, "after_s"))
                call_response = _deviation(r, rm, f"{path}.response")
                call_after = r.number(rm, "after_s", f"{path}.response", 10.0, lo=0.0)
                if "about" not in m:
                    r.error(f"{path}.about", "a response needs the aircraft the call is about")
            events.append(
                SafetyCallEvent(
                    at_s=r.number(m, "at_s", path, lo=0.0),
                    sender=_party_ref(r, codes, m, "from", path),
                    track=r.text(m, "track", path),
                    frequency_mhz=r.number(m, "frequency_mhz", path, 243.0, lo=118.0, hi=400.0),
                    to=to_party,
                    about=aircraft_ref(m, "about") if "about" in m else None,
                    response=call_response,
                    response_after_s=call_after,
                )
            )
        elif kind == "ignore_calls":
            m = r.mapping(item, path, ("type", "at_s", "aircraft", "until_s"), ("at_s", "aircraft"))
            at = r.number(m, "at_s", path, lo=0.0)
            until = r.optional_number(m, "until_s", path, lo=0.0)
            if until is not None and until <= at:
                r.error(f"{path}.until_s", f"must be after at_s ({at:g}), got {until:g}")
            events.append(IgnoreCallsEvent(at, aircraft_ref(m, "aircraft"), until))
        else:
            m = r.mapping(item, path, ("type", "at_s", "aircraft", *_DEVIATION_KEYS), ("at_s", "aircraft"))
            at = r.number(m, "at_s", path, lo=0.0)
            events.append(DeviateEvent(at, aircraft_ref(m, "aircraft"), _deviation(r, m, path)))
    return tuple(sorted(events, key=lambda e: e.at_s if math.isfinite(e.at_s) else math.inf))


_EVENT_KIND: Final = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _story(r: _Reader, value: Any) -> tuple[StoryBeat, ...]:
    beats = []
    for i, item in enumerate(r.items(value, "story")):
        path = f"story.{i}"
        m = r.mapping(item, path, ("beat", "title", "event", "names", "where"), ("beat", "title", "event"))
        event = r.text(m, "event", path)
        if event and not _EVENT_KIND.match(event):
            r.error(f"{path}.event", f"must be an event kind such as conflict.detected, got {event!r}")
        names = []
        for j, name in enumerate(r.items(m.get("names"), f"{path}.names")):
            if isinstance(name, bool) or not isinstance(name, str | int) or not str(name).strip():
                r.error(f"{path}.names.{j}", f"must be a notice id, track id or callsign, got {name!r}")
            else:
                names.append(str(name).strip())
        where: list[tuple[str, str | int | float | bool]] = []
        fields = m.get("where") or {}
        if not isinstance(fields, Mapping):
            r.error(f"{path}.where", f"must be a mapping of field: value, got {_kind(fields)}")
            fields = {}
        for key, wanted in fields.items():
            if not isinstance(wanted, str | int | float | bool):
                r.error(f"{path}.where.{key}", f"must be text, a number or true/false, got {_kind(wanted)}")
            else:
                where.append((str(key), wanted))
        beats.append(StoryBeat(r.text(m, "beat", path), r.text(m, "title", path), event, tuple(names), tuple(where)))
    _unique(r, [b.beat for b in beats], "story", "beat")
    return tuple(beats)


_TOP_KEYS: Final = (
    "name",
    "start",
    "duration_s",
    "step_s",
    "seed",
    "parties",
    "officers",
    "frequencies",
    "notices",
    "aircraft",
    "sensors",
    "events",
    "story",
)


def parse_scenario(document: Any, source: str = "", load_geojson: Callable[[str], Any] | None = None) -> Scenario:
    """A validated :class:`Scenario` from a decoded YAML document, or ``InvalidInputs`` listing every error.

    ``load_geojson(path)`` returns the decoded GeoJSON of a notices file named in ``notices`` (relative
    paths are the caller's business) or raises ``InvalidInput``.
    """
    r = _Reader(source)
    m = r.mapping(document, "", _TOP_KEYS, ("name", "start", "parties", "aircraft"))
    start = _time(r, m["start"], "start") if "start" in m else math.nan
    duration = r.number(m, "duration_s", "", 600.0, positive=True, hi=7 * 86400.0)
    step = r.number(m, "step_s", "", 1.0, positive=True, hi=10.0)
    seed = m.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        r.error("seed", f"must be a whole number >= 0, got {seed!r}")
        seed = 1
    parties = _parties(r, m.get("parties"))
    codes = {p.code for p in parties}
    officers = _officers(r, m.get("officers"), codes)
    frequencies = _frequencies(r, m.get("frequencies"), codes)
    notices = _notices(r, m.get("notices"), codes, load_geojson)
    aircraft = _aircraft(r, m.get("aircraft"), codes)
    ids = {a.id for a in aircraft}
    sensors = _sensors(r, m.get("sensors"), codes, ids)
    events = _events(r, m.get("events"), codes, ids)
    story = _story(r, m.get("story"))
    for i, sensor in enumerate(sensors):
        if math.isfinite(sensor.update_s) and math.isfinite(step) and sensor.update_s < step:
            r.error(f"sensors.{i}.update_s", f"must be at least step_s ({step:g} s), got {sensor.update_s:g}")
    if r.errors:
        raise InvalidInputs(r.errors)
    return Scenario(
        name=r.text(m, "name", ""),
        start_s=start,
        duration_s=duration,
        step_s=step,
        seed=seed,
        parties=parties,
        officers=officers,
        frequencies=frequencies,
        notices=notices,
        aircraft=aircraft,
        sensors=sensors,
        events=events,
        source=source,
        story=story,
    )
