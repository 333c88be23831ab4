"""Issue 14 part 4: disclosure accounting. What USA's node sent or made readable to RUS, by kind, each item with
what covers it; an item nothing covers is flagged. On a real node over uvicorn, and on the headless demo."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from node_support import Running, Served, _free_port
from palmyra import usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import Entry, Kind
from airparley.node import Node
from airparley.store import Store
from airparley.web import desk_app

runner = CliRunner()
E3 = "USA-E3-1"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _account(running: Running, desk: str = "usa_observer", **params: str) -> Any:
    return running.desk(desk).client.get("/api/v1/disclosure", params={"to": "RUS", **params})


def _usa_acts(running: Running) -> None:
    """USA files a notice, shares its E-3 with RUS, and writes to TUR (its feed is one: RUS can read that too)."""
    client = running.desk("usa_duty").client
    assert client.post("/api/v1/notices", json=usa_strike()).status_code == 201
    state = {
        "id": E3,
        "party": "USA",
        "time": _iso(running.clock()),
        "lat": 35.2,
        "lon": 40.0,
        "alt_ft": 30000,
        "gs_kt": 360,
        "trk_deg": 60,
        "vs_fpm": 0,
        "callsign": "SENTRY60",
        "source": "radar",
    }
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": [state]})
    assert posted.status_code == 202, posted.text
    assert client.post("/api/v1/tracks/shares", json={"track": E3, "with": ["RUS"], "minutes": 30}).status_code == 201
    message = {"recipients": ["TUR"], "urgency": "routine", "language": "en", "text": "al-Bab at 03Z"}
    assert client.post("/api/v1/messages", json=message).status_code == 201


def test_every_kind_that_crossed_is_listed_and_covered(running: Running) -> None:
    started = running.clock()
    _usa_acts(running)
    response = _account(running)
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["party"] == "USA"
    assert account["to"] == "RUS"
    assert account["flagged"] == 0
    assert account["kinds"] == {
        "ledger:message.sent": 1,
        "ledger:notice.filed": 1,
        "ledger:track.shared": 1,
        "track_share": 1,
    }
    assert account["total"] == len(account["items"]) == 4
    by_kind = {item["kind"]: item for item in account["items"]}
    assert by_kind["track_share"]["covered_by"] == "signed track.shared of USA"
    assert "to TUR" in by_kind["ledger:message.sent"]["summary"]
    assert by_kind["ledger:notice.filed"]["covered_by"] == "signed act USA#0"
    assert set(account["coverage_checked"]) == {
        "ledger",
        "track_share",
        "incident_record",
        "case_report",
        "case_report_entry",
        "case_report_path_entry",
    }
    assert set(account["not_itemised"]) == {"conflict_overlap"}
    # The period: nothing before the acts; everything from their start.
    empty = _account(running, until=_iso(started - timedelta(hours=1))).json()
    assert empty["total"] == 0
    assert _account(running, since=_iso(started)).json()["total"] == 4
    # RUS's own accounting towards USA holds none of USA's items.
    assert running.desk("rus_duty").client.get("/api/v1/disclosure", params={"to": "USA"}).json()["total"] == 0


def test_an_uncovered_item_is_flagged(running: Running) -> None:
    _usa_acts(running)
    now = running.clock()
    with running.node.store.begin() as tx:
        # A share the node would apply with no signed grant (a bug, or a hand-edited database).
        document = {
            "share_id": "share-unsigned",
            "party": "USA",
            "track": "USA-F16-1",
            "with": ["RUS"],
            "created_by": "x",
            "created_at": _iso(now),
            "until": None,
            "state": "active",
            "revoked_at": None,
            "revoked_by": None,
            "entry": None,
        }
        tx.put_track_share("share-unsigned", "USA", "USA-F16-1", ["RUS"], "active", now, None, document)
        # An incident entry carrying a group no agreement allowed (the track ids), signed by USA.
        body = {
            "incident_id": "incident-x",
            "fields": ["positions", "tracks"],
            "aircraft": [{"party": "USA"}, {"party": "RUS"}],
        }
        running.node.ledger.record(tx, "USA", Kind.INCIDENT_RECORDED, body, now)
    account = _account(running).json()
    assert account["flagged"] == 2
    flagged = {item["id"]: item for item in account["items"] if item["flagged"]}
    assert "no signed track.shared entry of USA grants this share to RUS" in flagged["share-unsigned"]["reason"]
    (incident,) = [item for item in flagged.values() if item["kind"] == "ledger:incident.recorded"]
    assert incident["reason"].startswith("carries tracks, beyond the documented default")

    token = running.desk("usa_duty").token
    result = runner.invoke(app, ["disclosure", "--to", "rus", "--url", running.url, "--token", token])
    assert result.exit_code == 1, result.output
    assert "FLAGGED: no signed track.shared entry" in result.stdout
    assert "not itemised:" in result.stdout
    as_json = runner.invoke(app, ["disclosure", "--to", "RUS", "--url", running.url, "--token", token, "--json"])
    assert json.loads(as_json.stdout)["flagged"] == 2


def test_exported_case_reports_are_recorded_itemised_and_checked(running: Running) -> None:
    usa = running.desk("usa_duty").client
    contention = {"subject": {"kind": "contention", "reason": "Palmyra airspace"}}
    with_rus = usa.post("/api/v1/cases", json={**contention, "with": "RUS"}).json()["case"]["case_id"]
    with_tur = usa.post("/api/v1/cases", json={**contention, "with": "TUR"}).json()["case"]["case_id"]
    for case_id in (with_rus, with_tur):
        assert usa.get(f"/api/v1/cases/{case_id}/report").status_code == 200
    assert usa.get(f"/api/v1/cases/{with_rus}/report", params={"format": "html"}).status_code == 200
    with running.node.store.begin() as tx:
        exports = tx.report_exports_of("USA")
        # A record naming RUS for a case RUS is not a party of (a bug, or a hand-edited database).
        tx.add_report_export("USA", "someone", with_tur, running.clock(), ["RUS", "USA"])
    assert [(e.case_id, e.parties) for e in exports] == [
        (with_rus, ("RUS", "USA")),
        (with_tur, ("TUR", "USA")),
        (with_rus, ("RUS", "USA")),
    ]
    assert len({e.officer for e in exports}) == 1
    assert all(e.party == "USA" for e in exports)
    account = _account(running).json()
    reports = [item for item in account["items"] if item["kind"] == "case_report"]
    assert account["kinds"]["case_report"] == 3  # two exports of the USA-RUS case, one mislabelled record
    covered = [item for item in reports if not item["flagged"]]
    assert len(covered) == 2
    assert all(item["covered_by"] == f"case {with_rus}" for item in covered)
    (flagged,) = [item for item in reports if item["flagged"]]
    assert flagged["reason"] == f"RUS is not a party of case {with_tur}"
    # TUR's accounting holds the USA-TUR export only.
    tur = usa.get("/api/v1/disclosure", params={"to": "TUR"}).json()
    assert [i["summary"].split()[3] for i in tur["items"] if i["kind"] == "case_report"] == [with_tur]


def test_bad_questions_are_refused_naming_the_field(running: Running) -> None:
    for params, field in (
        ({"to": "USA"}, "to"),
        ({"to": "XYZ"}, "to"),
        ({"to": "rus!"}, "to"),
        ({"to": "RUS", "since": "yesterday"}, "since"),
        ({"to": "RUS", "since": "2026-11-26T03:00:00"}, "since"),  # no zone
        ({"to": "RUS", "until": "1999-01-01T00:00:00Z"}, "until"),
        ({"to": "RUS", "since": "2026-11-26T03:00:00Z", "until": "2026-11-26T02:00:00Z"}, "until"),
        ({"to": "RUS", "since": "2" * 200}, "since"),
    ):
        response = running.desk("usa_duty").client.get("/api/v1/disclosure", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["field"] == field, (params, response.json())
    assert running.desk("usa_sensor").client.get("/api/v1/disclosure", params={"to": "RUS"}).status_code == 403


@pytest.mark.slow
def test_on_the_demo_every_kind_that_crossed_is_listed_and_nothing_is_flagged(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    demo = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    store = Store.open(f"sqlite:///{db}")
    try:
        with store.begin() as tx:
            feed = [Entry.from_json(line) for line in tx.ledger_lines("USA")]
            _, token = tx.add_officer("USA", "USA auditor", "observer", datetime.now(UTC))
        served = Served(desk_app(Node(store)), _free_port())
        try:
            url = f"http://127.0.0.1:{served.server.config.port}"
            result = runner.invoke(app, ["disclosure", "--to", "RUS", "--url", url, "--token", token, "--json"])
        finally:
            served.stop()
    finally:
        store.close()
    assert result.exit_code == 0, result.output
    account = json.loads(result.stdout)
    assert account["flagged"] == 0
    crossed = {f"ledger:{entry.kind.value}" for entry in feed}
    assert {kind for kind in account["kinds"] if kind.startswith("ledger:")} == crossed
    assert sum(count for kind, count in account["kinds"].items() if kind.startswith("ledger:")) == len(feed)
    # The demo's story crosses notices, the hotline and a case at least.
    assert {"ledger:notice.filed", "ledger:message.sent", "ledger:case.opened"} <= crossed


def test_operator_exports_from_the_database_are_recorded_for_their_party(running: Running, tmp_path: Path) -> None:
    usa = running.desk("usa_duty").client
    contention = {"subject": {"kind": "contention", "reason": "Palmyra airspace"}}
    case_id = usa.post("/api/v1/cases", json={**contention, "with": "RUS"}).json()["case"]["case_id"]
    db = ["--db", running.db_url]
    # This node hosts all four parties: whose export it is must be said, and only a party of the case may.
    for extra, says in (([], "--as PARTY"), (["--as", "TUR"], "TUR is not a party of this case")):
        refused = runner.invoke(app, ["case", "report", case_id, *db, *extra])
        assert refused.exit_code == 2, refused.output
        assert "as:" in refused.stderr
        assert says in refused.stderr
    through_node = ["--url", running.url, "--token", running.desk("usa_duty").token, "--as", "USA"]
    assert "--as goes with --db" in runner.invoke(app, ["case", "report", case_id, *through_node]).stderr
    with running.node.store.begin() as tx:
        assert tx.report_exports_of("USA") == []
    made = runner.invoke(app, ["case", "report", case_id, *db, "--as", "usa", "--html", str(tmp_path / "r.html")])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["made_by"] == "USA"
    with running.node.store.begin() as tx:
        (export,) = tx.report_exports_of("USA")
        assert tx.report_exports_of("RUS") == []
    assert (export.case_id, export.parties, export.officer) == (case_id, ("RUS", "USA"), "the node's operator (--db)")

    # `airparley disclosure --to RUS` lists it (the export was made at the wall clock's time, the node's is fixed).
    until = _iso(datetime.now(UTC) + timedelta(hours=1))
    token = running.desk("usa_observer").token
    listed = runner.invoke(
        app, ["disclosure", "--to", "RUS", "--until", until, "--url", running.url, "--token", token, "--json"]
    )
    assert listed.exit_code == 0, listed.output
    (item,) = [i for i in json.loads(listed.stdout)["items"] if i["kind"] == "case_report"]
    assert item["covered_by"] == f"case {case_id}"
    assert "exported by the node's operator (--db)" in item["summary"]
    tur = running.desk("usa_observer").client.get("/api/v1/disclosure", params={"to": "TUR", "until": until}).json()
    assert "case_report" not in tur["kinds"]


def test_an_operator_export_defaults_to_the_nodes_own_party(fed_nodes: Any) -> None:
    usa_node, _ = fed_nodes("USA", "RUS")
    with usa_node.desk() as usa:
        opened = usa.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "x"}, "with": "RUS"})
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["case"]["case_id"]
    # USA's node: USA's officers, and RUS's node's peer account, which makes RUS no party of this node's own.
    made = runner.invoke(app, ["case", "report", case_id, "--db", usa_node.db_url])
    assert made.exit_code == 0, made.output
    assert usa_node.node is not None
    with usa_node.node.store.begin() as tx:
        assert [e.case_id for e in tx.report_exports_of("USA")] == [case_id]
        assert tx.report_exports_of("RUS") == []
