"""Every node client command with ``--json`` prints JSON lines, run against a real node (issue 19 item 2).

One desk session on a node over 127.0.0.1 runs each command once with ``--json`` and checks that every line
of its output is one JSON value. A last test checks that, between this session, ``tests/cli/test_cli_json.py``
and the feature tests named in ``ELSEWHERE``, every command that takes ``--json`` is run with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main
from node_support import Running
from palmyra import rus_strike, usa_strike
from test_node_shares import E3, _usa_picture
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()

#: --json commands whose output a feature test checks with --json (offline, or needing a scene of their own).
ELSEWHERE: dict[str, str] = {
    "agreement propose": "tests/node/test_cli_agreements.py",
    "agreement sign": "tests/node/test_cli_agreements.py",
    "alerts call": "tests/node/test_cli_alerts.py",
    "case report": "tests/node/test_case_reports.py",
    "check": "tests/strategic/test_cli_strategic.py",
    "incident disclose": "tests/node/test_node_incidents.py",
    "incident show": "tests/node/test_node_incidents.py",
    "keys generate": "tests/cli/test_cli_json.py",
    "notice validate": "tests/cli/test_cli_json.py",
    "officer revoke": "tests/cli/test_cli_json.py",
    "party add": "tests/cli/test_cli_json.py",
    "peer add": "tests/cli/test_cli_json.py",
    "peer remove": "tests/cli/test_cli_json.py",
    "qualify run": "tests/qualify/test_qualify_node.py (--json FILE: the signed report)",
    "qualify verify": "tests/cli/test_cli_json.py",
    "replay": "tests/node/test_cli_replay.py",
    "sim check": "tests/sim/test_sim_runner.py",
    "tactical alert": "tests/cli/test_cli_tactical_alerting.py",
    "tactical bands": "tests/cli/test_cli_tactical_alerting.py",
    "tactical incidents": "tests/tactical/test_cli_tactical_scan.py",
    "tactical intrusions": "tests/tactical/test_cli_tactical_scan.py",
    "tactical scan": "tests/tactical/test_cli_tactical_scan.py",
    "whoami": "tests/node/test_cli_conflict_one.py",
    "parties": "tests/node/test_cli_conflict_one.py",
    "lag": "tests/node/test_cli_conflict_one.py",
}

_RAN: set[str] = set()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # The output's shape is the CLI's, not the store's: one backend is enough here.
    return f"sqlite:///{tmp_path / 'airparley.db'}"


def _json(running: Running, desk: str | None, path: str, *args: str, code: int = 0) -> list[Any]:
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token if desk else ""}
    result = runner.invoke(app, [*path.split(), *args, "--json"], env=env)
    assert result.exit_code == code, f"airparley {path}: {result.output}"
    values = [json.loads(line) for line in result.stdout.splitlines()]  # each line one JSON value
    _RAN.add(path)
    return values


def test_a_desk_session_in_json_lines(running: Running, tmp_path: Path) -> None:
    usa, rus, rus2 = tmp_path / "usa.geojson", tmp_path / "rus.geojson", tmp_path / "rus2.geojson"
    usa.write_text(json.dumps(usa_strike()))
    rus.write_text(json.dumps(rus_strike()))
    rus2.write_text(json.dumps(rus_strike(lower={"value": 320, "ref": "FL"}, upper={"value": 350, "ref": "FL"})))
    db = ["--db", running.db_url]

    # notices and conflicts
    _json(running, "usa_duty", "notice file", str(usa))
    (filed,) = _json(running, "rus_duty", "notice file", str(rus))
    assert len(filed["conflicts"]) == 1
    (listed,) = _json(running, "usa_duty", "notice list")
    assert listed["type"] == "FeatureCollection"
    (conflict,) = _json(running, "usa_duty", "conflicts")
    # the hotline
    (sent,) = _json(running, "usa_duty", "msg send", "RUS", "--text", "Call us on 251.3", "--language", "en")
    message_id = sent["message"]["message_id"]
    assert [m["message"]["message_id"] for m in _json(running, "rus_duty", "msg list")] == [message_id]
    _json(running, "rus_duty", "msg read", message_id)
    _json(running, "rus_duty", "msg ack", message_id)
    (catalogue,) = _json(running, "rus_duty", "msg phrases")
    assert catalogue["phrases"]
    # a case about the conflict: propose, counter, reject, propose again, accept
    (opened,) = _json(running, "usa_duty", "case open", "--conflict", conflict["id"])
    case_id = opened["case"]["case_id"]
    _json(running, "usa_duty", "case propose", case_id, '{"kind": "shift_time", "party": "RUS", "minutes": 180}')
    _json(running, "rus_duty", "case counter", case_id, '{"kind": "shift_time", "party": "USA", "minutes": 180}')
    _json(running, "usa_duty", "case reject", case_id)
    _json(running, "usa_duty", "case propose", case_id, '{"kind": "shift_time", "party": "RUS", "minutes": 180}')
    (agreed,) = _json(running, "rus_duty", "case accept", case_id)
    assert agreed["case"]["state"] == "agreed"
    assert case_id in [c["case"]["case_id"] for c in _json(running, "rus_duty", "case list")]
    (shown,) = _json(running, "usa_duty", "case show", case_id)
    assert shown["case"]["history"]
    # a contention, escalated, then settled
    (contention,) = _json(running, "usa_duty", "case open", "--with", "RUS", "--reason", "Traffic near Deir ez-Zor")
    _json(running, "usa_duty", "case escalate", contention["case"]["case_id"])
    (settled,) = _json(running, "usa_duty", "case open", "--with", "RUS", "--reason", "Unannounced tanker orbit")
    settled_id = settled["case"]["case_id"]
    _json(running, "usa_duty", "case propose", settled_id, '{"kind": "yield", "party": "RUS"}')
    _json(running, "rus_duty", "case accept", settled_id)
    (resolved,) = _json(running, "usa_duty", "case resolve", settled_id)
    assert resolved["case"]["state"] == "resolved"
    # notices end
    _json(running, "rus_duty", "notice revise", "RUS-0201", str(rus2))
    _json(running, "rus_duty", "notice cancel", "RUS-0201")
    (closed,) = _json(running, "usa_duty", "notice close", "USA-0101")
    assert closed["state"] == "closed"
    # the picture, shares, alerts, incidents
    _usa_picture(running)
    assert {t["id"] for t in _json(running, "usa_duty", "picture")} == {E3, "USA-F16-1"}
    (share,) = _json(running, "usa_duty", "tracks share", E3, "--with", "RUS")
    assert [s["share_id"] for s in _json(running, "rus_duty", "tracks shares")] == [share["share"]["share_id"]]
    _json(running, "usa_duty", "tracks unshare", share["share"]["share_id"])
    _json(running, "usa_duty", "alerts list")
    _json(running, "usa_duty", "alerts flags")
    if "incident" in typer.main.get_command(app).commands:  # type: ignore[attr-defined]  # committed separately
        _json(running, "usa_duty", "incident list")
    # frequencies and agreements
    (registered,) = _json(running, "usa_duty", "frequency register", "Deconfliction VHF", "130.5")
    assert registered["name"] in [f["name"] for f in _json(running, "usa_duty", "frequency list", "--registered")]
    assert len(_json(running, "usa_duty", "frequency list")) == 2
    _json(running, "usa_duty", "agreement list")
    (terms,) = _json(running, "usa_duty", "agreement show", "--between", "USA", "--between", "RUS")
    assert terms
    # the feed, the disclosure account
    kinds = {e["kind"] for e in _json(running, "usa_duty", "events")}
    assert {"notice.filed", "notice.closed", "case.accept", "frequency.added", "track.shared"} <= kinds
    _json(running, "usa_duty", "disclosure", "--to", "RUS")
    # the node's own database: parties, officers, peers, the ledger
    assert {p["code"] for p in _json(running, None, "party list", *db)} == {"USA", "RUS", "TUR", "SYR"}
    (officer,) = _json(running, None, "officer add", "USA", "Capt. Doe", *db)
    assert officer["token"]
    assert "Capt. Doe" in [o["name"] for o in _json(running, None, "officer list", "--party", "USA", *db)]
    assert _json(running, None, "peer list", *db) == []
    entries = _json(running, None, "ledger show", *db)
    assert entries
    exported = runner.invoke(app, ["ledger", "export", *db])
    assert exported.exit_code == 0, exported.output
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(exported.stdout)
    _json(running, None, "ledger verify", str(ledger), *db)
    _json(running, None, "ledger evidence", *db)


def test_every_json_command_is_run_with_json_by_some_test() -> None:
    def walk(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for name, command in sorted(group.commands.items()):
            path = f"{prefix} {name}".strip()
            found.extend(walk(command, path) if hasattr(command, "commands") else [(path, command)])
        return found

    with_json = {
        path for path, command in walk(typer.main.get_command(app)) if any("--json" in p.opts for p in command.params)
    }
    if not _RAN:
        pytest.skip("run with test_a_desk_session_in_json_lines (it records what it ran)")
    assert with_json - _RAN - set(ELSEWHERE) == set(), "a --json command that no test runs with --json"
