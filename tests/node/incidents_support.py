"""A near miss seen by the USA's sensors: the E-3 and a Su-35 pass within 0.1 NM and 200 ft."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from airparley.geo import destination

#: What an incident.recorded entry's body may hold under the default terms (DEFAULT_INCIDENT_FIELDS).
DEFAULT_BODY_KEYS = {"incident_id", "fields", "aircraft", "times", "min_separation", "trails_sha256"}
DEFAULT_AIRCRAFT_KEYS = {"party", "position", "alt_ft", "velocity"}


def _state(
    when: datetime, track_id: str, party: str, at: tuple[float, float], trk: float, **more: Any
) -> dict[str, Any]:
    return {
        "id": track_id,
        "party": party,
        "time": when.isoformat().replace("+00:00", "Z"),
        "lat": at[1],
        "lon": at[0],
        "alt_ft": more.get("alt", 30000),
        "gs_kt": more.get("gs", 450),
        "trk_deg": trk,
        "vs_fpm": 0,
        "callsign": more["callsign"],
        "source": "AN/APY-2 E-3 radar",
    }


def _at(bearing: float, nm: float) -> tuple[float, float]:
    lon, lat = destination(40.4, 35.4, bearing, nm)
    return float(lon), float(lat)


def near_miss(post: Callable[[list[dict[str, Any]]], None], clock: Any, tick: Callable[[], None]) -> None:
    """Three pictures a tick apart: head-on 2 NM apart, passing 0.1 NM and 200 ft apart, then apart."""
    post(
        [
            _state(clock(), "E3", "USA", (40.4, 35.4), 90.0, gs=360, callsign="SENTRY60"),
            _state(clock(), "SU35", "RUS", _at(90.0, 2.0), 270.0, callsign="FALCON11"),
        ]
    )
    tick()
    clock.advance(seconds=8)
    post(
        [
            _state(clock(), "E3", "USA", _at(90.0, 0.8), 90.0, gs=360, callsign="SENTRY60"),
            _state(clock(), "SU35", "RUS", _at(90.0, 0.9), 270.0, alt=30200, callsign="FALCON11"),
        ]
    )
    tick()
    clock.advance(seconds=30)
    post(
        [
            _state(clock(), "E3", "USA", _at(90.0, 0.8), 90.0, gs=360, callsign="SENTRY60"),
            _state(clock(), "SU35", "RUS", _at(270.0, 3.0), 270.0, callsign="FALCON11"),
        ]
    )
    tick()


#: An agreement's incident_entry that shares less: the separation and the times, nothing of where.
AGREED_FIELDS = ["min_separation", "times"]


def assert_only_the_encounter(line: str, agreed: list[str] | None = None) -> dict[str, Any]:
    """An incident.recorded entry's JSON line holds the default groups (or ``agreed``'s) and nothing of the
    recorder's picture."""
    entry = json.loads(line)
    assert entry["kind"] == "incident.recorded"
    body = entry["body"]
    if agreed is None:
        assert set(body) == DEFAULT_BODY_KEYS
        assert body["fields"] == ["positions", "levels", "velocities", "min_separation", "times"]
        assert [set(side) for side in body["aircraft"]] == [DEFAULT_AIRCRAFT_KEYS, DEFAULT_AIRCRAFT_KEYS]
    else:
        assert body["fields"] == agreed
        assert set(body) == {"incident_id", "fields", "aircraft", "trails_sha256", *agreed}
        assert [set(side) for side in body["aircraft"]] == [{"party"}, {"party"}]
        for where in ('"position"', '"alt_ft"', '"velocity"', '"lat"', '"gs_kt"'):
            assert where not in line, where
    assert {side["party"] for side in body["aircraft"]} == {"USA", "RUS"}
    assert body["min_separation"]["vertical_ft"] == 200.0
    for picture in ("history", "APY-2", "source", "SENTRY60", "FALCON11", '"E3"', '"SU35"', "time_s", 'lat": 35.4,'):
        assert picture not in line, picture
    return entry
