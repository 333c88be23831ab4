"""readsb / dump1090 ``aircraft.json`` -> track states.

The document (readsb's README-json.md) is ``{"now": seconds, "messages": n, "aircraft": [...]}``; each
aircraft object leaves out what is not known. The keys read here:

=============  ==========================================================================================
``hex``        24-bit ICAO address, 6 hex digits (``~`` first for a non-ICAO address): the track id
``flight``     callsign, padded to 8 characters
``lat lon``    position, degrees; absent when no position was received in the last 60 s
``seen_pos``   seconds before ``now`` that the position was received: the state's time is ``now - seen_pos``
``alt_baro``   barometric altitude, feet, or the string ``"ground"``
``alt_geom``   geometric (GNSS) altitude, feet above the WGS84 ellipsoid, used when ``alt_baro`` is absent
``gs``         ground speed, knots
``track``      true track over ground, degrees
``baro_rate``  barometric vertical rate, feet/minute (``geom_rate`` when absent; 0 when neither)
=============  ==========================================================================================

``now`` greater than 10^11 is taken as milliseconds (ADS-B Exchange's v2 API writes it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from airparley.ingest._common import Rejected, Tally, checked_state, number
from airparley.tactical import TrackState

__all__ = ["DEFAULT_MAX_POSITION_AGE_S", "parse_aircraft_json"]

#: Positions older than this (``seen_pos``) are skipped as stale.
DEFAULT_MAX_POSITION_AGE_S: Final = 30.0


def _now(document: Mapping[str, Any]) -> float:
    if "now" not in document:
        raise Rejected("now", "is missing")
    now = number(document["now"], "now", lo=0.0)
    return now / 1000.0 if now > 1e11 else now


def _aircraft_state(
    item: Mapping[str, Any], now: float, tally: Tally, max_position_age_s: float, source: str
) -> TrackState | None:
    hex_ident = item.get("hex")
    if not isinstance(hex_ident, str) or not hex_ident.strip():
        raise Rejected("hex", f"must be the aircraft's hex address, got {hex_ident!r}")
    if item.get("lat") is None or item.get("lon") is None:
        tally.skip("no position")
        return None
    lat = number(item["lat"], "lat", lo=-90.0, hi=90.0)
    lon = number(item["lon"], "lon", lo=-180.0, hi=180.0)
    age = item.get("seen_pos", item.get("seen", 0.0))
    age_s = number(age, "seen_pos", lo=0.0)
    if age_s > max_position_age_s:
        tally.skip("stale position")
        return None
    alt_baro = item.get("alt_baro")
    if alt_baro == "ground":
        tally.skip("on the ground")
        return None
    if alt_baro is not None:
        alt_ft = number(alt_baro, "alt_baro")
    elif item.get("alt_geom") is not None:
        alt_ft = number(item["alt_geom"], "alt_geom")
    else:
        tally.skip("no altitude")
        return None
    if item.get("gs") is None or item.get("track") is None:
        tally.skip("no velocity")
        return None
    gs_kt = number(item["gs"], "gs", lo=0.0)
    trk_deg = number(item["track"], "track", lo=-360.0, hi=720.0)
    rate = item.get("baro_rate", item.get("geom_rate"))
    vs_fpm = number(rate, "baro_rate" if "baro_rate" in item else "geom_rate") if rate is not None else 0.0
    flight = item.get("flight")
    if flight is not None and not isinstance(flight, str):
        raise Rejected("flight", f"must be text, got {flight!r}")
    return checked_state(
        hex_ident.strip().lower(),
        now - age_s,
        lat,
        lon,
        alt_ft,
        gs_kt,
        trk_deg,
        vs_fpm,
        callsign=flight or "",
        source=source,
    )


def parse_aircraft_json(
    document: Any,
    tally: Tally,
    *,
    max_position_age_s: float = DEFAULT_MAX_POSITION_AGE_S,
    source: str = "",
    line: int | None = None,
) -> list[TrackState]:
    """The states of one decoded ``aircraft.json`` document; bad aircraft objects go to the tally.

    An error names the aircraft by its index (``aircraft.3.gs``). ``line`` locates the document when it is
    one line of a recording.

    >>> tally = Tally("demo")
    >>> states = parse_aircraft_json({"now": 1795662000, "aircraft": [
    ...     {"hex": "4ca2d6", "flight": "RYR1427 ", "lat": 34.5, "lon": 38.2, "alt_baro": 37000,
    ...      "gs": 450, "track": 90, "baro_rate": -64, "seen_pos": 0.5}, {"hex": "abc123"}]}, tally)
    >>> states[0].callsign, states[0].time_s, dict(tally.skipped)
    ('RYR1427', 1795661999.5, {'no position': 1})
    """
    source = source or tally.source
    if not isinstance(document, Mapping):
        tally.records += 1
        tally.error("(document)", f"must be a JSON object with now and aircraft, got {type(document).__name__}", line)
        return []
    try:
        now = _now(document)
    except Rejected as error:
        tally.records += 1
        tally.error(error.field, error.reason, line)
        return []
    aircraft = document.get("aircraft")
    if not isinstance(aircraft, list):
        tally.records += 1
        tally.error("aircraft", "must be a list of aircraft objects", line)
        return []
    states: list[TrackState] = []
    for index, item in enumerate(aircraft):
        tally.records += 1
        if not isinstance(item, Mapping):
            tally.error(f"aircraft.{index}", f"must be an object, got {type(item).__name__}", line)
            continue
        try:
            state = _aircraft_state(item, now, tally, max_position_age_s, source)
        except Rejected as error:
            tally.error(f"aircraft.{index}.{error.field}", f"{error.reason} (hex {item.get('hex')!r})", line)
            continue
        if state is not None:
            tally.states += 1
            states.append(state)
    return states
