"""Bad input on every endpoint: a clear 4xx naming the field, and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import Running
from palmyra import rus_strike, usa_strike
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from airparley.bounds import BOUNDS
from airparley.errors import InvalidInput
from airparley.ledger import Kind, append, generate_key
from airparley.node._replica import Replicator

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


# -- hostile input (issue 12): every number and string within a declared bound, the same on both stores -------
# Bodies are sent as JSON text written with ensure_ascii (a lone surrogate travels as its escape, NaN as the
# bare token Python's json writes): what a hostile client can put on the wire, not what httpx would refuse.
BIG = 10**400  # a JSON integer too large for a double
EPOCH = "2026-11-26T02:00:00Z"


def _notice(geometry: dict[str, Any] | None = None, **change: Any) -> dict[str, Any]:
    document = usa_strike()
    props = document["features"][0]["properties"]
    props.update(change)
    for name in [k for k, v in props.items() if v is None]:
        del props[name]
    if geometry is not None:
        document["features"][0]["geometry"] = geometry
    return document


def _named(document: dict[str, Any], **props: Any) -> dict[str, Any]:
    document["features"][0]["properties"].update(props)
    return document


def _bare(props: Any) -> dict[str, Any]:
    document = usa_strike()
    document["features"][0]["properties"] = props
    return document


def _frequency(**change: Any) -> dict[str, Any]:
    return {"name": "UHF Palmyra", "mhz": 251.3, "area": "Palmyra", "notes": "", **change}


def _message(**change: Any) -> dict[str, Any]:
    params = {"callsign": "GRACH31", "distance_nm": 12, "direction": "left"}
    return {"recipients": ["RUS"], "template": "traffic_turn", "params": {**params, **change}}


HOSTILE: list[tuple[str, str, Any, int, str]] = [
    # 500s on malformed input (SQLite)
    ("POST", "/notices", _bare(None), 422, "properties"),
    ("POST", "/notices", _notice(radius_nm=BIG), 422, "radius_nm"),
    ("POST", "/notices", _notice({"type": "Point", "coordinates": [BIG, 34.6]}), 422, "coordinates"),
    ("POST", "/notices", _notice(lower={"value": BIG, "ref": "FL"}), 422, "lower"),
    ("POST", "/notices", _notice(upper=BIG), 422, "upper"),
    ("POST", "/notices", _notice(frequency_mhz=BIG), 422, "frequency_mhz"),
    ("POST", "/messages", _message(distance_nm=BIG), 422, "params.distance_nm"),
    ("POST", "/frequencies", _frequency(mhz=BIG), 422, "mhz"),
    ("POST", "/notices", _notice(notice_id="\ud800"), 422, "notice_id"),
    ("POST", "/notices", _notice(party="\ud800"), 422, "party"),
    ("POST", "/tracks/shares", {"track": "E3", "with": ["\ud800"]}, 422, "with"),
    ("POST", "/frequencies", _frequency(name="\ud800"), 422, "name"),
    ("POST", "/frequencies", _frequency(area="\udfff"), 422, "area"),
    ("POST", "/frequencies", _frequency(notes="a\ud800b"), 422, "notes"),
    ("POST", "/cases", {"subject": {"kind": "contention", "reason": "x"}, "with": "\ud800"}, 422, "with"),
    ("POST", "/messages", {"recipients": ["\ud800"], "text": "hello", "language": "en"}, 422, "recipients"),
    ("GET", f"/events?after={2**63}", None, 422, "after"),
    ("GET", f"/events?after={10**30}", None, 422, "after"),
    # PostgreSQL-only 500s: the stores must agree, so the node decides before either sees it
    ("POST", "/notices", _notice(notice_id="USA-" + "7" * 97), 422, "notice_id"),
    ("POST", "/notices", _notice(notice_id="USA-01\x0001"), 422, "notice_id"),
    ("POST", "/frequencies", _frequency(name="U" * 201), 422, "name"),
    ("POST", "/frequencies", _frequency(name="UHF\x00"), 422, "name"),
    # no sanity bounds
    ("POST", "/notices", _notice(lower=1e308), 422, "lower"),
    ("POST", "/notices", _notice(lower=-1e308, upper=1e308), 422, "lower"),
    ("POST", "/notices", _notice(upper={"value": 200_000, "unit": "ft", "ref": "MSL"}), 422, "upper"),
    ("POST", "/notices", _notice(radius_nm=900), 422, "radius_nm"),
    ("POST", "/notices", _notice(private={"fuel_kg": float("nan")}), 422, "private"),
    ("POST", "/notices", _notice(private={"fuel_kg": float("inf")}), 422, "private"),
    ("POST", "/notices", _notice(notice_id="USA-\u202e1010"), 422, "notice_id"),
    ("POST", "/notices", _notice(remarks="Strike \u202eFL052\u202c as agreed"), 422, "remarks"),
    ("POST", "/notices", _notice(remarks="x" * 2001), 422, "remarks"),
    ("POST", "/notices", _notice(callsigns=[f"VIPER{i}" for i in range(21)]), 422, "callsigns"),
    ("POST", "/notices", _notice(callsigns=["VIPER\u202e11"]), 422, "callsigns.0"),
    ("POST", "/notices", _notice(start="2031-01-01T00:00:00Z", end="2031-01-01T02:00:00Z"), 422, "start"),
    ("POST", "/notices", _notice(start="2024-01-01T00:00:00Z", end="2024-01-01T02:00:00Z"), 422, "end"),
    ("POST", "/notices", _notice(start=EPOCH, end="2027-01-26T02:00:00Z"), 422, "end"),
    ("POST", "/notices", _notice(start="1900-01-01T00:00:00Z", end="1900-01-01T02:00:00Z"), 422, "start"),
    ("POST", "/notices", _notice(version=2**40), 422, "version"),
    (
        "POST",
        "/notices",
        _notice(
            {"type": "Polygon", "coordinates": [[[38.0 + i * 1e-5, 34.0] for i in range(10_001)]]},
            shape="polygon",
            radius_nm=None,
        ),
        422,
        "coordinates",
    ),
    ("POST", "/frequencies", _frequency(mhz=float("nan")), 422, "mhz"),
    ("POST", "/frequencies", _frequency(mhz=5000), 422, "mhz"),
    ("POST", "/frequencies", _frequency(name="UHF\nPalmyra"), 422, "name"),
    ("POST", "/messages", _message(distance_nm=float("nan")), 422, "params.distance_nm"),
    ("POST", "/messages", {"recipients": ["RUS"], "text": "climb \u202eFL250", "language": "en"}, 422, "text"),
    (
        "POST",
        "/messages",
        {"recipients": ["RUS"], "text": "x", "language": "en", "references": [{"kind": "case", "id": "c"}] * 21},
        422,
        "references",
    ),
    (
        "POST",
        "/cases",
        {"subject": {"kind": "contention", "reason": "x"}, "with": "RUS", "colour": "red"},
        422,
        "colour",
    ),
    (
        "POST",
        "/cases",
        {"subject": {"kind": "contention", "reason": "x"}, "with": "RUS", "note": float("nan")},
        422,
        "note",
    ),
    ("POST", "/cases", {"subject": {"kind": "contention", "reason": "a\u202eb"}, "with": "RUS"}, 422, "subject.reason"),
    ("POST", "/alerts/safety-call", {"track": "GRACH31", "frequency_mhz": BIG}, 422, "frequency_mhz"),
    ("POST", "/alerts/safety-call", {"track": "GRACH31", "frequency_mhz": float("nan")}, 422, "frequency_mhz"),
    ("POST", "/alerts/safety-call", {"track": "GRACH31", "to": "\ud800"}, 422, "to"),
    ("POST", "/alerts/safety-call", {"track": "\ud800"}, 422, "track"),
]


def _send(client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    if body is None:
        return client.request(method, f"/api/v1{path}")
    text = json.dumps(body, ensure_ascii=True)
    return client.request(method, f"/api/v1{path}", content=text, headers={"Content-Type": "application/json"})


def _names(problem: dict[str, Any], field: str) -> bool:
    """The problem names ``field``: as the parser names it (``radius_nm``) or as a JSON path to it in the body
    (``features.0.properties.radius_nm``), whichever layer refused it first."""
    named = str(problem.get("field", ""))
    return named == field or named.startswith(field + ".") or f".{field}" in named or named.startswith(field)


def _readable(running: Running) -> None:
    """Every feed and view still answers after the refusal (no poisoned row)."""
    for desk in ("usa_duty", "rus_duty"):
        client = running.desk(desk).client
        for path in ("/events?after=0", "/notices", "/frequencies", "/messages", "/cases", "/conflicts"):
            assert client.get(f"/api/v1{path}").status_code == 200, path


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    HOSTILE,
    ids=[f"{i}-{m} {p[:30]}-{f}" for i, (m, p, _, _, f) in enumerate(HOSTILE)],
)
def test_hostile_input_is_a_problem_naming_the_field_on_both_stores(
    running: Running, method: str, path: str, body: Any, status: int, field: str
) -> None:
    usa = running.desk("usa_duty").client
    before = usa.get("/api/v1/events").json()["cursor"]
    with running.node.store.begin() as tx:
        ledger_before = len(tx.ledger_lines())
        frequencies_before = len(tx.frequencies())
    response = _send(usa, method, path, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    assert _names(problem, field), problem
    assert usa.get("/api/v1/events").json()["cursor"] == before
    with running.node.store.begin() as tx:
        assert len(tx.ledger_lines()) == ledger_before
        assert len(tx.frequencies()) == frequencies_before
        assert tx.notices() == [] or all(s.notice.notice_id == "USA-0101" for s in tx.notices())
    _readable(running)


def test_notice_ids_are_scoped_by_party_and_filing_probes_nothing(running: Running) -> None:
    tur, rus, usa = (running.desk(d).client for d in ("tur_duty", "rus_duty", "usa_duty"))
    assert tur.post("/api/v1/notices", json=_named(rus_strike(), notice_id="TUR-0301", party="TUR")).status_code == 201
    existing = rus.post("/api/v1/notices", json=_named(rus_strike(), notice_id="TUR-0301"))
    absent = rus.post("/api/v1/notices", json=_named(rus_strike(), notice_id="TUR-0999"))
    for response in (existing, absent):
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "notice_id"
        assert "exists" not in response.text
    # The same answer whether TUR's id exists or not: only the id it quotes differs.
    assert existing.json()["detail"].replace("0301", "0999") == absent.json()["detail"]
    # No pre-filing of another party's ids: USA can still file USA-0555 after RUS tried.
    squat = rus.post("/api/v1/notices", json=_named(rus_strike(), notice_id="USA-0555"))
    assert squat.status_code == 422
    assert squat.json()["field"] == "notice_id"
    assert usa.post("/api/v1/notices", json=_named(usa_strike(), notice_id="USA-0555")).status_code == 201
    # Filing in another party's name stays forbidden, and reading another's notice is a plain 404.
    assert rus.post("/api/v1/notices", json=_named(rus_strike(), notice_id="TUR-0302", party="TUR")).status_code == 403
    assert rus.get("/api/v1/notices/TUR-0301").status_code == 404
    assert rus.get("/api/v1/notices/TUR-0999").status_code == 404


def test_case_moves_refuse_unknown_and_unbounded_fields(running: Running) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    opened = usa.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Palmyra"}, "with": "RUS"})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case"]["case_id"]
    terms = {"kind": "shift_time", "party": "USA", "minutes": 30}
    for body, field in (
        ({"terms": terms, "colour": "red"}, "colour"),
        ({"terms": terms, "note": float("nan")}, "note"),
        ({"terms": terms, "text": "stay \u202ebelow"}, "text"),
        ({"terms": {**terms, "minutes": BIG}}, "terms.minutes"),
        ({"terms": {"kind": "altitude_split", "at_ft": BIG, "above": "USA", "below": "RUS"}}, "terms.at_ft"),
        (
            {
                "terms": {
                    "kind": "reroute",
                    "party": "RUS",
                    "geometry": {"type": "Polygon", "coordinates": [[[BIG, 1]]]},
                }
            },
            "terms.geometry",
        ),
    ):
        response = _send(rus, "POST", f"/cases/{case_id}/propose", body)
        assert response.status_code == 422, (body, response.text)
        assert _names(response.json(), field), response.json()
    response = _send(rus, "POST", f"/cases/{case_id}/accept", {"colour": "red"})
    assert response.status_code == 422
    assert response.json()["field"] == "colour"
    _readable(running)


def test_cursors_above_64_bits_are_refused_or_closed_with_a_reason(running: Running) -> None:
    with running.node.store.begin() as tx:
        _, peer_token = tx.add_officer("RUS", "RUS node", "peer", running.clock())
    peer = httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {peer_token}"}, timeout=10)
    with peer:
        for query in (f"after={2**63}", f"after={10**30}"):
            response = peer.get(f"/api/v1/ledger/USA?{query}")
            assert response.status_code == 422, response.text
            assert response.json()["field"] == "after"
        # At the bound a cursor is valid on both stores (PostgreSQL's 32-bit seq columns included): nothing newer.
        for after in (2**31, 2**62, 2**63 - 1):
            response = peer.get(f"/api/v1/ledger/USA?after={after}")
            assert response.status_code == 200, response.text
            assert response.json()["entries"] == []
        hint = peer.post("/api/v1/ledger/hint", json={"party": "RUS", "seq": 2**63})
        assert hint.status_code == 422
        assert hint.json()["field"] == "seq"
    url = running.url.replace("http://", "ws://") + f"/api/v1/events?after={2**63}"
    token = running.desk("usa_duty").token
    with (
        connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4422
    assert closed.value.rcvd.reason.startswith("after")
    # The feeds still answer, from the start and from a cursor at the bound.
    assert running.desk("usa_duty").client.get(f"/api/v1/events?after={2**63 - 1}").status_code == 200


def test_every_bound_is_in_docs_security_bounds() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert "## Bounds" in text
    section = text.split("## Bounds", 1)[1].split("\n## ", 1)[0]
    for bound in BOUNDS.values():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{bound.name}` |")), None)
        assert row is not None, f"docs/security.md, Bounds: no row for {bound.name}"
        assert bound.describe() in row, f"{bound.name}: the doc does not say {bound.describe()}"


def test_a_replicated_notice_obeys_the_same_id_rule(running: Running) -> None:
    """A peer's authentic (signed) entry that names another party's id, or an id past the bounds, is refused
    like a local filing would be: a party's feed can squat no other party's ids either."""
    key = generate_key()
    replicator = Replicator(running.node)
    for notice_id, reason in (("TUR-0301", "an id of USA's"), ("USA-" + "9" * 80, "4 to 64 characters")):
        document = _named(usa_strike(), notice_id=notice_id)
        entry = append("USA", Kind.NOTICE_FILED, {"notice": document}, seen={}, now=running.clock(), signing_key=key)
        with running.node.store.begin() as tx, pytest.raises(InvalidInput) as refused:
            replicator.prepare(tx, entry)
        assert refused.value.field.endswith("notice_id"), refused.value
        assert reason in refused.value.reason
    good = append("USA", Kind.NOTICE_FILED, {"notice": usa_strike()}, seen={}, now=running.clock(), signing_key=key)
    with running.node.store.begin() as tx:
        assert replicator.prepare(tx, good) is not None


PATH_IDS = ["USA-%00X", "%00", "x" * 300, "USA-%E2%80%AE0101", "%ED%A0%80", "USA-0101%0A"]
PATH_ROUTES = [
    ("GET", "/notices/{}"),
    ("PUT", "/notices/{}"),
    ("POST", "/notices/{}/cancel"),
    ("POST", "/notices/{}/close"),
    ("GET", "/messages/{}"),
    ("POST", "/messages/{}/read"),
    ("POST", "/messages/{}/ack"),
    ("GET", "/cases/{}"),
    ("POST", "/cases/{}/accept"),
    ("GET", "/conflicts/{}"),
    ("POST", "/tracks/shares/{}/revoke"),
]


def test_ids_in_paths_are_a_404_or_422_never_a_500(running: Running) -> None:
    """NUL, over-long, direction and invalid-UTF-8 ids in a path: PostgreSQL refuses a NUL in a query, so the
    node must answer before the store, the same as SQLite (nothing such is ever stored, so: not found)."""
    usa = running.desk("usa_duty").client
    for method, route in PATH_ROUTES:
        for ident in PATH_IDS:
            body = usa_strike() if method == "PUT" else None
            response = usa.request(method, "/api/v1" + route.format(ident), json=body)
            assert response.status_code in (404, 422), (method, route, ident, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    _readable(running)


# -- Hypothesis: hostile values in every field of every writing route in scope, never a 500 ----------------
_hostile_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "USA-\u202e0101", "\u2066FL250\u2069", "x" * 300, "", " "]),
)
_hostile_number = st.one_of(
    st.sampled_from([BIG, -BIG, 2**53 + 1, 2**63, 1e308, -1e308, float("nan"), float("inf"), -0.0, 0, -1]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)
_hostile = st.recursive(
    st.one_of(st.none(), st.booleans(), _hostile_number, _hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_hostile_text, inner, max_size=3)),
    max_leaves=6,
)
_NOTICE_FIELDS = [
    *("notice_id", "party", "version", "kind", "state", "priority", "shape", "radius_nm", "lower", "upper"),
    *("start", "end", "callsigns", "frequency_mhz", "remarks", "private"),
]


def _routes() -> list[tuple[str, Any, list[str]]]:
    """(path, a valid body, the fields to spoil): the writing routes of notices, frequencies and the hotline."""
    return [
        ("/notices", usa_strike(), [f"features.0.properties.{f}" for f in _NOTICE_FIELDS] + ["features.0.geometry"]),
        ("/frequencies", _frequency(), ["name", "mhz", "area", "notes"]),
        ("/messages", _message(), ["recipients", "template", "params.callsign", "params.distance_nm", "urgency"]),
        (
            "/messages",
            {"recipients": ["RUS"], "text": "Climb", "language": "en", "references": [{"kind": "case", "id": "c"}]},
            ["text", "language", "references.0.id", "references"],
        ),
        ("/cases", {"subject": {"kind": "contention", "reason": "Palmyra"}, "with": "RUS"}, ["with", "note", "urgent"]),
        ("/alerts/safety-call", {"track": "GRACH31", "frequency_mhz": 243.0}, ["track", "frequency_mhz", "to"]),
    ]


def _spoiled(body: Any, path: str, value: Any) -> Any:
    document = json.loads(json.dumps(body))
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return document


def test_hostile_values_in_any_field_never_break_the_node(running: Running) -> None:
    usa = running.desk("usa_duty").client
    routes = _routes()
    seen: dict[int, int] = {}

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(routes) - 1), st.data())
    def send(index: int, data: st.DataObject) -> None:
        path, body, fields = routes[index]
        spoiled = _spoiled(body, data.draw(st.sampled_from(fields)), data.draw(_hostile))
        answer = _send(usa, "POST", path, spoiled)
        seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
        assert answer.status_code < 500, (path, answer.text[:300])
        if answer.status_code >= 400:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json().get("field") or answer.status_code in (403, 404), answer.text[:300]

    send()
    _readable(running)
    assert seen.get(422, 0) > 0
