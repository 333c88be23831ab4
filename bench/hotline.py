"""Benchmark of the hotline: POST -> the other party's WebSocket, at a steady rate, on SQLite and PostgreSQL.

Usage: ``python bench/hotline.py [--rate 200] [--seconds 60] [--backends sqlite postgresql]``.
One node runs as a real ``airparley serve`` process on 127.0.0.1; the USA desk POSTs free-text messages
to RUS at ``--rate`` per second; the RUS desk's WebSocket times each arrival. One JSON line per backend:
latency p50/p99/max in ms, messages sent, acknowledged (2xx), received, lost (acknowledged, never
received). The per-token rate limit is raised for the run (AIRPARLEY_RATE_PER_S).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import websockets

from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import Store
from airparley.store._local_postgres import create_database, local_postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (the node), from /proc (Linux); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _prepare(db_url: str, keys: Path) -> tuple[str, str]:
    store = Store.open(db_url)
    now = datetime.now(UTC)
    with store.begin() as tx:
        for code, name, language in (("USA", "Coalition desk", "en"), ("RUS", "Russian desk", "ru")):
            key = generate_key()
            (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
            tx.add_party(code, name, language, now, public_key=public_key_to_text(key))
        _, usa = tx.add_officer("USA", "Col. A", "duty", now)
        _, rus = tx.add_officer("RUS", "Col. B", "duty", now)
    store.close()
    return usa, rus


async def _run(url: str, usa: str, rus: str, rate: float, seconds: float) -> dict[str, object]:
    sent_at: dict[str, float] = {}
    acknowledged: set[str] = set()
    latencies: dict[str, float] = {}
    ws_url = url.replace("http://", "ws://") + "/api/v1/events"
    async with websockets.connect(
        ws_url, additional_headers={"Authorization": f"Bearer {rus}"}, ping_interval=None, max_size=None
    ) as socket_:

        async def receive() -> None:
            async for raw in socket_:
                event = json.loads(raw)
                if event["kind"] != "message.sent":
                    continue
                tag = event["data"]["rendered"]["text"]
                if tag in sent_at and tag not in latencies:
                    latencies[tag] = time.perf_counter() - sent_at[tag]

        receiver = asyncio.create_task(receive())
        # The desk's POSTs, open loop: each is due at its time whatever the answers before it; if every
        # connection is busy it waits in a queue, and that wait counts in its latency. A lean HTTP/1.1 client
        # (keep-alive connections, one request at a time each) so that the client's own CPU does not grow with
        # the queue (httpx's pool did, and took the node's CPU on this 2-core machine).
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        host, port = url.removeprefix("http://").rsplit(":", 1)

        async def connection() -> None:
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                while (tag := await queue.get()) is not None:
                    body = json.dumps({"recipients": ["RUS"], "text": tag, "language": "en"}).encode()
                    writer.write(
                        b"POST /api/v1/messages HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                        % (host.encode(), usa.encode(), len(body), body)
                    )
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    length = next(
                        int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"
                    )
                    await reader.readexactly(length)
                    if lines[0].split()[1] == "201":
                        acknowledged.add(tag)
            finally:
                writer.close()

        connections = [asyncio.create_task(connection()) for _ in range(64)]
        start = time.perf_counter()
        count = int(rate * seconds)
        for i in range(count):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tag = f"bench-{i:07d}"
            sent_at[tag] = time.perf_counter()
            queue.put_nowait(tag)
        for _ in connections:
            queue.put_nowait(None)
        await asyncio.gather(*connections)
        deadline = time.perf_counter() + 10
        while len(latencies) < len(acknowledged) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        receiver.cancel()
    ms = np.array(sorted(latencies.values())) * 1000.0 if latencies else np.array([np.nan])
    return {
        "sent": len(sent_at),
        "acknowledged": len(acknowledged),
        "received": len(latencies),
        "lost": len(acknowledged - latencies.keys()),
        "latency_p50_ms": round(float(np.percentile(ms, 50)), 2),
        "latency_p99_ms": round(float(np.percentile(ms, 99)), 2),
        "latency_max_ms": round(float(ms.max()), 2),
    }


def bench(backend: str, db_url: str, rate: float, seconds: float, keys: Path) -> dict[str, object]:
    usa, rus = _prepare(db_url, keys)
    port = _free_port()
    env = {**os.environ, "AIRPARLEY_RATE_PER_S": "100000", "AIRPARLEY_RATE_BURST": "100000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "airparley.cli", "serve", "--db", db_url, "--port", str(port), "--keys", str(keys)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        result = asyncio.run(_run(url, usa, rus, rate, seconds))
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "bench": "hotline",
        "backend": backend,
        "rate_per_s": rate,
        "seconds": seconds,
        **result,
        "server_cpu_s": round(server_cpu, 1),
        "client_cpu_s": round(
            client_after.ru_utime + client_after.ru_stime - client_before.ru_utime - client_before.ru_stime, 1
        ),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with ExitStack() as stack:
        for backend in args.backends:
            if backend == "sqlite":
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                db_url = f"sqlite:///{folder / 'bench.db'}"
            else:
                db_url = create_database(stack.enter_context(local_postgres()))
            keys = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            print(json.dumps(bench(backend, db_url, args.rate, args.seconds, keys)), flush=True)


if __name__ == "__main__":
    main()
