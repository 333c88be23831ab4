"""Sum up what bench/ha_lockprofile/sitecustomize.py wrote: ``python bench/ha_lockprofile/summary.py DIR``."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

COLUMNS = ("process_lock_wait", "pg_lock_wait", "act_under_lock", "commit", "held", "sql_under_lock", "statements")


def main() -> None:
    folder = Path(sys.argv[1])
    rows = [[float(x) for x in line.split()] for f in folder.glob("*.tsv") for line in f.open() if line.strip()]
    print(f"writes {len(rows)} (ms, except statements)")
    for i, name in enumerate(COLUMNS):
        values = sorted(r[i] for r in rows)
        if not values:
            return
        at = [values[int(q * (len(values) - 1))] for q in (0.5, 0.9, 0.99)]
        print(f"{name:18s} mean {statistics.mean(values):8.2f} p50 {at[0]:8.2f} p90 {at[1]:8.2f} p99 {at[2]:8.2f}")


if __name__ == "__main__":
    main()
