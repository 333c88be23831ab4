"""Benchmark of federation catch-up: a node takes 10,000 entries of a peer's feed.

Usage: ``python bench/catchup.py [--entries 10000] [--db sqlite|postgresql]``. The USA node signs N hotline
messages to RUS (its feed); the RUS node, which holds only USA's public key, then accepts that feed as its
puller does after a partition: each line verified against the held head and USA's key, stored and applied
to its hotline state, ``ACCEPT_BATCH`` entries to a transaction. Timed from the first line to the last, without the HTTP
transfer of the lines (a few MB on loopback), in wall and in process CPU time (the machine may be shared: the
load average is in the line too). One JSON line; SQLite files in a temporary folder, or the RUS node on a
PostgreSQL server of its own (``--db postgresql``, Debian's binaries).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from airparley.ledger import generate_key, public_key_to_text
from airparley.node import Node
from airparley.node._federation import Federation
from airparley.store import Store
from airparley.store._local_postgres import create_database, local_postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite", help="the catching-up node's")
    args = parser.parse_args()
    with ExitStack() as stack:
        target_url = create_database(stack.enter_context(local_postgres())) if args.db == "postgresql" else None
        run(args.entries, args.db, target_url)


def run(entries: int, db: str, target_url: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="airparley-catchup-"))
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    usa_key, rus_key = generate_key(), generate_key()

    source = Store.open(f"sqlite:///{folder / 'usa.db'}")
    with source.begin() as tx:
        tx.add_party("USA", "Coalition", "en", now, public_key=public_key_to_text(usa_key))
        tx.add_party("RUS", "Russian desk", "ru", now, public_key=public_key_to_text(rus_key))
        officer, _ = tx.add_officer("USA", "Col. A", "duty", now)
    usa = Node(source, clock=lambda: now, keys={"USA": usa_key})
    began = time.perf_counter()
    for i in range(entries):
        with usa.write() as tx:
            usa.hotline.send(tx, officer, {"recipients": ["RUS"], "text": f"message {i}", "language": "en"}, now)
    produce_s = time.perf_counter() - began
    with source.begin() as tx:
        lines = tx.ledger_feed("USA", -1, entries + 10)
    source.close()

    target = Store.open(target_url or f"sqlite:///{folder / 'rus.db'}")
    with target.begin() as tx:
        tx.add_party("RUS", "Russian desk", "ru", now, public_key=public_key_to_text(rus_key))
        tx.add_party("USA", "Coalition", "en", now, public_key=public_key_to_text(usa_key))
        peer = tx.add_peer("USA", "http://127.0.0.1:9", public_key_to_text(usa_key), "unused", now)
    rus = Node(target, clock=lambda: now, keys={"RUS": rus_key})
    federation = Federation(rus)
    began, cpu = time.perf_counter(), time.process_time()
    result = federation.accept(peer, lines)
    catchup_s, catchup_cpu_s = time.perf_counter() - began, time.process_time() - cpu
    with target.begin() as tx:
        received = len(tx.messages_for("RUS", catalogue=rus.hotline.catalogue, limit=entries + 10))
    target.close()
    print(
        json.dumps(
            {
                "bench": "catchup",
                "db": db,
                "entries": len(lines),
                "accepted": result.accepted,
                "refused": result.refused,
                "messages_applied": received,
                "catchup_s": round(catchup_s, 2),
                "catchup_cpu_s": round(catchup_cpu_s, 2),
                "entries_per_s": round(result.accepted / catchup_s),
                "source_signing_s": round(produce_s, 2),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
