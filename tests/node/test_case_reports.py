"""Issue 14 part 3: a USA–RUS case report holds the case's own entries and what they reference, no TUR or SYR
entry, each with its proof; it verifies alone under pinned keys; any change fails; any officer of a party in
the case may export it, nobody else; it renders to HTML and PDF with the verdict and fingerprints first.

On a real node over uvicorn, with TUR and SYR acting in between so the ledger holds much more than the case.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from node_support import Running
from palmyra import collection, feature, rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import Entry, Kind

runner = CliRunner()


def _fingerprint(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def _al_bab(notice_id: str, party: str) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [37.52, 36.37]}
    return collection(feature(notice_id, party, point, shape="circle", radius_nm=10))


def _post(running: Running, desk: str, path: str, body: Any = None) -> Any:
    response = running.desk(desk).client.post(f"/api/v1{path}", json=body if body is not None else {})
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def case_id(running: Running) -> str:
    """TUR and SYR file and talk; USA and RUS conflict at Palmyra, negotiate and agree, USA tells TUR too."""
    _post(running, "tur_duty", "/notices", _al_bab("TUR-0301", "TUR"))
    _post(running, "usa_duty", "/notices", usa_strike())
    _post(running, "syr_duty", "/notices", _al_bab("SYR-0401", "SYR"))
    _post(running, "rus_duty", "/notices", rus_strike())
    conflicts = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    (palmyra,) = conflicts  # USA's only conflict: al-Bab is TUR's and SYR's
    opened = _post(running, "usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": palmyra["id"]}})
    case = str(opened["case"]["case_id"])
    _post(
        running,
        "usa_duty",
        "/messages",
        {"recipients": ["TUR"], "urgency": "routine", "language": "en", "text": "al-Bab at 03Z"},
    )
    terms = {"kind": "altitude_split", "at_ft": 26000, "above": "USA", "below": "RUS"}
    _post(running, "usa_duty", f"/cases/{case}/propose", {"terms": terms})
    _post(
        running,
        "tur_duty",
        "/messages",
        {"recipients": ["SYR"], "urgency": "routine", "language": "en", "text": "al-Bab"},
    )
    _post(running, "rus_duty", f"/cases/{case}/accept")
    about = [{"kind": "case", "id": case}]
    _post(
        running,
        "usa_duty",
        "/messages",
        {"recipients": ["RUS"], "urgency": "routine", "language": "en", "text": "thanks", "references": about},
    )
    _post(
        running,
        "rus_duty",
        "/messages",
        {"recipients": ["USA"], "urgency": "routine", "language": "en", "text": "ok", "references": about},
    )
    return case


def _report(running: Running, desk: str, case: str, fmt: str = "json") -> Any:
    return running.desk(desk).client.get(f"/api/v1/cases/{case}/report", params={"format": fmt})


def _keys_file(running: Running, tmp_path: Path) -> Path:
    keys = runner.invoke(app, ["ledger", "keys", "--db", running.db_url])
    assert keys.exit_code == 0, keys.output
    path = tmp_path / "keys.json"
    path.write_text(keys.stdout, encoding="utf-8")
    return path


def test_a_usa_rus_report_holds_only_the_case_and_verifies_alone(
    running: Running, case_id: str, tmp_path: Path
) -> None:
    response = _report(running, "usa_duty", case_id)
    assert response.status_code == 200, response.text
    report = response.json()
    entries = [Entry.from_json(line) for line in report["entries"]]
    assert {e.party for e in entries} <= {"USA", "RUS"}
    assert not any("TUR-0301" in line or "SYR-0401" in line for line in report["entries"])
    # Beyond the subjects, only links of the proofs: USA's message to TUR lies on the hash path from USA's
    # case.opened to the proposal RUS acknowledged, and an entry's hash covers its bytes (docs/agreements.md).
    used = {n for p in report["proofs"] for n in (*p["path"], p["witness"]) if n is not None}
    assert set(range(1, len(entries) + 1)) == set(report["subjects"]) | used
    assert report["parties"] == ["RUS", "USA"]
    assert set(report["keys"]) == {"USA", "RUS"}
    subjects = [entries[n - 1] for n in report["subjects"]]
    kinds = {e.kind for e in subjects}
    assert {Kind.NOTICE_FILED, Kind.CASE_OPENED, Kind.CASE_PROPOSAL, Kind.CASE_ACCEPTED, Kind.MESSAGE_SENT} <= kinds
    notices = {
        e.body["notice"]["features"][0]["properties"]["notice_id"] for e in subjects if e.kind is Kind.NOTICE_FILED
    }
    assert notices == {"USA-0101", "RUS-0201"}
    with running.node.store.begin() as tx:
        whole = tx.ledger_lines()
    assert len(report["entries"]) < len(whole)
    assert any('"at_ft":26000' in line for line in report["entries"])
    # Every subject witnessed by the other party of the case but the last (nobody has answered it yet).
    assert sum(proof["witness"] is not None for proof in report["proofs"]) >= len(report["subjects"]) - 1

    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    keys = _keys_file(running, tmp_path)
    verified = runner.invoke(app, ["case", "report", "--verify", str(path), "--keys", str(keys)])
    assert verified.exit_code == 0, verified.output
    assert f"ok: {len(entries)} entries verified" in verified.stdout
    assert "proofs: " in verified.stdout
    real = json.loads(keys.read_text(encoding="utf-8"))
    for party in ("USA", "RUS"):
        assert f"{party}  {_fingerprint(real[party])}  --keys {keys}" in verified.stdout
    as_json = json.loads(runner.invoke(app, ["ledger", "verify", str(path), "--db", running.db_url, "--json"]).stdout)
    assert as_json["result"] == "verified"
    assert len(as_json["proofs"]) == len(report["subjects"])
    assert runner.invoke(app, ["case", "report", "--verify", str(path)]).exit_code == 2  # no pinned keys


def test_any_change_to_the_report_fails(running: Running, case_id: str, tmp_path: Path) -> None:
    report = _report(running, "rus_observer", case_id).json()
    keys = _keys_file(running, tmp_path)
    victim = next(i for i, line in enumerate(report["entries"]) if '"at_ft":26000' in line)
    changes = {
        "altered": {
            "entries": [
                *report["entries"][:victim],
                report["entries"][victim].replace("26000", "16000"),
                *report["entries"][victim + 1 :],
            ]
        },
        "dropped": {"entries": report["entries"][:-1]},
        "relinked": {"proofs": [{**p, "path": p["path"][1:]} if p["path"] else p for p in report["proofs"]]},
    }
    for name, change in changes.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({**report, **change}), encoding="utf-8")
        result = runner.invoke(app, ["case", "report", "--verify", str(path), "--keys", str(keys)])
        assert result.exit_code == 1, (name, result.output)
        assert "FAILED at " in result.stderr, name
    altered = runner.invoke(app, ["ledger", "verify", str(tmp_path / "altered.json"), "--keys", str(keys), "--json"])
    assert json.loads(altered.stdout)["first_bad_entry"]["where"] == f"entry {victim + 1}"


def test_only_officers_of_the_case_parties_may_export(running: Running, case_id: str) -> None:
    for desk in ("usa_duty", "usa_senior", "usa_observer", "rus_duty", "rus_observer"):
        assert _report(running, desk, case_id).status_code == 200, desk
    for desk in ("tur_duty", "syr_senior", "tur_observer"):
        refused = _report(running, desk, case_id)
        assert refused.status_code == 404, desk
        assert case_id not in json.dumps(refused.json().get("entries", []))
    assert _report(running, "usa_sensor", case_id).status_code == 403
    assert _report(running, "usa_duty", "no-such-case").status_code == 404
    bad = _report(running, "usa_duty", case_id, "docx")
    assert bad.status_code == 422
    assert "format" in bad.text


def test_the_printable_document_states_the_verdict_and_fingerprints_first(
    running: Running, case_id: str, tmp_path: Path
) -> None:
    keys = json.loads(_keys_file(running, tmp_path).read_text(encoding="utf-8"))
    page = _report(running, "usa_duty", case_id, "html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    first = page.text.split("</section>", 1)[0]  # the first printed page
    assert "VERIFIED" in first
    for party in ("USA", "RUS"):
        assert _fingerprint(keys[party]) in first
    assert "TUR-0301" not in page.text
    assert "al-Bab at 03Z" not in page.text  # a link is listed by party, seq, kind and hash, not read out
    pdf = _report(running, "usa_duty", case_id, "pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert len(pdf.content) > 2000

    # The CLI: an officer exports through the node; the file then renders alone under pinned keys.
    token = running.desk("rus_duty").token
    out, html, pdf_path = tmp_path / "r.json", tmp_path / "r.html", tmp_path / "r.pdf"
    made = runner.invoke(
        app,
        ["case", "report", case_id, "--url", running.url, "--token", token, "--out", str(out), "--pdf", str(pdf_path)],
    )
    assert made.exit_code == 0, made.output
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    assert json.loads(out.read_text(encoding="utf-8"))["made_by"] == "RUS"
    keys_path = tmp_path / "keys.json"
    rendered = runner.invoke(
        app,
        ["case", "report", "--verify", str(out), "--keys", str(keys_path), "--html", str(html), "--pdf", str(pdf_path)],
    )
    assert rendered.exit_code == 0, rendered.output
    text = html.read_text(encoding="utf-8").split("</section>", 1)[0]
    assert "VERIFIED" in text
    assert f"--keys {keys_path}" in text
    # A report that fails renders as failed.
    document = json.loads(out.read_text(encoding="utf-8"))
    document["entries"][0] = document["entries"][0].replace('"seq":', '"seq": ', 1)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    failed = runner.invoke(
        app, ["case", "report", "--verify", str(broken), "--keys", str(keys_path), "--html", str(html)]
    )
    assert failed.exit_code == 1
    assert "FAILED" in html.read_text(encoding="utf-8").split("</section>", 1)[0]


def test_the_operator_exports_from_the_database_and_bad_arguments_exit_2(
    running: Running, case_id: str, tmp_path: Path
) -> None:
    page = tmp_path / "case.html"
    made = runner.invoke(app, ["case", "report", case_id, "--db", running.db_url, "--as", "USA", "--html", str(page)])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["format"] == "airparley-case-report/2"
    first = page.read_text(encoding="utf-8").split("</section>", 1)[0]
    assert "VERIFIED" in first
    assert f"--db {running.db_url.split('://')[0]}" in first  # the keys' origin: this database
    for args, says in (
        (["case", "report"], "case_id"),
        (["case", "report", case_id, "--verify", "x.json"], "not both"),
        (["case", "report", case_id, "--json", "--db", running.db_url], "--verify"),
        (["case", "report", "nope", "--db", running.db_url], "no case"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert says in result.stderr, (args, result.stderr)
