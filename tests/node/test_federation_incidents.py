"""An incident recorded on the USA's node reaches the RUS node as the encounter only: the replicated entry's
bytes hold the agreed fields and nothing of the USA's picture, and both ledgers still verify."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from incidents_support import AGREED_FIELDS, assert_only_the_encounter, near_miss
from node_support import FedNode, wait_until
from typer.testing import CliRunner

from airparley.cli import app
from airparley.errors import InvalidInput
from airparley.ledger import Entry
from airparley.node._incidents import IncidentRecords, trails_sha256

runner = CliRunner()


def _incident_lines(node: FedNode) -> list[str]:
    assert node.node is not None
    with node.node.store.begin() as tx:
        return [line for line in tx.ledger_lines("USA") if '"kind":"incident.recorded"' in line]


def _get(client: httpx.Client, path: str) -> dict[str, Any] | None:
    response = client.get(path)
    return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]


def _agree(usa: Any, rus: Any, usa_node: FedNode) -> None:
    """USA proposes on its node that an incident entry carries the separation and the times only; RUS signs
    on its node; the USA node holds it in force once the signature replicated."""
    terms = {"incident_entry": AGREED_FIELDS}
    body = {"parties": ["USA", "RUS"], "start": "2026-11-26T00:00:00Z", "terms": terms, "title": "Incidents annex"}
    proposed = usa.post("/api/v1/agreements", json=body)
    assert proposed.status_code == 201, proposed.text
    agreement = proposed.json()
    path = f"/api/v1/agreements/{agreement['agreement_id']}/versions/{agreement['version']}/sign"
    wait_until(lambda: rus.post(path).status_code == 200 or None, what="RUS to sign the annex on its node")
    assert usa_node.node is not None

    def in_force() -> bool | None:
        terms = usa.get("/api/v1/agreements/in-force", params={"parties": "USA,RUS"}).json()["terms"]
        return terms["incident_entry"]["source"] == "agreed" or None

    wait_until(in_force, what="the annex in force on the USA node")


@pytest.mark.parametrize("agreed", [False, True], ids=["default", "agreed"])
def test_an_incident_reaches_the_other_node_with_the_agreed_fields_only(
    fed_nodes: Callable[..., list[FedNode]], tmp_path: Path, agreed: bool
) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    assert usa_node.node is not None
    with usa_node.desk() as usa, rus_node.desk() as rus:
        if agreed:
            _agree(usa, rus, usa_node)

        def post(states: list[dict[str, Any]]) -> None:
            assert usa.post("/api/v1/tracks", json={"states": states}).json()["accepted"] == len(states)

        near_miss(post, usa_node.clock, usa_node.node.tick)
        (record,) = usa.get("/api/v1/incidents").json()
        (line,) = wait_until(lambda: _incident_lines(rus_node), what="the incident entry on the RUS node")
        # The bytes the RUS node holds are the bytes the USA node signed, and they are the encounter only.
        assert _incident_lines(usa_node) == [line]
        entry = assert_only_the_encounter(line, AGREED_FIELDS if agreed else None)
        assert entry["body"]["trails_sha256"] == trails_sha256(record["history"])
        assert record["fields_from"].startswith("agreement AGR-USA-") if agreed else record["fields_from"] == "default"
        assert len(line) < 1200  # the encounter: a few hundred bytes, not a trail of states
        # The RUS node has no record of it: the trails never left the USA node.
        assert rus.get("/api/v1/incidents").json() == []
        assert rus.get(f"/api/v1/incidents/{record['incident_id']}").status_code == 404

        # A disclosure to RUS is a signed act that reaches the RUS node too.
        disclosed = usa.post(f"/api/v1/incidents/{record['incident_id']}/disclose", json={"to": ["RUS"]})
        assert disclosed.status_code == 200, disclosed.text

        def disclosure_on_rus() -> list[str] | None:
            assert rus_node.node is not None
            with rus_node.node.store.begin() as tx:
                lines = [ln for ln in tx.ledger_lines("USA") if '"kind":"incident.disclosed"' in ln]
            return lines or None

        (disclosure,) = wait_until(disclosure_on_rus, what="the disclosure entry on the RUS node")
        assert json.loads(disclosure)["body"]["to"] == ["RUS"]
        assert "history" not in disclosure
        # The RUS node fetched the record from the USA node (it names RUS) and checked it against the two
        # signed entries: RUS's officers read the trails on their own node now.
        path = f"/api/v1/incidents/{record['incident_id']}"
        copy = wait_until(lambda: _get(rus, path), what="the disclosed record on the RUS node")
        assert copy["history"] == record["history"]
        assert copy["party"] == "USA"
        assert [d["to"] for d in copy["disclosures"]] == [["RUS"]]
        assert [r["incident_id"] for r in rus.get("/api/v1/incidents").json()] == [record["incident_id"]]
        # The peer route answers a peer only for what was disclosed to its party, and never re-shares a copy.
        usa_peer = httpx.Client(
            base_url=rus_node.url, headers={"Authorization": f"Bearer {usa_node.tokens['peer@RUS']}"}
        )
        with usa_peer:
            assert usa_peer.get(f"/api/v1/federation/incidents/{record['incident_id']}").status_code == 404
        assert rus.get(f"/api/v1/federation/incidents/{record['incident_id']}").status_code == 401
        # A record whose trails do not hash to what USA signed is refused, naming the field.
        assert rus_node.node is not None
        forged = {**record, "history": {**record["history"], "E3": record["history"]["E3"][:1]}}
        with rus_node.node.store.begin() as tx:
            waiting = [Entry.from_json(disclosure)]
            with pytest.raises(InvalidInput) as refused:
                IncidentRecords._checked_copy(tx, "USA", record["incident_id"], forged, waiting)
            assert refused.value.field == "history"
            assert rus_node.node.incidents.pending(tx, "USA") == {}  # the genuine one is applied already

    for node in (usa_node, rus_node):
        exported = runner.invoke(app, ["ledger", "export", "--db", node.db_url])
        assert exported.exit_code == 0, exported.output
        path = tmp_path / f"{node.party}.jsonl"
        path.write_text(exported.stdout)
        verified = runner.invoke(app, ["ledger", "verify", str(path), "--db", node.db_url])
        assert verified.exit_code == 0, verified.output
