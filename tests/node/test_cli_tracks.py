"""``airparley tracks share|unshare|shares`` against a real node."""

from __future__ import annotations

import json

from node_support import Running
from test_node_shares import E3, _usa_picture
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def _run(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def test_sharing_a_track_from_the_command_line(running: Running) -> None:
    _usa_picture(running)
    shared = _run(
        running, "usa_duty", "tracks", "share", E3, "--with", "rus", "--with", "TUR", "--minutes", "30", "--json"
    )
    assert shared.exit_code == 0, shared.output
    share = json.loads(shared.stdout)["share"]
    assert share["with"] == ["RUS", "TUR"]
    assert share["until"] == "2026-11-26T01:30:00Z"
    again = _run(running, "usa_duty", "tracks", "share", E3, "--with", "SYR", "--idempotency-key", "k1")
    assert again.exit_code == 0, again.output
    assert f"USA {E3} -> SYR, until revoked" in again.stdout
    refused = _run(running, "usa_duty", "tracks", "share", E3, "--with", "USA")
    assert refused.exit_code == 2
    assert "with" in refused.stderr
    refused = _run(running, "usa_duty", "tracks", "share", E3, "--with", "RUS", "--minutes", "5000")
    assert refused.exit_code == 2
    assert "minutes" in refused.stderr
    listed = _run(running, "rus_duty", "tracks", "shares")
    assert listed.exit_code == 0, listed.output
    assert share["share_id"] in listed.stdout
    assert "1 share(s)" in listed.stdout  # the Russian desk sees the share that names it, not SYR's
    lines = _run(running, "usa_duty", "tracks", "shares", "--json").stdout.splitlines()
    assert len(lines) == 2
    revoked = _run(running, "usa_duty", "tracks", "unshare", share["share_id"])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.stdout
    twice = _run(running, "usa_duty", "tracks", "unshare", share["share_id"], "--json")
    assert twice.exit_code == 2
    assert "state" in twice.stderr
    (line,) = _run(running, "rus_duty", "tracks", "shares", "--json").stdout.splitlines()
    assert json.loads(line)["state"] == "revoked"
