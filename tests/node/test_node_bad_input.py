"""Bad input on every endpoint: a clear 4xx naming the field, and nothing stored."""

from __future__ import annotations

import pytest
from node_support import Running
from palmyra import rus_strike, usa_strike

CASES = [
    ("POST", "/notices", {"type": "FeatureCollection", "features": [{"type": "Feature"}]}, 422, "geometry"),
    ("POST", "/notices", [1, 2], 422, ""),
    ("PUT", "/notices/USA-0101", {"type": "FeatureCollection", "features": []}, 422, "features"),
    ("PUT", "/notices/NOPE", usa_strike(), 404, None),
    ("POST", "/notices/NOPE/cancel", None, 404, None),
    ("POST", "/notices/NOPE/close", None, 404, None),
    ("GET", "/notices/RUS-0201", None, 404, None),
    ("GET", "/conflicts/nope", None, 404, None),
    ("POST", "/frequencies", {"name": "", "mhz": 251.3}, 422, "name"),
    ("POST", "/frequencies", {"name": "UHF"}, 422, "mhz"),
    ("POST", "/messages", {"recipients": "RUS", "template": "stand_by"}, 422, "recipients"),
    ("POST", "/messages", {"recipients": ["RUS"], "template": "stand_by", "colour": "red"}, 422, "colour"),
    ("GET", "/messages/nope", None, 404, None),
    ("POST", "/messages/nope/read", None, 404, None),
    ("POST", "/messages/nope/ack", None, 404, None),
    ("POST", "/cases", {"subject": {"kind": "conflict", "conflict_id": "nope"}}, 404, None),
    ("POST", "/cases", {"subject": {"kind": "contention", "reason": "x"}, "with": "XXX"}, 422, "with"),
    ("POST", "/cases", {"subject": {"kind": "weather"}}, 422, "subject.kind"),
    (
        "POST",
        "/cases",
        {"subject": {"kind": "contention", "reason": "x"}, "with": "RUS", "urgent": "yes"},
        422,
        "urgent",
    ),
    ("GET", "/cases/nope", None, 404, None),
    ("POST", "/cases/nope/accept", None, 404, None),
    ("POST", "/tracks", {"states": "many"}, 422, "states"),
    ("GET", "/events?after=-1", None, 422, "after"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), CASES, ids=[f"{m} {p}" for m, p, *_ in CASES])
def test_every_endpoint_refuses_bad_input_clearly_and_stores_nothing(
    running: Running, method: str, path: str, body: object, status: int, field: str | None
) -> None:
    usa = running.desk("usa_duty").client
    assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    assert running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike()).status_code == 201
    before = usa.get("/api/v1/events").json()["cursor"]
    with running.node.store.begin() as tx:
        ledger_before = len(tx.ledger_lines())
    response = (
        usa.request(method, f"/api/v1{path}", json=body) if body is not None else usa.request(method, f"/api/v1{path}")
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    if field:
        assert problem["field"].startswith(field), problem
    assert usa.get("/api/v1/events").json()["cursor"] == before
    with running.node.store.begin() as tx:
        assert len(tx.ledger_lines()) == ledger_before
