"""``airparley ingest ...`` end to end against a REAL node (not the contract stand-in of ``ingest_support``).

The node is the ``running`` fixture of ``tests/node`` (uvicorn on 127.0.0.1 over a SQLite file, parties
USA/RUS/TUR/SYR with officers of every tier). The recorded samples of ``tests/data/ingest`` go in through
the real command line, with a USA ``sensor`` token; the USA ``duty`` officer's ``GET /api/v1/tracks`` must
then hold exactly the expected tracks at the expected positions, and no other party may see them. The
node's clock is set just after each recording, so every state is fresh (younger than 30 s) when read.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

NODE_TESTS = Path(__file__).resolve().parent.parent / "node"
sys.path.insert(0, str(NODE_TESTS))  # node_support, shared with the node's tests

from node_support import Running  # noqa: E402

from airparley.cli import app  # noqa: E402

_spec = importlib.util.spec_from_file_location("airparley_node_test_fixtures", NODE_TESTS / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_node_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_node_fixtures)
running = _node_fixtures.running  # the same real node the node's tests use

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
SBS = DATA / "sbs-sample.txt"
CSV_MAP = "id=hex,time=ts,lat=latitude,lon=longitude,alt_ft=alt_m,gs_kt=speed_ms,trk_deg=heading,vs_fpm=vrate_ms"
#: The bad lines of sbs-sample.txt as the command reports them: line number, field, reason.
SBS_BAD_LINES = (
    "line 18: lon: a position needs both lat and lon",
    "line 19: hex_ident: must be 6 hex digits, got '4CA2D'",
    "line 20: date_generated: not a real date and time: 2026/13/26 03:00:02.800",
    "line 21: altitude: not a number: 'FL370'",
    "line 22: lat: 95 is above 90",
    "line 23: lon: a position needs both lat and lon",
    "line 24: transmission_type: must be 1 to 8, got 9",
    "line 25: message_type: not an SBS line: starts with '$GPGGA'",
    "line 27: (line): has 7 fields; an SBS MSG line has 22",
)
SBS_SUMMARY = "26 line(s): 4 state(s), 9 bad"

runner = CliRunner()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the store is tested on both backends by the node's own tests."""
    return f"sqlite:///{tmp_path / 'airparley.db'}"


def _at(running: Running, iso: str) -> None:
    running.clock.now = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def _ingest(running: Running, *args: str) -> Any:
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk("usa_sensor").token}
    return runner.invoke(app, ["ingest", *args], env=env)


def _picture(running: Running, desk: str = "usa_duty") -> dict[str, dict[str, Any]]:
    answer = running.desk(desk).client.get("/api/v1/tracks")
    assert answer.status_code == 200, answer.text
    return {track["id"]: track for track in answer.json()}


def _where(track: dict[str, Any]) -> tuple[float, float, float]:
    return track["lat"], track["lon"], track["alt_ft"]


def _only_usa_sees_them(running: Running) -> None:
    for desk in ("rus_duty", "tur_duty", "syr_duty"):
        assert _picture(running, desk) == {}, desk


# -- (1) recorded files through the real command line --------------------------------------------------------------
def test_an_sbs_recording_reaches_the_partys_picture_and_no_other(running: Running) -> None:
    _at(running, "2026-11-26T03:00:05Z")
    result = _ingest(running, "sbs", str(SBS), "--source", "RADAR-1")
    assert result.exit_code == 0, result.output
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90"}  # 710258 on the ground and A1B2C3 have no complete state
    ryanair, speedbird = picture["4ca2d6"], picture["406b90"]
    assert _where(ryanair) == (34.5, 38.215, 36925.0)  # the newest of its three states, 03:00:03.5
    assert (ryanair["gs_kt"], ryanair["trk_deg"], ryanair["vs_fpm"]) == (450.0, 90.0, -64.0)
    assert ryanair["callsign"] == "RYR1427"
    assert ryanair["time_s"] == pytest.approx(datetime(2026, 11, 26, 3, 0, 3, 500000, tzinfo=UTC).timestamp())
    assert _where(speedbird) == (34.7, 38.4, 24100.0)
    assert {t["source"] for t in picture.values()} == {"RADAR-1"}
    assert {t["party"] for t in picture.values()} == {"UNKNOWN"}  # an ADS-B feed does not say whose
    assert f"node {running.url}: " in result.stderr
    _only_usa_sees_them(running)


def test_an_aircraft_json_file_with_a_party_override(running: Running) -> None:
    _at(running, "2026-11-26T03:00:05Z")
    result = _ingest(running, "aircraft-json", str(DATA / "aircraft.json"), "--party", "rus")
    assert result.exit_code == 0, result.output
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90", "~2d0f11"}
    assert _where(picture["4ca2d6"]) == (34.5, 38.2, 37000.0)
    assert _where(picture["406b90"]) == (34.7, 38.4, 24100.0)
    assert _where(picture["~2d0f11"]) == (34.9, 38.6, 12000.0)
    # the time of a position is the document's "now" less its "seen_pos"
    assert picture["406b90"]["time_s"] == pytest.approx(1795662000.5 - 2.0)
    assert {t["party"] for t in picture.values()} == {"RUS"}  # whose aircraft, not whose picture
    assert "12 aircraft record(s): 3 state(s)" in result.stderr
    _only_usa_sees_them(running)


def test_a_csv_recording_through_a_column_mapping(running: Running) -> None:
    _at(running, "2026-11-26T03:00:31Z")
    args = ["csv", str(DATA / "flights.csv"), "--map", f"{CSV_MAP},callsign=call,party=owner"]
    result = _ingest(running, *args, "--alt-unit", "m", "--speed-unit", "ms", "--vs-unit", "ms")
    assert result.exit_code == 0, result.output
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90", "f00001"}
    assert _where(picture["4ca2d6"]) == (34.5, 38.28, 37000.0)  # 11,277.6 m, its row of 03:00:30
    assert picture["4ca2d6"]["gs_kt"] == pytest.approx(450.0, abs=0.1)  # 231.5 m/s
    assert _where(picture["406b90"]) == (34.7, 38.4, 24100.0)
    assert _where(picture["f00001"]) == (34.9, 38.61, 20000.0)  # the epoch_ms row, 0.5 s after the other
    assert picture["f00001"]["party"] == "USA"
    assert picture["4ca2d6"]["party"] == "UNKNOWN"
    assert "10 row(s): 6 state(s), 4 bad" in result.stderr
    _only_usa_sees_them(running)


# -- (2) an SBS-1 server over TCP ---------------------------------------------------------------------------------
@contextmanager
def _sbs_feed(lines: list[str]) -> Iterator[tuple[int, threading.Event]]:
    """A BaseStation-like server on 127.0.0.1: one connection gets every line, then the server closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(20)
    served = threading.Event()

    def serve() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            for line in lines:  # line by line, as a receiver writes them
                connection.sendall((line + "\r\n").encode("utf-8", errors="surrogateescape"))
            served.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1]), served
    finally:
        listener.close()
        thread.join(5)


def test_an_sbs_feed_over_tcp_to_the_node_in_bounded_time(running: Running) -> None:
    _at(running, "2026-11-26T03:00:05Z")
    lines = SBS.read_text(encoding="utf-8").splitlines()
    env = {
        **os.environ,
        "AIRPARLEY_URL": running.url,
        "AIRPARLEY_TOKEN": running.desk("usa_sensor").token,
        "NO_COLOR": "1",
    }
    with _sbs_feed(lines) as (port, served):
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "airparley.cli", "ingest", "sbs", f"127.0.0.1:{port}", "--max-reconnects", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        took_s = time.monotonic() - began
    assert served.is_set()
    assert done.returncode == 0, done.stderr
    assert took_s < 30
    assert "giving up on 127.0.0.1" in done.stderr
    for expected in SBS_BAD_LINES:
        assert expected in done.stderr
    assert "26 line(s): 4 state(s), 9 bad" in done.stderr
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90"}
    assert _where(picture["4ca2d6"]) == (34.5, 38.215, 36925.0)
    assert _where(picture["406b90"]) == (34.7, 38.4, 24100.0)
    assert picture["4ca2d6"]["source"] == f"sbs:127.0.0.1:{port}"
    _only_usa_sees_them(running)


# -- (3) malformed input: counted, reported by line, never fatal ------------------------------------------------
def test_malformed_sbs_lines_are_reported_by_number_and_the_rest_gets_through(running: Running, tmp_path: Path) -> None:
    _at(running, "2026-11-26T03:00:05Z")
    good = [line for line in SBS.read_text(encoding="utf-8").splitlines() if line.startswith("MSG,")][:9]
    stamp = "2026/11/26,03:00:04.{0}00,2026/11/26,03:00:04.{0}10"
    junk = [
        "",  # line 10: blank, skipped without a word
        f"MSG,3,1,1,ZZZZZZ,1,{stamp.format(0)},,37000,,,34.5,38.3,,,0,0,0,0",
        f"MSG,3,1,1,4CA2D6,1,{stamp.format(1)},,37000,,,34.5,nan,,,0,0,0,0",
        f"MSG,4,1,1,4CA2D6,1,{stamp.format(2)},,,inf,90,,,0,,0,0,0,0",
        "MSG,3,1,1,4CA2D6,1,2026/11/26,25:61:00.000,2026/11/26,03:00:04.310,,37000,,,34.5,38.3,,,0,0,0,0",
        "MSG," + "9" * 10000,
        "\x00\x01\x02 binary noise \x7f",
        f"MSG,3,1,1,4CA2D6,1,{stamp.format(4)},,37000,,,34.5,38.3,,,0,0,0,0,extra,x",
        f"MSG,3,1,1,4CA2D6,1,{stamp.format(5)},,-1e400,,,34.5,38.3,,,0,0,0,0",
        f"MSG,4,1,1,4CA2D6,1,{stamp.format(7)},,,-5,90,,,0,,0,0,0,0",
        f"MSG,3,1,1,4CA2D6,1,{stamp.format(8)},,37000,,,34.5,38.31,,,0,0,0,0",
    ]
    feed = tmp_path / "feed.txt"
    feed.write_bytes(("\n".join(good + junk) + "\n").encode() + b"MSG,3,\xff\xfe bad utf-8\n")
    result = _ingest(running, "sbs", str(feed), "--min-interval-s", "0")
    assert result.exit_code == 0, result.output
    for reported in (
        "line 11: hex_ident: must be 6 hex digits, got 'ZZZZZZ'",
        "line 12: lon: must be a finite number, got 'nan'",
        "line 13: ground_speed: must be a finite number, got 'inf'",
        "line 14: date_generated: not a real date and time",
        "line 15: (line): has 2 fields",
        "line 16: message_type: not an SBS line",
        "line 17: (line): has 24 fields",
        "line 18: altitude: must be a finite number, got '-1e400'",
        "line 19: ground_speed: -5 is below 0",
        "line 21: (line): has 3 fields",  # bad UTF-8: replaced, then refused as any short line
    ):
        assert f"{feed}, {reported}" in result.stderr, reported
    assert "20 line(s): 4 state(s), 10 bad" in result.stderr
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90"}
    assert _where(picture["4ca2d6"]) == (34.5, 38.31, 37000.0)  # the good line after all the junk
    _only_usa_sees_them(running)


def test_a_stray_quote_in_a_csv_recording_costs_one_row_not_the_rest(running: Running, tmp_path: Path) -> None:
    # Before the fix one csv.reader read the whole file, so this quote opened a field that swallowed every
    # row after it: 2 states reached the node instead of 6, and the one error carried the last line's number.
    _at(running, "2026-11-26T03:00:31Z")
    header, *rows = (DATA / "flights.csv").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.csv"
    lines = [header, rows[0], rows[1], '"unterminated,2026-11-26T03:00:03Z', *rows[2:], "4ca2d6,2026-11-26T03:00:31Z"]
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _ingest(running, "csv", str(broken), "--map", CSV_MAP, "--alt-unit", "m", "--speed-unit", "ms")
    assert result.exit_code == 0, result.output
    for reported in (
        "line 4: time: is empty (column 'ts')",  # the stray quote: one cell, this row only
        "line 8: lat: is empty (column 'latitude')",
        "line 9: gs_kt: -5 is below 0",
        "line 10: time: not an ISO 8601 time: 'yesterday'",
        "line 11: alt_ft: not a number: 'high'",
        "line 13: lat: is empty",  # a short row
    ):
        assert f"{broken}, {reported}" in result.stderr, reported
    assert "12 row(s): 6 state(s), 6 bad" in result.stderr
    picture = _picture(running)
    assert set(picture) == {"4ca2d6", "406b90", "f00001"}
    assert _where(picture["4ca2d6"])[:2] == (34.5, 38.28)  # its row after the quote: 03:00:30
    _only_usa_sees_them(running)


def test_malformed_aircraft_records_are_counted_not_fatal(running: Running, tmp_path: Path) -> None:
    _at(running, "2026-11-26T03:00:05Z")
    recording = tmp_path / "aircraft.jsonl"
    document = json.loads((DATA / "aircraft.json").read_text(encoding="utf-8"))
    lines = [json.dumps(document), "{not json", json.dumps({"now": 1795662001.5, "aircraft": "none"}), "[]"]
    recording.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _ingest(running, "aircraft-json", str(recording))
    assert result.exit_code == 0, result.output
    assert f"{recording}, line 2: (line): not valid JSON" in result.stderr
    assert f"{recording}, line 3: aircraft: must be a list of aircraft objects" in result.stderr
    assert f"{recording}, line 4: (document): must be a JSON object with now and aircraft, got list" in result.stderr
    assert "aircraft.8.gs: not a number: 'fast'" in result.stderr
    assert "15 aircraft record(s): 3 state(s), 7 bad, skipped: 1 no altitude" in result.stderr
    assert set(_picture(running)) == {"4ca2d6", "406b90", "~2d0f11"}
    _only_usa_sees_them(running)
