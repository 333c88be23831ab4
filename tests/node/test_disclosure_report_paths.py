"""Disclosure accounting lists each entry a case report export disclosed to the other party (issue 14), its
proof path entries too: USA's message to TUR lies on the hash path between USA's case entries and the head RUS
acknowledged, so the USA-RUS report carries it whole, and `disclosure --to RUS` names it as a path entry."""

from __future__ import annotations

from node_support import Running
from test_case_reports import case_id  # noqa: F401  (the fixture: TUR and SYR act between the case's moves)

from airparley.ledger import Entry


def test_a_report_export_lists_its_entries_and_its_path_entries(running: Running, case_id: str) -> None:  # noqa: F811
    usa = running.desk("usa_duty").client
    report = usa.get(f"/api/v1/cases/{case_id}/report").json()
    held = [Entry.from_json(line) for line in report["entries"]]
    subjects = {held[n - 1] for n in report["subjects"]}
    usa_held = {f"USA#{e.seq}": e for e in held if e.party == "USA"}
    to_tur = [e for e in usa_held.values() if e not in subjects and "TUR" in str(e.body)]
    assert to_tur, "the fixture's message to TUR is on a proof path"
    account = usa.get("/api/v1/disclosure", params={"to": "RUS"}).json()
    assert account["flagged"] == 0, [i for i in account["items"] if i["flagged"]]
    listed = {
        item["id"].rsplit(":", 1)[1]: item
        for item in account["items"]
        if item["kind"] in {"case_report_entry", "case_report_path_entry"}
    }
    assert set(listed) == set(usa_held)  # every USA entry the report held, and no other
    for name, entry in usa_held.items():
        expected = "case_report_entry" if entry in subjects else "case_report_path_entry"
        assert listed[name]["kind"] == expected
        assert listed[name]["covered_by"] == f"report of case {case_id}; signed act {name}"
    for entry in to_tur:
        item = listed[f"USA#{entry.seq}"]
        assert "present only as a proof path entry of" in item["summary"]
        assert "to TUR" in item["summary"]
    assert account["kinds"]["case_report"] == 1
    # The printable report says plainly which entries are there only as proof.
    html = usa.get(f"/api/v1/cases/{case_id}/report", params={"format": "html"}).text
    proof_only = html.split('<h2 id="proof-only">Entries present only as proof</h2>', 1)[1]
    assert "only as proof" in proof_only
    assert "disclosed whole" in proof_only
    for entry in to_tur:
        assert f"<td>USA#{entry.seq}</td>" in proof_only
