"""``airparley alerts list|call|flags`` against a real node."""

from __future__ import annotations

import json

from node_support import Running
from test_node_nonresponse import SU35, _fly, _post_picture
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def _run(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def test_alerts_safety_calls_and_flags_from_the_command_line(running: Running) -> None:
    _post_picture(running)
    running.node.tick()
    listed = _run(running, "usa_duty", "alerts", "list")
    assert listed.exit_code == 0, listed.output
    assert "0 alert(s)" in listed.stdout
    called = _run(running, "usa_duty", "alerts", "call", SU35, "--frequency", "121.5", "--to", "rus", "--json")
    assert called.exit_code == 0, called.output
    message = json.loads(called.stdout)["message"]
    assert message["content"]["params"]["frequency"] == 121.5
    assert message["recipients"] == ["RUS"]
    again = _run(running, "usa_duty", "alerts", "call", SU35, "--idempotency-key", "k1")
    assert again.exit_code == 0, again.output
    assert "BERKUT21" in again.stdout
    refused = _run(running, "usa_duty", "alerts", "call", SU35, "--frequency", "300.1")
    assert refused.exit_code == 2
    assert "frequency_mhz" in refused.stderr
    _fly(running, 190)
    flags = _run(running, "rus_duty", "alerts", "flags")
    assert flags.exit_code == 0, flags.output
    assert "BERKUT21" in flags.stdout
    assert "2 flag(s)" in flags.stdout  # one per safety call
    lines = _run(running, "usa_duty", "alerts", "flags", "--json").stdout.splitlines()
    assert {json.loads(line)["track"]["id"] for line in lines} == {SU35}
    assert _run(running, "usa_duty", "alerts", "list", "--json").stdout == ""
