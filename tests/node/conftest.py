"""A real node: uvicorn serving the app on a free 127.0.0.1 port, over a real SQLite file or PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn

from airparley.node import Node, NodeSettings, create_app
from airparley.store import Store


@dataclass
class Clock:
    """A clock the test moves by hand: deadlines are tested without sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 1, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    party: str
    tier: str
    token: str
    client: httpx.Client


@dataclass
class Running:
    url: str
    node: Node
    clock: Clock
    desks: dict[str, Desk]

    def desk(self, name: str) -> Desk:
        return self.desks[name]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PARTIES = (
    ("USA", "Coalition CAOC, Al Udeid", "en"),
    ("RUS", "Russian desk, Khmeimim", "ru"),
    ("TUR", "Turkish desk", "tr"),
    ("SYR", "Syrian desk", "ar"),
)


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
    node = Node(store, NodeSettings(rate_per_s=1000, rate_burst=5000, scheduler_interval_s=3600), clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(node), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    desks = {
        name: Desk(
            code, tier, token, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        )
        for name, (code, tier, token) in desks_tokens.items()
    }
    try:
        yield Running(url, node, clock, desks)
    finally:
        for desk in desks.values():
            desk.client.close()
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
