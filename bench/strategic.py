"""Benchmark of the strategic engine: index build, full check, add-and-check latency, peak RSS.

Usage: ``python bench/strategic.py [--sizes 1000 10000 100000] [--seed 1]``; one JSON line per size.
Each size runs in its own process so that peak RSS is that size's alone. Notices are spread over the
theatre (lat 25-42 N, lon 30-55 E), 1-3 volumes each, mixed shapes, windows over 48 h.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from airparley.strategic import Altitude, Buffers, ConflictIndex, Notice, Shape, Volume4D

T0 = datetime(2026, 11, 26, tzinfo=UTC)
PARTIES = ("USA", "RUS", "TUR", "SYR")
KINDS = ("strike", "cap", "orbit", "transit", "isr", "tanker", "uav")


def random_volume(rng: np.random.Generator) -> Volume4D:
    lon, lat = rng.uniform(30.0, 55.0), rng.uniform(25.0, 42.0)
    lower = float(rng.integers(0, 40) * 1000)
    upper = lower + float(rng.integers(2, 16) * 1000)
    start = T0 + timedelta(minutes=int(rng.integers(0, 48 * 60)))
    end = start + timedelta(minutes=int(rng.integers(30, 360)))
    shape = rng.choice(["circle", "polygon", "corridor", "orbit"], p=[0.4, 0.3, 0.15, 0.15])
    if shape == "circle":
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        return Volume4D(Shape.CIRCLE, geometry, Altitude(lower), Altitude(upper), start, end, float(rng.uniform(3, 30)))
    if shape == "polygon":
        w, h = rng.uniform(0.1, 0.5, 2)
        ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
        return Volume4D(
            Shape.POLYGON, {"type": "Polygon", "coordinates": [ring]}, Altitude(lower), Altitude(upper), start, end
        )
    heading = rng.uniform(0, 2 * np.pi)
    length_deg = rng.uniform(0.3, 3.0) if shape == "corridor" else rng.uniform(0.3, 1.0)
    end_point = [lon + length_deg * np.sin(heading), lat + length_deg * np.cos(heading)]
    geometry = {"type": "LineString", "coordinates": [[lon, lat], end_point]}
    width = float(rng.uniform(2, 10) if shape == "corridor" else rng.uniform(5, 15))
    return Volume4D(Shape(shape), geometry, Altitude(lower), Altitude(upper), start, end, width)


def random_notices(rng: np.random.Generator, count: int, prefix: str = "N") -> list[Notice]:
    return [
        Notice(
            f"{prefix}{i:06d}",
            str(rng.choice(PARTIES)),
            1,
            str(rng.choice(KINDS)),  # type: ignore[arg-type]
            tuple(random_volume(rng) for _ in range(int(rng.integers(1, 4)))),
        )
        for i in range(count)
    ]


def run(size: int, seed: int, adds: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    began = time.perf_counter()
    notices = random_notices(rng, size)
    generate_s = time.perf_counter() - began
    extra = random_notices(rng, adds, prefix="X")

    began = time.perf_counter()
    index = ConflictIndex.build(notices, Buffers())
    build_s = time.perf_counter() - began

    began = time.perf_counter()
    pairs = index.volume_pairs()
    full_check_s = time.perf_counter() - began

    # Grouping the volume pairs into conflict objects and drawing their overlaps is presentation work,
    # done per conflict on demand; it is timed on the first 2,000 conflicts so large N stay measurable.
    began = time.perf_counter()
    sample = index._conflicts(type(pairs)(pairs.a[:2000], pairs.b[:2000]))
    for conflict in sample:
        conflict.as_dict()
    overlap_ms = (time.perf_counter() - began) * 1000.0 / max(1, len(sample))

    latencies = []
    found = 0
    for notice in extra:
        began = time.perf_counter()
        found += len(index.add(notice))
        latencies.append(time.perf_counter() - began)
    ms = np.array(latencies) * 1000.0
    return {
        "bench": "strategic",
        "notices": size,
        "volumes": int(sum(len(n.volumes) for n in notices)),
        "generate_s": round(generate_s, 2),
        "index_build_s": round(build_s, 3),
        "full_check_s": round(full_check_s, 3),
        "conflicting_volume_pairs": len(pairs),
        "overlap_drawn_per_conflict_ms": round(overlap_ms, 3),
        "add_and_check_p50_ms": round(float(np.percentile(ms, 50)), 3),
        "add_and_check_p99_ms": round(float(np.percentile(ms, 99)), 3),
        "add_and_check_conflicts_found": found,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--adds", type=int, default=500, help="notices added one by one for the latency figures")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.sizes[0], args.seed, args.adds)), flush=True)
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for size in args.sizes:
        command = [
            sys.executable,
            __file__,
            "--one",
            "--sizes",
            str(size),
            "--seed",
            str(args.seed),
            "--adds",
            str(args.adds),
        ]
        # taskset pins the run to one core when available, as the targets are stated for one core.
        if os.path.exists("/usr/bin/taskset"):
            command = ["/usr/bin/taskset", "-c", "0", *command]
        subprocess.run(command, check=True, env=env)


if __name__ == "__main__":
    main()
