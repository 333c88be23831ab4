"""Benchmark of failover with two processes on one PostgreSQL database (issue 18, docs/deployment.md).

Usage: ``python bench/ha.py [--rounds 3]``, or ``python bench/ha.py --stress [--rate 200] [--duration 60]
[--kills 10] [--seed 18] [--lock-profile DIR]`` for issue 18's stress run (bench/ha_stress.py, the same run as
tests/node/test_ha_stress.py at the issue's rate): one JSON line of its figures and any problem found.

Starts a PostgreSQL server of its own (Debian's binaries), two ``airparley serve`` processes on one database,
then, each round: finds the scheduler's leader (its connection's ``application_name``), ``kill -9``s it,
and measures from the kill to the first acknowledged write on the survivor (a hotline message) and to the
survivor holding the leader's lock (scheduler resumption); then restarts the killed process. Also the hotline
message latency (POST to 201) through one process and alternately through both. One JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import LEADER_KEY, Store
from airparley.store._local_postgres import create_database, local_postgres

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ha_stress  # beside this file, shared with tests/node/test_ha_stress.py


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str, keys: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [sys.executable, "-m", "airparley.cli", "serve", "--db", url, "--port", str(port), "--keys", str(keys)]
    # The hotline latency is measured back to back: no per-token rate limit in the way.
    env = {**os.environ, "AIRPARLEY_RATE_PER_S": "10000", "AIRPARLEY_RATE_BURST": "10000"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process, port
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the node did not start")


def _leader_pid(url: str) -> int | None:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        row = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
            (LEADER_KEY >> 32, LEADER_KEY & 0xFFFFFFFF),
        ).fetchone()
    return None if row is None else int(row[0].rsplit(" ", 1)[1])


def _send(client: httpx.Client) -> bool:
    try:
        answer = client.post("/api/v1/messages", json={"recipients": ["USA"], "template": "stand_by"}, timeout=2)
    except httpx.TransportError:
        return False
    return answer.status_code == 201


def _latency_ms(clients: list[httpx.Client], n: int) -> dict[str, float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        if not _send(clients[i % len(clients)]):
            raise RuntimeError("a hotline message was refused")
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p99_ms": round(samples[int(0.99 * (len(samples) - 1))], 2)}


def run(rounds: int) -> dict[str, Any]:
    with local_postgres() as server, tempfile.TemporaryDirectory() as folder:
        url = create_database(server)
        keys = Path(folder)
        store = Store.open(url)
        with store.begin() as tx:
            for code, name in (("USA", "Coalition"), ("RUS", "Russian Group")):
                key = generate_key()
                (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
                tx.add_party(code, name, "en", datetime.now(UTC), public_key=public_key_to_text(key))
            _, token = tx.add_officer("RUS", "RUS duty", "duty", datetime.now(UTC))
        store.close()
        headers = {"Authorization": f"Bearer {token}"}
        served = [_serve(url, keys), _serve(url, keys)]
        write_s: list[float] = []
        lead_s: list[float] = []
        try:
            clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) for _, port in served]
            one = _latency_ms(clients[:1], 300)
            two = _latency_ms(clients, 300)
            for client in clients:
                client.close()
            for _ in range(rounds):
                deadline = time.monotonic() + 10
                while (leader := _leader_pid(url)) is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                if leader is None:
                    raise RuntimeError("no process leads the scheduler")
                at = next(i for i, (p, _) in enumerate(served) if p.pid == leader)
                survivor_port = served[1 - at][1]
                with httpx.Client(base_url=f"http://127.0.0.1:{survivor_port}", headers=headers) as survivor:
                    killed = time.monotonic()
                    os.kill(leader, signal.SIGKILL)
                    served[at][0].wait()
                    wrote = led = None
                    while wrote is None or led is None:
                        if time.monotonic() - killed > 30:
                            raise RuntimeError("no failover within 30 s")
                        if wrote is None and _send(survivor):
                            wrote = time.monotonic() - killed
                        if led is None and _leader_pid(url) == served[1 - at][0].pid:
                            led = time.monotonic() - killed
                        time.sleep(0.01)
                write_s.append(wrote)
                lead_s.append(led)
                served[at] = _serve(url, keys)
        finally:
            for process, _ in served:
                process.terminate()
                process.wait(timeout=10)
        return {
            "bench": "ha",
            "processes": 2,
            "rounds": rounds,
            "failover_first_write_s": {"max": round(max(write_s), 3), "median": round(statistics.median(write_s), 3)},
            "failover_scheduler_s": {"max": round(max(lead_s), 3), "median": round(statistics.median(lead_s), 3)},
            "hotline_one_process": one,
            "hotline_two_processes": two,
            "load_avg_1min": os.getloadavg()[0],  # the machine is shared: what else ran
        }


def stress(args: argparse.Namespace) -> dict[str, Any]:
    config = ha_stress.StressConfig(
        rate_per_s=args.rate,
        duration_s=args.duration,
        kills=args.kills,
        seed=args.seed,
        safety_every=args.safety_every,
        case_every=args.case_every,
    )
    if args.lock_profile is not None:
        # The serve processes inherit this environment: each times its writes (ha_lockprofile/sitecustomize.py).
        args.lock_profile.mkdir(parents=True, exist_ok=True)
        os.environ["AIRPARLEY_LOCK_PROFILE"] = str(args.lock_profile.resolve())
        profiler = str(Path(__file__).resolve().parent / "ha_lockprofile")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [profiler, os.environ.get("PYTHONPATH")]))
    with local_postgres() as server:
        outcome = ha_stress.run(config, create_database(server))
    return {"bench": "ha_stress", "processes": 2, **outcome.figures()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stress", action="store_true", help="the kill -9 stress run instead (ha_stress.py)")
    parser.add_argument("--rate", type=float, default=200.0, help="--stress: writes a second, over both processes")
    parser.add_argument("--duration", type=float, default=60.0, help="--stress: seconds of writing")
    parser.add_argument("--kills", type=int, default=10, help="--stress: kill -9s during the writing")
    parser.add_argument("--seed", type=int, default=18, help="--stress: draws the kills' moments and victims")
    # An unacknowledged safety message rings every 2 s until the run ends: at 200 writes/s the test's one in
    # twenty would soon ring hundreds of times a second. One a second, and a case every two, as a desk might.
    parser.add_argument("--safety-every", type=int, default=100, help="--stress: every n-th message is safety")
    parser.add_argument("--case-every", type=int, default=400, help="--stress: every n-th write opens a case")
    parser.add_argument(
        "--lock-profile",
        type=Path,
        help="--stress: time each write's lock wait, act, SQL and commit into this folder (bench/ha_lockprofile)",
    )
    args = parser.parse_args()
    if args.stress:
        print(json.dumps(stress(args)))
    else:
        print(json.dumps(run(args.rounds)))


if __name__ == "__main__":
    main()
