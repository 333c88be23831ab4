"""The WebSocket feed: each party gets exactly its events, and a reconnecting client misses nothing."""

from __future__ import annotations

import json

import pytest
from node_support import Running
from palmyra import rus_strike, usa_strike
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def _socket(running: Running, desk: str, after: int = 0):  # type: ignore[no-untyped-def]
    token = running.desk(desk).token
    url = running.url.replace("http://", "ws://") + f"/api/v1/events?after={after}"
    return connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5)


def _receive(socket, count: int) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [json.loads(socket.recv(timeout=5)) for _ in range(count)]


def test_events_reach_exactly_the_parties_entitled_and_resume_from_a_cursor(running: Running) -> None:
    with _socket(running, "usa_duty") as usa, _socket(running, "tur_duty") as tur:
        running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike())
        running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike())
        filed, detected = _receive(usa, 2)
        assert filed["kind"] == "notice.filed"
        assert detected["kind"] == "conflict.detected"
        assert detected["data"]["own"]["notice_id"] == "USA-0101"
        assert "Su-34" not in json.dumps(detected)
        with pytest.raises(TimeoutError):
            tur.recv(timeout=0.5)  # nothing for the Turkish desk
        cursor = detected["seq"]
    # While the American desk is away, the Russians revise: the conflict clears.
    running.desk("rus_duty").client.put(
        "/api/v1/notices/RUS-0201",
        json=rus_strike(lower={"value": 320, "ref": "FL"}, upper={"value": 350, "ref": "FL"}),
    )
    with _socket(running, "usa_duty", after=cursor) as usa:
        (cleared,) = _receive(usa, 1)
        assert cleared["kind"] == "conflict.cleared"
        assert cleared["data"]["id"] == detected["data"]["id"]
    with _socket(running, "rus_duty") as rus:
        kinds = [e["kind"] for e in _receive(rus, 4)]
        assert kinds == ["notice.filed", "conflict.detected", "notice.revised", "conflict.cleared"]


def test_a_bad_token_is_refused(running: Running) -> None:
    url = running.url.replace("http://", "ws://") + "/api/v1/events"
    with (
        pytest.raises((ConnectionClosed, Exception)),
        connect(url, additional_headers={"Authorization": "Bearer x"}) as s,
    ):
        s.recv(timeout=2)
