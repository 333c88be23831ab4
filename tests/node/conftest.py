"""A real node: uvicorn serving the app on a free 127.0.0.1 port, over a real SQLite file or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from node_support import PARTIES, TLS, Clock, Desk, FedNode, Running, federate, serve_in_thread, stopper

from airparley.ledger import generate_key
from airparley.node import Node, NodeSettings
from airparley.store import Store
from airparley.web import desk_app


@pytest.fixture
def running(db_url: str) -> Iterator[Running]:
    clock = Clock()
    store = Store.open(db_url)
    desks_tokens: dict[str, tuple[str, str, str]] = {}
    with store.begin() as tx:
        for code, name, language in PARTIES:
            tx.add_party(code, name, language, clock())
            for tier in ("duty", "senior", "observer", "sensor"):
                _, token = tx.add_officer(code, f"{code} {tier}", tier, clock())
                desks_tokens[f"{code.lower()}_{tier}"] = (code, tier, token)
    keys = {code: generate_key() for code, _, _ in PARTIES}
    # Ticks and scans only when a test asks (node.tick()): the test drives time. Track states are kept for an
    # hour (off by default): the replay tests read them back.
    settings = NodeSettings(
        rate_per_s=1000, rate_burst=5000, scheduler_interval_s=3600, scan_gather_s=3600, track_keep_s=3600
    )
    node = Node(store, settings, clock, keys=keys)
    server, thread, port = serve_in_thread(desk_app(node))
    url = f"http://127.0.0.1:{port}"
    desks = {
        name: Desk(
            code,
            tier,
            token,
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10, verify=TLS),
        )
        for name, (code, tier, token) in desks_tokens.items()
    }
    try:
        yield Running(url, db_url, node, clock, desks)
    finally:
        for desk in desks.values():
            desk.client.close()
        stopper.stop(server, thread, store)


@pytest.fixture
def fed_nodes(tmp_path: Path) -> Iterator[Callable[..., list[FedNode]]]:
    """Make federated nodes: ``fed_nodes("USA", "RUS", db={"RUS": url}, poll_s=...)`` -> started nodes, one
    party each, on their own SQLite file (or the URL given), sharing one clock (NTP-synchronised desks)."""
    made: list[FedNode] = []
    clock = Clock()
    names = {code: (name, language) for code, name, language in PARTIES}

    def make(*parties: str, db: dict[str, str] | None = None, poll_s: float = 3600.0) -> list[FedNode]:
        settings = NodeSettings(
            rate_per_s=1000, rate_burst=5000, scheduler_interval_s=3600, scan_gather_s=3600, peer_poll_s=poll_s
        )
        nodes = [
            FedNode(
                code,
                *names[code],
                (db or {}).get(code, f"sqlite:///{tmp_path / f'{code.lower()}.db'}"),
                clock,
                settings,
            )
            for code in parties
        ]
        federate(nodes)
        for node in nodes:
            made.append(node)
            node.start()
        return nodes

    yield make
    for node in made:
        node.stop()
