"""``airparley ledger verify`` and ``case report --verify`` follow a key rotation (issue 14 gap c): a report
spanning USA's rotation verifies with USA's OLD key alone, pinned in a keys file, and names the trust path."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import export, extract, fingerprint, public_key_to_text

# The ledger of the core tests: USA rotates at seq 2, RUS acknowledges every USA entry.
from ledger.test_ledger_rotation import CASE, LEDGER, PINNED, USA_NEW

runner = CliRunner()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    report = {**extract(LEDGER, CASE, witnesses={"USA", "RUS"}).to_document(), "keys": dict(PINNED)}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(PINNED))  # the OLD USA key only
    return path, keys


def test_a_report_spanning_a_rotation_verifies_with_the_old_key_and_prints_the_trust_path(tmp_path: Path) -> None:
    report, keys = _files(tmp_path)
    old, new = fingerprint(PINNED["USA"]), fingerprint(public_key_to_text(USA_NEW))
    for command in (["ledger", "verify", str(report)], ["case", "report", "--verify", str(report)]):
        shown = runner.invoke(app, [*command, "--keys", str(keys)])
        assert shown.exit_code == 0, shown.output
        assert f"USA  {old}  --keys {keys} (pinned)" in shown.stdout
        assert f"USA  {new}  rotated from {old} at USA seq 2 (entry " in shown.stdout
        as_json = runner.invoke(app, [*command, "--keys", str(keys), "--json"])
        assert as_json.exit_code == 0, as_json.output
        result = json.loads(as_json.stdout)
        assert result["result"] == "verified"
        assert result["trust_paths"]["USA"] == [f"{old} pinned", f"{new} rotated from {old} at USA seq 2"]
        (rotated,) = [k for k in result["keys"] if k["source"] == "rotation"]
        assert rotated["rotated_from"] == old
        assert rotated["rotation"]["seq"] == 2
    html = tmp_path / "report.html"
    rendered = runner.invoke(app, ["case", "report", "--verify", str(report), "--keys", str(keys), "--html", str(html)])
    assert rendered.exit_code == 0, rendered.output
    assert f"rotated from {old} at USA seq 2" in html.read_text()


def test_a_forged_rotation_in_a_report_is_refused(tmp_path: Path) -> None:
    report, keys = _files(tmp_path)
    document = json.loads(report.read_text())
    for index, line in enumerate(document["entries"]):
        entry = json.loads(line)
        if entry["kind"] == "key.rotated":  # an attacker's key announced in place of the real new key
            entry["body"]["public_key"] = "11" * 32
            document["entries"][index] = json.dumps(entry, separators=(",", ":"), sort_keys=True)
    report.write_text(json.dumps(document))
    refused = runner.invoke(app, ["ledger", "verify", str(report), "--keys", str(keys)])
    assert refused.exit_code == 1, refused.output
    assert "a key.rotated entry is followed only when signed by the key it replaces" in refused.stderr


def test_a_full_export_names_the_rotated_key_and_where_its_trust_came_from(tmp_path: Path) -> None:
    _, keys = _files(tmp_path)
    exported = tmp_path / "ledger.jsonl"
    exported.write_bytes(export(LEDGER))
    old, new = fingerprint(PINNED["USA"]), fingerprint(public_key_to_text(USA_NEW))
    shown = runner.invoke(app, ["ledger", "verify", str(exported), "--keys", str(keys), "--json"])
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.stdout)
    assert result["trust_paths"] == {
        "RUS": [f"{fingerprint(PINNED['RUS'])} pinned"],
        "USA": [f"{old} pinned", f"{new} rotated from {old} at USA seq 2"],
    }
    (rotated,) = [k for k in result["keys"] if k["source"] == "rotation"]
    assert rotated["rotation"]["where"] == "line 5"  # USA#2 is the export's fifth line
