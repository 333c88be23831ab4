"""Benchmark of keeping track states for replay (issue 19 item 4, docs/replay.md).

Usage: ``python bench/replay.py [--n 20000] [--seconds 20] [--db sqlite|postgresql]``.

The node's per-second cost of keeping N tracks at 1 Hz, in process (as ``bench/live.py --inprocess``): four
sensor parties each post a quarter of the N states a second through ``Pictures.post`` (batches of 5,000,
already decoded from JSON), once without the keeper and once with it; then the scheduler tick's flush
(``StateKeeper.flush``: one compressed batch per party, one INSERT each, and the prune). CPU time of this
thread (``time.thread_time``) and wall time of the flush (the database's fsync counts there); the bytes kept
per second; and the time to rebuild one party's picture at a moment (``ReplayService.picture_of``).
One JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from airparley.node._replay import ReplayService, StateKeeper
from airparley.node._tracks import Pictures
from airparley.store import Store
from airparley.tactical import AlertingSettings
from live import PARTIES, Theatre


def run(n: int, seconds: int, url: str) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    theatre = Theatre(n, rng)
    codes = [code for code, _, _ in PARTIES]
    shares = {code: range(i * n // len(codes), (i + 1) * n // len(codes)) for i, code in enumerate(codes)}
    store = Store.open(url)
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    now_s = start.timestamp()
    with store.begin() as tx:
        for code, name, language in PARTIES:
            tx.add_party(code, name, language, start)
    plain = Pictures(clock=lambda: now_s)
    kept = Pictures(clock=lambda: now_s)
    keeper = StateKeeper(keep_s=3600.0)
    kept.keeper = keeper.add
    post_plain: list[float] = []
    post_kept: list[float] = []
    flush_cpu: list[float] = []
    flush_wall: list[float] = []
    stored_bytes = 0
    for k in range(seconds):
        now_s = start.timestamp() + k
        theatre.step(1.0 if k else 0.0)
        batches = []
        for code in codes:
            states = json.loads("[" + ",".join(theatre.encode(shares[code], now_s, code)) + "]")
            batches += [(code, states[i : i + 5000]) for i in range(0, len(states), 5000)]
        began = time.thread_time()
        for code, states in batches:
            plain.post(code, states)
        post_plain.append(time.thread_time() - began)
        began = time.thread_time()
        for code, states in batches:
            kept.post(code, states)
        post_kept.append(time.thread_time() - began)
        began, wall = time.thread_time(), time.perf_counter()
        keeper.flush(store.begin, datetime.fromtimestamp(now_s, UTC))
        flush_cpu.append(time.thread_time() - began)
        flush_wall.append(time.perf_counter() - wall)
    with store.begin() as tx:
        from sqlalchemy import func, select

        from airparley.store import _schema as t

        stored_bytes = int(
            tx.connection.execute(select(func.sum(func.length(t.track_state_batches.c.states)))).scalar_one()
        )
    at = datetime.fromtimestamp(start.timestamp() + seconds - 1, UTC)
    replay = ReplayService(store, lambda: at, 3600.0, lambda: 30.0, AlertingSettings)
    began = time.perf_counter()
    picture = replay.picture_of("USA", at)
    replay_s = time.perf_counter() - began
    store.close()
    return {
        "bench": "replay_keep",
        "db": url.split(":", 1)[0],
        "n": n,
        "seconds": seconds,
        "post_cpu_ms_per_s": round(1000.0 * float(np.median(post_plain)), 1),
        "post_kept_cpu_ms_per_s": round(1000.0 * float(np.median(post_kept)), 1),
        "flush_cpu_ms_per_s": round(1000.0 * float(np.median(flush_cpu)), 1),
        "flush_wall_ms_p50": round(1000.0 * float(np.median(flush_wall)), 1),
        "flush_wall_ms_max": round(1000.0 * max(flush_wall), 1),
        "kept_bytes_per_s": round(stored_bytes / seconds),
        "kept_mb_per_hour": round(stored_bytes / seconds * 3600 / 1e6, 1),
        "replay_ms": round(1000.0 * replay_s, 1),
        "replay_tracks": len(picture["tracks"]),
        "replay_alerts": len(picture["alerts"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--db", default="sqlite", help="sqlite (a temporary file) or a database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'replay.db'}" if args.db == "sqlite" else args.db
        print(json.dumps(run(args.n, args.seconds, url)), flush=True)


if __name__ == "__main__":
    main()
