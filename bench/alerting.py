"""DO-365 alerting throughput: encounters per second on one core. Not a test.

Run from the repository root::

    .venv/bin/python bench/alerting.py                 # 10^4, 10^5, 10^6 encounters
    .venv/bin/python bench/alerting.py --sizes 10000   # a quick look

Prints one JSON line per configuration: ``input`` is ``enu`` for the array kernel on relative ENU states
(:func:`airparley.tactical.alert_relative`) and ``geodetic`` for the whole path from WGS84 states
(:func:`airparley.tactical.alert_encounters`: the per-encounter azimuthal-equidistant frame, velocities,
then the kernel). Encounters are random: intruders within 20 NM and 3,000 ft of the ownship, 150-600 kt,
any track, +/-3,000 fpm, so every branch of the kernel (closing, diverging, level, climbing) is taken.
"""

from __future__ import annotations

import os

# One core: no BLAS or OpenMP threads (NumPy element-wise kernels are single-threaded anyway).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from airparley.tactical import Alerts, FlightStates, alert_encounters, alert_relative  # noqa: E402

NM, KT, FT, FPM = 1852.0, 1852.0 / 3600.0, 0.3048, 0.3048 / 60.0


def _relative(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 20 * NM * np.sqrt(rng.uniform(0, 1, n))
    bearing = rng.uniform(0, 2 * np.pi, n)
    s = np.column_stack([radius * np.sin(bearing), radius * np.cos(bearing), rng.uniform(-3000, 3000, n) * FT])
    v = np.zeros((n, 3))
    for sign in (1.0, -1.0):
        gs = rng.uniform(150, 600, n) * KT
        trk = rng.uniform(0, 2 * np.pi, n)
        v += sign * np.column_stack([gs * np.sin(trk), gs * np.cos(trk), rng.uniform(-3000, 3000, n) * FPM])
    return s, v


def _geodetic(n: int, rng: np.random.Generator) -> tuple[FlightStates, FlightStates]:
    lat, lon = rng.uniform(30, 38, n), rng.uniform(36, 44, n)
    own = FlightStates(
        lat,
        lon,
        rng.uniform(5000, 40000, n),
        rng.uniform(150, 600, n),
        rng.uniform(0, 360, n),
        rng.uniform(-3000, 3000, n),
    )
    dist = 20 * np.sqrt(rng.uniform(0, 1, n)) / 60.0
    bearing = rng.uniform(0, 2 * np.pi, n)
    intruder = FlightStates(
        lat + dist * np.cos(bearing),
        lon + dist * np.sin(bearing) / np.cos(np.radians(lat)),
        own.alt_ft + rng.uniform(-3000, 3000, n),
        rng.uniform(150, 600, n),
        rng.uniform(0, 360, n),
        rng.uniform(-3000, 3000, n),
    )
    return own, intruder


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = np.random.default_rng(2026)
    for n in args.sizes:
        s, v = _relative(n, rng)
        own, intruder = _geodetic(n, rng)
        runs: dict[str, Callable[[], Alerts]] = {
            "enu": functools.partial(alert_relative, s, v),
            "geodetic": functools.partial(alert_encounters, own, intruder),
        }
        for name, run in runs.items():
            # Small sizes repeat more: best of many is what the machine can do when nothing else runs.
            seconds = _best_of(max(args.repeats, min(30, 1_000_000 // n)), run)
            levels = np.bincount(run().level.ravel(), minlength=4)
            print(
                json.dumps(
                    {
                        "benchmark": "do365_alerting",
                        "input": name,
                        "encounters": n,
                        "seconds": round(seconds, 4),
                        "encounters_per_s": round(n / seconds),
                        "levels": [int(x) for x in levels],
                        "numpy": np.__version__,
                        "python": platform.python_version(),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
