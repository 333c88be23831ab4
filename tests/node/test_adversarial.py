"""The standing adversarial suite: schemathesis against a real node (uvicorn on 127.0.0.1), on SQLite and on
PostgreSQL, as a duty desk and as a sensor gateway.

Every operation of the node's own OpenAPI document is fed the examples, the coverage cases (boundaries,
wrong types, methods the route does not take) and fuzzed data schemathesis derives from it, positive and
negative, and then walked statefully along the document's links (a filed notice revised, cancelled and
closed; a message read and acknowledged; a case acted on; a share revoked). Allowed: 0 server errors and
0 answers that break the document (status, content type, headers, body schema). Bounded in examples (15
fuzzed per operation, 12 walks of 8 steps; each request times out after 30 s), so the whole file runs in
about 45 s on two cores, well under two minutes.

The figures of the last runs are in docs/security.md.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from node_support import Running
from palmyra import usa_strike
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
TIERS = ("duty", "sensor")
#: Examples per operation in the fuzzing phase (the coverage phase adds its own, one per boundary).
EXAMPLES = int(os.environ.get("AIRPARLEY_ADVERSARIAL_EXAMPLES", "15"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none", "with-security-parameters": False},
        "suppress-health-check": ["filter_too_much", "too_slow", "data_too_large", "large_base_example"],
        "seed": 1207,
        # The walk follows the document's own links (LINKS): links schemathesis would infer from the typed
        # response schemas, one per id-like field, would spread 12 walks of 8 steps too thin to act on anything.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
)

# Links of the document for the stateful walk: what a read or a write returns names what the next call acts
# on (the seeded notice, message and case, and whatever the walk itself creates).
_NOTICE = {"notice_id": "$response.body#/features/0/properties/notice_id"}
_ON_NOTICE = [
    ("GetNotice", "/api/v1/notices/{notice_id}", "get", _NOTICE),
    ("ReviseNotice", "/api/v1/notices/{notice_id}", "put", _NOTICE),
    ("CancelNotice", "/api/v1/notices/{notice_id}/cancel", "post", _NOTICE),
    ("CloseNotice", "/api/v1/notices/{notice_id}/close", "post", _NOTICE),
]


def _on(kind: str, pointer: str) -> list[tuple[str, str, str, dict[str, str]]]:
    name = {"message": "Message", "case": "Case", "share": "Share"}[kind]
    parameter = {f"{kind}_id": pointer}
    if kind == "message":
        return [
            ("Get" + name, "/api/v1/messages/{message_id}", "get", parameter),
            ("Read" + name, "/api/v1/messages/{message_id}/read", "post", parameter),
            ("Ack" + name, "/api/v1/messages/{message_id}/ack", "post", parameter),
        ]
    if kind == "case":
        return [
            ("Get" + name, "/api/v1/cases/{case_id}", "get", parameter),
            ("ActOn" + name, "/api/v1/cases/{case_id}/{action}", "post", parameter),
        ]
    return [("Revoke" + name, "/api/v1/tracks/shares/{share_id}/revoke", "post", parameter)]


LINKS: dict[tuple[str, str, str], list[tuple[str, str, str, dict[str, str]]]] = {
    ("/api/v1/notices", "get", "200"): _ON_NOTICE,
    ("/api/v1/messages", "get", "200"): _on("message", "$response.body#/0/message/message_id"),
    ("/api/v1/messages", "post", "201"): _on("message", "$response.body#/message/message_id"),
    ("/api/v1/cases", "get", "200"): _on("case", "$response.body#/0/case/case_id"),
    ("/api/v1/cases", "post", "201"): _on("case", "$response.body#/case/case_id"),
    ("/api/v1/tracks/shares", "get", "200"): _on("share", "$response.body#/0/id"),
    ("/api/v1/tracks/shares", "post", "201"): _on("share", "$response.body#/id"),
}


def _with_links(document: dict[str, Any]) -> dict[str, Any]:
    for (path, method, status), links in LINKS.items():
        answer = document["paths"][path][method]["responses"].setdefault(status, {"description": "Created"})
        found = answer.setdefault("links", {})
        for name, target_path, target_method, parameters in links:
            operation = document["paths"][target_path][target_method]
            found[name] = {"operationRef": _operation_ref(target_path, target_method), "parameters": parameters}
            assert operation  # the target exists in the document
    return document


def _operation_ref(path: str, method: str) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}"


@pytest.fixture(params=TIERS)
def tier(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def seeded(running: Running) -> Running:
    """The node with something of every kind to act on: a notice, a message and a case the duty desk sees."""
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    sent = usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"})
    assert sent.status_code == 201, sent.text
    opened = rus.post(
        "/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Palmyra airspace"}, "with": "USA"}
    )
    assert opened.status_code == 201, opened.text
    return running


@pytest.fixture
def node_schema(seeded: Running) -> Any:
    document = httpx.get(seeded.url + "/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(_with_links(document), config=CONFIG)
    schema.config.update(base_url=seeded.url)
    return schema


def test_no_server_error_and_every_answer_as_documented(node_schema: Any, seeded: Running) -> None:
    """Each operation through schemathesis' three phases (the document's examples, the coverage cases, fuzzing;
    positive and negative data), the same case sent by the duty desk and by the sensor gateway.

    schemathesis' pytest decorator does not run under this pytest (9): the tests it would make are made here
    by the same builder (``get_all_tests``) and run one after the other, every failure collected."""
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0

    def call(case: schemathesis.Case) -> None:
        for tier in TIERS:
            token = seeded.desk(f"usa_{tier}").token
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=30)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    for result in get_all_tests(schema=node_schema, test_func=call, settings=settings, given_kwargs={}):
        operation, test = result.ok()  # a document schemathesis cannot read fails here, loudly
        operations += 1
        try:
            test()
        except (Exception, BaseExceptionGroup) as error:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}: {error}")
    cases = sum(statuses.values())
    print(
        f"schemathesis: {cases} cases, {operations} operations x {len(TIERS)} tiers: {dict(sorted(statuses.items()))}"
    )
    assert operations >= 35
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def test_stateful_walks_along_the_links(node_schema: Any, seeded: Running, tier: str) -> None:
    token = seeded.desk(f"usa_{tier}").token

    calls: list[tuple[str, int]] = []

    class Walk(node_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}, "timeout": 30}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            calls.append((case.operation.label, response.status_code))

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Walk.run(
        settings=hypothesis.settings(
            max_examples=12,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    linked = {label for label, status in calls if "{" in label and status < 400}
    print(f"stateful ({tier}): {len(calls)} calls, {len(linked)} operations on an existing thing reached: {linked}")
    assert calls
    if tier == "duty":  # the duty desk reads the seeded things, so the walk acts on them through the links
        assert linked
