"""Issue 12 item 4: a forged case report must not verify. ``ledger verify`` trusts pinned keys only (``--keys``,
``--db``), says which keys it used, with their fingerprints and where they came from, and uses a report's own
keys only when told to (``--trust-embedded-keys``), with a warning that this proves internal consistency only.

The forgery is the real attack: a genuine report exported from a real node, the agreed altitude split changed
from 26,000 to 16,000 ft in every entry and in the case document, every feed re-signed with fresh keys (hashes,
``prev`` and ``seen`` relinked), and the fresh public keys written into the report.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from node_support import Running
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.cli._ledger import _shown_url
from airparley.ledger import Entry, append, generate_key, public_key_to_text

runner = CliRunner()

AGREED = '"at_ft":26000'
FORGED = '"at_ft":16000'


def _fingerprint(public_hex: str) -> str:
    """Computed here from the definition, not by the code under test."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def _altitude_split_case(running: Running) -> str:
    """USA and RUS strikes conflict; USA proposes to split at 26,000 ft (USA above); RUS accepts."""
    post = lambda desk, path, body=None: running.desk(desk).client.post(f"/api/v1{path}", json=body or {})  # noqa: E731
    assert post("usa_duty", "/notices", usa_strike()).status_code == 201
    assert post("rus_duty", "/notices", rus_strike()).status_code == 201
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    opened = post("usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id = str(opened.json()["case"]["case_id"])
    terms = {"kind": "altitude_split", "at_ft": 26000, "above": "USA", "below": "RUS"}
    assert post("usa_duty", f"/cases/{case_id}/propose", {"terms": terms}).status_code < 300
    assert post("rus_duty", f"/cases/{case_id}/accept").status_code < 300
    return case_id


def _forge(report: dict[str, Any]) -> dict[str, Any]:
    """The report with 26,000 ft made 16,000 ft everywhere, every feed re-signed with a fresh key."""
    entries = [Entry.from_json(line) for line in report["entries"]]
    fresh: dict[str, Ed25519PrivateKey] = {party: generate_key() for party in {e.party for e in entries}}
    new_hash: dict[str, str] = {}
    heads: dict[str, Entry] = {}
    forged: list[Entry] = []
    pending = sorted(entries, key=lambda e: (e.party, e.seq))
    while pending:  # an entry is re-made once its predecessor and everything it saw have been
        ready = [
            e for e in pending if (e.seq == 0 or e.prev in new_hash) and all(h in new_hash for h in e.seen.values())
        ]
        assert ready, "the report's entries do not form a chain"
        for entry in ready:
            body = json.loads(json.dumps(entry.to_dict()["body"]).replace('"at_ft": 26000', '"at_ft": 16000'))
            made = append(
                heads.get(entry.party, entry.party),
                entry.kind,
                body,
                seen={party: new_hash[h] for party, h in entry.seen.items()},
                now=entry.time,
                signing_key=fresh[entry.party],
            )
            new_hash[entry.hash] = made.hash
            heads[entry.party] = made
            forged.append(made)
            pending.remove(entry)
    lines = [e.to_json() for e in sorted(forged, key=lambda e: (e.time, e.party, e.seq))]
    assert sum(FORGED in line for line in lines) >= 2, "the proposal and the acceptance both say 16,000 ft now"
    assert not any(AGREED in line for line in lines)
    case = json.loads(json.dumps(report["case"]).replace('"at_ft": 26000', '"at_ft": 16000'))
    return {
        **report,
        "case": case,
        "entries": lines,
        "keys": {party: public_key_to_text(key) for party, key in sorted(fresh.items())},
    }


@pytest.fixture
def reports(running: Running, tmp_path: Path) -> dict[str, Path]:
    """The genuine report, the forged one, and the node's keys as a keys file, all from a real node."""
    case_id = _altitude_split_case(running)
    made = runner.invoke(app, ["case", "report", case_id, "--db", running.db_url, "--as", "USA"])
    assert made.exit_code == 0, made.output
    genuine = json.loads(made.stdout)
    assert sum(AGREED in line for line in genuine["entries"]) >= 2
    assert {"USA", "RUS"} <= set(genuine["keys"])
    keys = runner.invoke(app, ["ledger", "keys", "--db", running.db_url])
    assert keys.exit_code == 0, keys.output
    paths = {"genuine": tmp_path / "case.json", "forged": tmp_path / "forged.json", "keys": tmp_path / "keys.json"}
    paths["genuine"].write_text(made.stdout, encoding="utf-8")
    paths["forged"].write_text(json.dumps(_forge(genuine), indent=1), encoding="utf-8")
    paths["keys"].write_text(keys.stdout, encoding="utf-8")
    return paths


def _verify(*args: str) -> Any:
    return runner.invoke(app, ["ledger", "verify", *args])


def test_the_forged_report_is_refused_unless_embedded_keys_are_trusted_explicitly(
    running: Running, reports: dict[str, Path]
) -> None:
    forged, keys, db = str(reports["forged"]), str(reports["keys"]), running.db_url
    document = json.loads(reports["forged"].read_text(encoding="utf-8"))
    real = json.loads(reports["keys"].read_text(encoding="utf-8"))

    # Without pinned keys: nothing to judge by, bad input, and it says why.
    alone = _verify(forged)
    assert alone.exit_code == 2, alone.output
    assert "not pinned" in alone.stderr
    assert "--trust-embedded-keys" in alone.stderr
    assert alone.stdout == ""

    # With the real node's database: the embedded keys contradict the registered ones, named by party.
    with_db = _verify(forged, "--db", db)
    assert with_db.exit_code == 1, with_db.output
    for party in ("USA", "RUS"):
        assert (
            f"FAILED: the embedded key of {party} (fingerprint {_fingerprint(document['keys'][party])}) is not"
            f" {party}'s pinned key (fingerprint {_fingerprint(real[party])}, from --db {db})" in with_db.stderr
        )
    assert "FAILED at " in with_db.stderr  # and the entries do not verify under the pinned keys either
    assert f"RUS  {_fingerprint(real['RUS'])}  --db {db}" in with_db.stdout

    # With a keys file: the same.
    with_keys = _verify(forged, "--keys", keys)
    assert with_keys.exit_code == 1, with_keys.output
    assert "FAILED: the embedded key of USA" in with_keys.stderr
    assert f"USA  {_fingerprint(real['USA'])}  --keys {keys}" in with_keys.stdout

    # Trusting the embedded keys while pinning the real ones: the pinned keys still win.
    both = _verify(forged, "--db", db, "--trust-embedded-keys")
    assert both.exit_code == 1, both.output
    assert "FAILED: the embedded key of RUS" in both.stderr

    # Only with the explicit flag and nothing pinned does it pass, saying loudly what that is worth.
    trusted = _verify(forged, "--trust-embedded-keys")
    assert trusted.exit_code == 0, trusted.output
    assert "WARNING: trusting the keys embedded in the report for RUS, USA" in trusted.stderr
    assert "internally consistent" in trusted.stderr
    for party in ("USA", "RUS"):
        assert f"{party}  {_fingerprint(document['keys'][party])}  embedded in the report" in trusted.stdout
    assert "(NOT pinned)" in trusted.stdout
    assert "entries verified" in trusted.stdout
    assert "(under keys NOT pinned: internal consistency only)" in trusted.stdout

    # For machines: the same verdicts as JSON.
    as_json = _verify(forged, "--db", db, "--json")
    assert as_json.exit_code == 1, as_json.output
    result = json.loads(as_json.stdout)
    assert result["result"] == "failed"
    assert {m["party"] for m in result["key_mismatches"]} == {"USA", "RUS"}
    assert result["first_bad_entry"]["error"] == "SignatureInvalid"
    assert {k["source"] for k in result["keys"]} == {"node-db"}
    trusted_json = json.loads(_verify(forged, "--trust-embedded-keys", "--json").stdout)
    assert trusted_json["result"] == "verified"
    assert "internally consistent" in trusted_json["warning"]
    assert {(k["party"], k["source"], k["pinned"]) for k in trusted_json["keys"]} >= {
        ("USA", "embedded", False),
        ("RUS", "embedded", False),
    }


def test_the_genuine_report_verifies_with_pinned_keys_and_prints_their_fingerprints(
    running: Running, reports: dict[str, Path]
) -> None:
    genuine, keys, db = str(reports["genuine"]), str(reports["keys"]), running.db_url
    real = json.loads(reports["keys"].read_text(encoding="utf-8"))
    document = json.loads(reports["genuine"].read_text(encoding="utf-8"))

    with_db = _verify(genuine, "--db", db)
    assert with_db.exit_code == 0, with_db.output
    assert "fingerprint: SHA-256 of the raw 32-byte public key, first 16 hex" in with_db.stdout
    for party in document["keys"]:
        assert f"{party}  {_fingerprint(real[party])}  --db {db}" in with_db.stdout
    assert f"ok: {len(document['entries'])} entries verified" in with_db.stdout
    assert "WARNING" not in with_db.stderr

    with_keys = _verify(genuine, "--keys", keys)
    assert with_keys.exit_code == 0, with_keys.output
    for party in document["keys"]:
        assert f"{party}  {_fingerprint(real[party])}  --keys {keys}" in with_keys.stdout

    as_json = _verify(genuine, "--db", db, "--keys", keys, "--json")
    assert as_json.exit_code == 0, as_json.output
    result = json.loads(as_json.stdout)
    assert result["result"] == "verified"
    assert result["first_bad_entry"] is None
    assert result["key_mismatches"] == []
    assert result["warning"] is None
    by_party = {k["party"]: k for k in result["keys"]}
    assert set(by_party) == set(document["keys"])  # the keys of the parties with entries here, not every pin
    for party, key in by_party.items():
        assert key["fingerprint"] == _fingerprint(real[party])
        assert key["public_key"] == real[party]
        assert key["pinned"] is True
        assert key["source"] == "keys-file"  # the first pin named; the database agreed
        assert key["origin"] == keys

    assert _verify(genuine).exit_code == 2  # genuine or not, its own keys are not evidence


def test_an_altered_entry_under_the_right_keys_fails_naming_the_first_bad_entry(
    running: Running, reports: dict[str, Path], tmp_path: Path
) -> None:
    """The embedded keys are the real ones, the agreement is changed but not re-signed: the entry is named."""
    document = json.loads(reports["genuine"].read_text(encoding="utf-8"))
    victim = next(i for i, line in enumerate(document["entries"]) if AGREED in line)
    entry = json.loads(document["entries"][victim])
    document["entries"][victim] = document["entries"][victim].replace(AGREED, FORGED)
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(document), encoding="utf-8")

    failed = _verify(str(altered), "--db", running.db_url)
    assert failed.exit_code == 1, failed.output
    name, real = f"{entry['party']}#{entry['seq']}", json.loads(reports["keys"].read_text(encoding="utf-8"))
    assert (
        f"FAILED at {name} (entry {victim + 1}): {name}: signature does not verify under {entry['party']}'s key"
        f" in force (fingerprint {_fingerprint(real[entry['party']])})"
    ) in failed.stderr
    assert "embedded key" not in failed.stderr  # the keys are right: it is the entry that is wrong

    result = json.loads(_verify(str(altered), "--keys", str(reports["keys"]), "--json").stdout)
    assert result["result"] == "failed"
    assert result["first_bad_entry"]["party"] == entry["party"]
    assert result["first_bad_entry"]["seq"] == entry["seq"]
    assert result["first_bad_entry"]["where"] == f"entry {victim + 1}"


def test_bad_key_input_exits_2_naming_it(running: Running, reports: dict[str, Path], tmp_path: Path) -> None:
    genuine = str(reports["genuine"])
    real = json.loads(reports["keys"].read_text(encoding="utf-8"))
    cases: dict[str, tuple[str, str]] = {
        "not json": ("{", "not a readable JSON object"),
        "a list": ("[]", "must be a JSON object"),
        "a short key": (json.dumps({"USA": "ab"}), "keys.USA"),
        "disagrees with the node": (json.dumps({**real, "USA": real["RUS"]}), "the pinned keys disagree"),
    }
    for name, (text, said) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        result = _verify(genuine, "--keys", str(path), "--db", running.db_url)
        assert result.exit_code == 2, (name, result.output)
        assert said in result.stderr, (name, result.stderr)
    missing = _verify(genuine, "--keys", str(tmp_path / "none.json"))
    assert missing.exit_code == 2
    assert "none.json" in missing.stderr

    report = json.loads(reports["genuine"].read_text(encoding="utf-8"))
    for name, change, said in (
        ("keys a list", {"keys": []}, "keys: must be an object"),
        ("an entry a number", {"entries": [1]}, "entries[0]"),
        ("an embedded key malformed", {"keys": {"USA": "XYZ"}}, "keys.USA"),
    ):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({**report, **change}), encoding="utf-8")
        result = _verify(str(path), "--db", running.db_url)
        assert result.exit_code == 2, (name, result.output)
        assert said in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.output


def test_a_party_nothing_pins_is_not_verified_by_its_embedded_key(
    running: Running, reports: dict[str, Path], tmp_path: Path
) -> None:
    real = json.loads(reports["keys"].read_text(encoding="utf-8"))
    usa_only = tmp_path / "usa.json"
    usa_only.write_text(json.dumps({"USA": real["USA"]}), encoding="utf-8")
    result = _verify(str(reports["genuine"]), "--keys", str(usa_only))
    assert result.exit_code == 1, result.output
    assert f"USA  {_fingerprint(real['USA'])}  --keys {usa_only}" in result.stdout
    assert "RUS  ----------------  no pinned key: its entries cannot be verified" in result.stdout
    assert "note: the report's embedded key of RUS is not pinned and was not used" in result.stderr
    assert "unknown party RUS" in result.stderr
    verdict = json.loads(_verify(str(reports["genuine"]), "--keys", str(usa_only), "--json").stdout)
    assert verdict["parties_without_key"] == ["RUS"]
    assert verdict["refused_embedded_keys"] == ["RUS"]
    assert [k["party"] for k in verdict["keys"]] == ["USA"]
    # Told explicitly, RUS's embedded key fills the gap, and the warning names only RUS.
    mixed = _verify(str(reports["genuine"]), "--keys", str(usa_only), "--trust-embedded-keys")
    assert mixed.exit_code == 0, mixed.output
    assert "WARNING: trusting the keys embedded in the report for RUS (" in mixed.stderr


def test_a_password_in_the_db_url_is_not_printed() -> None:
    assert _shown_url("postgresql://auditor:s3cret@db.local/airparley") == "postgresql://auditor:***@db.local/airparley"
    assert _shown_url("postgresql+psycopg://a:p@ss:w@h:5432/x?sslmode=require") == (
        "postgresql+psycopg://a:***@h:5432/x?sslmode=require"
    )
    assert _shown_url("postgresql://auditor@h/x") == "postgresql://auditor@h/x"
