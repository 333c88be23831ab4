"""Who may do what, at every door: every route × every tier against the one access table, the event feed
(polled and WebSocket) included, and a revoked officer's open WebSocket closed."""

from __future__ import annotations

import dataclasses
import json
import re
import time

import httpx
import pytest
from node_support import Running
from palmyra import usa_strike
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from airparley.node._access import ACCESS, Act, Tier, may
from airparley.web import desk_app

TIERS = [t.value for t in Tier]


def _peer_token(running: Running) -> str:
    with running.node.store.begin() as tx:
        _, token = tx.add_officer("RUS", "RUS node", "peer", running.clock())
    return token


def _token(running: Running, tier: str, peer_token: str) -> str:
    return peer_token if tier == "peer" else running.desk(f"usa_{tier}").token


def test_every_act_has_tiers_and_every_route_of_the_api_names_its_act(running: Running) -> None:
    assert set(ACCESS) == set(Act)
    app = desk_app(running.node)
    acts: dict[tuple[str, str], Act] = app.state.route_acts
    # Every path of the API in the OpenAPI document names its act, but the desk's login (it takes the token in
    # its body, and opens a session, not an act).
    document = app.openapi()
    api_paths = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/") and path != "/api/v1/session"
        for method in item
    }
    assert len(api_paths) >= 30
    assert api_paths == set(acts), f"routes that name no act: {sorted(api_paths - set(acts))}"
    # The OpenAPI document says who may call each route.
    for (method, path), act in acts.items():
        operation = document["paths"][path][method.lower()]
        assert operation["x-airparley-tiers"] == sorted(ACCESS[act])


def test_the_sensor_tier_may_post_tracks_and_nothing_else_an_officer_reads() -> None:
    allowed = {act for act in Act if may("sensor", act)}
    assert allowed == {Act.WHOAMI, Act.POST_TRACKS}
    assert not may("nobody", Act.WHOAMI)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X", path).replace("/ledger/X", "/ledger/USA")


def test_every_route_answers_each_tier_as_the_access_table_says(running: Running) -> None:
    """403 for an officer whose tier may not, 401 for a token of the wrong kind (a peer on an officer route, an
    officer on a peer route), and for a tier that may: anything but 401/403."""
    peer_token = _peer_token(running)
    acts: dict[tuple[str, str], Act] = desk_app(running.node).state.route_acts
    checked = 0
    with httpx.Client(base_url=running.url, timeout=10) as client:
        for (method, path), act in sorted(acts.items()):
            for tier in TIERS:
                headers = {"Authorization": f"Bearer {_token(running, tier, peer_token)}"}
                body = {"party": "USA", "seq": 0} if act is Act.HINT_FEED else {}
                answer = client.request(method, _concrete(path), headers=headers, json=body)
                peer_route = ACCESS[act] == frozenset({Tier.PEER})
                where = f"{method} {path} as {tier}: {answer.status_code} {answer.text[:200]}"
                if (tier == "peer") != peer_route:
                    assert answer.status_code == 401, where
                elif may(tier, act):
                    assert answer.status_code not in (401, 403), where
                else:
                    assert answer.status_code == 403, where
                    assert answer.headers["content-type"].startswith("application/problem+json"), where
                checked += 1
    assert checked == len(acts) * len(TIERS)


def test_the_event_feed_is_closed_to_the_sensor_tier_by_both_doors(running: Running) -> None:
    running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike())
    sent = running.desk("usa_duty").client.post(
        "/api/v1/messages",
        json={
            "recipients": ["RUS"],
            "urgency": "routine",
            "text": "radar-gateway-must-not-read-this",
            "language": "en",
        },
    )
    assert sent.status_code == 201, sent.text
    sensor = running.desk("usa_sensor")
    polled = sensor.client.get("/api/v1/events", params={"after": 0})
    assert polled.status_code == 403
    assert "radar-gateway-must-not-read-this" not in polled.text
    url = running.url.replace("http://", "ws://") + "/api/v1/events?after=0"
    # Refused at the handshake (the socket is never accepted), as a bad token is.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers={"Authorization": f"Bearer {sensor.token}"}, open_timeout=5)
    assert refused.value.response.status_code == 403
    # The duty desk still reads the feed, message text included.
    events = running.desk("usa_duty").client.get("/api/v1/events", params={"after": 0}).json()["events"]
    assert "radar-gateway-must-not-read-this" in json.dumps(events)


def test_a_revoked_officers_open_websocket_is_closed_within_the_auth_cache_time(running: Running) -> None:
    running.node.settings = dataclasses.replace(running.node.settings, auth_cache_s=0.3)
    desk = running.desk("usa_duty")
    url = running.url.replace("http://", "ws://") + "/api/v1/events?after=0"
    with connect(url, additional_headers={"Authorization": f"Bearer {desk.token}"}, open_timeout=5) as socket:
        desk.client.post("/api/v1/notices", json=usa_strike())
        assert json.loads(socket.recv(timeout=5))["kind"] == "notice.filed"
        with running.node.store.begin() as tx:
            officer = tx.officer_by_token(desk.token)
            assert officer is not None
            tx.revoke_officer(officer.id, running.clock())
        revoked_at = time.monotonic()
        # Another desk's act after the revocation: the revoked officer's socket must not deliver it.
        running.desk("usa_senior").client.post(
            "/api/v1/messages",
            json={"recipients": ["RUS"], "urgency": "routine", "text": "after revocation", "language": "en"},
        )
        delivered_late = []
        with pytest.raises(ConnectionClosed) as closed:  # noqa: PT012 (read until the node closes it)
            while True:
                event = socket.recv(timeout=5)
                if "after revocation" in str(event) and time.monotonic() - revoked_at > 0.3:
                    delivered_late.append(event)
        assert not delivered_late
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401
        assert time.monotonic() - revoked_at < 0.3 + 2.0
