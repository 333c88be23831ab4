"""Hostile JSON at every writing route, from every tier, on both stores: never a 5xx, and the feeds stay readable.

What a hostile officer, a compromised sensor gateway or a buggy client sends: lone surrogates, numbers
beyond a double (as integers and as floats), ``NaN``/``Infinity``, nesting far past any document's, control
and bidirectional characters, in values, in keys and in path segments, either as a whole body or planted
at any place of a valid body (so it reaches the route's own parser, not only the door). Every answer must be
below 500, and a refusal must be a problem document. After the barrage the scheduler still ticks and every
party's ``GET /events``, ``/tracks``, ``/alerts`` and WebSocket still answer.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import httpx
import hypothesis
from hypothesis import strategies as st
from node_support import Running
from palmyra import usa_strike
from websockets.sync.client import connect

from json_paths import json_paths

TIERS = ("duty", "senior", "observer", "sensor")
EXAMPLES = int(os.environ.get("AIRPARLEY_HOSTILE_EXAMPLES", "400"))

# -- hostile values -----------------------------------------------------------------------------------------
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
CONTROLS = st.characters(categories=["Cc"])
BIDI = st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
MARKS = st.sampled_from(["\u200e", "\u200f", "\u061c", "\ufeff", "\ufffe", "\uffff", "\U0010ffff", "\x00"])
hostile_text = st.one_of(
    st.lists(st.one_of(SURROGATES, CONTROLS, BIDI, MARKS, st.characters()), min_size=1, max_size=12).map("".join),
    st.builds(lambda a, b: f"USA-{a}{b}", SURROGATES | BIDI | CONTROLS, st.text(max_size=3)),
    st.sampled_from(["", " ", "\ud800", "\udfff", "A\u202eB", "x" * 5000, "USA-0101\x00", "ﾠ", "𝔘𝔖𝔄"]),
)
huge_numbers = st.sampled_from(
    [10**400, -(10**400), 10**309, 2**63, 2**64, -(2**63) - 1, 2**53 + 1, 1e308, -1e308, 5e-324, -0.0, 0]
)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


deep = st.builds(_nested, st.sampled_from([20, 33, 64, 65, 300]), st.just(1))
scalars = st.one_of(hostile_text, huge_numbers, non_finite, st.none(), st.booleans(), st.integers(), st.floats())
hostile = st.recursive(
    scalars | deep,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text | st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)

# -- valid bodies to plant them in ----------------------------------------------------------------------------
STATE = {
    "id": "T-1",
    "party": "RUS",
    "time": "2026-11-26T01:00:00Z",
    "lat": 35.0,
    "lon": 38.5,
    "alt_ft": 25000,
    "gs_kt": 420,
    "trk_deg": 90,
    "vs_fpm": 0,
    "callsign": "FALCON1",
    "source": "radar",
}


def _fresh_notice() -> dict[str, Any]:
    document = usa_strike()
    document["features"][0]["properties"]["notice_id"] = "USA-0777"
    return document


def _routes(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    """(method, path, a valid body or None) for every writing route, with a real id where one is needed."""
    notice, message, case = ids["notice"], ids["message"], ids["case"]
    return [
        ("POST", "/api/v1/notices", _fresh_notice()),
        ("PUT", f"/api/v1/notices/{notice}", usa_strike()),
        ("POST", f"/api/v1/notices/{notice}/cancel", None),
        ("POST", f"/api/v1/notices/{notice}/close", None),
        ("POST", "/api/v1/frequencies", {"name": "UHF 2", "mhz": 251.3, "area": "Palmyra", "notes": ""}),
        ("POST", "/api/v1/messages", {"recipients": ["RUS"], "template": "stand_by", "urgency": "routine"}),
        ("POST", "/api/v1/messages", {"recipients": ["RUS"], "text": "Hold west of Palmyra", "urgency": "routine"}),
        ("POST", f"/api/v1/messages/{message}/read", None),
        ("POST", f"/api/v1/messages/{message}/ack", None),
        ("POST", "/api/v1/cases", {"subject": {"kind": "contention", "reason": "Palmyra"}, "with": "RUS"}),
        ("POST", f"/api/v1/cases/{case}/propose", {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 30}}),
        ("POST", f"/api/v1/cases/{case}/accept", {}),
        ("POST", f"/api/v1/cases/{case}/reject", {"text": "no"}),
        ("POST", f"/api/v1/cases/{case}/escalate", {}),
        ("POST", "/api/v1/tracks", {"states": [STATE]}),
        ("POST", "/api/v1/tracks/shares", {"track": "T-1", "with": ["RUS"], "minutes": 30}),
        ("POST", "/api/v1/tracks/shares/nope/revoke", None),
        ("POST", "/api/v1/alerts/safety-call", {"track": "T-1"}),
        ("POST", "/api/v1/incidents/incident-0/disclose", {"to": ["RUS"], "case_id": case}),
        ("POST", "/api/v1/ledger/hint", {"party": "RUS", "seq": 1}),
        ("POST", "/api/v1/session", {"token": "x"}),
    ]


def _planted(body: Any, path: tuple[Any, ...], value: Any, as_key: bool) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    if as_key and isinstance(holder, dict):
        holder[str(value) if not isinstance(value, str) else value] = holder.pop(path[-1])
    else:
        holder[path[-1]] = value
    return copy


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, str, Any]]) -> tuple[str, str, str, bytes]:
    """(tier, method, path, raw body): a hostile whole body, or a valid one with a hostile value planted."""
    tier = draw(st.sampled_from(TIERS))
    method, path, body = draw(st.sampled_from(routes))
    how = draw(st.sampled_from(["plant", "plant", "key", "whole", "segment", "raw"]))
    if how == "raw":  # bytes no JSON encoder writes: nesting past any parser's stack, bad UTF-8, bare NaN
        raw = draw(st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b'{"x": "\xff"}', b"NaN", b'{"a": 1e999}']))
        return tier, method, path, raw
    if how == "segment":  # a hostile path segment, percent-encoded as raw bytes would be
        segment = draw(st.sampled_from(["%ED%A0%80", "%00", "%E2%80%AE", "%FF", "..", "%2F", "A" * 300, "%C0%AF"]))
        parts = path.split("/")
        index = draw(st.integers(3, len(parts) - 1)) if len(parts) > 3 else len(parts) - 1
        parts[index] = segment
        path = "/".join(parts)
        payload = body
    elif how == "whole" or body is None:
        payload = draw(hostile)
    else:
        where = draw(st.sampled_from(json_paths(body)))
        payload = _planted(body, where, draw(hostile), as_key=how == "key" and bool(where))
    # json.dumps writes NaN/Infinity and lone surrogates (escaped) as a hostile client would.
    raw = json.dumps(payload, allow_nan=True).encode() if payload is not None else b""
    return tier, method, path, raw


def _seed(running: Running) -> dict[str, str]:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    filed = usa.post("/api/v1/notices", json=usa_strike())
    assert filed.status_code == 201, filed.text
    notice = usa.get("/api/v1/notices").json()["features"][0]["properties"]["notice_id"]
    message = rus.post("/api/v1/messages", json={"recipients": ["USA"], "template": "stand_by"})
    assert message.status_code == 201, message.text
    case = rus.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Palmyra"}, "with": "USA"})
    assert case.status_code == 201, case.text
    tracks = usa.post("/api/v1/tracks", json={"states": [STATE]})
    assert tracks.status_code == 202, tracks.text
    frequency = usa.post("/api/v1/frequencies", json={"name": "UHF 1", "mhz": 251.3})  # an event for every party
    assert frequency.status_code == 201, frequency.text
    return {
        "notice": notice,
        "message": message.json()["message"]["message_id"],
        "case": case.json()["case"]["case_id"],
    }


def _problem_or_success(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), f"{what}: {response.text}"
        assert response.json()["status"] == response.status_code


def test_hostile_json_at_every_writing_route_from_every_tier(running: Running) -> None:
    routes = _routes(_seed(running))
    tried: set[tuple[str, str]] = set()
    statuses: dict[int, int] = {}

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(requests(routes))
    def barrage(request: tuple[str, str, str, bytes]) -> None:
        tier, method, path, raw = request
        headers = {"Content-Type": "application/json", "X-Airparley": "1"}
        response = running.desk(f"usa_{tier}").client.request(method, path, content=raw, headers=headers)
        tried.add((f"{method} {path.split('/')[3]}", tier))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        _problem_or_success(response, f"{tier} {method} {path} {raw[:200]!r}")

    barrage()
    print(f"hostile JSON: {sum(statuses.values())} requests, {len(tried)} route groups x tiers: {statuses}")
    assert {tier for _, tier in tried} == set(TIERS)
    _everything_still_answers(running)


def test_hostile_cursors_on_the_event_feed(running: Running) -> None:
    _seed(running)
    usa = running.desk("usa_duty").client
    for value in ("2147483648", str(2**63 - 1), str(2**63), str(2**64), "-1", "1e3", "%00", "%ED%A0%80", "0x10"):
        for name in ("after", "limit"):
            _problem_or_success(usa.get(f"/api/v1/events?{name}={value}"), f"GET /events?{name}={value}")
    _everything_still_answers(running)


def _everything_still_answers(running: Running) -> None:
    running.node.tick()  # the scheduler's pass: deadlines, re-rings, the alert scan of every party
    running.node.scan_tracks({"USA", "RUS", "TUR", "SYR"})
    for party in ("usa", "rus", "tur", "syr"):
        for tier in ("duty", "observer"):
            client = running.desk(f"{party}_{tier}").client
            for path in ("/api/v1/events?after=0", "/api/v1/tracks", "/api/v1/alerts"):
                answer = client.get(path)
                assert answer.status_code == 200, f"{party} {tier} {path}: {answer.status_code} {answer.text[:300]}"
        token = running.desk(f"{party}_duty").token
        url = running.url.replace("http://", "ws://") + f"/api/v1/events?after=0&token={token}"
        with connect(url, open_timeout=10) as socket:
            first = json.loads(socket.recv(timeout=10))
            assert "kind" in first
