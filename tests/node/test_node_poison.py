"""Poisoned track input against a real node: it is refused by field, never a 500, and afterwards the scheduler
keeps ticking (safety messages ring and escalate, every party's alerts come, non-response watches decide) and
every feed stays readable (``/tracks``, ``/alerts``, ``/events``, the WebSocket).

Before the fix one state with ``gs_kt: 1e308`` and a time a day ahead made every scheduler tick fail for every
party until restart, and a lone surrogate as a track id made the party's ``/tracks``, ``/alerts``, ``/events``
and WebSocket fail for good (issue 12, items 1 and 2).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_support import Clock, Running, Served, _free_port, wait_until
from websockets.sync.client import ClientConnection, connect

from airparley.geo import destination
from airparley.ledger import generate_key
from airparley.node import Node, NodeSettings, create_app
from airparley.store import Store

JSON = {"content-type": "application/json"}
DAY_S = 86_400


def _iso(running: Running, seconds: float = 0.0) -> str:
    return (running.clock() + timedelta(seconds=seconds)).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _state(running: Running, track_id: str, **changes: Any) -> dict[str, Any]:
    state = {
        "id": track_id,
        "party": "USA",
        "time": _iso(running),
        "lat": 35.4,
        "lon": 40.4,
        "alt_ft": 30000,
        "gs_kt": 360,
        "trk_deg": 90,
        "vs_fpm": 0,
        "callsign": "SENTRY60",
        "source": "E-3",
    }
    state.update(changes)
    return state


def _head_on(running: Running, party: str, other: str) -> list[dict[str, Any]]:
    """Two aircraft 2 NM apart, nose to nose at the same level: a DO-365 warning in the poster's picture."""
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    return [
        _state(running, f"{party}-1", party=party, callsign=f"{party}11"),
        _state(running, f"{other}-9", party=other, lon=float(lon), lat=float(lat), trk_deg=270, callsign=f"{other}99"),
    ]


def _body(*states: Any, raw: str | None = None) -> str:
    """A POST /tracks body as the wire carries it: Python's JSON writer puts NaN and Infinity as such, and a lone
    surrogate as its ``\\udXXX`` escape, which the node's reader turns back into the surrogate."""
    text = json.dumps({"states": list(states)})
    return text if raw is None else text.replace('"@RAW@"', raw)


# -- each poisoned input, as a sensor gateway could send it --------------------------------------------------
#: name -> (the poisoned state's changes to a good state, or a raw JSON value, and the fields it may be refused by)
Poison = Callable[[Running], tuple[str, set[str]]]


def _changed(expected: set[str], **changes: Any) -> Poison:
    def body(running: Running) -> tuple[str, set[str]]:
        return _body(_state(running, "GOOD"), _state(running, "BAD", **changes)), expected

    return body


def _relative(expected: set[str], seconds: float, **changes: Any) -> Poison:
    def body(running: Running) -> tuple[str, set[str]]:
        bad = _state(running, "BAD", time=_iso(running, seconds), **changes)
        return _body(_state(running, "GOOD"), bad), expected

    return body


def _raw(expected: set[str], field: str, raw: str) -> Poison:
    def body(running: Running) -> tuple[str, set[str]]:
        return _body(_state(running, "GOOD"), _state(running, "BAD", **{field: "@RAW@"}), raw=raw), expected

    return body


def _items(running: Running) -> tuple[str, set[str]]:
    return json.dumps({"states": [_state(running, "GOOD"), 1, "x", None, [], True]}), {"(line)"}


POISONS: dict[str, Poison] = {
    # the state of the issue: a speed no double can fly for a day, posted for a day ahead
    "speed 1e308 a day ahead": _relative({"time"}, DAY_S, gs_kt=1e308),
    "speed 1e308": _changed({"gs_kt"}, gs_kt=1e308),
    "speed above Mach 5": _changed({"gs_kt"}, gs_kt=3500),
    "climb 1e300 ft/min": _changed({"vs_fpm"}, vs_fpm=1e300),
    "altitude -1e308": _changed({"alt_ft"}, alt_ft=-1e308),
    "a time a century ahead": _changed({"time"}, time="2126-11-26T01:00:00Z"),
    "time zero": _changed({"time"}, time=0),
    "a time older than the picture": _relative({"time"}, -3600),
    "NaN latitude": _changed({"lat"}, lat=float("nan")),
    "Infinity vertical speed": _changed({"vs_fpm"}, vs_fpm=float("inf")),
    "-Infinity altitude": _changed({"alt_ft"}, alt_ft=float("-inf")),
    "a pole": _changed({"lat"}, lat=90),
    "a lone surrogate as track id": _changed({"id"}, id="\ud800"),
    "a lone surrogate in a callsign": _changed({"callsign"}, callsign="FALCON\udfff"),
    "a NUL in the id": _changed({"id"}, id="SU35\x001"),
    "terminal escapes in the id": _changed({"id"}, id="SU35\x1b[2J"),
    "a right-to-left override in the id": _changed({"id"}, id="SU35\u202e1-ATTACK"),
    "a bidi isolate in the source": _changed({"source"}, source="E-3\u2067"),
    "a line separator in the party": _changed({"party"}, party="RUS\u2028"),
    "an id of 100,000 characters": _changed({"id"}, id="X" * 100_000),
    "an integer of 400 digits": _raw({"alt_ft"}, "alt_ft", "1" + "0" * 400),
    "an integer beyond the JSON reader": _raw({"(body)", "alt_ft"}, "alt_ft", "1" + "0" * 5000),
    "an id nested 40 deep": _raw({"id", "(body)"}, "id", "[" * 40 + "]" * 40),
    "an id nested 100,000 deep": _raw({"id", "(body)"}, "id", "[" * 100_000 + "]" * 100_000),
    "a latitude as an object": _raw({"lat", "(body)"}, "lat", '{"a": {"b": [1e999]}}'),
    "states that are not objects": _items,
}


def _kinds(running: Running, desk: str) -> list[str]:
    response = running.desk(desk).client.get("/api/v1/events", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return [e["kind"] for e in response.json()["events"]]


def _field_of_problem(problem: dict[str, Any]) -> str:
    """``states.1.lat.a.0`` -> ``lat``: a body-level check names the path, the track check the field."""
    parts = str(problem["field"]).split(".")
    return parts[2] if parts[0] == "states" and len(parts) > 2 else parts[-1]


def _refused(answer: httpx.Response, expected: set[str]) -> None:
    assert answer.status_code in (202, 422), f"{answer.status_code}: {answer.text[:300]}"
    if answer.status_code == 422:
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert _field_of_problem(answer.json()) in expected, answer.text[:300]
        return
    taken = answer.json()
    assert taken["accepted"] == 1  # the good state beside the poisoned one
    assert taken["rejected"], "the poisoned state was taken"
    for rejection in taken["rejected"]:
        assert rejection["index"] >= 1
        assert rejection["field"] in expected, rejection
        assert rejection["reason"]


def _ws(running: Running, desk: str) -> ClientConnection:
    url = running.url.replace("http://", "ws://") + "/api/v1/events?after=0"
    return connect(url, additional_headers={"Authorization": f"Bearer {running.desk(desk).token}"})


def _receive_until(socket: ClientConnection, kind: str) -> dict[str, Any]:
    for _ in range(500):
        event: dict[str, Any] = json.loads(socket.recv(timeout=10))
        if event["kind"] == kind:
            return event
    raise AssertionError(f"no {kind} on the socket")


@pytest.fixture
def failures(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The errors the node logged (its scheduler steps, its scheduler loop, anything else)."""
    caplog.set_level(logging.ERROR, logger="airparley")

    def logged() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name.startswith("airparley") and r.levelno >= logging.ERROR]

    return logged


@pytest.mark.parametrize("poison", list(POISONS.values()), ids=list(POISONS))
def test_a_poisoned_state_is_refused_and_the_node_goes_on(
    running: Running, poison: Poison, failures: Callable[[], list[str]]
) -> None:
    usa_sensor = running.desk("usa_sensor").client
    sent = running.desk("usa_duty").client.post(
        "/api/v1/messages",
        json={
            "recipients": ["RUS"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "GRACH31", "distance_nm": 0.5, "direction": "right"},
        },
    )
    assert sent.status_code == 201, sent.text
    body, expected = poison(running)
    _refused(usa_sensor.post("/api/v1/tracks", content=body, headers=JSON), expected)
    # A duty officer may post tracks too: the same answer.
    _refused(running.desk("usa_duty").client.post("/api/v1/tracks", content=body, headers=JSON), expected)

    # A minute on: both parties' sensors report a head-on pair; the scheduler ticks.
    running.clock.advance(seconds=61)
    for party, other in (("USA", "RUS"), ("RUS", "TUR")):
        posted = running.desk(f"{party.lower()}_sensor").client.post(
            "/api/v1/tracks", json={"states": _head_on(running, party, other)}
        )
        assert posted.json() == {"accepted": 2, "rejected": []}
    running.node.tick()
    assert "message.ring" in _kinds(running, "rus_duty")  # the hotline still rings
    for desk in ("usa_duty", "rus_duty"):  # every party's alerts still come
        assert "alert.raised" in _kinds(running, desk)
        assert running.desk(desk).client.get("/api/v1/alerts").json()[0]["level_name"] == "warning"
    running.clock.advance(seconds=120)
    running.node.tick()
    assert "message.escalated" in _kinds(running, "rus_senior")  # and escalates
    assert failures() == []

    # Every feed of every party reads, and the picture holds no poisoned state.
    for desk in ("usa_duty", "usa_observer", "rus_duty", "tur_duty"):
        client = running.desk(desk).client
        for path in ("/api/v1/tracks", "/api/v1/alerts", "/api/v1/events?after=0", "/api/v1/flags"):
            response = client.get(path)
            assert response.status_code == 200, f"{desk} {path}: {response.text[:200]}"
            response.content.decode("utf-8")  # strict UTF-8
    picture = running.desk("usa_duty").client.get("/api/v1/tracks").json()
    assert "BAD" not in {t["id"] for t in picture}
    with _ws(running, "usa_duty") as usa, _ws(running, "rus_duty") as rus:
        _receive_until(usa, "alert.raised")
        _receive_until(rus, "message.escalated")
        # ...and they stay open: a new message reaches the Russian desk live.
        running.desk("usa_duty").client.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"})
        _receive_until(rus, "message.sent")


def test_the_issues_state_leaves_the_real_scheduler_ticking(db_url: str, failures: Callable[[], list[str]]) -> None:
    """The node's own scheduler (every 0.2 s), not a test's tick: after the state of the issue was posted, a
    safety message still rings and escalates, alerts still come, and nothing is logged as failed."""
    clock = Clock()
    store = Store.open(db_url)
    tokens: dict[str, str] = {}
    with store.begin() as tx:
        for code in ("USA", "RUS"):
            tx.add_party(code, f"{code} desk", "en", clock())
            for tier in ("duty", "senior", "sensor"):
                tokens[f"{code}_{tier}"] = tx.add_officer(code, f"{code} {tier}", tier, clock())[1]
    settings = NodeSettings(rate_per_s=1000, rate_burst=5000, scheduler_interval_s=0.2, scan_gather_s=0.05)
    node = Node(store, settings, clock, keys={"USA": generate_key(), "RUS": generate_key()})
    served = Served(create_app(node), _free_port())
    url = f"http://127.0.0.1:{served.server.config.port}/api/v1"
    clients = {name: httpx.Client(headers={"Authorization": f"Bearer {t}"}, timeout=10) for name, t in tokens.items()}
    try:
        running = Running(url, db_url, node, clock, {})

        def kinds(who: str) -> list[str]:
            return [e["kind"] for e in clients[who].get(f"{url}/events").json()["events"]]

        sent = clients["USA_duty"].post(
            f"{url}/messages", json={"recipients": ["RUS"], "urgency": "safety", "template": "stand_by"}
        )
        assert sent.status_code == 201, sent.text
        for who in ("USA_sensor", "USA_duty"):
            poisoned = _state(running, "SU35-X", party="RUS", gs_kt=1e308, time=_iso(running, DAY_S))
            answer = clients[who].post(f"{url}/tracks", content=_body(poisoned), headers=JSON)
            assert answer.status_code in (202, 422), answer.text
        clock.advance(seconds=61)
        wait_until(lambda: "message.ring" in kinds("RUS_duty"), what="a re-ring")
        clients["RUS_sensor"].post(f"{url}/tracks", json={"states": _head_on(running, "RUS", "USA")})
        wait_until(lambda: "alert.raised" in kinds("RUS_duty"), what="an alert")
        clock.advance(seconds=120)
        wait_until(lambda: "message.escalated" in kinds("RUS_senior"), what="an escalation")
        assert failures() == []
    finally:
        for client in clients.values():
            client.close()
        served.stop()
        store.close()


# -- a failing step is one step: the others go on --------------------------------------------------------------
def test_one_partys_failing_scan_stops_neither_the_hotline_nor_the_other_parties(
    running: Running, monkeypatch: pytest.MonkeyPatch, failures: Callable[[], list[str]]
) -> None:
    """Defence in depth: should a scan fail all the same (a bug, a store error), it is logged naming the party,
    its transaction rolled back and its alert memory put back, and everything else is done."""
    tactical = running.node.tactical
    alerts = tactical._alerts

    def broken(tx: Any, party: str, *args: Any) -> Any:
        if party == "RUS":
            raise RuntimeError("a fault in the scan")
        return alerts(tx, party, *args)

    monkeypatch.setattr(tactical, "_alerts", broken)
    message = {"recipients": ["RUS"], "urgency": "safety", "template": "stand_by"}
    assert running.desk("usa_duty").client.post("/api/v1/messages", json=message).status_code == 201
    running.clock.advance(seconds=61)
    for party, other in (("RUS", "USA"), ("USA", "RUS")):
        running.desk(f"{party.lower()}_sensor").client.post(
            "/api/v1/tracks", json={"states": _head_on(running, party, other)}
        )
    running.node.tick()
    assert "message.ring" in _kinds(running, "rus_duty")
    assert "alert.raised" in _kinds(running, "usa_duty")
    assert "alert.raised" not in _kinds(running, "rus_duty")
    (logged,) = failures()
    assert "RUS" in logged
    assert "USA" not in logged
    # Mended, the Russian scan raises the alert its failed pass could not.
    monkeypatch.setattr(tactical, "_alerts", alerts)
    running.node.tick()
    assert "alert.raised" in _kinds(running, "rus_duty")


def test_a_failing_hotline_step_stops_no_scan(
    running: Running, monkeypatch: pytest.MonkeyPatch, failures: Callable[[], list[str]]
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("a fault in the hotline")

    monkeypatch.setattr(running.node.hotline, "tick", broken)
    running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": _head_on(running, "USA", "RUS")})
    running.node.tick()
    assert "alert.raised" in _kinds(running, "usa_duty")
    (logged,) = failures()
    assert "hotline" in logged


# -- an event an older version stored with a lone surrogate ---------------------------------------------------
def test_an_unencodable_stored_event_is_delivered_not_a_500(running: Running) -> None:
    """A database written by an older version holds ``alert.raised`` events naming a track ``"\\ud800"``:
    ``/events`` and the WebSocket deliver them (U+FFFD in place of the surrogate), and go on."""
    payload = {"a": {"id": "\ud800", "party": "RUS", "callsign": ""}, "b": {"id": "E3\udfff", "party": "USA"}}
    with running.node.store.begin() as tx:
        tx.append_event("alert.raised", ["USA"], {"USA": {**payload, "level": 3, "\udc00key": "x"}}, running.clock())
    response = running.desk("usa_duty").client.get("/api/v1/events", params={"after": 0})
    assert response.status_code == 200, response.text
    (event,) = json.loads(response.content.decode("utf-8"))["events"]
    assert event["data"]["a"]["id"] == "\ufffd"
    assert event["data"]["b"]["id"] == "E3\ufffd"
    assert event["data"]["\ufffdkey"] == "x"
    with _ws(running, "usa_duty") as socket:
        assert _receive_until(socket, "alert.raised")["data"]["a"]["id"] == "\ufffd"
        # One more, committed while the socket is open (the in-memory tail), then an ordinary event.
        with running.node.write() as tx:
            tx.append_event("alert.raised", ["USA"], {"USA": payload}, running.clock())
        assert _receive_until(socket, "alert.raised")["data"]["b"]["id"] == "E3\ufffd"
        running.desk("rus_duty").client.post("/api/v1/messages", json={"recipients": ["USA"], "template": "stand_by"})
        _receive_until(socket, "message.sent")


# -- hostile JSON, generated ----------------------------------------------------------------------------------
_hostile_text = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b[2J", "\u202e", "\u2066", "\u200f", "\ufeff", "\u2028"]),
    st.sampled_from(["RUS-SU35-1", "A" * 65, "USA", "", " "]),
)
_hostile_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([1e308, -1e308, 10**400, 2**63, 2**53 + 1, 0, -0.0, 90, 180, 360, 3000, 100_001]),
)
_hostile_scalar = st.one_of(st.none(), st.booleans(), _hostile_number, _hostile_text)
_hostile_json = st.recursive(
    _hostile_scalar,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_hostile_text, children, max_size=3),
    max_leaves=8,
)


@st.composite
def _hostile_state(draw: st.DrawFn, now_s: float) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(_hostile_json)
    state: dict[str, Any] = {
        "id": "T1",
        "party": "RUS",
        "time": now_s,
        "lat": 35.0,
        "lon": 40.0,
        "alt_ft": 30000,
        "gs_kt": 400,
        "trk_deg": 90,
        "vs_fpm": 0,
        "callsign": "FALCON11",
        "source": "E-3",
    }
    for name in draw(st.sets(st.sampled_from(sorted(state)), min_size=1, max_size=3)):
        state[name] = draw(
            st.one_of(
                _hostile_json,
                st.sampled_from([now_s + DAY_S, now_s - DAY_S, 0, -1, now_s + 61, now_s - 181, 1e308]),
            )
            if name == "time"
            else _hostile_json
        )
    if draw(st.booleans()):
        state[draw(_hostile_text)] = draw(_hostile_json)
    return state


def test_hostile_json_states_never_break_the_node(running: Running, failures: Callable[[], list[str]]) -> None:
    now_s = running.clock().timestamp()
    client = running.desk("usa_sensor").client
    seen: dict[int, int] = {}

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_hostile_state(now_s), min_size=1, max_size=5))
    def post(states: list[Any]) -> None:
        answer = client.post("/api/v1/tracks", content=json.dumps({"states": states}), headers=JSON)
        seen[answer.status_code] = seen.get(answer.status_code, 0) + 1
        assert answer.status_code in (202, 422), answer.text[:300]
        if answer.status_code == 202:
            taken = answer.json()
            assert taken["accepted"] + len(taken["rejected"]) == len(states)
        else:
            assert answer.json()["field"]

    post()
    running.node.tick()
    running.clock.advance(seconds=1)
    running.node.tick()
    assert failures() == []
    for path in ("/api/v1/tracks", "/api/v1/alerts", "/api/v1/events?after=0"):
        response = running.desk("usa_duty").client.get(path)
        assert response.status_code == 200, response.text[:200]
        response.content.decode("utf-8")
    for track in running.desk("usa_duty").client.get("/api/v1/tracks").json():
        assert track["id"].isprintable()
        assert -2000 <= track["alt_ft"] <= 100_000
        assert 0 <= track["gs_kt"] <= 3000
    assert seen.get(202, 0) > 0


def test_a_watch_that_cannot_be_decided_stops_no_other(running: Running, failures: Callable[[], list[str]]) -> None:
    """A stored watch whose document this version cannot read (an older version's) is logged and left; the
    safety call made now is still watched, and its silent, unmanoeuvred aircraft flagged at the deadline."""
    with running.node.store.begin() as tx:
        when = running.clock()
        tx.put_watch("msg-old", "X", "USA", "RUS", "watching", when, when, None, {"message_id": "msg-old"})
    su35 = "RUS-SU35-1"

    def picture() -> list[dict[str, Any]]:
        fighter = _state(running, su35, party="RUS", callsign="BERKUT21", lat=35.4, lon=40.45, alt_ft=30300)
        return [_state(running, "USA-E3-1", lat=35.2, lon=40.0, trk_deg=60), {**fighter, "gs_kt": 480, "trk_deg": 340}]

    client = running.desk("usa_sensor").client
    assert client.post("/api/v1/tracks", json={"states": picture()}).json()["rejected"] == []
    called = running.desk("usa_duty").client.post("/api/v1/alerts/safety-call", json={"track": su35})
    assert called.status_code == 201, called.text
    for _ in range(19):
        running.clock.advance(seconds=10)
        client.post("/api/v1/tracks", json={"states": picture()})
        running.node.tick()
    (flag,) = running.desk("usa_duty").client.get("/api/v1/flags").json()
    assert flag["track"]["id"] == su35
    logged = failures()
    assert logged
    assert all("msg-old" in line for line in logged)
