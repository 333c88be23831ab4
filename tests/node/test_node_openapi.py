"""The OpenAPI document says what each route returns (issue 19 item 1; issue 11): every GET route, fetched as
each tier on a real node over 127.0.0.1, answers a 2xx body that validates against the response schema the
document gives it, and every route of the API has a typed response schema."""

from __future__ import annotations

import re
from typing import Any

import httpx
from incidents_support import near_miss
from jsonschema import Draft202012Validator
from node_support import Running
from palmyra import rus_strike, usa_strike

from airparley.node._access import Act, Tier
from airparley.web import desk_app

TIERS = [t.value for t in Tier]


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of one response schema, its ``#/components/...`` references resolved in the document."""
    return Draft202012Validator({**schema, "components": document["components"]})


def _response_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    responses = document["paths"][path][method.lower()]["responses"]
    for status in sorted(responses):
        if status.startswith("2"):
            content = responses[status].get("content", {}).get("application/json")
            if content is not None:
                schema: dict[str, Any] = content["schema"]
                return schema
    return None


def _untyped(schema: dict[str, Any] | None) -> bool:
    """A schema that says nothing (an object of any keys, or any list of them)."""
    if schema is None or schema == {}:
        return True
    if schema.get("type") == "array":
        return _untyped(schema.get("items"))
    return schema.get("type") == "object" and "properties" not in schema and "$ref" not in schema


def _check_write(running: Running, answer: httpx.Response, method: str, path: str) -> None:
    document = desk_app(running.node).openapi()
    schema = _response_schema(document, method, path)
    assert schema is not None
    errors = [e.message for e in _validator(document, schema).iter_errors(answer.json())]
    assert errors == [], f"{method} {path}: {errors[:5]}"


def _populate(running: Running) -> dict[str, str]:
    """Something on every list: an incident of the USA's picture (its tracks, alerts, the record disclosed to
    RUS, a share), two notices in conflict, a message, an agreement and a case; each write's answer checked
    against the document."""
    usa = running.desk("usa_duty").client
    sensor = running.desk("usa_sensor").client

    def post(states: list[dict[str, Any]]) -> None:
        answer = sensor.post("/api/v1/tracks", json={"states": states})
        assert answer.json()["accepted"] == len(states), answer.text
        _check_write(running, answer, "POST", "/api/v1/tracks")

    near_miss(post, running.clock, running.node.tick)  # an incident, with the USA's live picture and alerts
    (incident,) = usa.get("/api/v1/incidents").json()
    disclosed = usa.post(f"/api/v1/incidents/{incident['incident_id']}/disclose", json={"to": ["RUS"]})
    assert disclosed.status_code == 200, disclosed.text
    _check_write(running, disclosed, "POST", "/api/v1/incidents/{incident_id}/disclose")
    shared = usa.post("/api/v1/tracks/shares", json={"track": incident["tracks"][0], "with": ["RUS"]})
    assert shared.status_code == 201, shared.text
    _check_write(running, shared, "POST", "/api/v1/tracks/shares")
    filed = usa.post("/api/v1/notices", json=usa_strike())
    assert filed.status_code == 201
    _check_write(running, filed, "POST", "/api/v1/notices")
    assert running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike()).status_code == 201
    conflict = usa.get("/api/v1/conflicts").json()[0]["id"]
    sent = usa.post(
        "/api/v1/messages", json={"recipients": ["RUS"], "urgency": "routine", "text": "hello", "language": "en"}
    )
    assert sent.status_code == 201, sent.text
    _check_write(running, sent, "POST", "/api/v1/messages")
    agreement = usa.post(
        "/api/v1/agreements",
        json={
            "parties": ["RUS", "USA"],
            "start": "2026-11-26T00:00:00Z",
            "terms": {"buffers": {"lateral_nm": 3, "vertical_ft": 1000, "time_min": 5}},
        },
    )
    assert agreement.status_code == 201, agreement.text
    _check_write(running, agreement, "POST", "/api/v1/agreements")
    case = usa.post("/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict}})
    assert case.status_code == 201, case.text
    _check_write(running, case, "POST", "/api/v1/cases")
    return {
        "notice_id": usa_strike()["features"][0]["properties"]["notice_id"],
        "conflict_id": conflict,
        "message_id": sent.json()["message"]["message_id"],
        "case_id": case.json()["case"]["case_id"],
        "agreement_id": agreement.json()["agreement_id"],
        "incident_id": incident["incident_id"],
        "party": "USA",
    }


def test_every_route_of_the_api_has_a_typed_response(running: Running) -> None:
    app = desk_app(running.node)
    document = app.openapi()
    acts: dict[tuple[str, str], Act] = app.state.route_acts
    untyped = sorted(f"{method} {path}" for method, path in acts if _untyped(_response_schema(document, method, path)))
    assert untyped == []


def test_every_get_answers_what_the_openapi_document_says_as_each_tier(running: Running) -> None:
    ids = _populate(running)
    with running.node.store.begin() as tx:
        _, peer_token = tx.add_officer("RUS", "RUS node", "peer", running.clock())
    app = desk_app(running.node)
    document = app.openapi()
    acts: dict[tuple[str, str], Act] = app.state.route_acts
    query = {
        "/api/v1/agreements/in-force": {"parties": "RUS,USA"},
        "/api/v1/disclosure": {"to": "RUS"},
        "/api/v1/picture": {"at": running.clock().isoformat()},
    }
    validated: dict[str, int] = {}
    failures: list[str] = []
    with httpx.Client(base_url=running.url, timeout=10) as client:
        for (method, path), _act in sorted(acts.items()):
            if method != "GET":
                continue
            schema = _response_schema(document, method, path)
            assert schema is not None, f"{path}: no JSON response schema"
            validator = _validator(document, schema)
            concrete = re.sub(r"\{([^}]+)\}", lambda m: ids[m.group(1)], path)
            for tier in TIERS:
                token = peer_token if tier == "peer" else running.desk(f"usa_{tier}").token
                answer = client.get(concrete, params=query.get(path), headers={"Authorization": f"Bearer {token}"})
                if not answer.is_success:
                    continue
                errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.json())]
                if errors:
                    failures.append(f"GET {concrete} as {tier}: {errors[:5]}")
                validated[path] = validated.get(path, 0) + 1
    assert failures == []
    gets = {path for method, path in acts if method == "GET"}
    assert gets == set(validated), f"no tier got a body to check from {sorted(gets - set(validated))}"


def test_the_writes_answer_what_the_openapi_document_says(running: Running) -> None:
    ids = _populate(running)
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    notice, message, case = ids["notice_id"], ids["message_id"], ids["case_id"]
    revised = usa_strike()
    revised["features"][0]["properties"]["remarks"] = "revised"
    writes = [
        (rus, "POST", "/api/v1/messages/{message_id}/read", f"/api/v1/messages/{message}/read", None),
        (rus, "POST", "/api/v1/messages/{message_id}/ack", f"/api/v1/messages/{message}/ack", None),
        (
            usa,
            "POST",
            "/api/v1/cases/{case_id}/{action}",
            f"/api/v1/cases/{case}/propose",
            {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 30}},
        ),
        (
            rus,
            "POST",
            "/api/v1/agreements/{agreement_id}/versions/{version}/sign",
            f"/api/v1/agreements/{ids['agreement_id']}/versions/1/sign",
            None,
        ),
        (usa, "PUT", "/api/v1/notices/{notice_id}", f"/api/v1/notices/{notice}", revised),
        (usa, "POST", "/api/v1/frequencies", "/api/v1/frequencies", {"name": "UHF 1", "mhz": 251.3}),
        (usa, "POST", "/api/v1/notices/{notice_id}/close", f"/api/v1/notices/{notice}/close", None),
    ]
    for client, method, path, concrete, body in writes:
        answer = client.request(method, concrete, json=body)
        assert answer.is_success, f"{method} {concrete}: {answer.text}"
        _check_write(running, answer, method, path)


def test_every_body_a_route_takes_is_typed_in_the_document_and_checked_by_the_node(running: Running) -> None:
    app = desk_app(running.node)
    document = app.openapi()
    acts: dict[tuple[str, str], Act] = app.state.route_acts
    untyped = []
    for method, path in acts:
        body = document["paths"][path][method.lower()].get("requestBody")
        if body is not None and _untyped(body["content"]["application/json"]["schema"]):
            untyped.append(f"{method} {path}")
    assert untyped == []
    # The schema describes; the node still reads the body and names the field in its own words.
    share = document["paths"]["/api/v1/tracks/shares"]["post"]["requestBody"]["content"]["application/json"]
    assert set(share["schema"]["properties"]) == {"track", "with", "minutes"}
    refused = running.desk("usa_duty").client.post("/api/v1/tracks/shares", json={"track": "T1", "whom": ["RUS"]})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "whom: unknown field (allowed: track, with, minutes)"
