"""Track states: validation, the JSON-lines parser, latest-per-id and straight-line extrapolation."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from airparley.errors import IngestError, InvalidInput
from airparley.geo import distance_nm
from airparley.tactical import (
    UNKNOWN_PARTY,
    TrackState,
    TrackStates,
    extrapolate_to,
    latest_per_id,
    parse_track_lines,
)

GOOD: dict[str, Any] = {
    "id": "RUS-SU35-1",
    "party": "RUS",
    "time": "2026-11-26T03:00:00Z",
    "lat": 34.6,
    "lon": 38.3,
    "alt_ft": 24000,
    "gs_kt": 420,
    "trk_deg": 275,
    "vs_fpm": -500,
}


def line(**changes: Any) -> str:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def columns(n: int = 2, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": [f"A{i}" for i in range(n)],
        "party": ["USA"] * n,
        "time_s": [0.0] * n,
        "lat": [34.0] * n,
        "lon": [38.0] * n,
        "alt_ft": [20000.0] * n,
        "gs_kt": [400.0] * n,
        "trk_deg": [90.0] * n,
        "vs_fpm": [0.0] * n,
    }
    base.update(changes)
    return {k: np.asarray(v) for k, v in base.items()}


def test_columns_are_validated_copies_and_read_only() -> None:
    lat = np.array([34.0, 35.0])
    states = TrackStates(**columns(lat=lat))
    lat[0] = 0.0
    assert states.lat.tolist() == [34.0, 35.0]
    assert states.time_s.dtype == np.float64
    assert states.id.dtype.kind == "U"
    assert states.callsign.tolist() == ["", ""]
    with pytest.raises(ValueError, match="read-only"):
        states.lat[0] = 1.0


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("lat", [34.0, 90.5], "[-90, 90]"),
        ("lon", [-180.5, 38.0], "[-180, 180]"),
        ("lat", [34.0, np.nan], "finite"),
        ("alt_ft", [np.inf, 0.0], "finite"),
        ("gs_kt", [-1.0, 300.0], "negative"),
        ("trk_deg", [360.0, 0.0], "[0, 360)"),
        ("trk_deg", [-0.5, 0.0], "[0, 360)"),
        ("vs_fpm", [0.0, np.nan], "finite"),
        ("time_s", [np.nan, 0.0], "finite"),
    ],
)
def test_bad_values_name_the_field(field: str, value: list[float], reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        TrackStates(**columns(2, **{field: value}))
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert caught.value.where.startswith("state ")


def test_unequal_columns_and_empty_ids_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        TrackStates(**columns(lat=[34.0]))
    assert caught.value.field == "lat"
    with pytest.raises(InvalidInput) as caught:
        TrackStates(**columns(id=["A", ""]))
    assert caught.value.field == "id"


def test_scalar_rows_round_trip() -> None:
    rows = [
        TrackState("A", "USA", 1.0, 34.0, 38.0, 20000.0, 400.0, 90.0, 0.0, "VIPER11", "AWACS"),
        TrackState("B", "RUS", 2.0, 35.0, 39.0, 21000.0, 410.0, 91.0, -500.0),
    ]
    states = TrackStates.from_states(rows)
    assert list(states) == rows
    assert states[1] == rows[1]
    assert len(states[1:]) == 1
    assert states.take([1, 0])[0].id == "B"
    assert len(TrackStates.empty()) == 0


def test_parser_keeps_good_lines_and_reports_each_bad_one() -> None:
    lines = [
        line(),
        "",
        line(lat=95.0),
        line(gs_kt=...),
        "{not json",
        "[1, 2]",
        line(time="2026-11-26T03:00:00"),
        line(trk_deg="090"),
        line(alt_ft=True),
        '{"id": "X", "party": "RUS", "time": 0, "lat": NaN, "lon": 38, "alt_ft": 1, "gs_kt": 1, "trk_deg": 1,'
        ' "vs_fpm": 0}',
        line(id="B", party=None, time=1795662000, callsign="FALCON11", source="AWACS-2", extra="ignored"),
        line(id="C", party=..., time="2026-11-26T06:00:00+03:00"),
    ]
    parsed = parse_track_lines(lines, source="tracks.jsonl")
    assert parsed.lines == len(lines)
    assert parsed.states.id.tolist() == ["RUS-SU35-1", "B", "C"]
    found = [(e.line, e.field) for e in parsed.errors]
    assert found == [
        (3, "lat"),
        (4, "gs_kt"),
        (5, "(line)"),
        (6, "(line)"),
        (7, "time"),
        (8, "trk_deg"),
        (9, "alt_ft"),
        (10, "lat"),
    ]
    assert all(isinstance(e, IngestError) and e.source == "tracks.jsonl" for e in parsed.errors)
    assert parsed.errors[1].describe() == "tracks.jsonl, line 4: gs_kt: is missing"
    # null and missing party both mean unknown; every time form lands on the same instant
    assert parsed.states.party.tolist() == ["RUS", UNKNOWN_PARTY, UNKNOWN_PARTY]
    assert parsed.states.time_s.tolist() == [1795662000.0] * 3
    assert parsed.states.callsign.tolist() == ["", "FALCON11", ""]
    assert parsed.states.source.tolist() == ["", "AWACS-2", ""]
    assert np.all(np.isfinite(parsed.states.lat))


def test_parser_reads_an_open_file(tmp_path: Any) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(line() + "\n" + line(id="B") + "\n", encoding="utf-8")
    with path.open(encoding="utf-8") as handle:
        parsed = parse_track_lines(handle)
    assert len(parsed.states) == 2
    assert parsed.ok


def test_latest_per_id_keeps_the_newest_and_the_later_line_on_ties() -> None:
    states = TrackStates(
        **columns(
            4,
            id=["B", "A", "B", "B"],
            time_s=[10.0, 5.0, 20.0, 20.0],
            alt_ft=[1.0, 2.0, 3.0, 4.0],
        )
    )
    latest = latest_per_id(states)
    assert latest.id.tolist() == ["A", "B"]
    assert latest.alt_ft.tolist() == [2.0, 4.0]


def test_extrapolation_flies_the_geodesic_and_back() -> None:
    start = TrackStates.from_states([TrackState("A", "USA", 0.0, 34.0, 38.0, 20000.0, 480.0, 45.0, 1200.0)])
    later = extrapolate_to(start, 450.0)
    assert later.time_s[0] == 450.0
    assert float(distance_nm(38.0, 34.0, later.lon[0], later.lat[0])) == pytest.approx(60.0, rel=1e-9)
    assert later.alt_ft[0] == pytest.approx(20000.0 + 1200.0 * 7.5)
    # a geodesic heading north-east turns slightly east of its start track at this latitude
    assert 45.0 < later.trk_deg[0] < 46.0
    back = extrapolate_to(later, 0.0)
    assert back.lat[0] == pytest.approx(34.0, abs=1e-9)
    assert back.lon[0] == pytest.approx(38.0, abs=1e-9)
    assert back.trk_deg[0] == pytest.approx(45.0, abs=1e-9)


def test_extrapolation_leaves_still_aircraft_and_checks_the_time() -> None:
    still = TrackStates.from_states([TrackState("A", "USA", 0.0, 34.0, 38.0, 20000.0, 0.0, 359.9, 0.0)])
    moved = extrapolate_to(still, 100.0)
    assert (moved.lat[0], moved.lon[0], moved.trk_deg[0]) == (34.0, 38.0, 359.9)
    with pytest.raises(InvalidInput):
        extrapolate_to(still, math.nan)
