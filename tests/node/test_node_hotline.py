"""The hotline over a real node: the Palmyra story, safety calls that ring and escalate, who sees what."""

from __future__ import annotations

import json

import pytest
from node_support import Running
from palmyra import rus_strike, usa_strike


def _post(running: Running, desk: str, path: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    response = running.desk(desk).client.post(f"/api/v1{path}", json=body if body is not None else {})
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def _kinds(running: Running, desk: str) -> list[str]:
    return [e["kind"] for e in running.desk(desk).client.get("/api/v1/events").json()["events"]]


def test_the_palmyra_story(running: Running) -> None:
    """Two desks file overlapping strikes, negotiate, miss a deadline, the generals settle it, it resolves."""
    _post(running, "usa_duty", "/notices", usa_strike())
    _post(running, "rus_duty", "/notices", rus_strike())
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    opened = _post(running, "usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id = opened["case"]["case_id"]
    assert opened["case"]["parties"] == ["RUS", "USA"]
    proposal = {"terms": {"kind": "altitude_split", "at_ft": 26000, "above": "USA", "below": "RUS"}}
    _post(running, "usa_duty", f"/cases/{case_id}/propose", proposal)
    # The Russian colonel does not answer. After 15 minutes the scheduler hands the case to the generals.
    running.clock.advance(minutes=16)
    running.node.tick()
    for desk in ("usa_senior", "rus_senior"):
        assert "case.escalated" in _kinds(running, desk)
    escalated = running.desk("rus_senior").client.get(f"/api/v1/cases/{case_id}").json()
    assert escalated["case"]["state"] == "escalated"
    # Once escalated, only the generals act; the colonels are refused.
    refused = running.desk("rus_duty").client.post(f"/api/v1/cases/{case_id}/propose", json=proposal)
    assert refused.status_code in (403, 409, 422)
    # A second missed deadline does not escalate again.
    running.clock.advance(minutes=30)
    running.node.tick()
    assert _kinds(running, "usa_senior").count("case.escalated") == 1
    shift = {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 180}, "text": "Your strike after 07:00Z"}
    _post(running, "usa_senior", f"/cases/{case_id}/propose", shift)
    agreed = _post(running, "rus_senior", f"/cases/{case_id}/accept")
    assert agreed["case"]["state"] == "agreed"
    # The Russian desk carries out the agreement: its strike moves three hours later; the conflict is gone.
    later = rus_strike(start="2026-11-26T08:00:00Z", end="2026-11-26T10:00:00Z")
    assert running.desk("rus_duty").client.put("/api/v1/notices/RUS-0201", json=later).status_code == 200
    resolved = running.desk("usa_duty").client.get(f"/api/v1/cases/{case_id}").json()
    assert resolved["case"]["state"] == "resolved"
    assert "case.resolved" in _kinds(running, "rus_duty")
    assert running.desk("tur_duty").client.get(f"/api/v1/cases/{case_id}").status_code == 404


def test_a_safety_call_rings_again_and_escalates_until_acknowledged(running: Running) -> None:
    sent = _post(
        running,
        "usa_duty",
        "/messages",
        {
            "recipients": ["RUS"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "GRACH31", "distance_nm": 0.5, "direction": "right"},
        },
    )
    message_id = sent["message"]["message_id"]
    rus_inbox = running.desk("rus_duty").client.get("/api/v1/messages").json()
    (received,) = rus_inbox
    assert received["rendered"]["language"] == "ru"
    assert "GRACH31" in received["rendered"]["text"]
    syr = _post(running, "usa_duty", "/messages", {"recipients": ["SYR"], "template": "stand_by"})
    syr_view = running.desk("syr_duty").client.get(f"/api/v1/messages/{syr['message']['message_id']}").json()
    assert syr_view["rendered"]["direction"] == "rtl"
    running.clock.advance(seconds=61)
    running.node.tick()
    assert "message.ring" in _kinds(running, "rus_duty")
    running.clock.advance(seconds=120)
    running.node.tick()
    assert "message.escalated" in _kinds(running, "rus_senior")
    assert "message.escalated" in _kinds(running, "usa_duty")
    acked = _post(running, "rus_duty", f"/messages/{message_id}/ack")
    assert acked["message"]["receipts"][0]["state"] == "acknowledged"
    assert "message.acknowledged" in _kinds(running, "usa_duty")
    rings = _kinds(running, "rus_duty").count("message.ring")
    running.clock.advance(minutes=10)
    running.node.tick()
    assert _kinds(running, "rus_duty").count("message.ring") == rings  # silent once acknowledged
    assert running.desk("tur_duty").client.get(f"/api/v1/messages/{message_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients": ["RUS"], "template": "no_such_phrase"}, "template"),
        ({"recipients": ["RUS"], "template": "traffic_turn", "params": {"callsign": "X1"}}, "params.distance_nm"),
        ({"recipients": ["XXX"], "template": "stand_by"}, "recipients.0"),
        ({"recipients": ["USA"], "template": "stand_by"}, "recipients.0"),
        ({"recipients": [], "template": "stand_by"}, "recipients"),
        ({"recipients": ["RUS"], "text": "hello"}, "language"),
        ({"recipients": ["RUS"], "template": "stand_by", "urgency": "panic"}, "urgency"),
    ],
)
def test_bad_messages_name_the_field_and_store_nothing(running: Running, body: dict, field: str) -> None:  # type: ignore[type-arg]
    response = running.desk("usa_duty").client.post("/api/v1/messages", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field.split(".")[0])
    assert running.desk("usa_duty").client.get("/api/v1/messages").json() == []


def test_no_party_ever_sees_another_partys_private_details(running: Running) -> None:
    """Every read endpoint and every event of every desk, checked for the other parties' secrets."""
    _post(running, "usa_duty", "/notices", usa_strike())
    _post(running, "rus_duty", "/notices", rus_strike())
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    case = _post(running, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    _post(running, "usa_duty", "/messages", {"recipients": ["RUS"], "template": "stand_by"})
    secrets = {"USA": ["TGT-4471", "Interdiction"], "RUS": ["Su-34", "Strike near Palmyra"]}
    for name, desk in running.desks.items():
        if desk.tier == "sensor":
            continue
        seen = "".join(
            desk.client.get(f"/api/v1{path}").text
            for path in (
                "/notices",
                "/conflicts",
                "/messages",
                "/cases",
                "/events",
                f"/cases/{case['case']['case_id']}",
            )
        )
        for party, words in secrets.items():
            if party != desk.party:
                for word in words:
                    assert word not in seen, f"{name} saw {word!r} of {party}"
        if desk.party in ("TUR", "SYR"):
            assert "USA-0101" not in seen
            assert "RUS-0201" not in seen
    assert json.dumps(conflict).count("TGT") == 0
