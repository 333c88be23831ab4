"""Federation for real: each party runs its own node (uvicorn on 127.0.0.1, its own database), and the
nodes replicate each other's signed feeds. Both derive the same conflicts; messages, receipts and cases
cross between them; a node that was down catches up; either node's ledger verifies on its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from node_support import FedNode, wait_until
from palmyra import collection, feature, rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.store._local_postgres import create_database

runner = CliRunner()
Make = Callable[..., list[FedNode]]


def _get(client: httpx.Client, path: str) -> Any:
    response = client.get(f"/api/v1{path}")
    return response.json() if response.status_code == 200 else None


def _lines(node: FedNode) -> set[str]:
    assert node.node is not None
    with node.node.store.begin() as tx:
        return set(tx.ledger_lines())


def _verify_export(node: FedNode, tmp_path: Path) -> None:
    """`airparley ledger export` then `airparley ledger verify` with the node's own keys: exit 0."""
    exported = runner.invoke(app, ["ledger", "export", "--db", node.db_url])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / f"{node.party.lower()}-ledger.jsonl"
    path.write_text(exported.stdout)
    verified = runner.invoke(app, ["ledger", "verify", str(path), "--db", node.db_url])
    assert verified.exit_code == 0, verified.output
    parties = {json.loads(line)["party"] for line in exported.stdout.splitlines()}
    assert parties == {"USA", "RUS"}  # both feeds, on each node


def test_conflicts_messages_and_cases_cross_between_two_nodes(fed_nodes: Make, tmp_path: Path) -> None:
    # A poll interval of an hour: everything below travels on push hints.
    usa_node, rus_node = fed_nodes("USA", "RUS")
    with usa_node.desk() as usa, rus_node.desk() as rus:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        assert rus.post("/api/v1/notices", json=rus_strike()).status_code == 201

        (usa_view,) = wait_until(lambda: _get(usa, "/conflicts"), what="the conflict on the USA node")
        (rus_view,) = wait_until(lambda: _get(rus, "/conflicts"), what="the conflict on the RUS node")
        assert usa_view["id"] == rus_view["id"]  # the same conflict id, derived by each node alone
        assert rus_view["own"]["notice_id"] == "RUS-0201"
        assert rus_view["other"]["notice_id"] == "USA-0101"
        assert "TGT-4471" not in json.dumps(rus_view)  # the private part never left the USA node
        assert _get(rus, "/notices/USA-0101") is None  # and the API still shows RUS only the overlap
        conflict_id = usa_view["id"]

        # A message sent on the USA node reaches the RUS desk, and its acknowledgement comes back.
        sent = usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"})
        assert sent.status_code == 201, sent.text
        message_id = sent.json()["message"]["message_id"]
        received = wait_until(lambda: _get(rus, f"/messages/{message_id}"), what="the message on the RUS node")
        assert received["rendered"]["language"] == "ru"
        kinds = [e["kind"] for e in _get(rus, "/events")["events"]]
        assert {"message.sent", "conflict.detected"} <= set(kinds)
        assert rus.post(f"/api/v1/messages/{message_id}/ack").status_code == 200
        wait_until(
            lambda: _get(usa, f"/messages/{message_id}")["message"]["receipts"][0]["state"] == "acknowledged",
            what="the acknowledgement on the USA node",
        )

        # A case opened on the USA node is answered on the RUS node, agreed on the USA node, and resolves on
        # both when RUS revises its notice as agreed.
        opened = usa.post("/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict_id}})
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["case"]["case_id"]
        wait_until(lambda: _get(rus, f"/cases/{case_id}"), what="the case on the RUS node")
        terms = {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 360}}
        proposed = rus.post(f"/api/v1/cases/{case_id}/propose", json=terms)
        assert proposed.status_code == 200, proposed.text
        wait_until(lambda: _get(usa, f"/cases/{case_id}")["case"]["state"] == "proposed", what="the proposal")
        assert usa.post(f"/api/v1/cases/{case_id}/accept", json={"note": "Agreed"}).status_code == 200
        wait_until(lambda: _get(rus, f"/cases/{case_id}")["case"]["state"] == "agreed", what="the agreement")
        later = rus_strike(start="2026-11-26T09:00:00Z", end="2026-11-26T11:00:00Z")
        assert rus.put("/api/v1/notices/RUS-0201", json=later).status_code == 200
        wait_until(lambda: _get(usa, "/conflicts") == [], what="the conflict to clear on the USA node")
        wait_until(lambda: _get(usa, f"/cases/{case_id}")["case"]["state"] == "resolved", what="USA resolved")
        wait_until(lambda: _get(rus, f"/cases/{case_id}")["case"]["state"] == "resolved", what="RUS resolved")

        # Both nodes end with the same ledger (both feeds, entry for entry) and the same case.
        wait_until(lambda: _lines(usa_node) == _lines(rus_node), what="the two ledgers to converge")
        assert _get(usa, f"/cases/{case_id}")["case"] == _get(rus, f"/cases/{case_id}")["case"]
    kinds = [json.loads(line)["kind"] for line in _lines(usa_node)]
    for kind in ("notice.filed", "notice.revised", "message.sent", "message.acknowledged", "case.accepted"):
        assert kind in kinds
    assert "TGT-4471" not in "".join(_lines(rus_node))
    _verify_export(usa_node, tmp_path)
    _verify_export(rus_node, tmp_path)


def _far(i: int) -> dict[str, Any]:
    return collection(
        feature(
            f"USA-02{i:02d}", "USA", {"type": "Point", "coordinates": [44 + i * 0.1, 33]}, shape="circle", radius_nm=3
        )
    )


def _head(node: FedNode, party: str) -> int | None:
    assert node.node is not None
    with node.node.store.begin() as tx:
        head = tx.ledger_head(party)
    return None if head is None else head.seq


@pytest.mark.parametrize("rus_db", ["sqlite", "postgresql"])
def test_a_node_that_was_down_catches_up(
    fed_nodes: Make, rus_db: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    db = {"RUS": create_database(request.getfixturevalue("postgres_server"))} if rus_db == "postgresql" else {}
    usa_node, rus_node = fed_nodes("USA", "RUS", db=db, poll_s=0.3)
    with rus_node.desk() as rus:
        assert rus.post("/api/v1/notices", json=rus_strike()).status_code == 201
    wait_until(lambda: _head(usa_node, "RUS") == 0, what="RUS#0 on the USA node")

    rus_node.stop()  # cut off: the USA node's hints and pulls fail from now on
    with usa_node.desk() as usa:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        for i in range(3):
            assert usa.post("/api/v1/notices", json=_far(i)).status_code == 201
        message = usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"}).json()
        (conflict,) = usa.get("/api/v1/conflicts").json()
    assert usa_node.node is not None

    def link_down() -> bool:
        assert usa_node.node is not None
        with usa_node.node.store.begin() as tx:
            peer = tx.peer("RUS")
        return peer is not None and peer.last_error is not None

    wait_until(link_down, what="the USA node to notice that the RUS node is down")
    listed = runner.invoke(app, ["peer", "list", "--db", usa_node.db_url])
    assert "last error" in listed.stdout

    rus_node.start()  # the link returns: the RUS node pulls what it missed
    usa_head = _head(usa_node, "USA")
    wait_until(lambda: _head(rus_node, "USA") == usa_head, what="the RUS node to catch up")
    with rus_node.desk() as rus:
        assert [c["id"] for c in rus.get("/api/v1/conflicts").json()] == [conflict["id"]]
        assert rus.get(f"/api/v1/messages/{message['message']['message_id']}").status_code == 200
    wait_until(lambda: _lines(usa_node) == _lines(rus_node), what="the two ledgers to converge")
    _verify_export(rus_node, tmp_path)


def test_a_deadline_missed_on_both_nodes_escalates_the_case_once(fed_nodes: Make, tmp_path: Path) -> None:
    """Each node runs its own deadlines: both escalate the case, each signing for its own party. When they
    see each other's escalation the two histories merge to the same case, escalated once."""
    usa_node, rus_node = fed_nodes("USA", "RUS")
    assert usa_node.node is not None
    assert rus_node.node is not None
    with usa_node.desk() as usa, rus_node.desk() as rus:
        usa.post("/api/v1/notices", json=usa_strike())
        rus.post("/api/v1/notices", json=rus_strike())
        (conflict,) = wait_until(lambda: _get(usa, "/conflicts"), what="the conflict")
        opened = usa.post(
            "/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict["id"]}, "urgent": True}
        )
        case_id = opened.json()["case"]["case_id"]
        wait_until(lambda: _get(rus, f"/cases/{case_id}"), what="the case on the RUS node")
        usa_node.clock.advance(minutes=4)  # the 3-minute deadline of an urgent case has passed
        usa_node.node.tick()
        usa_node.clock.advance(seconds=1)
        rus_node.node.tick()

        def same_case() -> dict[str, Any] | None:
            mine, theirs = _get(usa, f"/cases/{case_id}")["case"], _get(rus, f"/cases/{case_id}")["case"]
            return mine if mine == theirs else None

        case = wait_until(same_case, what="the two copies of the case to agree")
        assert case["state"] == "escalated"
        assert [step["event"] for step in case["history"]] == ["open", "deadline_missed"]
        wait_until(lambda: _lines(usa_node) == _lines(rus_node), what="the two ledgers to converge")
    escalations = [json.loads(line) for line in _lines(usa_node) if '"case.escalated"' in line]
    # USA's node escalated first; RUS's usually also did before it heard of it (the merge case above).
    assert "USA" in {entry["party"] for entry in escalations}
    _verify_export(usa_node, tmp_path)
    _verify_export(rus_node, tmp_path)


def test_three_nodes_in_a_mesh_hold_and_verify_every_feed(fed_nodes: Make, tmp_path: Path) -> None:
    usa_node, rus_node, tur_node = fed_nodes("USA", "RUS", "TUR")
    al_bab = collection(
        feature("TUR-0301", "TUR", {"type": "Point", "coordinates": [37.52, 36.37]}, shape="circle", radius_nm=10)
    )
    with usa_node.desk() as usa, rus_node.desk() as rus, tur_node.desk() as tur:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        assert rus.post("/api/v1/notices", json=rus_strike()).status_code == 201
        assert tur.post("/api/v1/notices", json=al_bab).status_code == 201
        sent = tur.post("/api/v1/messages", json={"recipients": ["USA", "RUS"], "template": "stand_by"})
        assert sent.status_code == 201, sent.text
        wait_until(lambda: _lines(usa_node) == _lines(rus_node) == _lines(tur_node), what="three equal ledgers")
        (usa_view,) = _get(usa, "/conflicts")
        (rus_view,) = _get(rus, "/conflicts")
        assert usa_view["id"] == rus_view["id"]
        assert _get(tur, "/conflicts") == []  # TUR holds both notices, and sees nothing of them
        message_id = sent.json()["message"]["message_id"]
        assert _get(usa, f"/messages/{message_id}")["rendered"]["language"] == "en"
        assert _get(rus, f"/messages/{message_id}")["rendered"]["language"] == "ru"
    for node in (usa_node, rus_node, tur_node):
        exported = runner.invoke(app, ["ledger", "export", "--db", node.db_url])
        path = tmp_path / f"{node.party}.jsonl"
        path.write_text(exported.stdout)
        verified = runner.invoke(app, ["ledger", "verify", str(path), "--db", node.db_url])
        assert verified.exit_code == 0, verified.output
        assert {json.loads(line)["party"] for line in exported.stdout.splitlines()} == {"USA", "RUS", "TUR"}
