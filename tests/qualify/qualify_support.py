"""A real node for the suite to qualify: uvicorn on 127.0.0.1 over SQLite or PostgreSQL, the wall clock, short
settings, three hosted parties with an officer of every tier, and a peer token of a fourth (remote) party."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from airparley.hotline import HotlineSettings
from airparley.ledger import generate_key, public_key_to_text
from airparley.node import Node, NodeSettings
from airparley.qualify import QualifyConfig, parse_config
from airparley.store import Store
from airparley.web import desk_app

HOSTED = (
    ("USA", "Coalition CAOC, Al Udeid", "en"),
    ("RUS", "Russian desk, Khmeimim", "ru"),
    ("TUR", "Turkish desk", "tr"),
)
REMOTE = ("SYR", "Syrian desk", "ar")
TIERS = ("duty", "senior", "observer", "sensor")

#: Short settings, so the suite's waiting scenarios (ringing, deadlines, non-response) take seconds.
NODE_SETTINGS = NodeSettings(
    rate_per_s=1000,
    rate_burst=5000,
    scheduler_interval_s=0.1,
    scan_gather_s=0.05,
    non_response_s=2.0,
    auth_cache_s=1.0,
    peer_poll_s=1.0,
)
HOTLINE_SETTINGS = HotlineSettings(
    ring_interval_s=1, escalate_after_s=2, response_deadline_s=3, urgent_response_deadline_s=1
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class QualifiedNode:
    url: str
    node: Node
    config: QualifyConfig
    raw: dict[str, Any]  # the config as a file would hold it


def _now() -> datetime:
    return datetime.now(UTC)


def _declared_settings(node: NodeSettings = NODE_SETTINGS) -> dict[str, float]:
    """What a config declares: the settings the node was started with."""
    names = (
        "lateral_nm",
        "vertical_ft",
        "time_min",
        "max_body_bytes",
        "rate_per_s",
        "rate_burst",
        "scheduler_interval_s",
        "auth_cache_s",
        "peer_poll_s",
        "scan_gather_s",
        "non_response_s",
    )
    return {**{name: getattr(node, name) for name in names}, **HOTLINE_SETTINGS.as_dict()}


@contextmanager
def serve_node(
    db_url: str,
    make_node: Callable[..., Node] = Node,
    node_settings: NodeSettings = NODE_SETTINGS,
    **config_extra: Any,
) -> Iterator[QualifiedNode]:
    """Start a node (``make_node`` builds it: ``Node`` or a test's faulty subclass) and yield it with a config
    that names it."""
    store = Store.open(db_url)
    tokens: dict[str, dict[str, str]] = {}
    keys = {code: generate_key() for code, _, _ in HOSTED}
    remote_key = generate_key()
    with store.begin() as tx:
        for code, name, language in HOSTED:
            tx.add_party(code, name, language, _now())
            tokens[code] = {tier: tx.add_officer(code, f"{code} {tier}", tier, _now())[1] for tier in TIERS}
        tx.add_party(REMOTE[0], REMOTE[1], REMOTE[2], _now(), public_key=public_key_to_text(remote_key))
        _, peer_token = tx.add_officer(REMOTE[0], "SYR node", "peer", _now())
        # SYR's node is played by the suite itself (hostile_peer, FED-004), on a port of its own.
        hostile_port = _free_port()
        tx.add_peer(REMOTE[0], f"http://127.0.0.1:{hostile_port}", public_key_to_text(remote_key), "unused", _now())
    node = make_node(store, node_settings, _now, HOTLINE_SETTINGS, keys=keys)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(desk_app(node), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    # FastAPI builds its routes on the first requests; do it before the suite's threads race (node_support.Served).
    for path in ("/api/v1/me", "/api/v1/ledger/evidence", "/api/v1/no-such-route"):
        httpx.get(url + path, timeout=10)
    settings = _declared_settings(node_settings)
    raw = {
        "nodes": {"A": url},
        "parties": {code: {"node": "A", **tokens[code]} for code, _, _ in HOSTED},
        "peer": {"node": "A", "token": peer_token},
        "public_keys": {code: public_key_to_text(key) for code, key in keys.items()},
        "settings": settings,
        "hostile_peer": {"party": REMOTE[0], "listen": f"127.0.0.1:{hostile_port}"},
        **config_extra,
    }
    try:
        yield QualifiedNode(url, node, parse_config(raw), raw)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@contextmanager
def serve_federation(db_a: str, db_b: str) -> Iterator[list[QualifiedNode]]:
    """Two nodes, one per party (USA on A, RUS on B), each holding only its own key, peers of each other; the
    config names both, with a peer token that node A accepts (RUS's node reading USA's feed)."""
    codes = (HOSTED[0], HOSTED[1])
    keys = {code: generate_key() for code, _, _ in codes}
    ports = {code: _free_port() for code, _, _ in codes}
    urls = {code: f"http://127.0.0.1:{ports[code]}" for code, _, _ in codes}
    tokens: dict[str, dict[str, str]] = {}
    peer_tokens: dict[str, str] = {}  # on the node of the key's party, for the other node
    stores = {codes[0][0]: Store.open(db_a), codes[1][0]: Store.open(db_b)}
    for (own, name, language), (other, other_name, other_language) in ((codes[0], codes[1]), (codes[1], codes[0])):
        with stores[own].begin() as tx:
            tx.add_party(own, name, language, _now())
            tokens[own] = {tier: tx.add_officer(own, f"{own} {tier}", tier, _now())[1] for tier in TIERS}
            tx.add_party(other, other_name, other_language, _now(), public_key=public_key_to_text(keys[other]))
            _, peer_tokens[own] = tx.add_officer(other, f"{other} node", "peer", _now())
    for (own, _, _), (other, _, _) in ((codes[0], codes[1]), (codes[1], codes[0])):
        with stores[own].begin() as tx:
            tx.add_peer(other, urls[other], public_key_to_text(keys[other]), peer_tokens[other], _now())
    servers = []
    nodes = []
    try:
        for code, _, _ in codes:
            node = Node(stores[code], NODE_SETTINGS, _now, HOTLINE_SETTINGS, keys={code: keys[code]})
            server = uvicorn.Server(
                uvicorn.Config(desk_app(node), host="127.0.0.1", port=ports[code], log_level="warning")
            )
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            servers.append((server, thread))
            deadline = time.monotonic() + 10
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise RuntimeError("uvicorn did not start")
                time.sleep(0.01)
            for path in ("/api/v1/me", "/api/v1/ledger/evidence", "/api/v1/no-such-route"):
                httpx.get(urls[code] + path, timeout=10)
            nodes.append(node)
        raw = {
            "nodes": {"A": urls[codes[0][0]], "B": urls[codes[1][0]]},
            "parties": {
                codes[0][0]: {"node": "A", **tokens[codes[0][0]]},
                codes[1][0]: {"node": "B", **tokens[codes[1][0]]},
            },
            "peer": {"node": "A", "token": peer_tokens[codes[0][0]]},
            "public_keys": {code: public_key_to_text(key) for code, key in keys.items()},
            "settings": _declared_settings(),
        }
        config = parse_config(raw)
        yield [QualifiedNode(urls[code], node, config, raw) for (code, _, _), node in zip(codes, nodes, strict=True)]
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(timeout=10)
        for store in stores.values():
            store.close()
