"""Benchmark of one node's live tactical picture: N tracks at 1 Hz from several sensor parties.

Usage: ``python bench/live.py [--n 1000,5000,20000] [--seconds 60] [--quick]``, or ``--inprocess`` for the
node's per-second cost without HTTP (``Pictures.post`` and one ``TacticalRunner.tick``, cProfile with
``--profile``).

One node runs as a real ``airparley serve`` process (one uvicorn worker, SQLite) on 127.0.0.1, or with
``--processes 2`` as two processes on one PostgreSQL database (issue 18, docs/deployment.md): party ``i``
posts to process ``i mod 2`` and its duty officer listens on the other, so every measured alert crosses from
one process to the other (the node CPU is then the sum of both processes'). Four
sensor parties (USA, RUS, TUR, SYR) each own a quarter of the N tracks and post their share every second
(``POST /api/v1/tracks``, batches of ``--batch`` states, sent concurrently), spread over a Syria/Iraq-sized
theatre (lat 30-38 N, lon 36-48 E) at 2,000-45,000 ft. Each party's duty officer listens on the WebSocket.

Seeded pairs measure the alert latency. Every ``--seed-every`` seconds, at a random moment within the
second, each party posts (in a request of its own) two new tracks head-on 8 NM apart at 450 kt each and
600 ft apart vertically: a DO-365 preventive alert from their first state (no incident: they never come
within 500 ft). The pair keeps being posted with the party's stream for 10 s, then stops.
**Alert latency** = the wall time the party's WebSocket client receives the ``alert.raised`` naming that
pair, minus the wall time just before the POST carrying the pair's first two states was sent. It spans
HTTP ingest, the wait for the party's scan (``scan_gather_s`` after its states arrive, or the next
scheduler tick if it comes first), the scan, the commit and the WebSocket fan-out.

One JSON line per N: states offered and accepted per second (offered: the background tracks plus the
seeded pairs' updates); the ingest rate is **held** when at least 99% of the offered states were accepted,
every POST was answered 202, no second's posts started more than a second late, and the POSTs' p99 is under
1 s (an answer later than that means the node is only queueing). Then alert latency p50/p99/max, the node's
CPU (``/proc/<pid>/stat`` utime+stime, percent of one core over the measured window), its peak RSS
(``VmHWM``), the interval between two ``tracks.update`` pictures seen by a client, the client's own CPU and
the 1-minute load average (the client, the node and whatever else runs share the machine).

``--inprocess`` prints the CPU time (``time.thread_time``, so other load on the machine does not count) of
one second of ``Pictures.post`` (all N states, batches of 5,000, already decoded from JSON) and of one
``TacticalRunner.tick`` over the four parties' pictures: the median of 10 seconds, and the first tick alone
(it raises every alert of the scene at once).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import json
import math
import os
import pstats
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets

from airparley.geo import destination
from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import Store
from airparley.store._local_postgres import create_database, local_postgres

PARTIES = (
    ("USA", "Coalition desk", "en"),
    ("RUS", "Russian desk", "ru"),
    ("TUR", "Turkish desk", "tr"),
    ("SYR", "Syrian desk", "ar"),
)
TRACK_PARTIES = ("USA", "RUS", "TUR", "SYR", None)
LAT = (30.0, 38.0)
LON = (36.0, 48.0)
SEED_LIFE_S = 10
WARMUP_S = 5
DRAIN_S = 6.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Theatre:
    """The background traffic: N aircraft flying straight, turned back at the theatre's edge."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.n = n
        self.lat = rng.uniform(*LAT, n)
        self.lon = rng.uniform(*LON, n)
        self.alt_ft = rng.uniform(2_000.0, 45_000.0, n)
        self.gs_kt = rng.uniform(150.0, 550.0, n)
        self.trk_deg = rng.uniform(0.0, 360.0, n)
        climbing = rng.random(n) < 0.2
        self.vs_fpm = np.where(climbing, rng.uniform(-2_500.0, 2_500.0, n), 0.0)
        self.ids = [f"T{k:06d}" for k in range(n)]
        picks = rng.integers(0, len(TRACK_PARTIES), n)
        self.party_json = [json.dumps(TRACK_PARTIES[p]) for p in picks]
        self.callsigns = [f"C{k:05d}" for k in range(n)]

    def step(self, dt_s: float) -> None:
        # A flat step is enough: the node extrapolates each state itself, this only has to look like flight.
        rad = np.radians(self.trk_deg)
        dist_deg = self.gs_kt * dt_s / 3600.0 / 60.0
        self.lat += dist_deg * np.cos(rad)
        self.lon += dist_deg * np.sin(rad) / np.cos(np.radians(self.lat))
        self.alt_ft += self.vs_fpm * dt_s / 60.0
        out = (self.lat < LAT[0]) | (self.lat > LAT[1]) | (self.lon < LON[0]) | (self.lon > LON[1])
        self.trk_deg = np.where(out, np.mod(self.trk_deg + 180.0, 360.0), self.trk_deg)
        self.lat = np.clip(self.lat, LAT[0], LAT[1])
        self.lon = np.clip(self.lon, LON[0], LON[1])
        flip = (self.alt_ft < 2_000.0) | (self.alt_ft > 45_000.0)
        self.vs_fpm = np.where(flip, -self.vs_fpm, self.vs_fpm)
        self.alt_ft = np.clip(self.alt_ft, 2_000.0, 45_000.0)

    def encode(self, rows: range, time_s: float, source: str) -> list[str]:
        """One JSON object per track, written directly: json.dumps of 20,000 dicts a second would load the
        machine the node shares with this client."""
        lat, lon, alt = self.lat.tolist(), self.lon.tolist(), self.alt_ft.tolist()
        gs, vs = self.gs_kt.tolist(), self.vs_fpm.tolist()
        trk = np.mod(np.floor(self.trk_deg * 10.0) / 10.0, 360.0).tolist()  # 359.96 must not print as 360.0
        return [
            f'{{"id":"{self.ids[k]}","party":{self.party_json[k]},"time":{time_s:.3f},"lat":{lat[k]:.5f},'
            f'"lon":{lon[k]:.5f},"alt_ft":{alt[k]:.0f},"gs_kt":{gs[k]:.0f},"trk_deg":{trk[k]:.1f},'
            f'"vs_fpm":{vs[k]:.0f},"callsign":"{self.callsigns[k]}","source":"{source}"}}'
            for k in rows
        ]


@dataclass
class Seed:
    party: str
    ids: tuple[str, str]
    states: list[dict[str, Any]]
    born_s: float
    posted_at: float = math.nan  # perf_counter just before the first POST
    alerted_at: float = math.nan


def _seed_pair(party: str, k: int, rng: random.Random, now_s: float) -> Seed:
    lat, lon = rng.uniform(31.0, 37.0), rng.uniform(37.0, 47.0)
    alt = rng.uniform(10_000.0, 35_000.0)
    heading = rng.uniform(0.0, 360.0)
    lon_b, lat_b = destination(lon, lat, heading, 8.0)
    ids = (f"SEED-{party}-{k}-A", f"SEED-{party}-{k}-B")
    states = [
        {"id": ids[0], "party": party, "lat": lat, "lon": lon, "alt_ft": alt, "trk_deg": heading},
        {
            "id": ids[1],
            "party": None,
            "lat": float(lat_b),
            "lon": float(lon_b),
            "alt_ft": alt + 600.0,
            "trk_deg": (heading + 180.0) % 360.0,
        },
    ]
    for state in states:
        state.update({"gs_kt": 450.0, "vs_fpm": 0.0, "callsign": state["id"][-8:], "source": "bench"})
    return Seed(party, ids, states, now_s)


def _seed_states(seed: Seed, now_s: float) -> list[dict[str, Any]]:
    """The pair flown straight on to now (great-circle steps from the first states)."""
    elapsed = now_s - seed.born_s
    out = []
    for state in seed.states:
        lon, lat = destination(state["lon"], state["lat"], state["trk_deg"], 450.0 * elapsed / 3600.0)
        out.append({**state, "lat": float(lat), "lon": float(lon), "time": round(now_s, 3)})
    return out


@dataclass
class Run:
    offered: int = 0
    accepted: int = 0
    rejected: int = 0
    failed_posts: int = 0
    late_seconds: int = 0
    max_lag_s: float = 0.0
    post_s: list[float] = field(default_factory=list)
    seeds: dict[tuple[str, str], Seed] = field(default_factory=dict)
    picture_times: dict[str, list[float]] = field(default_factory=dict)
    picture_bytes: int = 0
    alerts_raised: int = 0
    measuring: bool = False
    reasons: set[str] = field(default_factory=set)
    cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    wall_s: float = 0.0


async def _listen(ws_url: str, party: str, token: str, run: Run) -> None:
    async with websockets.connect(
        ws_url, additional_headers={"Authorization": f"Bearer {token}"}, ping_interval=None, max_size=None
    ) as sock:
        async for raw in sock:
            arrived = time.perf_counter()
            # Pictures are megabytes a second at 20,000 tracks: recognised by their head, never parsed here.
            if '"kind":"tracks.update"' in raw[:60]:
                if run.measuring:
                    run.picture_times.setdefault(party, []).append(arrived)
                    run.picture_bytes += len(raw)
                continue
            event = json.loads(raw)
            if event["kind"] != "alert.raised":
                continue
            run.alerts_raised += 1
            data = event["data"]
            key = (data["a"]["id"], data["b"]["id"])
            seed = run.seeds.get(key) or run.seeds.get((key[1], key[0]))
            if seed is not None and math.isnan(seed.alerted_at):
                seed.alerted_at = arrived


async def _post(client: httpx.AsyncClient, token: str, body: str, run: Run, count: int, counted: bool) -> None:
    """One POST; ``counted`` if it was sent within the measured window (warm-up posts are not)."""
    if counted:
        run.offered += count
    began = time.perf_counter()
    try:
        response = await client.post(
            "/api/v1/tracks",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=60,
        )
    except httpx.HTTPError:
        run.failed_posts += counted
        return
    if counted:
        run.post_s.append(time.perf_counter() - began)
    if response.status_code != 202:
        run.failed_posts += counted
        return
    answer = response.json()
    if counted:
        run.accepted += answer["accepted"]
        run.rejected += len(answer["rejected"])
        run.reasons.update(f"{r['field']}: {r['reason']}"[:80] for r in answer["rejected"])


async def _drive(
    urls: list[str],
    pids: list[int],
    tokens: dict[str, dict[str, str]],
    n: int,
    seconds: float,
    args: argparse.Namespace,
) -> Run:
    """Party ``i`` posts to ``urls[i % len(urls)]`` and listens on the next one: with several processes of one
    node (bench/ha.py --live), each alert crosses from the process its states were posted to."""
    run = Run()
    rng = np.random.default_rng(args.seed)
    seed_rng = random.Random(args.seed)
    theatre = Theatre(n, rng)
    codes = [code for code, _, _ in PARTIES]
    shares = {code: range(i * n // len(codes), (i + 1) * n // len(codes)) for i, code in enumerate(codes)}
    ws_urls = [url.replace("http://", "ws://") + "/api/v1/events" for url in urls]
    listeners = [
        asyncio.create_task(_listen(ws_urls[(i + 1) % len(urls)], c, tokens[c]["duty"], run))
        for i, c in enumerate(codes)
    ]
    await asyncio.sleep(0.5)
    live_seeds: list[Seed] = []
    pending: set[asyncio.Task[None]] = set()
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    clients = [httpx.AsyncClient(base_url=url, limits=limits) for url in urls]
    by_party = {code: clients[i % len(clients)] for i, code in enumerate(codes)}
    try:

        async def inject(seed: Seed, delay: float) -> None:
            await asyncio.sleep(delay)
            body = json.dumps({"states": _seed_states(seed, time.time())})
            seed.posted_at = time.perf_counter()
            run.seeds[seed.ids] = seed
            live_seeds.append(seed)
            await _post(by_party[seed.party], tokens[seed.party]["sensor"], body, run, 0, False)

        start = time.perf_counter()
        total = WARMUP_S + seconds
        seeded = 0
        second = 0
        while second < total:
            scheduled = start + second
            lag = time.perf_counter() - scheduled
            if lag > 0:
                run.max_lag_s = max(run.max_lag_s, lag) if run.measuring else run.max_lag_s
                if lag > 1.0 and run.measuring:
                    run.late_seconds += 1
            else:
                await asyncio.sleep(-lag)
            if second == WARMUP_S:
                run.measuring = True
                run.cpu_s, run.client_cpu_s, run.wall_s = (
                    sum(map(_cpu_s, pids)),
                    time.process_time(),
                    time.perf_counter(),
                )
            now_s = time.time()
            theatre.step(1.0 if second else 0.0)
            live_seeds[:] = [s for s in live_seeds if now_s - s.born_s < SEED_LIFE_S]
            for code in codes:
                lines = theatre.encode(shares[code], now_s, f"{code}-E3")
                lines += [json.dumps(s) for seed in live_seeds if seed.party == code for s in _seed_states(seed, now_s)]
                for first in range(0, len(lines), args.batch):
                    body = '{"states":[' + ",".join(lines[first : first + args.batch]) + "]}"
                    count = min(args.batch, len(lines) - first)
                    task = asyncio.create_task(
                        _post(by_party[code], tokens[code]["sensor"], body, run, count, run.measuring)
                    )
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            if run.measuring and second < total - 1 and (second - WARMUP_S) % args.seed_every == 0:
                for code in codes:
                    seed = _seed_pair(code, seeded, seed_rng, now_s)
                    seeded += 1
                    task = asyncio.create_task(inject(seed, seed_rng.uniform(0.05, 0.95)))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            second += 1
        await asyncio.sleep(max(0.0, start + total - time.perf_counter()))
        run.measuring = False
        run.cpu_s = sum(map(_cpu_s, pids)) - run.cpu_s
        run.client_cpu_s = time.process_time() - run.client_cpu_s
        run.wall_s = time.perf_counter() - run.wall_s
        if pending:
            await asyncio.gather(*pending)
        deadline = time.perf_counter() + DRAIN_S
        while time.perf_counter() < deadline and any(math.isnan(s.alerted_at) for s in run.seeds.values()):
            await asyncio.sleep(0.1)
    finally:
        for client in clients:
            await client.aclose()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    return run


def _cpu_s(pid: int) -> float:
    fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def _status_mb(pid: int, name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024.0
    return math.nan


def _prepare(db_url: str, keys: Path) -> dict[str, dict[str, str]]:
    store = Store.open(db_url)
    now = datetime.now(UTC)
    tokens: dict[str, dict[str, str]] = {}
    with store.begin() as tx:
        for code, name, language in PARTIES:
            key = generate_key()
            (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
            tx.add_party(code, name, language, now, public_key=public_key_to_text(key))
            tokens[code] = {tier: tx.add_officer(code, f"{code} {tier}", tier, now)[1] for tier in ("sensor", "duty")}
    store.close()
    return tokens


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def bench(n: int, seconds: float, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        keys = folder / "keys"
        keys.mkdir()
        if args.processes > 1:  # one node, several processes: PostgreSQL (docs/deployment.md)
            db_url = create_database(stack.enter_context(local_postgres()))
        else:
            db_url = f"sqlite:///{folder / 'live.db'}"
        tokens = _prepare(db_url, keys)
        env = {
            **os.environ,
            "AIRPARLEY_RATE_PER_S": "100000",
            "AIRPARLEY_RATE_BURST": "100000",
            "AIRPARLEY_SCHEDULER_INTERVAL_S": str(args.interval),
        }
        ports = [_free_port() for _ in range(args.processes)]
        servers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "airparley.cli",
                    "serve",
                    "--db",
                    db_url,
                    "--port",
                    str(port),
                    "--keys",
                    str(keys),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for url in urls:
                for _ in range(300):
                    try:
                        httpx.get(f"{url}/docs", timeout=1)
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
            run = asyncio.run(_drive(urls, [s.pid for s in servers], tokens, n, seconds, args))
            peak_rss = max(_status_mb(s.pid, "VmHWM") for s in servers)
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=30)
    latencies = [(s.alerted_at - s.posted_at) * 1000.0 for s in run.seeds.values() if not math.isnan(s.alerted_at)]
    intervals = [b - a for times in run.picture_times.values() for a, b in itertools.pairwise(times)]
    offered_per_s = run.offered / seconds
    accepted_per_s = run.accepted / seconds
    post_ms = [x * 1000.0 for x in run.post_s]
    # Held: (nearly) every offered state accepted, and each second's posts answered before the next second's
    # are sent; a node that answers later than that is only queueing, and the queue grows.
    held = (
        run.accepted >= 0.99 * run.offered
        and run.late_seconds == 0
        and run.failed_posts == 0
        and bool(post_ms)
        and float(np.percentile(post_ms, 99)) < 1000.0
    )
    return {
        "bench": "live",
        "n": n,
        "processes": args.processes,
        "parties": len(PARTIES),
        "seconds": seconds,
        "batch": args.batch,
        "scheduler_interval_s": args.interval,
        "offered_states_per_s": round(offered_per_s),
        "accepted_states_per_s": round(accepted_per_s),
        "rejected": run.rejected,
        "rejected_reasons": sorted(run.reasons)[:3],
        "failed_posts": run.failed_posts,
        "late_seconds": run.late_seconds,
        "max_post_lag_s": round(run.max_lag_s, 2),
        "post_p50_ms": _pct(post_ms, 50),
        "post_p99_ms": _pct(post_ms, 99),
        "ingest_held": held,
        "seeded_pairs": len(run.seeds),
        "alerted_pairs": len(latencies),
        "alert_latency_p50_ms": _pct(latencies, 50),
        "alert_latency_p99_ms": _pct(latencies, 99),
        "alert_latency_max_ms": round(max(latencies), 1) if latencies else None,
        "alerts_raised_total": run.alerts_raised,
        "picture_interval_p50_s": round(float(np.percentile(intervals, 50)), 2) if intervals else None,
        "picture_interval_max_s": round(max(intervals), 2) if intervals else None,
        "picture_mb_per_s": round(run.picture_bytes / seconds / 1e6, 2),
        "node_cpu_pct": round(100.0 * run.cpu_s / run.wall_s, 1),
        "node_peak_rss_mb": round(peak_rss, 1),
        "client_cpu_pct": round(100.0 * run.client_cpu_s / run.wall_s, 1),
        "load_avg_1min": os.getloadavg()[0],
    }


# -- in process: the node's own cost per second, without HTTP --------------------------------------------------------
def inprocess(n: int, repeats: int, profile: bool) -> dict[str, Any]:
    from airparley.node._ledger import LedgerWriter
    from airparley.node._tactical import TacticalRunner
    from airparley.node._tracks import Pictures

    rng = np.random.default_rng(1)
    theatre = Theatre(n, rng)
    codes = [code for code, _, _ in PARTIES]
    shares = {code: range(i * n // len(codes), (i + 1) * n // len(codes)) for i, code in enumerate(codes)}
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'inproc.db'}")
        now = datetime.now(UTC)
        with store.begin() as tx:
            for code, name, language in PARTIES:
                tx.add_party(code, name, language, now)
        pictures = Pictures()
        runner = TacticalRunner(pictures, LedgerWriter({}))
        post_s: list[float] = []
        tick_s: list[float] = []
        profiler = cProfile.Profile() if profile else None
        for k in range(repeats):
            now_s = now.timestamp() + k
            theatre.step(1.0 if k else 0.0)
            batches = []
            for code in codes:
                states = json.loads("[" + ",".join(theatre.encode(shares[code], now_s, code)) + "]")
                batches += [(code, states[i : i + 5000]) for i in range(0, len(states), 5000)]
            if profiler:
                profiler.enable()
            # CPU time of this thread, not wall time: the machine is shared, and what is asked is the node's cost.
            began = time.thread_time()
            for code, states in batches:
                pictures.post(code, states)
            post_s.append(time.thread_time() - began)
            began = time.thread_time()
            with store.begin() as tx:
                runner.tick(tx, datetime.fromtimestamp(now_s, UTC), list)
            tick_s.append(time.thread_time() - began)
            if profiler:
                profiler.disable()
        store.close()
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    return {
        "bench": "live_inprocess",
        "n": n,
        "repeats": repeats,
        "post_cpu_ms_per_s": round(1000.0 * float(np.median(post_s)), 1),
        "tick_cpu_ms": round(1000.0 * float(np.median(tick_s)), 1),
        "tick_first_cpu_ms": round(1000.0 * tick_s[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", default="1000,5000,20000", help="track counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds per N (after a 5 s warm-up)")
    parser.add_argument("--batch", type=int, default=2500, help="states per POST (the node takes at most 5,000)")
    parser.add_argument("--seed-every", type=int, default=2, help="seconds between seeded pairs (one per party)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--interval", type=float, default=1.0, help="the node's scheduler_interval_s, s")
    parser.add_argument(
        "--processes", type=int, default=1, help="serve processes of the node: 1 on SQLite, more on one PostgreSQL"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: N = 1,000 for 8 s")
    parser.add_argument("--inprocess", action="store_true", help="the node's per-second cost without HTTP")
    parser.add_argument("--profile", action="store_true", help="with --inprocess: cProfile to stderr")
    args = parser.parse_args()
    sizes = [int(x) for x in args.n.split(",")]
    if args.inprocess:
        for n in sizes:
            print(json.dumps(inprocess(n, 3 if args.quick else 10, args.profile)), flush=True)
        return
    if args.quick:
        sizes, args.seconds = [1000], 8.0
    for n in sizes:
        print(json.dumps(bench(n, args.seconds, args)), flush=True)


if __name__ == "__main__":
    main()
