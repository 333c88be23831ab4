"""Tactical conflict scan: time, candidates, pairs and peak memory, against BlueSky's detection. Not a test.

Run from the repository root (BlueSky is the ``bench`` extra: ``pip install bluesky-simulator``)::

    .venv/bin/python bench/tactical.py                       # N = 1,000 / 10,000 / 100,000, both variants
    .venv/bin/python bench/tactical.py --sizes 10000 --variants theatre

Scenes: ``theatre`` puts N aircraft uniformly in lat 30-38 N, lon 36-48 E; ``dense`` in a 200 NM square
centred on 34 N 42 E. Altitudes 5,000-40,000 ft, ground speeds 150-550 kt, any track; 30% climb or
descend at up to 3,000 fpm. Defaults: 5 NM / 1,000 ft / 300 s.

Each configuration runs in its own child process, so ``peak_rss_mb`` (``resource.getrusage``, read after
the scans and before BlueSky runs) is the scan's own peak, scene included. ``scan_s`` is the best of
``--repeats`` runs of :func:`airparley.tactical.scan_conflicts` on states already in memory (the whole call:
frames, pruning, exact evaluation, result columns).

BlueSky: the same states go to ``bluesky.traffic.asas.statebased.StateBased.detect`` (NumPy, N x N
matrices) and to the compiled ``cstatebased.detect`` (C++, a double loop over all N^2 pairs), each up to the
N given by ``--bluesky-numpy-max`` / ``--bluesky-cpp-max``. BlueSky reports ordered pairs; the sets
compared are unordered. BlueSky measures distance on a sphere with a flat-earth approximation
(``kwikdist``), airparley on the WGS84 ellipsoid, so pairs within a fraction of a percent of a threshold
may differ: ``borderline`` counts the differing pairs that are within 2% of the protected radius,
or within 1% of the lookahead of a time threshold, in airparley's own figures.

One core: BLAS/OpenMP threads are pinned to 1 (NumPy's element-wise kernels are single-threaded anyway).
Prints one JSON line per configuration.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from airparley.tactical import ScanSettings, TrackStates, predict_pairs, scan_conflicts  # noqa: E402

NM_M, KT_MS, FT_M, FPM_MS = 1852.0, 1852.0 / 3600.0, 0.3048, 0.3048 / 60.0
SEED = 20261126


def scene(n: int, variant: str, seed: int = SEED) -> TrackStates:
    rng = np.random.default_rng(seed)
    if variant == "theatre":
        lat, lon = rng.uniform(30.0, 38.0, n), rng.uniform(36.0, 48.0, n)
    else:
        half_lat = 100.0 / 60.0
        half_lon = half_lat / np.cos(np.radians(34.0))
        lat, lon = rng.uniform(34.0 - half_lat, 34.0 + half_lat, n), rng.uniform(42.0 - half_lon, 42.0 + half_lon, n)
    return TrackStates(
        id=np.array([f"AC{i:06d}" for i in range(n)]),
        party=rng.choice(np.array(["USA", "RUS", "TUR", "SYR"]), n),
        time_s=np.full(n, 1795662000.0),
        lat=lat,
        lon=lon,
        alt_ft=rng.uniform(5000.0, 40000.0, n),
        gs_kt=rng.uniform(150.0, 550.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n) % 360.0,
        vs_fpm=np.where(rng.random(n) < 0.3, rng.uniform(-3000.0, 3000.0, n), 0.0),
    )


def bluesky_traffic(states: TrackStates) -> SimpleNamespace:
    """BlueSky's traffic arrays (SI units) for the same states."""
    return SimpleNamespace(
        lat=np.ascontiguousarray(states.lat),
        lon=np.ascontiguousarray(states.lon),
        alt=states.alt_ft * FT_M,
        gs=states.gs_kt * KT_MS,
        trk=np.ascontiguousarray(states.trk_deg),
        vs=states.vs_fpm * FPM_MS,
        id=states.id.tolist(),
        ntraf=len(states),
    )


def run_bluesky(states: TrackStates, settings: ScanSettings, kind: str) -> tuple[float, set[tuple[str, str]]]:
    with contextlib.redirect_stdout(io.StringIO()):  # BlueSky prints what it loads
        from bluesky.traffic.asas import cstatebased  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from bluesky.traffic.asas.statebased import StateBased  # type: ignore[import-untyped,import-not-found,unused-ignore]
    traffic = bluesky_traffic(states)
    n = len(states)
    rpz, hpz = np.full(n, settings.rpz_nm * NM_M), np.full(n, settings.hpz_ft * FT_M)
    lookahead = np.full(n, settings.lookahead_s)
    start = time.perf_counter()
    if kind == "cpp":
        found = cstatebased.detect(traffic, traffic, rpz, hpz, lookahead)
    else:
        found = StateBased.detect(None, traffic, traffic, rpz, hpz, lookahead)
    elapsed = time.perf_counter() - start
    return elapsed, {(min(a, b), max(a, b)) for a, b in found[0]}


def borderline(states: TrackStates, pairs: set[tuple[str, str]], settings: ScanSettings) -> int:
    """How many of ``pairs`` sit within 1% of a threshold in airparley's own figures."""
    if not pairs:
        return 0
    index = {name: k for k, name in enumerate(states.id.tolist())}
    a = np.array([index[x] for x, _ in pairs])
    b = np.array([index[y] for _, y in pairs])
    p = predict_pairs(states.take(a), states.take(b), settings)
    near = np.abs(p.dcpa_nm / settings.rpz_nm - 1.0) < 0.02
    near |= np.abs(p.tin_s - settings.lookahead_s) < 0.01 * settings.lookahead_s
    near |= np.abs(p.tin_s) < 0.01 * settings.lookahead_s
    near |= np.abs(p.tout_s) < 0.01 * settings.lookahead_s
    near |= np.abs(p.tin_s - p.tout_s) < 0.01 * settings.lookahead_s
    return int(near.sum())


def one(n: int, variant: str, repeats: int, numpy_max: int, cpp_max: int) -> dict[str, Any]:
    states = scene(n, variant)
    settings = ScanSettings()
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = scan_conflicts(states, settings)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    ours = result.pairs()
    line: dict[str, Any] = {
        "bench": "tactical_scan",
        "variant": variant,
        "n": n,
        "scan_s": round(best, 4),
        "candidates": result.candidates,
        "pairs": len(ours),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
    fastest = None
    for kind, limit in (("cpp", cpp_max), ("numpy", numpy_max)):
        if n > limit:
            continue
        try:
            elapsed, theirs = run_bluesky(states, settings, kind)
        except MemoryError:
            line[f"bluesky_{kind}_s"] = "out of memory"
            continue
        line[f"bluesky_{kind}_s"] = round(elapsed, 4)
        line[f"bluesky_{kind}_pairs"] = len(theirs)
        if fastest is None or elapsed < fastest[0]:
            fastest = (elapsed, kind, theirs)
    if fastest is not None:
        elapsed, kind, theirs = fastest
        only_ours, only_theirs = ours - theirs, theirs - ours
        line["bluesky_fastest"] = kind
        line["speedup_vs_bluesky"] = round(elapsed / best, 1)
        line["agreement"] = {
            "same": len(ours & theirs),
            "only_airparley": len(only_ours),
            "only_bluesky": len(only_theirs),
            "borderline": borderline(states, only_ours | only_theirs, settings),
        }
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--variants", nargs="+", default=["theatre", "dense"], choices=["theatre", "dense"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bluesky-numpy-max", type=int, default=5000, help="largest N for BlueSky's NumPy N x N")
    parser.add_argument("--bluesky-cpp-max", type=int, default=10000, help="largest N for BlueSky's C++ loop")
    parser.add_argument("--one", nargs=2, metavar=("N", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        line = one(int(args.one[0]), args.one[1], args.repeats, args.bluesky_numpy_max, args.bluesky_cpp_max)
        print(json.dumps(line), flush=True)
        return
    for variant in args.variants:
        for n in args.sizes:
            # a fresh process per configuration: its peak RSS is its own
            command = [sys.executable, __file__, "--one", str(n), variant, "--repeats", str(args.repeats)]
            command += ["--bluesky-numpy-max", str(args.bluesky_numpy_max)]
            command += ["--bluesky-cpp-max", str(args.bluesky_cpp_max)]
            child = subprocess.run(command, capture_output=True, text=True, check=False)
            if child.returncode != 0:
                print(json.dumps({"bench": "tactical_scan", "variant": variant, "n": n, "error": child.stderr[-500:]}))
                continue
            line = json.loads(child.stdout.strip().splitlines()[-1])
            line["python"] = platform.python_version()
            line["numpy"] = np.__version__
            line["load_avg_1min"] = round(os.getloadavg()[0], 2)
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
