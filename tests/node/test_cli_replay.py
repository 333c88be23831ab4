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
