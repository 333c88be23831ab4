"""OpenSky Network state vectors (``GET /api/states/all``) -> track states, metres and m/s converted.

A response is ``{"time": t, "states": [[...], ...]}`` (``states`` may be null). Each state vector is a list;
the positions read here are the same in every published version of the API:

==  ================  ==========================================================================
 0  icao24            ICAO 24-bit address, hex: the track id
 1  callsign          8 characters, may be null
 3  time_position     POSIX seconds of the last position (null: none in the last 15 s)
 4  last_contact      POSIX seconds of the last message of any kind
 5  longitude         degrees, may be null
 6  latitude          degrees, may be null
 7  baro_altitude     metres (barometric), may be null
 8  on_ground         true when the position came from a surface report
 9  velocity          ground speed, m/s
10  true_track        degrees clockwise from north
11  vertical_rate     m/s, positive up, may be null (taken as 0)
13  geo_altitude      metres (geometric), used when baro_altitude is null
==  ================  ==========================================================================

A file holds one response, a JSON list of responses, or one response per line (a recording).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from airparley.geo import m_to_ft, ms_to_fpm, ms_to_kt
from airparley.ingest._common import Rejected, Tally, checked_state, number
from airparley.tactical import TrackState

__all__ = ["OPENSKY_FIELDS", "parse_opensky", "parse_opensky_text"]

OPENSKY_FIELDS: Final = (
    "icao24",
    "callsign",
    "origin_country",
    "time_position",
    "last_contact",
    "longitude",
    "latitude",
    "baro_altitude",
    "on_ground",
    "velocity",
    "true_track",
    "vertical_rate",
    "sensors",
    "geo_altitude",
    "squawk",
    "spi",
    "position_source",
)
_MIN_FIELDS: Final = 12


def _vector_state(row: list[Any], time_s: float | None, tally: Tally, source: str) -> TrackState | None:
    if len(row) < _MIN_FIELDS:
        raise Rejected("(vector)", f"has {len(row)} fields; a state vector has at least {_MIN_FIELDS}")
    icao24 = row[0]
    if not isinstance(icao24, str) or not icao24.strip():
        raise Rejected("icao24", f"must be the hex address, got {icao24!r}")
    if row[5] is None or row[6] is None:
        tally.skip("no position")
        return None
    lon = number(row[5], "longitude", lo=-180.0, hi=180.0)
    lat = number(row[6], "latitude", lo=-90.0, hi=90.0)
    if row[8] is True:
        tally.skip("on the ground")
        return None
    if row[8] not in (False, None):
        raise Rejected("on_ground", f"must be true or false, got {row[8]!r}")
    for index in (3, 4):
        if row[index] is not None:
            time_s = number(row[index], OPENSKY_FIELDS[index], lo=0.0)
            break
    if time_s is None:
        raise Rejected("time_position", "no time_position, last_contact or response time")
    geo = row[13] if len(row) > 13 else None
    if row[7] is not None:
        alt_ft = m_to_ft(number(row[7], "baro_altitude"))
    elif geo is not None:
        alt_ft = m_to_ft(number(geo, "geo_altitude"))
    else:
        tally.skip("no altitude")
        return None
    if row[9] is None or row[10] is None:
        tally.skip("no velocity")
        return None
    gs_kt = ms_to_kt(number(row[9], "velocity", lo=0.0))
    trk_deg = number(row[10], "true_track", lo=-360.0, hi=720.0)
    vs_fpm = ms_to_fpm(number(row[11], "vertical_rate")) if row[11] is not None else 0.0
    callsign = row[1]
    if callsign is not None and not isinstance(callsign, str):
        raise Rejected("callsign", f"must be text, got {callsign!r}")
    return checked_state(
        icao24.strip().lower(), time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign=callsign or "", source=source
    )


def parse_opensky(document: Any, tally: Tally, *, source: str = "", line: int | None = None) -> list[TrackState]:
    """The states of one decoded response; each bad vector goes to the tally as ``states.I.FIELD``.

    >>> tally = Tally()
    >>> s = parse_opensky({"time": 1795662000, "states": [["4ca2d6", "RYR1427 ", "Ireland", 1795661999,
    ...     1795662000, 38.2, 34.5, 11277.6, False, 231.5, 90.0, -0.33, None, 11300.0, "1000", False, 0]]}, tally)
    >>> round(s[0].alt_ft), round(s[0].gs_kt), round(s[0].vs_fpm)
    (37000, 450, -65)
    """
    source = source or tally.source
    if not isinstance(document, Mapping):
        tally.records += 1
        tally.error("(document)", f"must be a JSON object with time and states, got {type(document).__name__}", line)
        return []
    vectors = document.get("states")
    if vectors is None:
        return []
    if not isinstance(vectors, list):
        tally.records += 1
        tally.error("states", "must be a list of state vectors or null", line)
        return []
    response_time: float | None = None
    if document.get("time") is not None:
        try:
            response_time = number(document["time"], "time", lo=0.0)
        except Rejected as error:
            tally.records += 1
            tally.error(error.field, error.reason, line)
            return []
    states: list[TrackState] = []
    for index, row in enumerate(vectors):
        tally.records += 1
        if not isinstance(row, list):
            tally.error(f"states.{index}", f"must be a list, got {type(row).__name__}", line)
            continue
        try:
            state = _vector_state(row, response_time, tally, source)
        except Rejected as error:
            tally.error(f"states.{index}.{error.field}", f"{error.reason} (icao24 {row[0] if row else None!r})", line)
            continue
        if state is not None:
            tally.states += 1
            states.append(state)
    return states


def parse_opensky_text(lines: Iterable[str], tally: Tally, *, source: str = "") -> list[TrackState]:
    """States from the text of a file: one response, a JSON list of responses, or one response per line."""
    text_lines = list(lines)
    whole = "".join(text_lines)
    try:
        document = json.loads(whole)
    except json.JSONDecodeError:
        document = None
        per_line = True
    else:
        per_line = False
    if not per_line:
        documents = document if isinstance(document, list) else [document]
        return [s for d in documents for s in parse_opensky(d, tally, source=source)]
    states: list[TrackState] = []
    for number_, raw in enumerate(text_lines, start=1):
        if not raw.strip():
            continue
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            tally.records += 1
            tally.error("(line)", f"not valid JSON: {error.msg} at column {error.colno}", number_)
            continue
        states.extend(parse_opensky(document, tally, source=source, line=number_))
    return states
