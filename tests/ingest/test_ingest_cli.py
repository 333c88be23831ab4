"""``airparley ingest ...`` end to end: files and a TCP feed in; a track file, or a CONTRACT STAND-IN node, out.

The commands are invoked through a small app that mounts the ``ingest`` sub-app, so these tests do not
depend on its registration in ``airparley.cli``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from ingest_support import contract_node, free_port, sbs_server
from typer.testing import CliRunner

from airparley.cli._ingest import ingest_app
from airparley.tactical import parse_track_lines

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
T0 = 1795662000.0

app = typer.Typer()
app.add_typer(ingest_app, name="ingest")
runner = CliRunner()


def _track_file(path: Path) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    parsed = parse_track_lines(lines)
    assert parsed.ok, parsed.errors
    return [json.loads(line) for line in lines]


def test_sbs_file_to_a_track_file(tmp_path: Path) -> None:
    out = tmp_path / "tracks.jsonl"
    result = runner.invoke(app, ["ingest", "sbs", str(DATA / "sbs-sample.txt"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = _track_file(out)
    assert [(r["id"], r["time"]) for r in records] == [
        ("4ca2d6", "2026-11-26T03:00:01.000Z"),  # 03:00:01.500 thinned away (--min-interval-s 1)
        ("406b90", "2026-11-26T03:00:02.000Z"),
        ("4ca2d6", "2026-11-26T03:00:03.500Z"),
    ]
    assert records[0]["source"] == "sbs-sample.txt"
    assert "party" not in records[0]
    assert "line 21: altitude: not a number: 'FL370'" in result.stderr
    assert "26 line(s): 4 state(s), 9 bad" in result.stderr
    assert f"{out}: wrote 3 state(s)" in result.stderr
    every = runner.invoke(
        app, ["ingest", "sbs", str(DATA / "sbs-sample.txt"), "--out", "-", "--min-interval-s", "0", "--party", "usa"]
    )
    assert [json.loads(line)["party"] for line in every.stdout.splitlines()] == ["USA"] * 4


def test_sbs_over_tcp_reconnects_and_posts_to_a_node() -> None:
    first = [
        "MSG,1,1,1,4CA2D6,1,2026/11/26,03:00:00.100,2026/11/26,03:00:00.110,RYR1427,,,,,,,,,,,0",
        "MSG,4,1,1,4CA2D6,1,2026/11/26,03:00:00.700,2026/11/26,03:00:00.710,,,450,90.0,,,-64,,0,0,0,0",
        "MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:01.000,2026/11/26,03:00:01.010,,37000,,,34.5,38.2025,,,0,0,0,0",
        "MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:02.000,2026/11/26,03:00:02.010,,37000,,,34.5,38.2050,,,0,0,0,0",
        "MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:02.500,2026/11/26,03:00:02.510,,37000,,,34.5,38.2060,,,0,0,0,0",
        "not sbs at all",
    ]
    second = [
        "MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:03.000,2026/11/26,03:00:03.010,,37000,,,34.5,38.2075,,,0,0,0,0",
    ]
    with contract_node() as node, sbs_server([first, second]) as (host, port):
        result = runner.invoke(
            app,
            ["ingest", "sbs", f"{host}:{port}", "--max-reconnects", "1", "--source", "RADAR-1"],
            env={"AIRPARLEY_URL": node.url, "AIRPARLEY_TOKEN": "usa-sensor"},
        )
        assert result.exit_code == 0, result.output
        stored = node.states_of("USA")
    assert [s["time"] for s in stored] == [
        "2026-11-26T03:00:01.000Z",
        "2026-11-26T03:00:02.000Z",
        "2026-11-26T03:00:03.000Z",  # after the reconnection
    ]
    assert {s["source"] for s in stored} == {"RADAR-1"}
    assert stored[0]["callsign"] == "RYR1427"
    assert f"connected to {host}:{port}" in result.stderr
    assert "closed the connection; reconnecting" in result.stderr
    assert "line 6: message_type: not an SBS line" in result.stderr
    assert "3 accepted, 0 rejected, 0 failed" in result.stderr


def test_aircraft_json_polled_from_a_url_sends_each_state_once() -> None:
    document = json.loads((DATA / "aircraft.json").read_text())
    with contract_node(aircraft_json=document) as node:
        result = runner.invoke(
            app,
            ["ingest", "aircraft-json", f"{node.url}/aircraft.json", "--polls", "3", "--interval", "0.05"],
            env={"AIRPARLEY_URL": node.url, "AIRPARLEY_TOKEN": "usa-sensor"},
        )
        assert result.exit_code == 0, result.output
        assert sorted(s["id"] for s in node.states_of("USA")) == ["406b90", "4ca2d6", "~2d0f11"]
    assert "36 aircraft record(s): 9 state(s), 12 bad" in result.stderr  # 3 reads of 12 records
    assert "aircraft.8.gs: not a number: 'fast'" in result.stderr


def test_aircraft_json_file_once(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = runner.invoke(app, ["ingest", "aircraft-json", str(DATA / "aircraft.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(_track_file(out)) == 3


def test_opensky_file(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = runner.invoke(
        app, ["ingest", "opensky", str(DATA / "opensky-recording.jsonl"), "--out", str(out), "--source", "OSN"]
    )
    assert result.exit_code == 0, result.output
    records = _track_file(out)
    assert [(r["alt_ft"], r["gs_kt"], r["source"]) for r in records] == [(37000.0, 450.0, "OSN")] * 2
    assert "line 3: (line): not valid JSON" in result.stderr


def test_csv_with_a_mapping_units_and_replay_speed(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    mapping = "id=hex,time=ts,lat=latitude,lon=longitude,alt_ft=alt_m,gs_kt=speed_ms,trk_deg=heading,vs_fpm=vrate_ms"
    args = ["ingest", "csv", str(DATA / "flights.csv"), "--out", str(out), "--alt-unit", "m", "--speed-unit", "ms"]
    args += ["--vs-unit", "ms", "--map", f"{mapping},callsign=call,party=owner"]
    started = time.monotonic()
    result = runner.invoke(app, [*args, "--speed", "200"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert elapsed >= 0.1  # 30 s of recording at 200x: 0.15 s
    records = _track_file(out)
    assert len(records) == 6
    assert records[3]["party"] == "USA"
    assert "10 row(s): 6 state(s), 4 bad" in result.stderr
    retimed = runner.invoke(app, [*args, "--retime", "--out", "-"])
    first = json.loads(retimed.stdout.splitlines()[0])
    assert abs(parse_track_lines([json.dumps(first)]).states.time_s[0] - time.time()) < 60


def test_bad_input_exits_2_with_the_reason(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ingest", "csv", str(tmp_path / "none.csv"), "--out", "-"])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    unmapped = runner.invoke(app, ["ingest", "csv", str(DATA / "flights.csv"), "--out", "-", "--map", "id=icao"])
    assert unmapped.exit_code == 2
    assert "no column 'icao'" in unmapped.stderr
    bad_unit = runner.invoke(app, ["ingest", "csv", str(DATA / "flights.csv"), "--out", "-", "--alt-unit", "yd"])
    assert bad_unit.exit_code == 2
    assert "alt_unit" in bad_unit.stderr
    bad_zone = runner.invoke(app, ["ingest", "sbs", str(DATA / "sbs-sample.txt"), "--utc-offset", "Mars"])
    assert bad_zone.exit_code == 2
    no_token = runner.invoke(app, ["ingest", "sbs", str(DATA / "sbs-sample.txt")], env={"AIRPARLEY_TOKEN": ""})
    assert no_token.exit_code == 2
    assert "no token" in no_token.stderr


def test_node_refusing_the_token_exits_2_and_an_unreachable_node_exits_1() -> None:
    with contract_node() as node:
        refused = runner.invoke(
            app, ["ingest", "aircraft-json", str(DATA / "aircraft.json"), "--url", node.url, "--token", "wrong"]
        )
    assert refused.exit_code == 2, refused.output
    assert "the node refused the token: 401" in refused.stderr
    away_url = f"http://127.0.0.1:{free_port()}"
    away = runner.invoke(
        app,
        ["ingest", "aircraft-json", str(DATA / "aircraft.json"), "--url", away_url, "--token", "t", "--retry-s", "0.3"],
    )
    assert away.exit_code == 1, away.output
    assert "3 failed" in away.stderr
    assert "cannot reach the node" in away.stderr


def test_a_track_file_is_posted_in_time_order(tmp_path: Path) -> None:
    converted = tmp_path / "t.jsonl"
    runner.invoke(app, ["ingest", "sbs", str(DATA / "sbs-sample.txt"), "--out", str(converted)])
    lines = converted.read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join([lines[2], "{broken", lines[0], lines[1]]) + "\n", encoding="utf-8")
    with contract_node() as node:
        result = runner.invoke(
            app, ["ingest", "tracks", str(mixed), "--url", node.url, "--token", "usa-sensor", "--party", "RUS"]
        )
        assert result.exit_code == 0, result.output
        stored = node.states_of("USA")
    assert [s["time"] for s in stored] == sorted(s["time"] for s in stored)
    assert {s["party"] for s in stored} == {"RUS"}
    assert "line 2: (line): not valid JSON" in result.stderr
    assert "4 state(s): 3 state(s), 1 bad" in result.stderr
