"""The suite against our real node (uvicorn on 127.0.0.1, the wall clock, short settings): on SQLite through the
command line (config file, signed JSON and HTML reports, ``qualify verify``), and on PostgreSQL through the API.
Every check passes or is skipped with a stated reason."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml
from qualify_support import NODE_SETTINGS, serve_federation, serve_node
from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.qualify import REQUIREMENTS, SCENARIOS, SCHEMA, qualify


def _assert_all_pass(report: dict[str, Any]) -> None:
    failures = [
        (c["id"], c["requirement"], c["expected"], c["observed"], c["request"])
        for s in report["scenarios"]
        for c in s["checks"]
        if c["outcome"] == "fail"
    ]
    assert failures == []
    assert [(s["id"], s["reason"]) for s in report["scenarios"] if s["outcome"] == "error"] == []
    assert report["summary"]["outcome"] == "pass"
    assert all(c["reason"] for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "skip")
    assert [s["cleanup"] for s in report["scenarios"] if s["cleanup"]] == []
    assert report["schema"] == SCHEMA
    assert report["summary"]["checks"] == sum(len(s.checks) for s in SCENARIOS)
    assert len(report["requirements"]) == len(REQUIREMENTS)
    assert report["nodes"][0]["version"]


def test_the_command_qualifies_our_node_on_sqlite_and_signs_its_report(tmp_path: Path) -> None:
    key = generate_key()
    key_file = tmp_path / "report-key.pem"
    key_file.write_bytes(private_key_to_pem(key))
    with serve_node(f"sqlite:///{tmp_path / 'q.db'}") as served:
        config = tmp_path / "qualify.yaml"
        config.write_text(yaml.safe_dump(served.raw), encoding="utf-8")
        out, page = tmp_path / "report.json", tmp_path / "report.html"
        result = CliRunner().invoke(
            app, ["qualify", str(config), "--json", str(out), "--html", str(page), "--key", str(key_file)]
        )
        assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    _assert_all_pass(report)
    # Nothing of the tokens reaches the report.
    text = out.read_text(encoding="utf-8")
    for officers in served.config.parties:
        for token in officers.tokens.values():
            assert token not in text
    assert served.config.peer_token not in text
    # The page stands alone: no script, no asset fetched from anywhere.
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "src=" not in html
    assert "href=" not in html
    assert "S01-notices" in html
    # The signature holds, and a changed byte breaks it.
    public = public_key_to_text(key)
    verified = CliRunner().invoke(app, ["qualify", "verify", str(out), "--key", public])
    assert verified.exit_code == 0, verified.output
    assert "OK" in verified.output
    report["summary"]["outcome"] = "fail"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(report), encoding="utf-8")
    refused = CliRunner().invoke(app, ["qualify", "verify", str(tampered), "--key", public])
    assert refused.exit_code == 1
    assert "FAILED" in refused.output
    other = CliRunner().invoke(app, ["qualify", "verify", str(out), "--key", public_key_to_text(generate_key())])
    assert other.exit_code == 1


def test_our_node_on_postgresql_keeps_the_rules_that_wait_on_its_clock(postgres_server: str) -> None:
    """The scenarios that wait (rings, deadlines, lapse, non-response, the hostile peer) on PostgreSQL; the others
    run on PostgreSQL in the federation below."""
    from airparley.store._local_postgres import create_database

    with serve_node(create_database(postgres_server)) as served:
        waiting = [s for s in SCENARIOS if s.wait_s(served.config) > 0]
        report = qualify(served.config, waiting)
    failures = [(c["id"], c["observed"]) for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "fail"]
    assert failures == []
    assert [(s["id"], s["reason"]) for s in report["scenarios"] if s["outcome"] == "error"] == []
    assert {s["id"] for s in report["scenarios"] if s["outcome"] == "pass"} >= {
        "S05-safety-rings",
        "S07-case-deadline",
        "S11-non-response",
        "S14-case-lapse",
        "S15-hostile-peer",
    }


def test_a_config_too_slow_for_the_waiting_rules_skips_them_with_the_reason(tmp_path: Path) -> None:
    with serve_node(f"sqlite:///{tmp_path / 'q.db'}", max_wait_s=1) as served:
        report = qualify(served.config, [s for s in SCENARIOS if s.wait_s(served.config) > 1][:1])
    (scenario,) = report["scenarios"]
    assert scenario["outcome"] == "skip", scenario
    assert "max_wait_s" in scenario["reason"]
    assert all(c["outcome"] == "skip" and "max_wait_s" in c["reason"] for c in scenario["checks"])
    assert report["summary"]["outcome"] == "pass"


def test_bad_configs_name_the_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("nodes: {A: 'ftp://x'}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["qualify", str(config)])
    assert result.exit_code == 2
    assert "nodes.A" in result.output
    config.write_text("nodes: {A: 'http://127.0.0.1:9'}\nparties: {USA: {duty: x}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["qualify", str(config)])
    assert result.exit_code == 2
    assert "parties.USA.senior" in result.output


def test_two_federated_nodes_one_sqlite_one_postgresql(tmp_path: Path, postgres_server: str) -> None:
    """USA's node on SQLite, RUS's on PostgreSQL: the scenarios that do not wait on the clock, and federation's
    own, pass across the two (the waiting ones are qualified on one node above). This is the CI run the issue asks
    for: qualify against a two-node federation, one SQLite, one PostgreSQL."""
    from airparley.store._local_postgres import create_database

    with serve_federation(f"sqlite:///{tmp_path / 'usa.db'}", create_database(postgres_server)) as nodes:
        config = nodes[0].config
        report = qualify(config, [s for s in SCENARIOS if s.wait_s(config) == 0])
    failures = [(c["id"], c["observed"]) for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "fail"]
    assert failures == []
    assert [(s["id"], s["reason"]) for s in report["scenarios"] if s["outcome"] == "error"] == []
    federation = next(s for s in report["scenarios"] if s["id"].startswith("S12"))
    assert federation["outcome"] == "pass"
    assert [n["version"] for n in report["nodes"]] == [report["tool"]["version"]] * 2


def test_a_token_that_spends_its_burst_is_limited(tmp_path: Path) -> None:
    # A slow refill: the burst is spent however slowly a loaded machine sends (10 tokens back in 5 s, not 0.5 s).
    settings = dataclasses.replace(NODE_SETTINGS, rate_per_s=2.0, rate_burst=10)
    with serve_node(f"sqlite:///{tmp_path / 'q.db'}", node_settings=settings) as served:
        report = qualify(served.config, [s for s in SCENARIOS if s.id.startswith("S13")])
    (scenario,) = report["scenarios"]
    assert scenario["outcome"] == "pass", scenario
