"""What the node tests share: a hand-moved clock, desks with their tokens, the running server."""

from __future__ import annotations

import atexit
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley.ledger import generate_key, public_key_to_text
from airparley.node import Node, NodeSettings
from airparley.store import Store
from airparley.web import desk_app

#: One TLS context for every test client. httpx builds a new one for each client otherwise (about 20 ms: it
#: loads the CA bundle), and a node's fixture makes sixteen desks; these clients speak plain HTTP to 127.0.0.1.
TLS = ssl.create_default_context()


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
    db_url: str
    node: Node
    clock: Clock
    desks: dict[str, Desk]

    def desk(self, name: str) -> Desk:
        return self.desks[name]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    """``app`` on uvicorn in a thread, on a 127.0.0.1 port the kernel picks; returns once it serves.

    The socket is bound here and handed to uvicorn: a port chosen free and bound later can be taken in between by
    another test process (it happened: "address already in use")."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return server, thread, port


class _Stopper:
    """Stops test servers and closes their stores in a thread of its own, one after the other.

    uvicorn takes 0.2 s to stop whatever it serves (its main loop looks at ``should_exit`` every 0.1 s, and its
    shutdown then waits 0.1 s more), and the ``running`` fixture waited for that after each of some 700 tests:
    more than a minute of the suite. The next test has its own server and database, so it need not wait."""

    def __init__(self) -> None:
        self._pending: queue.Queue[tuple[threading.Thread, Store]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def stop(self, server: uvicorn.Server, thread: threading.Thread, store: Store) -> None:
        server.should_exit = True
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="test-server-stopper", daemon=True)
                self._thread.start()
                atexit.register(self.wait)
        self._pending.put((thread, store))

    def _run(self) -> None:
        while True:
            thread, store = self._pending.get()
            try:
                thread.join(timeout=10)
                store.close()
            finally:
                self._pending.task_done()

    def wait(self) -> None:
        """Return once every server handed over has stopped and its store is closed."""
        self._pending.join()


stopper = _Stopper()


PARTIES = (
    ("USA", "Coalition CAOC, Al Udeid", "en"),
    ("RUS", "Russian desk, Khmeimim", "ru"),
    ("TUR", "Turkish desk", "tr"),
    ("SYR", "Syrian desk", "ar"),
)


# -- federation: several real nodes, each hosting one party, replicating each other ---------------------
_T = TypeVar("_T")


def wait_until(probe: Callable[[], _T | None], timeout_s: float = 15.0, what: str = "condition") -> _T:
    """Poll ``probe`` until it returns something truthy (bounded: the federation is asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


class Served:
    """An ASGI app on uvicorn in a thread, on a fixed 127.0.0.1 port (so it can be stopped and restarted)."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        # FastAPI builds an app's routes on its first requests, inside warnings.catch_warnings(), which is not
        # thread-safe: two apps of one process building at once can leak a suppressed pydantic warning, which
        # the tests' filterwarnings=error turns into a 500. One node per process never races; several nodes
        # in one test process do, so each is made to build its routes now, before the next one starts.
        url = f"http://127.0.0.1:{port}"
        for path in ("/api/v1/me", "/api/v1/ledger/evidence", "/api/v1/no-such-route", "/no-such-page"):
            httpx.get(url + path, timeout=10)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class FedNode:
    """One party's own node: its database, its signing key, its officers, served on its own port."""

    party: str
    name: str
    language: str
    db_url: str
    clock: Clock
    settings: NodeSettings
    key: Ed25519PrivateKey = field(default_factory=generate_key)
    port: int = field(default_factory=_free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    node: Node | None = None
    served: Served | None = None
    store: Store | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_key(self) -> str:
        return public_key_to_text(self.key)

    def start(self) -> None:
        self.store = Store.open(self.db_url)
        self.node = Node(self.store, self.settings, self.clock, keys={self.party: self.key})
        self.served = Served(desk_app(self.node), self.port)

    def stop(self) -> None:
        if self.served is not None:
            self.served.stop()
            self.served = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def desk(self, tier: str = "duty") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[tier]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, verify=TLS)


def federate(nodes: list[FedNode]) -> None:
    """Set up every node's database: its own party and officers, every other party by its public key, a peer
    token for every other node, and every other node as a peer (a full mesh). Call before ``start``."""
    for own in nodes:
        store = Store.open(own.db_url)
        with store.begin() as tx:
            tx.add_party(own.party, own.name, own.language, own.clock(), public_key=own.public_key)
            for tier in ("duty", "senior", "observer"):
                _, own.tokens[tier] = tx.add_officer(own.party, f"{own.party} {tier}", tier, own.clock())
            for other in nodes:
                if other is not own:
                    tx.add_party(other.party, other.name, other.language, own.clock(), public_key=other.public_key)
                    _, other.tokens[f"peer@{own.party}"] = tx.add_officer(
                        other.party, f"{other.party} node", "peer", own.clock()
                    )
        store.close()
    for own in nodes:
        store = Store.open(own.db_url)
        with store.begin() as tx:
            for other in nodes:
                if other is not own:
                    token = own.tokens[f"peer@{other.party}"]
                    tx.add_peer(other.party, other.url, other.public_key, token, own.clock())
        store.close()
