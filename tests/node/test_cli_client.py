"""The CLI against a real node: file, list, revise, cancel, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from node_support import Running
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def _run(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def test_desks_file_revise_and_cancel_from_the_command_line(running: Running, tmp_path: Path) -> None:
    usa, rus = tmp_path / "usa.geojson", tmp_path / "rus.geojson"
    usa.write_text(json.dumps(usa_strike()))
    rus.write_text(json.dumps(rus_strike()))
    assert _run(running, "usa_duty", "notice", "file", str(usa)).exit_code == 0
    filed = _run(running, "rus_duty", "notice", "file", str(rus), "--json")
    assert filed.exit_code == 0, filed.output
    assert len(json.loads(filed.stdout)["conflicts"]) == 1
    table = _run(running, "usa_duty", "conflicts")
    assert "RUS-0201" in table.stdout
    lines = _run(running, "usa_duty", "conflicts", "--json").stdout.splitlines()
    assert json.loads(lines[0])["own"]["notice_id"] == "USA-0101"
    listed = _run(running, "usa_duty", "notice", "list")
    assert "USA-0101" in listed.stdout
    higher = tmp_path / "higher.geojson"
    higher.write_text(json.dumps(rus_strike(lower={"value": 320, "ref": "FL"}, upper={"value": 350, "ref": "FL"})))
    revised = _run(running, "rus_duty", "notice", "revise", "RUS-0201", str(higher))
    assert "RUS-0201 v2 filed: 0 conflict(s)" in revised.stdout
    assert "cancelled" in _run(running, "rus_duty", "notice", "cancel", "RUS-0201").stdout


def test_refusals_and_unreachable_nodes_are_clear(running: Running, tmp_path: Path) -> None:
    usa = tmp_path / "usa.geojson"
    usa.write_text(json.dumps(usa_strike()))
    refused = _run(running, "rus_duty", "notice", "file", str(usa))
    assert refused.exit_code == 2
    assert "403" in refused.stderr
    no_token = runner.invoke(app, ["conflicts"], env={"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": ""})
    assert no_token.exit_code == 2
    assert "no token" in no_token.stderr
    away = runner.invoke(app, ["conflicts", "--url", "http://127.0.0.1:9", "--token", "x"])
    assert away.exit_code == 1
    assert "cannot reach the node" in away.stderr


def test_the_hotline_from_the_command_line(running: Running, tmp_path: Path) -> None:
    sent = _run(
        running,
        "usa_duty",
        "msg",
        "send",
        "RUS",
        "--template",
        "traffic_turn",
        "--param",
        "callsign=GRACH31",
        "--param",
        "distance_nm=0.5",
        "--param",
        "direction=right",
        "--urgency",
        "safety",
        "--json",
    )
    assert sent.exit_code == 0, sent.output
    message_id = json.loads(sent.stdout)["message"]["message_id"]
    inbox = _run(running, "rus_duty", "msg", "list")
    assert "GRACH31" in inbox.stdout
    assert "SAFETY" in inbox.stdout
    assert "acknowledged" in _run(running, "rus_duty", "msg", "ack", message_id).stdout
    assert "traffic_turn(callsign, distance_nm, direction)" in _run(running, "rus_duty", "msg", "phrases").stdout
    bad = _run(running, "usa_duty", "msg", "send", "RUS", "--template", "traffic_turn")
    assert bad.exit_code == 2
    assert "params" in bad.stderr
    free = _run(running, "usa_duty", "msg", "send", "TUR", "--text", "Call us on 251.3", "--language", "en")
    assert "[untranslated]" in free.stdout

    usa, rus = tmp_path / "usa.geojson", tmp_path / "rus.geojson"
    usa.write_text(json.dumps(usa_strike()))
    rus.write_text(json.dumps(rus_strike()))
    _run(running, "usa_duty", "notice", "file", str(usa))
    _run(running, "rus_duty", "notice", "file", str(rus))
    conflict_id = json.loads(_run(running, "usa_duty", "conflicts", "--json").stdout.splitlines()[0])["id"]
    opened = _run(running, "usa_duty", "case", "open", "--conflict", conflict_id, "--json")
    assert opened.exit_code == 0, opened.output
    case_id = json.loads(opened.stdout)["case"]["case_id"]
    proposed = _run(
        running, "usa_duty", "case", "propose", case_id, '{"kind": "shift_time", "party": "RUS", "minutes": 180}'
    )
    assert "proposed" in proposed.stdout
    assert "agreed" in _run(running, "rus_duty", "case", "accept", case_id).stdout
    assert case_id in _run(running, "rus_duty", "case", "list").stdout
    history = _run(running, "usa_duty", "case", "show", case_id).stdout
    assert "propose" in history
    assert "accept" in history
    own_proposal = _run(running, "usa_duty", "case", "propose", case_id, "not json")
    assert own_proposal.exit_code == 2


def test_a_plain_http_node_costs_no_ca_bundle_and_any_tls_there_fails_closed() -> None:
    import ssl

    from airparley.cli._client import _tls_for

    bare = _tls_for("http://127.0.0.1:8787")
    assert isinstance(bare, ssl.SSLContext)
    # No CA to trust, and every certificate still required and its host checked: it can only refuse.
    assert bare.get_ca_certs() == []
    assert bare.cert_store_stats()["x509_ca"] == 0
    assert bare.verify_mode == ssl.CERT_REQUIRED
    assert bare.check_hostname
    assert _tls_for("https://node.usa.example:8787") is True  # the system's CAs, as httpx loads them
    assert _tls_for("HTTPS://node.usa.example") is True
