"""The suite against our real node (uvicorn on 127.0.0.1, the wall clock, short settings), on SQLite and on
PostgreSQL: every check passes or is skipped with a stated reason, and the report is signed and verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qualify_support import serve_node

from airparley.errors import SignatureInvalid
from airparley.ledger import generate_key, public_key_to_text
from airparley.qualify import REQUIREMENTS, SCENARIOS, SCHEMA, qualify, render_html, sign_report, verify_report


def test_our_node_passes_every_check(db_url: str) -> None:
    with serve_node(db_url) as served:
        report = qualify(served.config)
    failures = [
        (c["id"], c["requirement"], c["expected"], c["observed"], c["request"])
        for s in report["scenarios"]
        for c in s["checks"]
        if c["outcome"] == "fail"
    ]
    assert failures == []
    errors = [(s["id"], s["reason"]) for s in report["scenarios"] if s["outcome"] == "error"]
    assert errors == []
    assert report["summary"]["outcome"] == "pass"
    skipped = [c for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "skip"]
    assert all(c["reason"] for c in skipped)
    assert report["schema"] == SCHEMA
    assert report["summary"]["checks"] == sum(len(s.checks) for s in SCENARIOS)
    assert len(report["requirements"]) == len(REQUIREMENTS)
    assert report["nodes"][0]["version"]
    # Nothing of the tokens reaches the report.
    text = json.dumps(report)
    for officers in served.config.parties:
        for token in officers.tokens.values():
            assert token not in text
    assert served.config.peer_token not in text


def test_a_report_is_signed_and_any_change_breaks_the_signature(tmp_path: Path) -> None:
    with serve_node(f"sqlite:///{tmp_path / 'q.db'}") as served:
        report = qualify(served.config, SCENARIOS[:1])
    key = generate_key()
    signed = sign_report(report, key)
    verify_report(signed, public_key_to_text(key))
    verify_report(json.loads(json.dumps(signed)), key.public_key())  # survives a JSON round trip
    tampered = json.loads(json.dumps(signed))
    tampered["summary"]["outcome"] = "pass" if tampered["summary"]["outcome"] != "pass" else "fail"
    with pytest.raises(SignatureInvalid):
        verify_report(tampered, public_key_to_text(key))
    with pytest.raises(SignatureInvalid):
        verify_report(signed, public_key_to_text(generate_key()))
    page = render_html(signed)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "http://" not in page.replace(served.url, "")
    assert "S01-notices" in page
