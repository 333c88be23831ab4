"""Agreements between parties on a real node (uvicorn, SQLite or PostgreSQL) and across federated nodes:
proposed by one party, in force once every party signed, replicated, and used (frequencies, buffers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from node_support import FedNode, Running, wait_until
from palmyra import collection, feature, usa_strike

from airparley.errors import InvalidInput
from airparley.ledger import Kind, append, generate_key
from airparley.node._replica import Replicator

Make = Callable[..., list[FedNode]]
START = "2026-11-26T00:00:00Z"
UHF = {"name": "Deconfliction UHF", "mhz": 251.3, "area": "al-Bab"}


def _mhz(client: httpx.Client) -> list[float]:
    response = client.get("/api/v1/frequencies")
    assert response.status_code == 200, response.text
    return [f["mhz"] for f in response.json()]


def _propose(client: httpx.Client, parties: list[str], terms: dict[str, Any], **more: Any) -> dict[str, Any]:
    response = client.post("/api/v1/agreements", json={"parties": parties, "start": START, "terms": terms} | more)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _sign(client: httpx.Client, agreement: dict[str, Any]) -> httpx.Response:
    return client.post(f"/api/v1/agreements/{agreement['agreement_id']}/versions/{agreement['version']}/sign")


def _kinds(running: Running, party: str) -> list[str]:
    with running.node.store.begin() as tx:
        return [line for line in tx.ledger_lines() if f'"party":"{party}"' in line]


def test_a_frequency_tur_proposes_is_not_in_force_for_usa_until_usa_signs(running: Running) -> None:
    tur, usa, rus = (running.desk(f"{p}_duty").client for p in ("tur", "usa", "rus"))
    proposed = _propose(tur, ["TUR", "USA"], {"frequencies": [UHF]}, title="al-Bab annex")
    assert proposed["status"] == "proposed"
    assert proposed["signed_by"].keys() == {"TUR"}  # the proposal is TUR's signature
    assert proposed["awaiting"] == ["USA"]
    assert _mhz(usa) == _mhz(tur) == [121.5, 243.0]
    pending = usa.get("/api/v1/agreements/in-force", params={"parties": "USA,TUR"}).json()
    assert pending["agreement"] is None
    assert pending["terms"]["frequencies"]["source"] == "not covered"
    # RUS is not named: it neither sees nor signs the agreement.
    assert rus.get(f"/api/v1/agreements/{proposed['agreement_id']}").status_code == 404
    assert _sign(rus, proposed).status_code == 404
    assert rus.get("/api/v1/agreements").json() == []

    signed = _sign(usa, proposed)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "in_force"
    assert _mhz(usa) == _mhz(tur) == [121.5, 243.0, 251.3]
    assert _mhz(rus) == [121.5, 243.0]  # not RUS's agreement
    in_force = usa.get("/api/v1/agreements/in-force", params={"parties": "TUR,USA"}).json()
    assert in_force["agreement"] == {"agreement_id": proposed["agreement_id"], "version": 1}
    assert in_force["terms"]["frequencies"]["source"] == "agreed"
    assert in_force["terms"]["buffers"]["source"] == "not covered"
    assert _sign(usa, proposed).status_code == 422  # once only
    # Both acts are signed ledger entries of their parties; the events reached both desks.
    assert any('"kind":"agreement.proposed"' in line for line in _kinds(running, "TUR"))
    assert any('"kind":"agreement.signed"' in line for line in _kinds(running, "USA"))
    kinds = [e["kind"] for e in tur.get("/api/v1/events").json()["events"]]
    assert {"agreement.proposed", "agreement.signed"} <= set(kinds)


def test_proposals_are_checked_and_only_desks_act(running: Running) -> None:
    usa = running.desk("usa_duty").client
    bad = usa.post(
        "/api/v1/agreements",
        json={
            "parties": ["USA", "RUS"],
            "start": START,
            "terms": {"buffers": {"lateral_nm": -1, "vertical_ft": 1, "time_min": 1}},
        },
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "terms.buffers.lateral_nm"
    alone = usa.post("/api/v1/agreements", json={"parties": ["USA"], "start": START, "terms": {}})
    assert alone.status_code == 422
    assert alone.json()["field"] == "parties"
    for_others = usa.post("/api/v1/agreements", json={"parties": ["RUS", "TUR"], "start": START, "terms": {}})
    assert for_others.status_code == 403
    observer = running.desk("usa_observer").client
    assert (
        observer.post("/api/v1/agreements", json={"parties": ["USA", "RUS"], "start": START, "terms": {}}).status_code
        == 403
    )
    assert observer.get("/api/v1/agreements").status_code == 200
    assert running.desk("usa_sensor").client.get("/api/v1/agreements").status_code == 403


def _rus_above(floor_fl: int) -> dict[str, Any]:
    """A RUS strike over the USA strike's circle, its band starting at ``floor_fl`` (the USA top is FL300)."""
    ring = [[38.10, 34.45], [38.60, 34.45], [38.60, 34.75], [38.10, 34.75], [38.10, 34.45]]
    return collection(
        feature(
            "RUS-0201",
            "RUS",
            {"type": "Polygon", "coordinates": [ring]},
            lower={"value": floor_fl, "ref": "FL"},
            upper={"value": 350, "ref": "FL"},
        )
    )


def test_a_usa_rus_conflict_uses_the_usa_rus_buffers_in_force(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    assert rus.post("/api/v1/notices", json=_rus_above(310)).status_code == 201
    assert usa.get("/api/v1/conflicts").json() == []  # 1,000 ft apart: not within the default 1,000 ft buffer

    wide = {"buffers": {"lateral_nm": 5, "vertical_ft": 2000, "time_min": 10}}
    proposed = _propose(usa, ["USA", "RUS"], wide, agreement_id="USA-RUS-annex")
    assert usa.get("/api/v1/conflicts").json() == []  # proposed is not in force
    assert _sign(rus, proposed).status_code == 200
    (conflict,) = usa.get("/api/v1/conflicts").json()
    assert conflict["buffers"]["vertical_ft"] == 2000.0
    assert conflict["buffers_from"] == {"agreement_id": "USA-RUS-annex", "version": 1, "source": "agreed"}
    assert [c["id"] for c in rus.get("/api/v1/conflicts").json()] == [conflict["id"]]
    # A TUR notice as close is judged by the node's own buffers: no agreement covers USA-TUR.
    tur = running.desk("tur_duty").client
    tur_doc = _rus_above(310)
    tur_doc["features"][0]["properties"].update(notice_id="TUR-0301", party="TUR")
    assert tur.post("/api/v1/notices", json=tur_doc).status_code == 201
    assert [c["other"]["party"] for c in usa.get("/api/v1/conflicts").json()] == ["RUS"]

    # RUS proposes a narrower version 2, superseding 1; once USA signs it, the conflict clears.
    narrow = {"buffers": {"lateral_nm": 5, "vertical_ft": 500, "time_min": 10}}
    v2 = _propose(rus, ["USA", "RUS"], narrow, agreement_id="USA-RUS-annex", supersedes=1)
    assert v2["version"] == 2
    assert v2["supersedes"] == 1
    assert len(usa.get("/api/v1/conflicts").json()) == 1  # version 1 holds until 2 is signed by all
    stale = usa.post(
        "/api/v1/agreements",
        json={
            "agreement_id": "USA-RUS-annex",
            "parties": ["USA", "RUS"],
            "start": START,
            "terms": narrow,
            "supersedes": 1,
        },
    )
    assert stale.status_code == 422
    assert stale.json()["field"] == "supersedes"
    assert _sign(usa, v2).status_code == 200
    assert usa.get("/api/v1/conflicts").json() == []
    shown = usa.get("/api/v1/agreements/USA-RUS-annex").json()
    assert shown["in_force_version"] == 2
    assert [v["status"] for v in shown["versions"]] == ["superseded", "in_force"]
    kinds = [e["kind"] for e in usa.get("/api/v1/events").json()["events"]]
    assert kinds.count("conflict.detected") == 1
    assert "conflict.cleared" in kinds


def _get(client: httpx.Client, path: str) -> Any:
    response = client.get(f"/api/v1{path}")
    return response.json() if response.status_code == 200 else None


def test_two_federated_nodes_list_the_same_agreements_in_force(fed_nodes: Make) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    with usa_node.desk() as usa, rus_node.desk() as rus:
        proposed = _propose(usa, ["USA", "RUS"], {"frequencies": [UHF], "fallback": ["buffers"]})
        agreement_id = proposed["agreement_id"]
        on_rus = wait_until(lambda: _get(rus, f"/agreements/{agreement_id}"), what="the proposal on the RUS node")
        assert on_rus["versions"][0]["status"] == "proposed"
        assert _mhz(rus) == [121.5, 243.0]
        assert _sign(rus, proposed).status_code == 200
        wait_until(
            lambda: _get(usa, f"/agreements/{agreement_id}")["in_force_version"] == 1 or None,
            what="RUS's signature on the USA node",
        )
        assert _get(usa, "/agreements") == _get(rus, "/agreements")
        both = [_get(c, "/agreements/in-force?parties=USA,RUS") for c in (usa, rus)]
        assert both[0] == both[1]
        assert both[0]["terms"]["buffers"] == {
            "value": {"lateral_nm": 5.0, "vertical_ft": 1000.0, "time_min": 10.0},
            "source": "default",
        }
        assert _mhz(usa) == _mhz(rus) == [121.5, 243.0, 251.3]


def test_case_deadlines_come_from_the_agreement_between_the_case_parties(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    contention = {"subject": {"kind": "contention", "reason": "Palmyra airspace"}, "with": "RUS"}
    before = usa.post("/api/v1/cases", json=contention)
    assert before.status_code == 201, before.text
    assert before.json()["case"]["deadline"] == "2026-11-26T01:15:00Z"  # the node's 15 minutes
    deadlines = {"case_deadlines": {"response_deadline_s": 120, "urgent_response_deadline_s": 60}}
    assert _sign(rus, _propose(usa, ["USA", "RUS"], deadlines)).status_code == 200
    opened = usa.post("/api/v1/cases", json=contention).json()["case"]
    assert opened["deadline"] == "2026-11-26T01:02:00Z"  # the 2 minutes USA and RUS agreed
    urgent = usa.post("/api/v1/cases", json={**contention, "urgent": True}).json()["case"]
    assert urgent["deadline"] == "2026-11-26T01:01:00Z"
    running.clock.advance(seconds=121)
    running.node.tick()

    def state(case_id: str) -> str:
        return str(usa.get(f"/api/v1/cases/{case_id}").json()["case"]["state"])

    assert state(opened["case_id"]) == "escalated"
    assert state(before.json()["case"]["case_id"]) == "open"  # its 15 minutes still run


def test_a_peers_agreement_entries_are_checked_before_they_apply(running: Running) -> None:
    """An authentic (signed) entry that proposes as another party, or gives a held version other terms, or signs
    with a malformed hash, is refused naming the field; nothing is written."""
    key = generate_key()
    replicator = Replicator(running.node)
    version: dict[str, Any] = {
        "agreement_id": "USA-RUS-annex",
        "version": 1,
        "parties": ["RUS", "USA"],
        "proposer": "USA",
        "start": START,
        "proposed_at": START,
        "terms": {"buffers": {"lateral_nm": 5, "vertical_ft": 1000, "time_min": 10}},
    }
    now = running.clock()
    as_other = append("RUS", Kind.AGREEMENT_PROPOSED, {"agreement": version}, seen={}, now=now, signing_key=key)
    with running.node.store.begin() as tx, pytest.raises(InvalidInput) as refused:
        replicator.prepare(tx, as_other)
    assert refused.value.field == "body.agreement.proposer"
    _propose(running.desk("usa_duty").client, ["USA", "RUS"], version["terms"], agreement_id="USA-RUS-annex")
    other_terms = {**version, "proposer": "RUS", "terms": {"frequencies": [UHF]}}
    twin = append("RUS", Kind.AGREEMENT_PROPOSED, {"agreement": other_terms}, seen={}, now=now, signing_key=key)
    with running.node.store.begin() as tx, pytest.raises(InvalidInput) as refused:
        replicator.prepare(tx, twin)
    assert refused.value.field == "body.agreement"
    body = {"agreement_id": "USA-RUS-annex", "version": 1, "agreement_sha256": "XYZ"}
    bad_hash = append("RUS", Kind.AGREEMENT_SIGNED, body, seen={}, now=now, signing_key=key)
    with running.node.store.begin() as tx, pytest.raises(InvalidInput) as refused:
        replicator.prepare(tx, bad_hash)
    assert refused.value.field == "body.agreement_sha256"
    assert running.node.agreements.in_force == ()


def test_a_signed_agreement_takes_effect_at_its_start(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    later = _propose(usa, ["USA", "RUS"], {"frequencies": [UHF]}, start="2026-11-26T02:00:00Z")
    signed = _sign(rus, later).json()
    assert signed["status"] == "signed"  # all signed, not started
    assert _mhz(usa) == [121.5, 243.0]
    running.clock.advance(hours=1)
    running.node.tick()  # the scheduler reads the agreements in force again
    assert _mhz(usa) == _mhz(rus) == [121.5, 243.0, 251.3]
    assert usa.get(f"/api/v1/agreements/{later['agreement_id']}").json()["in_force_version"] == 1


def test_free_text_must_be_in_a_language_the_parties_agreed(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client

    def text(language: str, to: list[str]) -> httpx.Response:
        body = {"recipients": to, "urgency": "routine", "language": language, "text": "Palmyra at 03Z"}
        return usa.post("/api/v1/messages", json=body)

    assert text("ru", ["RUS"]).status_code == 201  # no agreement covers languages: any the node knows
    assert _sign(rus, _propose(usa, ["USA", "RUS"], {"languages": ["en"]})).status_code == 200
    refused = text("ru", ["RUS"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "language"
    assert "ru is not agreed between USA and RUS (agreed: en)" in refused.text
    assert text("ru", ["TUR", "RUS"]).status_code == 422  # every recipient must have agreed it
    assert text("ru", ["TUR"]).status_code == 201  # USA and TUR agreed nothing on languages
    assert text("en", ["RUS"]).status_code == 201
    # A catalogue phrase is rendered in each reader's own language: no agreement on languages needed.
    assert usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"}).status_code == 201
    # Nothing refused reached the ledger or RUS's inbox.
    inbox = rus.get("/api/v1/messages").json()
    languages = sorted(m["message"]["content"].get("language", "phrase") for m in inbox)
    assert languages == ["en", "phrase", "ru"]


def test_case_texts_must_be_in_a_language_the_parties_agreed(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client

    def contention(**more: Any) -> httpx.Response:
        return usa.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Palmyra"}} | more)

    # No agreement covers languages: a text in any language the node knows, or with none said, as before.
    unsaid = contention(**{"with": "RUS"})
    assert unsaid.status_code == 201, unsaid.text
    assert "language" not in unsaid.json()["case"]["history"][0]
    assert contention(**{"with": "RUS", "language": "ru"}).json()["case"]["history"][0]["language"] == "ru"
    assert _sign(rus, _propose(usa, ["USA", "RUS"], {"languages": ["en"]})).status_code == 200

    for body, says in (
        ({"with": "RUS", "language": "ru"}, "ru is not agreed between USA and RUS (agreed: en)"),
        ({"with": "RUS"}, "missing: USA and RUS agreed the languages of free text (en)"),
        ({"with": "RUS", "language": "xx"}, "must be one of en, ru, tr, ar"),
    ):
        refused = contention(**body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "language"
        assert says in refused.text
    assert contention(**{"with": "TUR", "language": "ru"}).status_code == 201  # USA and TUR agreed nothing
    case_id = contention(**{"with": "RUS", "language": "en"}).json()["case"]["case_id"]

    shift = {"kind": "shift_time", "party": "RUS", "minutes": 60}
    move = f"/api/v1/cases/{case_id}"
    refused = usa.post(f"{move}/propose", json={"terms": shift, "text": "на час позже", "language": "ru"})
    assert refused.status_code == 422
    assert "ru is not agreed between USA and RUS (agreed: en)" in refused.text
    proposed = usa.post(f"{move}/propose", json={"terms": shift, "text": "an hour later", "language": "en"})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["case"]["history"][-1]["language"] == "en"
    assert rus.post(f"{move}/accept", json={"note": "согласны", "language": "ru"}).status_code == 422
    assert rus.post(f"{move}/accept", json={"note": "agreed"}).json()["field"] == "language"
    accepted = rus.post(f"{move}/accept", json={"language": "ru"})  # no text: nothing to check or keep
    assert accepted.status_code == 200, accepted.text
    assert "language" not in accepted.json()["case"]["history"][-1]
    # The language is signed with the move it belongs to.
    with running.node.store.begin() as tx:
        proposal = [line for line in tx.ledger_lines() if '"case.proposal"' in line and case_id in line]
    assert '"language":"en"' in proposal[0]
