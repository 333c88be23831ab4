"""``airparley serve`` as a process: its access log (off unless asked for) and WebSockets without compression."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from websockets.sync.client import connect

from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import Store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _node(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    """A SQLite node with USA and RUS (keys in a folder) and a duty officer of each: (db url, keys, tokens)."""
    db_url = f"sqlite:///{tmp_path / 'node.db'}"
    keys = tmp_path / "keys"
    keys.mkdir()
    store = Store.open(db_url)
    now = datetime.now(UTC)
    tokens = {}
    with store.begin() as tx:
        for code, language in (("USA", "en"), ("RUS", "ru")):
            key = generate_key()
            (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
            tx.add_party(code, f"{code} desk", language, now, public_key=public_key_to_text(key))
            tokens[code] = tx.add_officer(code, f"Col. {code}", "duty", now)[1]
    store.close()
    return db_url, keys, tokens


def _serve(db_url: str, keys: Path, port: int, *flags: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airparley.cli",
            "serve",
            "--db",
            db_url,
            "--keys",
            str(keys),
            "--port",
            str(port),
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # uvicorn logs requests to stdout, the rest to stderr
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the node did not start: {process.communicate()[0]}")


def _log_after(process: subprocess.Popen[str]) -> str:
    """Everything the node logged, once it has been stopped as a service manager stops it."""
    process.send_signal(signal.SIGINT)
    return process.communicate(timeout=30)[0]


def test_access_log_is_off_unless_asked_for(tmp_path: Path) -> None:
    db_url, keys, tokens = _node(tmp_path)
    logs = {}
    for flags in ((), ("--access-log",)):
        port = _free_port()
        process = _serve(db_url, keys, port, *flags)
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{port}/api/v1/messages", headers={"Authorization": f"Bearer {tokens['USA']}"}
            )
            assert answer.status_code == 200
        finally:
            logs[flags] = _log_after(process)
    quiet, verbose = logs[()], logs[("--access-log",)]
    # Both log their start (errors and lifecycle are logged either way); only the second logs requests.
    assert "Uvicorn running on" in quiet
    assert "Uvicorn running on" in verbose
    assert '"GET /api/v1/messages HTTP/1.1" 200' in verbose
    assert "/api/v1/messages" not in quiet


def test_events_go_uncompressed_and_a_message_reaches_the_other_desk(tmp_path: Path) -> None:
    db_url, keys, tokens = _node(tmp_path)
    port = _free_port()
    process = _serve(db_url, keys, port)
    try:
        # The client offers permessage-deflate (the websockets library's default, as browsers do); the node
        # declines it, so the handshake answer names no extension.
        with connect(
            f"ws://127.0.0.1:{port}/api/v1/events",
            additional_headers={"Authorization": f"Bearer {tokens['RUS']}"},
            open_timeout=30,
        ) as events:
            assert events.response is not None
            assert "Sec-WebSocket-Extensions" not in events.response.headers
            sent = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/messages",
                headers={"Authorization": f"Bearer {tokens['USA']}"},
                json={"recipients": ["RUS"], "text": "hold at FL240", "language": "en"},
            )
            assert sent.status_code == 201
            deadline = time.monotonic() + 30
            received = None
            while received is None and time.monotonic() < deadline:
                event = json.loads(events.recv(timeout=30))
                if event["kind"] == "message.sent":
                    received = event
            assert received is not None
            assert received["data"]["message"]["message_id"] == sent.json()["message"]["message_id"]
            assert received["data"]["rendered"]["text"] == "hold at FL240"
    finally:
        _log_after(process)
