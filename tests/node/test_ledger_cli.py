"""The signed record of a node, exported and verified offline; tampering is caught and named."""

from __future__ import annotations

import json
from pathlib import Path

from node_support import Running
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def _story(running: Running) -> str:
    post = lambda desk, path, body=None: running.desk(desk).client.post(f"/api/v1{path}", json=body or {})  # noqa: E731
    post("usa_duty", "/notices", usa_strike())
    post("rus_duty", "/notices", rus_strike())
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    case_id = post("usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}).json()[
        "case"
    ]["case_id"]
    post("usa_duty", f"/cases/{case_id}/propose", {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 240}})
    post("rus_duty", f"/cases/{case_id}/accept")
    post("usa_duty", "/messages", {"recipients": ["RUS"], "template": "stand_by"})
    running.desk("rus_duty").client.put(
        "/api/v1/notices/RUS-0201", json=rus_strike(start="2026-11-26T09:00:00Z", end="2026-11-26T11:00:00Z")
    )
    return str(case_id)


def test_export_verify_show_and_report(running: Running, tmp_path: Path) -> None:
    case_id = _story(running)
    db = ["--db", running.db_url]
    exported = runner.invoke(app, ["ledger", "export", *db])
    assert exported.exit_code == 0
    lines = exported.stdout.splitlines()
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds.count("notice.filed") == 2
    for kind in ("case.opened", "case.proposal", "case.accepted", "message.sent", "notice.revised", "case.resolved"):
        assert kind in kinds
    assert "TGT-4471" not in exported.stdout  # private parts never enter the ledger
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(exported.stdout)
    keys = tmp_path / "keys.json"
    keys.write_text(runner.invoke(app, ["ledger", "keys", *db]).stdout)
    verified = runner.invoke(app, ["ledger", "verify", str(ledger), "--keys", str(keys)])
    assert verified.exit_code == 0, verified.output
    assert f"{len(lines)} entries verified" in verified.stdout

    # One changed character in the Russian acceptance: detected and named.
    victim = next(i for i, line in enumerate(lines) if '"case.accepted"' in line)
    entry = json.loads(lines[victim])
    forged = lines[:]
    forged[victim] = lines[victim].replace('"state":"agreed"', '"state":"rejected"', 1)
    assert forged[victim] != lines[victim]
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(forged) + "\n")
    failed = runner.invoke(app, ["ledger", "verify", str(tampered), "--keys", str(keys)])
    assert failed.exit_code == 1
    assert f"FAILED at {entry['party']}#{entry['seq']}" in failed.stderr
    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("\n".join(lines[:3] + lines[4:]) + "\n")
    assert runner.invoke(app, ["ledger", "verify", str(dropped), "--keys", str(keys)]).exit_code == 1

    shown = runner.invoke(app, ["ledger", "show", *db])
    assert "USA-0101 v1 strike (filed)" in shown.stdout
    assert "case.accepted" in shown.stdout

    report = runner.invoke(app, ["case", "report", case_id, *db, "--as", "USA"])
    assert report.exit_code == 0, report.output
    document = json.loads(report.stdout)
    assert document["case"]["state"] == "resolved"
    assert {json.loads(e)["kind"] for e in document["entries"]} >= {"notice.filed", "case.opened", "case.accepted"}
    report_file = tmp_path / "report.json"
    report_file.write_text(report.stdout)
    alone = runner.invoke(app, ["ledger", "verify", str(report_file)])  # its own keys are nobody's word
    assert alone.exit_code == 2, alone.output
    assert "not pinned" in alone.stderr
    pinned = runner.invoke(app, ["ledger", "verify", str(report_file), *db])
    assert pinned.exit_code == 0, pinned.output
    assert "entries verified" in pinned.stdout
    assert runner.invoke(app, ["case", "report", "case-nope", *db]).exit_code == 2
