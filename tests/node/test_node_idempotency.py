"""Every writing route takes an Idempotency-Key: a retry with the same key gets the first answer and does nothing
twice (the four routes that lacked it in wave 1: frequencies, message read and acknowledge, track posts)."""

from __future__ import annotations

from node_support import Running

from airparley.web import desk_app


def test_every_writing_route_declares_the_idempotency_key(running: Running) -> None:
    document = desk_app(running.node).openapi()
    writing = [
        (method, path)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/") and path != "/api/v1/session" and not path.startswith("/api/v1/ledger/")
        for method, operation in item.items()
        if method in ("post", "put", "delete")
    ]
    assert len(writing) >= 14
    for method, path in writing:
        names = {p["name"] for p in document["paths"][path][method].get("parameters", [])}
        assert "Idempotency-Key" in names, f"{method.upper()} {path} takes no Idempotency-Key"


def _events(running: Running, desk: str) -> list[dict]:  # type: ignore[type-arg]
    return running.desk(desk).client.get("/api/v1/events", params={"after": 0}).json()["events"]


def test_a_retried_frequency_is_registered_once(running: Running) -> None:
    client = running.desk("usa_duty").client
    body = {"name": "Palmyra common", "mhz": 251.3, "area": "Palmyra"}
    first = client.post("/api/v1/frequencies", json=body, headers={"Idempotency-Key": "f-1"})
    again = client.post("/api/v1/frequencies", json=body, headers={"Idempotency-Key": "f-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    # The catalogue holds it once (registered, not agreed: docs/agreements.md).
    listed = [f for f in client.get("/api/v1/frequencies/registered").json() if f["name"] == "Palmyra common"]
    assert len(listed) == 1
    assert [e["kind"] for e in _events(running, "usa_duty")].count("frequency.added") == 1
    other = client.post("/api/v1/frequencies", json={**body, "mhz": 251.4}, headers={"Idempotency-Key": "f-1"})
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"


def test_a_retried_acknowledgement_acts_once(running: Running) -> None:
    sent = running.desk("usa_duty").client.post(
        "/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by", "urgency": "safety"}
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["message"]["message_id"]
    rus = running.desk("rus_duty").client
    answers = [rus.post(f"/api/v1/messages/{message_id}/ack", headers={"Idempotency-Key": "ack-1"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert [e["kind"] for e in _events(running, "rus_duty")].count("message.acknowledged") == 1


def test_a_retried_track_post_is_taken_once(running: Running) -> None:
    state = {
        "id": "USA-F16-1",
        "party": "USA",
        "time": running.clock().isoformat().replace("+00:00", "Z"),
        "lat": 34.5,
        "lon": 38.3,
        "alt_ft": 25000,
        "gs_kt": 450,
        "trk_deg": 90,
        "vs_fpm": 0,
    }
    sensor = running.desk("usa_sensor").client
    first = sensor.post("/api/v1/tracks", json={"states": [state]}, headers={"Idempotency-Key": "t-1"})
    again = sensor.post("/api/v1/tracks", json={"states": [state]}, headers={"Idempotency-Key": "t-1"})
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json() == {"accepted": 1, "rejected": []}
    without_key = sensor.post("/api/v1/tracks", json={"states": [state]})
    assert without_key.status_code == 202
