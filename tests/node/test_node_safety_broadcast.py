"""A safety call to all parties on the guard frequencies (issue 16 item 1): when the caller's picture does not
know whose an aircraft is, ``"to": "ALL"`` calls every other party at once; each receives it (the
``safety_broadcast`` phrase with the aircraft's position, level and track filled in), acknowledges it on its
own, and one that does not is rung and escalated to its generals like any safety call."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from node_support import Running

UNKNOWN_TRACK = "KHMEIMIM-T001"


def _post_unknown(running: Running) -> None:
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    state = {"id": UNKNOWN_TRACK, "party": "UNKNOWN", "callsign": "", "time": now, "lat": 35.45, "lon": 36.2}
    state |= {"alt_ft": 24000, "gs_kt": 380, "trk_deg": 271, "vs_fpm": 0, "source": "Khmeimim radar"}
    posted = running.desk("rus_sensor").client.post("/api/v1/tracks", json={"states": [state]})
    assert posted.status_code == 202, posted.text


def _broadcast(running: Running, **body: Any) -> Any:
    return running.desk("rus_duty").client.post(
        "/api/v1/alerts/safety-call", json={"track": UNKNOWN_TRACK, "to": "ALL", **body}
    )


def test_a_broadcast_reaches_every_other_party_each_acknowledges_and_the_silent_one_escalates(
    running: Running,
) -> None:
    _post_unknown(running)
    answer = _broadcast(running, frequency_mhz=121.5)
    assert answer.status_code == 201, answer.text
    message = answer.json()["message"]
    assert sorted(message["recipients"]) == ["SYR", "TUR", "USA"]
    assert message["content"]["template"] == "safety_broadcast"
    params = message["content"]["params"]
    assert params["aircraft"] == UNKNOWN_TRACK
    assert params["fl"] == 240
    assert params["heading"] == 271
    assert params["position"] == [36.2, 35.45]
    message_id = message["message_id"]
    for desk in ("usa_duty", "tur_duty", "syr_duty"):
        (received,) = [
            m
            for m in running.desk(desk).client.get("/api/v1/messages").json()
            if m["message"]["message_id"] == message_id
        ]
        assert "271°" in received["rendered"]["text"]
        assert [r["party"] for r in received["message"]["receipts"]] == [desk[:3].upper()]  # its own receipt only
    # USA and TUR acknowledge; SYR does not, and is rung, then escalated to its generals.
    for desk in ("usa_duty", "tur_duty"):
        acked = running.desk(desk).client.post(f"/api/v1/messages/{message_id}/ack")
        assert acked.status_code == 200, acked.text
    cursor = running.desk("syr_duty").client.get("/api/v1/events").json()["cursor"]
    for _ in range(20):
        running.clock.advance(seconds=15)
        running.node.tick()
    events = running.desk("syr_duty").client.get(f"/api/v1/events?after={cursor}").json()["events"]
    kinds = [e["kind"] for e in events if (e["data"].get("message") or {}).get("message_id") == message_id]
    assert "message.ring" in kinds
    assert "message.escalated" in kinds
    receipts = {
        r["party"]: r
        for r in running.desk("rus_duty").client.get(f"/api/v1/messages/{message_id}").json()["message"]["receipts"]
    }
    assert receipts["USA"]["state"] == "acknowledged"
    assert receipts["TUR"]["state"] == "acknowledged"
    assert receipts["SYR"]["escalated_at"] is not None
    assert receipts["USA"]["escalated_at"] is None


def test_a_broadcast_is_on_a_guard_frequency_only(running: Running) -> None:
    _post_unknown(running)
    refused = _broadcast(running, frequency_mhz=251.3)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["field"] == "frequency_mhz"
    assert "guard" in problem["reason"]
    assert running.desk("usa_duty").client.get("/api/v1/messages").json() == []
