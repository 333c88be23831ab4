"""Tracks against announced volumes: inside now, predicted entry time, altitude band and time window."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from shapely.geometry import Polygon

from airparley.errors import InvalidInput
from airparley.geo import destination, distance_nm
from airparley.strategic import parse_notices
from airparley.tactical import UNKNOWN_PARTY, IntrusionSettings, TrackState, TrackStates, find_intrusions

T0 = 1795662000.0  # 2026-11-26T03:00:00Z
PALMYRA = (38.27, 34.56)
Builder = Callable[..., Any]


def circle_notices(**changes: Any) -> list[Any]:
    properties = {
        "notice_id": "USA-0101",
        "party": "USA",
        "kind": "strike",
        "shape": "circle",
        "radius_nm": 15,
        "lower": {"value": 200, "unit": "ft", "ref": "FL"},
        "upper": 30000,
        "start": "2026-11-26T02:00:00Z",
        "end": "2026-11-26T04:00:00Z",
    }
    properties.update(changes)
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(PALMYRA)}, "properties": properties}
    parsed = parse_notices(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert parsed.errors == []
    return list(parsed.notices)


def south_of_palmyra(track_id: str, dist_nm: float, **changes: Any) -> TrackState:
    lon, lat = destination(*PALMYRA, 180.0, dist_nm)
    values: dict[str, Any] = {
        "id": track_id,
        "party": "RUS",
        "time_s": T0,
        "lat": float(lat),
        "lon": float(lon),
        "alt_ft": 25000.0,
        "gs_kt": 480.0,
        "trk_deg": 0.0,
        "vs_fpm": 0.0,
    }
    values.update(changes)
    return TrackState(**values)


def check(*tracks: TrackState, notices: list[Any] | None = None, **settings: Any) -> dict[str, float]:
    found = find_intrusions(TrackStates.from_states(tracks), notices or circle_notices(), IntrusionSettings(**settings))
    return dict(zip(found.id.tolist(), found.entry_s.tolist(), strict=True))


def test_predicted_entry_into_a_circle() -> None:
    # 40 NM south, northbound at 480 kt: reaches 15 NM from the centre after 25 NM, 187.5 s
    entries = check(south_of_palmyra("R1", 40.0))
    assert entries["R1"] == pytest.approx(187.5, abs=0.3)


def test_inside_now_unreached_own_party_and_unknown() -> None:
    entries = check(
        south_of_palmyra("IN", 5.0),
        south_of_palmyra("FAR", 80.0),
        south_of_palmyra("AWAY", 40.0, trk_deg=180.0),
        south_of_palmyra("OWN", 5.0, party="USA"),
        south_of_palmyra("UNK", 5.0, party=UNKNOWN_PARTY),
    )
    assert entries == {"IN": 0.0, "UNK": 0.0}


def test_altitude_band_decides_the_entry() -> None:
    entries = check(
        south_of_palmyra("HIGH", 5.0, alt_ft=36000.0),
        # 6,000 ft above the top at 3,000 fpm down: in the band after 120 s
        south_of_palmyra("DESCENT", 5.0, alt_ft=36000.0, vs_fpm=-3000.0, gs_kt=60.0),
        south_of_palmyra("TOP", 5.0, alt_ft=30000.0),  # the top is part of the volume
        south_of_palmyra("LOW", 5.0, alt_ft=19000.0),
    )
    assert entries == pytest.approx({"DESCENT": 120.0, "TOP": 0.0})


def test_time_window_decides_the_entry() -> None:
    later = circle_notices(start="2026-11-26T03:01:40Z")  # 100 s after T0
    over = circle_notices(start="2026-11-26T01:00:00Z", end="2026-11-26T02:59:00Z")
    assert check(south_of_palmyra("R", 5.0), notices=later) == {"R": 100.0}
    assert check(south_of_palmyra("R", 5.0), notices=over) == {}
    assert check(south_of_palmyra("R", 5.0), notices=later, lookahead_s=60.0) == {}


def test_entry_through_a_hole_and_the_earliest_volume(volume_type: Any, notice_type: Any) -> None:
    # a ring of lon/lat boxes: the track starts in the hole and meets the ring's inner edge
    outer = [(38.0, 34.3), (38.6, 34.3), (38.6, 34.9), (38.0, 34.9), (38.0, 34.3)]
    hole = [(38.2, 34.5), (38.4, 34.5), (38.4, 34.7), (38.2, 34.7), (38.2, 34.5)]
    ring = volume_type(Polygon(outer, [hole]), 0.0, 40000.0, T0 - 10.0, T0 + 1000.0)
    far_box = volume_type(Polygon([(38.2, 35.5), (38.4, 35.5), (38.4, 35.6), (38.2, 35.6)]), 0.0, 40000.0, 0.0, 2e9)
    notice = notice_type("RUS-7", "RUS", (far_box, ring))
    track = TrackState("T", "USA", T0, 34.6, 38.3, 20000.0, 360.0, 0.0, 0.0)
    found = find_intrusions(TrackStates.from_states([track]), [notice], IntrusionSettings(lookahead_s=900.0))
    assert found.notice_id.tolist() == ["RUS-7"]
    assert found.volume.tolist() == [1]
    # north along the meridian to the hole's edge at 34.7 N, at 360 kt (0.1 NM/s)
    assert found.entry_s[0] == pytest.approx(float(distance_nm(38.3, 34.6, 38.3, 34.7)) / 0.1, abs=0.05)
    assert not found.inside_now[0]
    assert found.entry_time_s[0] == pytest.approx(T0 + found.entry_s[0])


def test_still_aircraft_and_states_of_different_times(palmyra_box: Polygon, volume_type: Any, notice_type: Any) -> None:
    box = notice_type("SYR-1", "SYR", (volume_type(palmyra_box, 0.0, 40000.0, 0.0, 2e9),))
    still_in = TrackState("IN", "TUR", T0, 34.56, 38.27, 20000.0, 0.0, 0.0, 0.0)
    still_out = TrackState("OUT", "TUR", T0, 35.56, 38.27, 20000.0, 0.0, 0.0, 0.0)
    # seen 60 s before the others, 10 NM south of the box heading north at 300 kt: 5 NM south by T0
    lon, lat = destination(38.27, 34.36, 180.0, 10.0)
    old = TrackState("OLD", "TUR", T0 - 60.0, float(lat), float(lon), 20000.0, 300.0, 0.0, 0.0)
    found = find_intrusions(TrackStates.from_states([still_in, still_out, old]), [box])
    assert found.time_s == T0
    assert dict(zip(found.id.tolist(), found.entry_s.tolist(), strict=True)) == pytest.approx(
        {"IN": 0.0, "OLD": 60.0}, abs=0.5
    )
    assert found.candidates >= 2


def test_duplicate_ids_and_bad_settings(palmyra_box: Polygon) -> None:
    twice = TrackStates.from_states([south_of_palmyra("A", 1.0), south_of_palmyra("A", 2.0)])
    with pytest.raises(InvalidInput):
        find_intrusions(twice, circle_notices())
    with pytest.raises(InvalidInput):
        IntrusionSettings(lookahead_s=-1.0)
    assert len(find_intrusions(TrackStates.empty(), circle_notices())) == 0
    assert len(find_intrusions(TrackStates.from_states([south_of_palmyra("A", 1.0)]), [])) == 0
