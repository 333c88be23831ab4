"""A crash after a 2xx loses nothing: kill -9 the server during a stream of writes, restart, and check."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from node_support import _free_port
from palmyra import collection, feature

from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import Store


def _serve(db_url: str, port: int, keys: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "airparley.cli", "serve", "--db", db_url, "--port", str(port), "--keys", str(keys)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the node did not start")


def _notice(i: int) -> dict:  # type: ignore[type-arg]
    return collection(
        feature(
            f"USA-{i:04d}", "USA", {"type": "Point", "coordinates": [40 + i * 0.01, 35]}, shape="circle", radius_nm=3
        )
    )


@pytest.mark.slow
def test_every_acknowledged_write_survives_kill_9(db_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    key = generate_key()
    (keys / "USA.pem").write_bytes(private_key_to_pem(key))
    store = Store.open(db_url)
    with store.begin() as tx:
        tx.add_party("USA", "Coalition", "en", datetime.now(UTC), public_key=public_key_to_text(key))
        _, token = tx.add_officer("USA", "Col. Smith", "duty", datetime.now(UTC))
    store.close()
    port = _free_port()
    process = _serve(db_url, port, keys)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                try:
                    response = client.post("/api/v1/notices", json=_notice(i), timeout=5)
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acknowledged.append(f"USA-{i:04d}")

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stop.set()
    thread.join(timeout=10)
    assert len(acknowledged) >= 40
    restarted = _serve(db_url, port, keys)
    try:
        listed = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/notices", headers={"Authorization": f"Bearer {token}"}
        ).json()
        stored = {f["properties"]["notice_id"] for f in listed["features"]}
        assert set(acknowledged) <= stored
        # ...and every one of them has its signed entry: no act without its entry.
        check = Store.open(db_url)
        with check.begin() as tx:
            lines = tx.ledger_lines("USA")
        check.close()
        filed = {json.loads(line)["body"]["notice"]["features"][0]["properties"]["notice_id"] for line in lines}
        assert set(acknowledged) <= filed
        assert filed <= stored
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
