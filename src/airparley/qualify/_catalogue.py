# ruff: noqa: E501  (one requirement per line: the table reads as the document it is written out to)
"""The requirements catalogue: every rule a node promises, each with a stable id.

The ids are stable: a requirement that no longer holds is retired (its id is never reused), a new one takes the
next number of its area. ``docs/requirements.md`` is this table, written out (a test keeps the two alike), and each
check of a scenario names one of these ids, so a report says which promise a node broke, not which test failed.

Areas: VIS visibility, NOT notices and conflicts, HOT hotline, CAS cases, TAC tactical alerting and non-response,
LED ledger, FED federation, API API behaviour, ACC access tiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["AREAS", "REQUIREMENTS", "Requirement", "requirement", "requirements_markdown"]

AREAS: Final[Mapping[str, str]] = {
    "VIS": "Visibility",
    "NOT": "Notices and conflicts",
    "HOT": "Hotline",
    "CAS": "Cases",
    "TAC": "Tactical alerting and non-response",
    "LED": "Ledger",
    "FED": "Federation",
    "API": "API behaviour",
    "ACC": "Access tiers",
}


@dataclass(frozen=True)
class Requirement:
    """One promise: ``id`` (``AREA-nnn``), a one-line ``statement``, and the ``source`` it was derived from."""

    id: str
    statement: str
    source: str

    @property
    def area(self) -> str:
        return self.id.split("-", 1)[0]

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "area": self.area, "statement": self.statement, "source": self.source}


R = Requirement

REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    # -- visibility ---------------------------------------------------------------------------------------------
    R(
        "VIS-001",
        "A party reads its own notices in full, private part included.",
        "README (GET /notices); node/_visibility.py",
    ),
    R(
        "VIS-002",
        "A party cannot read another party's notice: GET /notices/{id} is 404 and GET /notices lists only its own.",
        "DESIGN 3; node/_visibility.py; tests/node/test_node_visibility.py",
    ),
    R(
        "VIS-003",
        "A party never receives another party's private notice part, on any read or event.",
        "DESIGN 3; tests/node/test_node_hotline.py::test_no_party_ever_sees_another_partys_private_details",
    ),
    R(
        "VIS-004",
        "A conflict shows the other side's footprint only as far as it lies within the lateral buffer of the party's own.",
        "DESIGN 3 (minimal disclosure); tests/node/test_node_visibility.py",
    ),
    R(
        "VIS-005",
        "A party outside a conflict, message or case gets 404 for it and never finds it in a list.",
        "node/_visibility.py; tests/node/test_node_hotline.py",
    ),
    R(
        "VIS-006",
        "A message's recipient sees its own receipt only; the author's party sees every recipient's.",
        "node/_visibility.py (message_for); docs/events.md",
    ),
    R(
        "VIS-007",
        "An event reaches exactly the parties of its audience (docs/events.md), and a third party receives nothing of it.",
        "docs/events.md; tests/node/test_node_events.py",
    ),
    R(
        "VIS-008",
        "Track states a party's sensors post are seen in that party's picture only.",
        "DESIGN 5; tests/node/test_node_tracks.py",
    ),
    # -- notices and conflicts ----------------------------------------------------------------------------------
    R(
        "NOT-001",
        "Two notices of different parties within the buffers in space, altitude and time conflict; the filing answer names the conflict and both parties list it.",
        "README (check); DESIGN 3; tests/node/test_node_notices.py",
    ),
    R(
        "NOT-002",
        "Both parties see the same conflict id, the SHA-256 of the two notices' ids and versions.",
        "README (check); DESIGN 3",
    ),
    R(
        "NOT-003",
        "Notices further apart than a buffer (lateral, vertical or time) do not conflict.",
        "README (check); docs/formats.md",
    ),
    R(
        "NOT-004",
        "A conflict carries the buffers used, the node's lateral_nm, vertical_ft and time_min.",
        "DESIGN 3 (buffers shown with a conflict)",
    ),
    R(
        "NOT-005",
        "A revision keeps the notice id, takes the next version, and clears a conflict it removes (conflict.cleared).",
        "README (PUT /notices/{id}); tests/node/test_node_notices.py",
    ),
    R("NOT-006", "Cancelling or closing a notice clears its conflicts.", "README (POST /notices/{id}/cancel, close)"),
    R(
        "NOT-007",
        "A notice id is scoped by its party: filing under another party's prefix is 422, whether that notice exists or not.",
        "docs/security.md; tests/node/test_node_bad_input.py",
    ),
    R(
        "NOT-008",
        "A notice document with an error is refused whole (422 naming the field) and nothing of it is stored.",
        "docs/formats.md; tests/node/test_node_notices.py",
    ),
    R(
        "NOT-009",
        "Notices of the same party never conflict with each other.",
        "DESIGN 3 (two notices of different parties)",
    ),
    # -- hotline ------------------------------------------------------------------------------------------------
    R(
        "HOT-001",
        "A phrase message is rendered in each reader's language with its parameters.",
        "docs/hotline.md; tests/node/test_node_hotline.py",
    ),
    R("HOT-002", "Free text is delivered as written and marked untranslated.", "docs/hotline.md"),
    R(
        "HOT-003",
        "A receipt moves delivered -> read -> acknowledged, by the recipient only; the author cannot acknowledge its own message.",
        "docs/hotline.md (RECEIPT_TRANSITIONS)",
    ),
    R(
        "HOT-004",
        "An unacknowledged safety message rings again (message.ring) every ring_interval_s.",
        "DESIGN 3; docs/hotline.md; tests/node/test_node_hotline.py",
    ),
    R(
        "HOT-005",
        "An unacknowledged safety message is escalated to the senior tier after escalate_after_s, once, and both parties hear of it (message.escalated).",
        "docs/hotline.md; tests/node/test_node_hotline.py",
    ),
    R("HOT-006", "An acknowledged safety message rings no more; a routine message never rings.", "docs/hotline.md"),
    R(
        "HOT-007",
        "A bad message (unknown phrase, missing parameter, unknown or own recipient, text without language, unknown urgency) is 422 naming the field, and nothing is stored.",
        "tests/node/test_node_hotline.py::test_bad_messages_name_the_field_and_store_nothing",
    ),
    # -- cases --------------------------------------------------------------------------------------------------
    R(
        "CAS-001",
        "A case about a conflict is between the conflict's two parties; any other party gets 404.",
        "DESIGN 3; tests/node/test_node_hotline.py",
    ),
    R(
        "CAS-002",
        "A move the case's state does not permit is refused (409) and changes nothing.",
        "docs/hotline.md (CASE_TRANSITIONS)",
    ),
    R(
        "CAS-003",
        "A case lists the moves its reader may make now and whose move it is.",
        "README (GET /cases/{id}); docs/events.md",
    ),
    R(
        "CAS-004",
        "An accepted proposal makes the case agreed; when the obliged party's revision removes the conflict, the case resolves by itself (case.resolved).",
        "DESIGN 3; tests/node/test_node_hotline.py::test_the_palmyra_story",
    ),
    R(
        "CAS-005",
        "A case with no response within its deadline escalates to the senior tier of both parties, once (case.escalated).",
        "DESIGN 3; README (deadlines); tests/node/test_node_hotline.py",
    ),
    R(
        "CAS-006",
        "Once a case is escalated only senior officers act on it.",
        "docs/hotline.md; tests/node/test_node_hotline.py",
    ),
    R("CAS-007", "An officer may resolve a case; a resolved case takes no further move.", "docs/hotline.md"),
    R(
        "CAS-008",
        "A case body with a field it does not declare is 422 naming that field.",
        "docs/security.md; tests/node/test_node_bad_input.py",
    ),
    R("CAS-009", "A case lapses when its conflict's window has passed (case.lapsed).", "DESIGN 3; README (deadlines)"),
    # -- tactical -----------------------------------------------------------------------------------------------
    R(
        "TAC-001",
        "Two tracks of a party's picture on a collision course raise a DO-365 alert for that party (alert.raised, GET /alerts).",
        "DESIGN 5; README; tests/node/test_node_tactical.py",
    ),
    R(
        "TAC-002",
        "An aircraft of another party inside one of the party's own active notices gives intrusion.detected.",
        "DESIGN 5; tests/node/test_node_tactical.py",
    ),
    R(
        "TAC-003",
        "A batch of track states is taken state by state: each bad state is rejected with its index, field and reason, the rest accepted.",
        "README (POST /tracks); tests/node/test_node_tracks.py",
    ),
    R(
        "TAC-004",
        "A safety call is a safety message to the aircraft's owner on an agreed frequency (243.0 MHz unless told), answered 201.",
        "README (POST /alerts/safety-call); tests/node/test_node_nonresponse.py",
    ),
    R(
        "TAC-005",
        "An aircraft whose owner does not acknowledge a safety call and that does not manoeuvre within non_response_s is flagged non-responsive for the caller and the owner.",
        "DESIGN 5; tests/node/test_node_nonresponse.py",
    ),
    R(
        "TAC-006",
        "An actual separation below 0.5 NM and 500 ft is recorded as an incident with a signed entry.",
        "DESIGN 5; tests/node/test_node_tactical.py",
    ),
    # -- ledger -------------------------------------------------------------------------------------------------
    R(
        "LED-001",
        "Every shared act (notice filed, revised, cancelled; message sent, read, acknowledged; case opened, moved) is an entry of its party's feed.",
        "DESIGN 4; docs/ledger.md",
    ),
    R(
        "LED-002",
        "Every entry is signed by its party's key and chained (contiguous seq, prev the hash of its predecessor): the served feeds verify.",
        "docs/ledger.md; tests/ledger/test_ledger_verify.py",
    ),
    R("LED-003", "A private notice part never enters the ledger.", "DESIGN 3 and 4; docs/ledger.md"),
    R(
        "LED-004",
        "An act's entry is written in the act's own transaction: it is in the feed when the act is answered.",
        "DESIGN 4; README (signed ledger); tests/node/test_node_event_tail.py",
    ),
    R(
        "LED-005",
        "An entry's seen names the newest entry of each other party its author had received.",
        "DESIGN 4; docs/ledger.md",
    ),
    # -- federation ---------------------------------------------------------------------------------------------
    R(
        "FED-001",
        "A peer token opens the federation routes (feed, hint, a disclosed incident record) and no officer route.",
        "docs/federation.md; tests/node/test_federation_evidence.py::test_peer_tokens_open_the_feed_routes_only",
    ),
    R(
        "FED-002",
        "An officer token is refused on every federation route (feed, hint, disclosed incident record).",
        "docs/federation.md; node/_access.py",
    ),
    R("FED-003", "The feed route serves only hosted parties' feeds: another party's is 404.", "docs/federation.md"),
    R(
        "FED-004",
        "A forged or equivocating entry served by a peer is refused and kept as evidence.",
        "docs/federation.md; tests/node/test_federation_evidence.py",
    ),
    R(
        "FED-005",
        "Two federated nodes derive the same conflict, with the same id, from notices filed on each.",
        "DESIGN 4; tests/node/test_federation_replication.py",
    ),
    R(
        "FED-006",
        "Messages and their receipts cross between federated nodes.",
        "docs/federation.md; tests/node/test_federation_replication.py",
    ),
    # -- API behaviour ------------------------------------------------------------------------------------------
    R(
        "API-001",
        "Every 4xx answer is an RFC 9457 application/problem+json document with its status.",
        "README (problem+json); node/_problems.py",
    ),
    R("API-002", "Every 422 names the field and the reason.", "README; docs/security.md"),
    R(
        "API-003",
        "No input, however hostile, makes a 500: it is a 4xx naming the field.",
        "docs/security.md; tests/node/test_adversarial.py",
    ),
    R(
        "API-004",
        "A POST retried with the same Idempotency-Key gets the first answer back and acts once; the key reused for another body is 422.",
        "README; tests/node/test_node_idempotency.py",
    ),
    R("API-005", "A body over max_body_bytes is refused with 413.", "README; tests/node/test_node_limits.py"),
    R("API-006", "A request with no token or an unknown token is 401.", "README; tests/node/test_node_events.py"),
    R(
        "API-007",
        "No such route is 404 and no such method 405, both problem+json.",
        "tests/node/test_node_limits.py::test_no_such_route_and_no_such_method_are_problems",
    ),
    R(
        "API-008",
        "The WebSocket /events pushes the events GET /events serves, and a client reconnecting with its last seq misses nothing.",
        "README (WS /events); docs/events.md",
    ),
    R(
        "API-009",
        "A cursor beyond 64 bits is a 422 on GET /events and closes the WebSocket with code 4422.",
        "docs/security.md; tests/node/test_node_bad_input.py",
    ),
    R(
        "API-010",
        "The OpenAPI document gives the node's version and the tiers of every /api/v1 operation (x-airparley-tiers).",
        "README; node/_access.py",
    ),
    R(
        "API-011",
        "Each token is rate-limited: beyond its burst it gets 429 with Retry-After.",
        "README; tests/node/test_node_limits.py",
    ),
    # -- access tiers -------------------------------------------------------------------------------------------
    R(
        "ACC-001",
        "Duty and senior officers act for their desk: file notices, send messages, open cases.",
        "DESIGN 3; node/_access.py",
    ),
    R(
        "ACC-002",
        "An observer reads what its party may see and is refused (403) every act.",
        "DESIGN 3; node/_access.py",
    ),
    R(
        "ACC-003",
        "A sensor token may post its party's track states and say whose it is, nothing else: every other route and both event doors refuse it.",
        "node/_access.py; tests/node/test_node_access.py",
    ),
    R(
        "ACC-004",
        "What each tier may do on each route is what the OpenAPI document's x-airparley-tiers says.",
        "node/_access.py; tests/node/test_node_access.py",
    ),
    R(
        "ACC-005",
        "A revoked officer's token, and its open WebSocket, stop within auth_cache_s.",
        "README; tests/node/test_node_access.py",
    ),
)

_BY_ID: Final = {r.id: r for r in REQUIREMENTS}


def requirement(requirement_id: str) -> Requirement:
    """The requirement of an id (KeyError for an unknown one: a check naming it is a bug of the suite)."""
    return _BY_ID[requirement_id]


def requirements_markdown() -> str:
    """The catalogue as the tables of ``docs/requirements.md`` (one per area)."""
    lines: list[str] = []
    for area, title in AREAS.items():
        lines += [f"### {area}: {title}", "", "| id | requirement | source |", "| --- | --- | --- |"]
        lines += [f"| {r.id} | {r.statement} | {r.source} |" for r in REQUIREMENTS if r.area == area]
        lines.append("")
    return "\n".join(lines)
