"""``airparley replay`` against a real node and, for the operator, from its database (issue 19 item 4)."""

from __future__ import annotations

import json
from typing import Any

from node_support import Running
from palmyra import rus_strike, usa_strike
from test_node_shares import E3, _usa_picture
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def _tick(running: Running) -> None:
    """A scheduler tick; the served node's scheduler writes the kept states in a thread of its own: wait for it."""
    running.node.tick()
    running.node.state_keeper.join()


def _replay(running: Running, desk: str | None, *args: str, code: int = 0) -> Any:
    # pytest-xdist's workers set COLUMNS=80, which rich obeys: wide enough that no table column is cut.
    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token if desk else ""}
    result = runner.invoke(app, ["replay", *args], env=env)
    assert result.exit_code == code, result.output
    return result


def test_replay_prints_what_a_party_could_see_then(running: Running) -> None:
    at = "2026-11-26T01:00:00Z"
    _usa_picture(running)
    for desk, document in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):
        assert running.desk(desk).client.post("/api/v1/notices", json=document).status_code == 201
    _tick(running)
    running.clock.advance(seconds=30)

    # Against the node: the token's party, one JSON line (the API's answer).
    (line,) = _replay(running, "usa_duty", "--at", at, "--party", "USA", "--json").stdout.splitlines()
    usa = json.loads(line)
    assert usa == running.desk("usa_duty").client.get("/api/v1/picture", params={"at": at}).json()
    assert {t["id"] for t in usa["tracks"]} == {E3, "USA-F16-1"}
    assert len(usa["conflicts"]) == 1
    assert usa["track_keep_s"] == 3600
    assert usa["tracks_kept_since"] == at  # the first state kept
    # Text: the notice, the conflict and the tracks, by name.
    text = _replay(running, "usa_duty", "--at", at).stdout
    assert "USA as of 2026-11-26T01:00:00Z" in text
    assert "USA-0101 v1" in text
    assert E3 in text
    # --party must be the token's: a node answers an officer for its own party only.
    refused = _replay(running, "usa_duty", "--at", at, "--party", "RUS", code=2)
    assert "party" in refused.output
    # A bad moment: the node's reason, naming at.
    bad = _replay(running, "usa_duty", "--at", "yesterday", code=2)
    assert "at" in bad.output
    assert "ISO 8601" in bad.output

    # The operator, from the database: the same picture, and RUS's has none of USA's private tracks.
    (line,) = _replay(running, None, "--db", running.db_url, "--party", "USA", "--at", at, "--json").stdout.splitlines()
    assert json.loads(line)["tracks"] == usa["tracks"]
    (line,) = _replay(running, None, "--db", running.db_url, "--party", "rus", "--at", at, "--json").stdout.splitlines()
    rus = json.loads(line)
    assert rus["party"] == "RUS"
    assert rus["tracks"] == []
    assert rus["tracks_kept_since"] is None  # RUS's sensors posted nothing
    assert "TGT-4471" not in line
    assert len(rus["conflicts"]) == 1
    missing = _replay(running, None, "--db", running.db_url, "--at", at, code=2)
    assert "party" in missing.output
    unknown = _replay(running, None, "--db", running.db_url, "--party", "XYZ", "--at", at, code=2)
    assert "XYZ is not a party" in unknown.output


def test_replay_trail_s_gives_each_track_its_trail_from_a_node_and_from_the_database(running: Running) -> None:
    from datetime import timedelta

    from test_node_replay import _iso, _usa_states

    start = running.clock()
    for seconds in (0, 10, 20):
        if seconds:
            running.clock.advance(seconds=10)
        answer = running.desk("usa_sensor").client.post(
            "/api/v1/tracks", json={"states": _usa_states(running, seconds)}
        )
        assert answer.status_code == 202, answer.text
        if seconds == 10:
            shared = running.desk("usa_duty").client.post(
                "/api/v1/tracks/shares", json={"track": "USA-E3-1", "with": ["RUS"]}
            )
            assert shared.status_code == 201, shared.text
        _tick(running)
    at = _iso(start + timedelta(seconds=20))
    t0 = start.timestamp()

    # Against the node: the API's answer with trail_s, each track's kept positions oldest first.
    (line,) = _replay(running, "usa_duty", "--at", at, "--trail-s", "60", "--json").stdout.splitlines()
    usa = json.loads(line)
    api = running.desk("usa_duty").client.get("/api/v1/picture", params={"at": at, "trail_s": 60}).json()
    assert usa == api
    assert set(usa["trails"]) == {"USA-F16-1", "USA-F16-2", "USA-E3-1"}
    assert [p[2] for p in usa["trails"]["USA-F16-1"]] == [t0, t0 + 10, t0 + 20]
    (line,) = _replay(running, "usa_duty", "--at", at, "--trail-s", "15", "--json").stdout.splitlines()
    assert [p[2] for p in json.loads(line)["trails"]["USA-F16-2"]] == [t0 + 10, t0 + 20]
    (line,) = _replay(running, "usa_duty", "--at", at, "--json").stdout.splitlines()
    assert json.loads(line)["trails"] == {}, "no trail unless asked for"

    # The human output: each trail's length and ends, and the table's trail column.
    text = _replay(running, "usa_duty", "--at", at, "--trail-s", "60").stdout
    first = usa["trails"]["USA-F16-1"][0]
    assert f"trail USA-F16-1: 3 position(s), 01:00:00Z {first[0]:.4f} {first[1]:.4f} -> 01:00:20Z" in text
    assert "trail USA-E3-1: 3 position(s)" in text
    assert "trail" not in _replay(running, "usa_duty", "--at", at).stdout.split("track states kept")[0].lower()

    # The operator, from the database: the same trails; RUS's E-3 trail starts at its share (01:00:10).
    (line,) = _replay(
        running, None, "--db", running.db_url, "--party", "USA", "--at", at, "--trail-s", "60", "--json"
    ).stdout.splitlines()
    assert json.loads(line)["trails"] == usa["trails"]
    (line,) = _replay(
        running, None, "--db", running.db_url, "--party", "RUS", "--at", at, "--trail-s", "60", "--json"
    ).stdout.splitlines()
    rus = json.loads(line)["trails"]
    assert set(rus) == {"USA-E3-1"}
    assert [p[2] for p in rus["USA-E3-1"]] == [t0 + 10, t0 + 20]
    rus_text = _replay(running, None, "--db", running.db_url, "--party", "RUS", "--at", at, "--trail-s", "60").stdout
    assert "trail USA-E3-1: 2 position(s), 01:00:10Z" in rus_text

    # Out of the bound (0-300 s, trail_s), in either mode: exit 2 naming trail_s and the bound, as the route.
    for mode in (("--at", at), ("--db", running.db_url, "--party", "USA", "--at", at)):
        for bad in ("301", "-1"):
            refused = _replay(running, "usa_duty" if len(mode) == 2 else None, *mode, "--trail-s", bad, code=2)
            assert "trail_s" in refused.output
            assert "300" in refused.output
    not_a_number = _replay(running, "usa_duty", "--at", at, "--trail-s", "a minute", code=2)
    assert "--trail-s" in not_a_number.output
