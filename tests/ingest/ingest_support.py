"""A contract stand-in for the node's track endpoint, and a small SBS TCP server, for the ingest tests.

``ContractNode`` is NOT the node: it is a plain ``http.server`` on 127.0.0.1 (a random port) that implements
the agreed contract of ``POST /api/v1/tracks`` (bearer token of a sensor officer; ``{"states": [...]}``, at
most 5,000; ``202 {"accepted": n, "rejected": [{"index", "field", "reason"}]}``; problem+json errors;
``Idempotency-Key`` replays) so the client's batching and retries are tested against real HTTP before the
node's endpoint exists. It can be told to misbehave (drop the connection, answer 503 or 429, hang).
It also answers ``GET /aircraft.json`` and records ``POST /api/v1/messages``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from airparley.tactical import parse_track_lines

MAX_STATES = 5000


@dataclass
class Request:
    party: str
    key: str | None
    count: int
    answer: int


@dataclass
class ContractNode:
    url: str
    tokens: dict[str, str]  # token -> party
    max_body_bytes: int = 1_048_576
    faults: list[str] = field(default_factory=list)  # "drop", "503", "429", "hang:<s>" for the next requests
    requests: list[Request] = field(default_factory=list)
    stored: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # party -> accepted states
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    aircraft_json: Any = None
    first_request: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    replies: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def states_of(self, party: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.stored.get(party, []))

    def wait_for_requests(self, count: int, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return
            time.sleep(0.01)
        raise AssertionError(f"expected {count} request(s), got {len(self.requests)}")


def _problem(status: int, title: str, detail: str) -> tuple[int, bytes]:
    return status, json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()


def _handler(node: ContractNode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, problem: bool = False, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/problem+json" if problem else "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/aircraft.json" and node.aircraft_json is not None:
                self._send(200, json.dumps(node.aircraft_json).encode())
            else:
                self._send(*_problem(404, "Not found", self.path), problem=True)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with node.lock:
                fault = node.faults.pop(0) if node.faults else None
            node.first_request.set()
            if fault == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault is not None and fault.startswith("hang:"):
                time.sleep(float(fault.split(":")[1]))
                self.close_connection = True
                return
            if fault in ("503", "429"):
                status = int(fault)
                self._send(*_problem(status, "Unavailable", "try later"), problem=True, headers={"Retry-After": "0"})
                return
            auth = self.headers.get("Authorization", "")
            party = node.tokens.get(auth.removeprefix("Bearer "))
            if party is None:
                self._send(*_problem(401, "Unauthorized", "unknown token"), problem=True)
                return
            if self.path == "/api/v1/messages":
                with node.lock:
                    node.messages.append((party, json.loads(body)))
                self._send(201, b"{}")
                return
            if self.path != "/api/v1/tracks":
                self._send(*_problem(404, "Not found", self.path), problem=True)
                return
            if length > node.max_body_bytes:
                self._send(*_problem(413, "Request too large", f"limit {node.max_body_bytes} bytes"), problem=True)
                return
            key = self.headers.get("Idempotency-Key")
            with node.lock:
                replay = node.replies.get(key) if key else None
            if replay is not None:
                with node.lock:
                    node.requests.append(Request(party, key, -1, replay[0]))
                self._send(*replay)
                return
            status, answer = self._tracks(party, body)
            with node.lock:
                if key and status == 202:
                    node.replies[key] = (status, answer)
            self._send(status, answer, problem=status != 202)

        def _tracks(self, party: str, body: bytes) -> tuple[int, bytes]:
            try:
                document = json.loads(body)
            except ValueError:
                return _problem(422, "Invalid input", "body: not JSON")
            states = document.get("states") if isinstance(document, dict) else None
            if not isinstance(states, list) or set(document) != {"states"}:
                return _problem(422, "Invalid input", 'the body is {"states": [...]}')
            if len(states) > MAX_STATES:
                return _problem(422, "Invalid input", f"at most {MAX_STATES} states per request")
            parsed = parse_track_lines([json.dumps(s) for s in states], source=party)
            rejected = [{"index": e.line - 1, "field": e.field, "reason": e.reason} for e in parsed.errors]
            bad = {r["index"] for r in rejected}
            with node.lock:
                node.stored.setdefault(party, []).extend(s for i, s in enumerate(states) if i not in bad)
                node.requests.append(Request(party, self.headers.get("Idempotency-Key"), len(states), 202))
            return 202, json.dumps({"accepted": len(parsed.states), "rejected": rejected}).encode()

    return Handler


@contextmanager
def contract_node(tokens: dict[str, str] | None = None, port: int = 0, **options: Any) -> Iterator[ContractNode]:
    """A running stand-in on 127.0.0.1 and a random port (or ``port``); stopped on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    server.daemon_threads = True
    node = ContractNode(f"http://127.0.0.1:{server.server_address[1]}", tokens or {"usa-sensor": "USA"}, **options)
    server.RequestHandlerClass = _handler(node)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield node
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def sbs_server(sessions: list[list[str]]) -> Iterator[tuple[str, int]]:
    """A TCP server that serves each list of lines to one connection, then closes it (a flaky feed)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(10)
    port = int(listener.getsockname()[1])

    def serve() -> None:
        for lines in sessions:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                payload = "".join(line + "\r\n" for line in lines).encode()
                # split mid-line to check reassembly
                connection.sendall(payload[:37])
                time.sleep(0.02)
                connection.sendall(payload[37:])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", port
    finally:
        listener.close()
        thread.join(5)
