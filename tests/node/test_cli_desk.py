"""``airparley notice close``, ``frequency list|register``, ``picture`` and ``events`` (``--follow``) against a real
node on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from node_support import Running, Served, _free_port
from palmyra import usa_strike
from test_node_shares import E3, _usa_picture
from typer.testing import CliRunner

from airparley.cli import app
from airparley.web import desk_app

runner = CliRunner()


def _run(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    # pytest-xdist's workers set COLUMNS=80, which rich obeys: wide enough that no table column is cut.
    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_closing_a_notice(running: Running, tmp_path: Path) -> None:
    usa = tmp_path / "usa.geojson"
    usa.write_text(json.dumps(usa_strike()))
    assert _run(running, "usa_duty", "notice", "file", str(usa)).exit_code == 0
    closed = _run(running, "usa_duty", "notice", "close", "USA-0101", "--json")
    assert closed.exit_code == 0, closed.output
    (result,) = _lines(closed.stdout)
    assert result["state"] == "closed"
    assert result["notice"]["notice_id"] == "USA-0101"
    again = _run(running, "usa_duty", "notice", "close", "USA-0101")
    assert again.exit_code == 2
    assert "state" in again.stderr or "closed" in again.stderr
    observer = _run(running, "usa_observer", "notice", "close", "USA-0101")
    assert observer.exit_code == 2
    assert "403" in observer.stderr


def test_frequencies_agreed_and_registered(running: Running) -> None:
    registered = _run(
        running, "usa_duty", "frequency", "register", "Deconfliction VHF", "130.5", "--area", "Syria", "--json"
    )
    assert registered.exit_code == 0, registered.output
    (added,) = _lines(registered.stdout)
    assert added["mhz"] == 130.5
    assert added["area"] == "Syria"
    catalogue = _lines(_run(running, "rus_observer", "frequency", "list", "--registered", "--json").stdout)
    assert "Deconfliction VHF" in [f["name"] for f in catalogue]
    # Registered is not agreed: RUS's agreed frequencies are the two guards until an agreement names more.
    agreed = _lines(_run(running, "rus_duty", "frequency", "list", "--json").stdout)
    assert [f["guard"] for f in agreed] == [True, True]
    table = _run(running, "rus_duty", "frequency", "list")
    assert table.exit_code == 0, table.output
    assert "243.000" in table.stdout
    assert "guard" in table.stdout
    bad = _run(running, "usa_duty", "frequency", "register", "Too high", "5000")
    assert bad.exit_code == 2
    assert "mhz" in bad.stderr
    observer = _run(running, "usa_observer", "frequency", "register", "Mine", "131.0")
    assert observer.exit_code == 2
    assert "403" in observer.stderr


def test_the_air_picture(running: Running) -> None:
    _usa_picture(running)
    tracks = _lines(_run(running, "usa_observer", "picture", "--json").stdout)
    assert {t["id"] for t in tracks} == {E3, "USA-F16-1"}
    table = _run(running, "usa_duty", "picture")
    assert table.exit_code == 0, table.output
    assert "SENTRY60" in table.stdout
    assert "2 track(s)" in table.stdout
    # RUS sees none of the American picture (nothing shared).
    assert _run(running, "rus_duty", "picture", "--json").stdout == ""
    sensor = _run(running, "usa_sensor", "picture")
    assert sensor.exit_code == 2
    assert "403" in sensor.stderr


def test_the_event_feed_after_a_cursor(running: Running, tmp_path: Path) -> None:
    usa = tmp_path / "usa.geojson"
    usa.write_text(json.dumps(usa_strike()))
    assert _run(running, "usa_duty", "notice", "file", str(usa)).exit_code == 0
    assert _run(running, "usa_duty", "notice", "close", "USA-0101").exit_code == 0
    for n in range(5):
        assert _run(running, "usa_duty", "frequency", "register", f"F{n}", f"{130 + n}").exit_code == 0
    everything = _lines(_run(running, "usa_duty", "events", "--json", "--limit", "2").stdout)
    kinds = [e["kind"] for e in everything]
    assert kinds[:2] == ["notice.filed", "notice.closed"]
    assert kinds.count("frequency.added") == 5
    seqs = [e["seq"] for e in everything]
    assert seqs == sorted(set(seqs))  # every page read once, in order
    closed = _lines(_run(running, "usa_duty", "events", "--kind", "notice.closed", "--json").stdout)
    assert [e["kind"] for e in closed] == ["notice.closed"]
    later = _lines(_run(running, "usa_duty", "events", "--after", str(closed[0]["seq"]), "--json").stdout)
    assert [e["kind"] for e in later] == ["frequency.added"] * 5
    text = _run(running, "rus_duty", "events")
    assert text.exit_code == 0, text.output
    assert "notice.filed" not in text.stdout  # the American notice is not RUS's to see
    assert "frequency.added" in text.stdout
    assert f"next: --after {seqs[-1]}" in text.stdout
    sensor = _run(running, "usa_sensor", "events")
    assert sensor.exit_code == 2
    assert "403" in sensor.stderr


def _reader(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _next_event(lines: queue.Queue[str], timeout_s: float = 20.0) -> dict[str, Any]:
    line = lines.get(timeout=timeout_s)
    event: dict[str, Any] = json.loads(line)
    return event


def test_following_the_feed_across_a_node_restart_and_stopping_with_ctrl_c(running: Running) -> None:
    """A node that goes away and comes back: the follower reconnects from its cursor, misses nothing that
    happened while it was away and prints nothing twice; Ctrl-C ends it with exit 0 and no traceback."""
    port = _free_port()
    served = Served(desk_app(running.node), port)
    duty = running.desk("usa_duty").client

    def register(name: str) -> None:
        assert duty.post("/api/v1/frequencies", json={"name": name, "mhz": 131.0}).status_code == 201

    register("before")
    follower = subprocess.Popen(
        [sys.executable, "-m", "airparley.cli", "events", "--follow", "--json", "--kind", "frequency.added"],
        env={
            "AIRPARLEY_URL": f"http://127.0.0.1:{port}",
            "AIRPARLEY_TOKEN": running.desk("rus_duty").token,
            "PATH": "/usr/bin:/bin",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert follower.stdout is not None
    reader = threading.Thread(target=_reader, args=(follower.stdout, lines), daemon=True)
    reader.start()
    try:
        assert _next_event(lines)["data"]["name"] == "before"  # caught up from the start
        register("live")
        assert _next_event(lines)["data"]["name"] == "live"  # pushed on the WebSocket
        served.stop()
        register("while away")  # through the fixture's own server, the same node: committed meanwhile
        time.sleep(1.0)  # the follower has seen the connection drop and is retrying
        served = Served(desk_app(running.node), port)
        assert _next_event(lines)["data"]["name"] == "while away"
        register("after")
        assert _next_event(lines)["data"]["name"] == "after"
        time.sleep(0.5)
        assert lines.empty()  # nothing printed twice
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=15) == 0
        assert follower.stderr is not None
        stderr = follower.stderr.read()
        assert "connection lost" in stderr
        assert "stopped; next: --after" in stderr
        assert "Traceback" not in stderr
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait(timeout=10)
        reader.join(timeout=10)  # at the end of its output, before the pipes are closed
        follower.stdout.close()
        if follower.stderr is not None:
            follower.stderr.close()
        served.stop()


def test_following_with_an_unknown_token_stops_with_the_reason(running: Running) -> None:
    bad = runner.invoke(app, ["events", "--follow", "--url", running.url, "--token", "not-a-token"])
    assert bad.exit_code == 2
    assert "401" in bad.stderr


def test_a_follower_whose_officer_is_revoked_stops_with_the_reason(running: Running) -> None:
    """The node closes the revoked officer's socket (4401): no retry can cure that, so the follower stops."""
    running.node.settings = dataclasses.replace(running.node.settings, auth_cache_s=0.3)
    desk = running.desk("rus_duty")
    duty = running.desk("usa_duty").client
    follower = subprocess.Popen(
        [sys.executable, "-m", "airparley.cli", "events", "--follow", "--json"],
        env={"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": desk.token, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert follower.stdout is not None
    reader = threading.Thread(target=_reader, args=(follower.stdout, lines), daemon=True)
    reader.start()
    try:
        assert duty.post("/api/v1/frequencies", json={"name": "first", "mhz": 131.0}).status_code == 201
        assert _next_event(lines)["data"]["name"] == "first"
        # Printed after the catch-up: from here on the follower reads the WebSocket.
        assert duty.post("/api/v1/frequencies", json={"name": "live", "mhz": 131.0}).status_code == 201
        assert _next_event(lines)["data"]["name"] == "live"
        with running.node.store.begin() as tx:
            officer = tx.officer_by_token(desk.token)
            assert officer is not None
            tx.revoke_officer(officer.id, running.clock())
        assert follower.wait(timeout=15) == 2
        assert follower.stderr is not None
        stderr = follower.stderr.read()
        assert "revoked" in stderr
        assert "4401" in stderr
        assert "Traceback" not in stderr
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait(timeout=10)
        reader.join(timeout=10)
        follower.stdout.close()
        if follower.stderr is not None:
            follower.stderr.close()
