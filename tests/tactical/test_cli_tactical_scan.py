"""``airparley tactical scan | intrusions | incidents`` on real files, bad lines included."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from airparley.cli import app
from airparley.geo import destination
from airparley.tactical import IncidentSettings, IntrusionSettings, ScanSettings

runner = CliRunner()
T0 = 1795662000.0
DOCS = (Path(__file__).resolve().parents[2] / "docs" / "tactical.md").read_text(encoding="utf-8")


def record(track_id: str, party: str, lat: float, lon: float, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": track_id,
        "party": party,
        "time": "2026-11-26T03:00:00Z",
        "lat": lat,
        "lon": lon,
        "alt_ft": 20000,
        "gs_kt": 480,
        "trk_deg": 90,
        "vs_fpm": 0,
    }
    values.update(changes)
    return values


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tracks(tmp_path: Path) -> Path:
    return write(
        tmp_path / "tracks.jsonl",
        [
            record("USA-F16-1", "USA", 34.0, 38.0, time="2026-11-26T02:59:50Z"),
            record("USA-F16-1", "USA", 34.0, 38.0),  # the newest state of an id is the one scanned
            record("RUS-SU35-1", "RUS", 34.0, 38.5, trk_deg=270),
            record("TUR-F16-2", "TUR", 36.0, 38.0),
            record("TUR-F16-3", "TUR", 36.0, 38.05, trk_deg=270),
            '{"id": "BAD-1", "party": "RUS", "time": "2026-11-26T03:00:00Z"}',
            "this is not json",
            json.dumps(record("BAD-2", "SYR", 91.0, 38.0)),
            "",
        ],
    )


def test_scan_json_lines_and_bad_lines_on_stderr(tracks: Path) -> None:
    result = runner.invoke(app, ["tactical", "scan", str(tracks), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["a"], r["b"]) for r in rows] == [("TUR-F16-2", "TUR-F16-3"), ("RUS-SU35-1", "USA-F16-1")]
    head_on = rows[1]
    assert set(head_on) == {"a", "b", "tin_s", "tout_s", "tcpa_s", "dcpa_nm", "dist_nm", "dalt_ft"}
    assert head_on["dcpa_nm"] == pytest.approx(0.0, abs=1e-3)
    assert head_on["tcpa_s"] == pytest.approx(head_on["dist_nm"] / (960 / 3600), rel=1e-3)
    assert "line 6: lat: is missing" in result.stderr
    assert "line 7: (line): not valid JSON" in result.stderr
    assert "line 8: lat:" in result.stderr
    assert "skipped 3 bad line(s)" in result.stderr


def test_scan_options_and_table(tracks: Path) -> None:
    only_rus = runner.invoke(app, ["tactical", "scan", str(tracks), "--json", "--party", "RUS"])
    assert [json.loads(x)["b"] for x in only_rus.stdout.splitlines()] == ["USA-F16-1"]
    tight = runner.invoke(app, ["tactical", "scan", str(tracks), "--json", "--lookahead-s", "10"])
    assert [json.loads(x)["a"] for x in tight.stdout.splitlines()] == ["TUR-F16-2"]  # already within 5 NM
    assert json.loads(tight.stdout.splitlines()[0])["tin_s"] < 0
    wide = runner.invoke(app, ["tactical", "scan", str(tracks), "--json", "--rpz-nm", "150", "--hpz-ft", "2000"])
    assert len(wide.stdout.splitlines()) == 6
    table = runner.invoke(app, ["tactical", "scan", str(tracks)])
    assert table.exit_code == 0
    assert "2 conflict(s) among 4 aircraft" in table.stdout
    assert "RUS-SU35-1" in table.stdout


def test_scan_bad_input_exits_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["tactical", "scan", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    nothing = runner.invoke(app, ["tactical", "scan", str(write(tmp_path / "bad.jsonl", ["{", "[]"]))])
    assert nothing.exit_code == 2
    assert "no valid track state" in nothing.stderr
    assert "line 2" in nothing.stderr
    empty = runner.invoke(app, ["tactical", "scan", str(write(tmp_path / "empty.jsonl", []))])
    assert empty.exit_code == 2
    option = runner.invoke(
        app, ["tactical", "scan", str(write(tmp_path / "ok.jsonl", [record("A", "USA", 34, 38)])), "--rpz-nm", "-1"]
    )
    assert option.exit_code == 2
    assert "rpz_nm" in option.stderr
    assert "Traceback" not in missing.output + nothing.output + option.output


def test_intrusions(tmp_path: Path, tracks: Path) -> None:
    notices = tmp_path / "notices.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [38.25, 34.0]},
        "properties": {
            "notice_id": "SYR-0001",
            "party": "SYR",
            "kind": "cap",
            "shape": "circle",
            "radius_nm": 3,
            "lower": 10000,
            "upper": 30000,
            "start": "2026-11-26T02:00:00Z",
            "end": "2026-11-26T04:00:00Z",
        },
    }
    broken = {"type": "Feature", "geometry": None, "properties": {"notice_id": "X"}}
    notices.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, broken]}), encoding="utf-8")
    result = runner.invoke(
        app, ["tactical", "intrusions", "--tracks", str(tracks), "--notices", str(notices), "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["id"] for r in rows} == {"USA-F16-1", "RUS-SU35-1"}
    assert all(r["notice_id"] == "SYR-0001" and not r["inside_now"] and 0 < r["entry_s"] < 300 for r in rows)
    assert rows[0]["entry_time"].startswith("2026-11-26T03:0")
    assert "feature 1" in result.stderr
    short = runner.invoke(
        app, ["tactical", "intrusions", "--tracks", str(tracks), "--notices", str(notices), "--lookahead-s", "30"]
    )
    assert short.exit_code == 0
    assert "0 intrusion(s)" in short.stdout
    bad = write(tmp_path / "bad.geojson", ["{"])
    assert runner.invoke(app, ["tactical", "intrusions", "--tracks", str(tracks), "--notices", str(bad)]).exit_code == 2
    # The same notice as KML (strategic's writer: the circle drawn as a polygon, its centre and radius kept in
    # extended data) gives the same intrusions.
    from airparley.strategic import notices_to_kml, parse_notices

    kml = tmp_path / "notices.kml"
    collection = {"type": "FeatureCollection", "features": [feature]}
    kml.write_text(notices_to_kml(parse_notices(json.dumps(collection)).notices), encoding="utf-8")
    from_kml = runner.invoke(app, ["tactical", "intrusions", "--tracks", str(tracks), "--notices", str(kml), "--json"])
    assert from_kml.exit_code == 0, from_kml.output
    assert [json.loads(line) for line in from_kml.stdout.splitlines()] == rows
    bad_kml = write(tmp_path / "bad.kml", ["<kml><Document>"])
    refused = runner.invoke(app, ["tactical", "intrusions", "--tracks", str(tracks), "--notices", str(bad_kml)])
    assert refused.exit_code == 2
    assert "XML" in refused.stderr


def test_incidents(tmp_path: Path) -> None:
    lines: list[Any] = []
    for t in np.arange(-120.0, 120.0, 4.0):
        lon_a, lat_a = destination(38.27, 34.56, 0.0 if t >= 0 else 180.0, abs(t) * 360.0 / 3600.0)
        lon_b, lat_b = destination(38.27, 34.56, 90.0 if t >= 0 else 270.0, abs(t + 1.0) * 450.0 / 3600.0)
        lines.append(
            record("USA-E3-1", "USA", float(lat_a), float(lon_a), time=T0 + t, trk_deg=0, gs_kt=360, alt_ft=29000)
        )
        lines.append(
            record("RUS-SU35-1", "RUS", float(lat_b), float(lon_b), time=T0 + t + 1.0, gs_kt=450, alt_ft=29200)
        )
    lines.append('{"id": "RUS-SU35-1", "time": "yesterday"}')
    path = write(tmp_path / "series.jsonl", lines)
    result = runner.invoke(app, ["tactical", "incidents", str(path), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1
    incident = rows[0]
    assert (incident["a"], incident["b"]) == ("RUS-SU35-1", "USA-E3-1")
    assert incident["min_time"] == "2026-11-26T03:00:00Z"
    assert incident["min_v_ft"] == pytest.approx(200.0)
    assert incident["history_a"][0]["id"] == "RUS-SU35-1"
    assert 25 <= len(incident["history_b"]) <= 32
    assert "line 121: time: not an ISO 8601 time" in result.stderr
    loose = runner.invoke(app, ["tactical", "incidents", str(path), "--v-ft", "100"])
    assert loose.exit_code == 0
    assert "0 incident(s)" in loose.stdout
    table = runner.invoke(app, ["tactical", "incidents", str(path), "--h-nm", "2"])
    assert "1 incident(s) below 2 NM" in table.stdout


@pytest.mark.parametrize("command", ["scan", "intrusions", "incidents"])
def test_docs_name_every_command_option_and_setting(command: str) -> None:
    import typer.main

    # typer's groups carry their sub-commands in ``commands`` (typer vendors its own click)
    tactical = typer.main.get_command(app).commands["tactical"]  # type: ignore[attr-defined]
    assert f"airparley tactical {command}" in DOCS
    for parameter in tactical.commands[command].params:
        options = [o for o in parameter.opts if o.startswith("--") and o != "--help"]
        if options:
            assert max(options, key=len) in DOCS, options
    for settings in (ScanSettings, IntrusionSettings, IncidentSettings):
        for item in dataclasses.fields(settings):
            assert f"`{item.name}`" in DOCS, item.name


def test_scan_json_of_a_dense_scene_is_every_pair_of_the_core_in_order(tmp_path: Path) -> None:
    """Hundreds of pairs: the records built column by column are the core's pairs, smaller id first,
    ordered by (tin_s, a, b), rounded as documented; ids are not regathered per row."""
    from airparley.tactical import latest_per_id, parse_track_lines, scan_conflicts

    rng = np.random.default_rng(7)
    n = 400
    lines = [
        record(
            f"{'ZYX'[i % 3]}{rng.integers(0, 10**6):06d}-{i}",
            ("USA", "RUS", "TUR")[i % 3],
            float(rng.uniform(33.8, 34.2)),
            float(rng.uniform(41.8, 42.2)),
            alt_ft=float(rng.uniform(19000, 21000)),
            gs_kt=float(rng.uniform(150, 550)),
            trk_deg=float(rng.uniform(0, 360)),
            vs_fpm=float(rng.choice([0.0, 1500.0, -1500.0])),
        )
        for i in range(n)
    ]
    path = write(tmp_path / "dense.jsonl", lines)
    result = runner.invoke(app, ["tactical", "scan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in result.stdout.splitlines()]
    states = latest_per_id(parse_track_lines(path.read_text(encoding="utf-8").splitlines()).states)
    conflicts = scan_conflicts(states, ScanSettings())
    assert len(got) == len(conflicts) > 200
    assert all(r["a"] < r["b"] for r in got)
    assert {(r["a"], r["b"]) for r in got} == conflicts.pairs()
    keys = [(r["tin_s"], r["a"], r["b"]) for r in got]
    assert keys == sorted(keys)
    ids = conflicts.ids.tolist()
    expected = {
        tuple(sorted((ids[a], ids[b]))): (tin, dcpa)
        for a, b, tin, dcpa in zip(
            conflicts.a.tolist(),
            conflicts.b.tolist(),
            conflicts.tin_s.tolist(),
            conflicts.dcpa_nm.tolist(),
            strict=True,
        )
    }
    for r in got:
        tin, dcpa = expected[(r["a"], r["b"])]
        assert r["tin_s"] == round(tin, 3)
        assert r["dcpa_nm"] == round(dcpa, 4)
    assert conflicts.id_a is conflicts.id_a  # gathered once, then cached


def test_scan_json_lines_are_json_line_of_each_record(tmp_path: Path) -> None:
    """The JSON lines are written without a dict per row: they must be what ``json_line`` makes of the
    records, byte for byte, for ids that need escaping and for unbounded times (null)."""
    from airparley.cli._common import json_line
    from airparley.cli._tactical import _conflict_records
    from airparley.tactical import latest_per_id, parse_track_lines, scan_conflicts

    lines = [
        record("B1", "USA", 34.0, 42.0, gs_kt=400),
        record('Aé"\\1', "RUS", 34.02, 42.0, gs_kt=400),  # same track and speed: inside for all time
        record("C1", "TUR", 34.0, 42.02, trk_deg=270),
    ]
    path = write(tmp_path / "parallel.jsonl", lines)
    result = runner.invoke(app, ["tactical", "scan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    states = latest_per_id(parse_track_lines(path.read_text(encoding="utf-8").splitlines()).states)
    expected = [json_line(r) for r in _conflict_records(scan_conflicts(states, ScanSettings()))]
    assert result.stdout.splitlines() == expected
    parsed = [json.loads(line) for line in expected]
    assert any(r["tin_s"] is None and r["tout_s"] is None for r in parsed)
    assert any(r["a"] == 'Aé"\\1' for r in parsed)


def test_a_large_scan_table_has_every_row_and_column(tmp_path: Path) -> None:
    """Over RICH_TABLE_ROWS pairs the table is drawn without rich: one line per pair, every column."""
    from airparley.cli._common import RICH_TABLE_ROWS

    rng = np.random.default_rng(3)
    lines = [
        record(
            f"AC{i:05d}",
            ("USA", "RUS")[i % 2],
            float(rng.uniform(33.95, 34.05)),
            float(rng.uniform(41.95, 42.05)),
            alt_ft=20000,
            trk_deg=float(rng.uniform(0, 360)),
        )
        for i in range(120)
    ]
    path = write(tmp_path / "crowd.jsonl", lines)
    pairs = runner.invoke(app, ["tactical", "scan", str(path), "--json"]).stdout.splitlines()
    assert len(pairs) > RICH_TABLE_ROWS
    table = runner.invoke(app, ["tactical", "scan", str(path)])
    assert table.exit_code == 0
    out = table.stdout.splitlines()
    assert out[0].startswith(f"{len(pairs)} conflict(s) among 120 aircraft")
    header = out[2]
    for column in ("a", "b", "tin s", "tout s", "tcpa s", "dcpa NM", "dist NM", "dalt ft"):
        assert f" {column} " in header
    body = [line for line in out if line.startswith("│")]
    assert len(body) == len(pairs)
    first = json.loads(pairs[0])
    assert body[0].split("│")[1].strip() == first["a"]
    assert body[0].split("│")[2].strip() == first["b"]


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.floats(-1e6, 1e6), max_size=40),
    digits=st.sampled_from([1, 3, 4]),
)
def test_json_rounded_numbers_are_repr_of_round(values: list[float], digits: int) -> None:
    """The fast text of a rounded number is exactly what ``json_line`` writes of ``round(value, digits)``."""
    from airparley.cli._tactical import _json_rounded

    expected = [repr(round(v, digits)) if math.isfinite(v) else "null" for v in values]
    assert _json_rounded(np.array(values, dtype=np.float64), digits) == expected
