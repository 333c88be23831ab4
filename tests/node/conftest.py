"""A real node: uvicorn serving the app on a free 127.0.0.1 port, over a real SQLite file or PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from node_support import PARTIES, TLS, Clock, Desk, FedNode, Running, federate, serve_in_thread

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
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


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


@pytest.fixture(scope="session")
def headless_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database of one whole headless Syria/Iraq demo (``airparley demo --headless``, the scenario's full
    900 s), for the tests that read it (each through a copy of its own: ``headless_demo``).

    A run takes about half a minute of CPU. It is made once for the whole test run, not once for each xdist
    worker: the first worker to need it makes it under a file lock in the folder all the workers share (the
    run's base temporary folder), and the others wait for it there. A run that fails leaves nothing behind, so
    a waiting worker makes it again and reports its own failure."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "headless-demo"
    db = folder / "demo.db"
    made = folder / "made"
    with (shared / "headless-demo.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if made.exists():
            return db
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        demo = subprocess.run(
            [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=folder,
        )
        assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
        # The demo closed its store: the write-ahead log is in the file, which is the whole database.
        assert not db.with_name(db.name + "-wal").exists()
        made.touch()
    return db


@pytest.fixture
def headless_demo(headless_demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the headless demo's database (``headless_demo_db``) of the test's own, to open and change."""
    copy = tmp_path / "demo.db"
    shutil.copyfile(headless_demo_db, copy)
    return copy
