"""A non-response flag raised on the caller's node reaches the owner's desks on their own node."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import httpx
from node_support import FedNode, wait_until

from airparley.ledger import Entry, Kind
from airparley.node._replica import Replicator

Make = Callable[..., list[FedNode]]
SU35 = "RUS-SU35-1"


def _picture(node: FedNode) -> list[dict[str, Any]]:
    """The USA picture: its E-3, and the Russian Su-35 flying straight on (it does not answer)."""
    time = node.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    base = {"time": time, "vs_fpm": 0, "source": "SENTRY60"}
    return [
        {**base, "id": "USA-E3-1", "party": "USA", "callsign": "SENTRY60", "lat": 35.2, "lon": 40.0}
        | {"alt_ft": 30000, "gs_kt": 360, "trk_deg": 60},
        {**base, "id": SU35, "party": "RUS", "callsign": "BERKUT21", "lat": 35.4, "lon": 40.45}
        | {"alt_ft": 30300, "gs_kt": 480, "trk_deg": 340},
    ]


def _get(client: httpx.Client, path: str) -> Any:
    answer = client.get(f"/api/v1{path}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_owner_node_shows_its_aircraft_flagged(fed_nodes: Make) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    assert usa_node.node is not None
    with usa_node.desk() as usa, rus_node.desk() as rus, rus_node.desk("senior") as rus_senior:
        assert usa.post("/api/v1/tracks", json={"states": _picture(usa_node)}).status_code == 202
        called = usa.post("/api/v1/alerts/safety-call", json={"track": SU35})
        assert called.status_code == 201, called.text
        message_id = called.json()["message"]["message_id"]
        for _ in range(20):  # 200 s of the same course, and no acknowledgement from RUS
            usa_node.clock.advance(seconds=10)
            assert usa.post("/api/v1/tracks", json={"states": _picture(usa_node)}).status_code == 202
            usa_node.node.tick()
        (flag,) = _get(usa, "/flags")
        assert (flag["track"]["callsign"], flag["owner"], flag["message_id"]) == ("BERKUT21", "RUS", message_id)

        (on_rus,) = wait_until(lambda: _get(rus, "/flags"), what="the flag on the RUS node")
        assert (on_rus["track"]["id"], on_rus["caller"], on_rus["owner"]) == (SU35, "USA", "RUS")
        assert on_rus["flagged_at"] == flag["flagged_at"]
        assert on_rus["entry"]["party"] == "USA"  # kept from the caller's signed entry
        for desk in (rus, rus_senior):
            kinds = [e["kind"] for e in _get(desk, "/events")["events"]]
            assert kinds.count("track.non_responsive") == 1

    # Presented again (a second peer relaying it, say), it changes nothing: one flag, one event.
    assert usa_node.store is not None
    assert rus_node.node is not None
    with usa_node.store.begin() as tx:
        (line,) = tx.ledger_feed("USA", -1, kind=Kind.TRACK_NON_RESPONSIVE.value)
    with rus_node.node.write() as tx:
        assert Replicator(rus_node.node).prepare(tx, Entry.from_json(line)) is None
