"""`airparley conflicts ID`, `notice list ID`, `msg list ID`: the CLI of the routes that read one conflict,
notice or message (issue 19 item 2), on a real node."""

from __future__ import annotations

import json

from node_support import Running
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def test_conflicts_with_an_id_prints_that_conflict_as_the_route_gives_it(running: Running) -> None:
    for desk, document in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):
        assert running.desk(desk).client.post("/api/v1/notices", json=document).status_code == 201
    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk("usa_duty").token}
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()

    one = runner.invoke(app, ["conflicts", conflict["id"], "--json"], env=env)
    assert one.exit_code == 0, one.output
    (line,) = one.stdout.splitlines()
    assert json.loads(line) == running.desk("usa_duty").client.get(f"/api/v1/conflicts/{conflict['id']}").json()
    text = runner.invoke(app, ["conflicts", conflict["id"]], env=env)
    assert text.exit_code == 0, text.output
    assert conflict["id"][:12] in text.stdout
    assert f"RUS {conflict['other']['notice_id']}" in text.stdout
    # An unknown id: the node's 404, named, exit 2; an id with a slash stays one path segment.
    for unknown in ("no-such-conflict", "a/b"):
        missing = runner.invoke(app, ["conflicts", unknown], env=env)
        assert missing.exit_code == 2, missing.output
        assert "conflict" in missing.output


def test_notice_list_and_msg_list_with_an_id_print_that_one_as_the_route_gives_it(running: Running) -> None:
    usa = running.desk("usa_duty").client
    assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    sent = usa.post(
        "/api/v1/messages", json={"recipients": ["RUS"], "urgency": "routine", "text": "hello", "language": "en"}
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["message"]["message_id"]
    notice_id = usa_strike()["features"][0]["properties"]["notice_id"]
    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk("usa_duty").token}

    notice = runner.invoke(app, ["notice", "list", notice_id, "--json"], env=env)
    assert notice.exit_code == 0, notice.output
    assert json.loads(notice.stdout) == usa.get(f"/api/v1/notices/{notice_id}").json()
    assert notice_id in runner.invoke(app, ["notice", "list", notice_id], env=env).stdout
    message = runner.invoke(app, ["msg", "list", message_id, "--json"], env=env)
    assert message.exit_code == 0, message.output
    (line,) = message.stdout.splitlines()
    assert json.loads(line) == usa.get(f"/api/v1/messages/{message_id}").json()
    assert "hello" in runner.invoke(app, ["msg", "list", message_id], env=env).stdout
    for command in (["notice", "list", "USA-9999"], ["msg", "list", "no-such-message"]):
        missing = runner.invoke(app, command, env=env)
        assert missing.exit_code == 2, missing.output


def test_whoami_says_who_the_token_is(running: Running) -> None:
    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk("rus_duty").token}
    me = runner.invoke(app, ["whoami", "--json"], env=env)
    assert me.exit_code == 0, me.output
    (line,) = me.stdout.splitlines()
    answer = running.desk("rus_duty").client.get("/api/v1/me").json()
    assert json.loads(line) == answer
    text = runner.invoke(app, ["whoami"], env=env).stdout
    assert f"{answer['officer']['name']} ({answer['officer']['id']}), duty officer of RUS" in text
    refused = runner.invoke(app, ["whoami"], env={**env, "AIRPARLEY_TOKEN": "not-a-token"})
    assert refused.exit_code == 2, refused.output


def test_parties_and_lag_read_the_node(running: Running) -> None:
    from airparley.node import tell_lag

    env = {"COLUMNS": "400", "AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk("tur_observer").token}
    desk = running.desk("tur_observer").client
    parties = runner.invoke(app, ["parties", "--json"], env=env)
    assert parties.exit_code == 0, parties.output
    assert [json.loads(line) for line in parties.stdout.splitlines()] == desk.get("/api/v1/parties").json()
    text = runner.invoke(app, ["parties"], env=env).stdout
    assert all(code in text for code in ("USA", "RUS", "TUR", "SYR"))

    assert "no simulation has told this node" in runner.invoke(app, ["lag"], env=env).stdout
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 12.0, True, "the demo is 12 s behind")
    lag = runner.invoke(app, ["lag", "--json"], env=env)
    assert lag.exit_code == 0, lag.output
    (line,) = lag.stdout.splitlines()
    assert json.loads(line) == desk.get("/api/v1/simulation/lag").json()
    assert "lagging: 12 s behind" in runner.invoke(app, ["lag"], env=env).stdout
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 0.0, False, "the demo has caught up with the wall clock")
    assert "not lagging" in runner.invoke(app, ["lag"], env=env).stdout
    sensor = {**env, "AIRPARLEY_TOKEN": running.desk("usa_sensor").token}
    assert runner.invoke(app, ["lag"], env=sensor).exit_code == 2  # a sensor reads no feed
