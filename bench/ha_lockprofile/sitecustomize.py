"""Where a write's time goes in ``airparley serve`` (issue 18): ``bench/ha.py --stress --lock-profile DIR``.

Python loads this as ``sitecustomize`` at start-up when its folder is on ``PYTHONPATH``; it measures only a
``serve`` process, and only when ``AIRPARLEY_LOCK_PROFILE`` names a folder. Each ``Node.write`` appends one line
to ``DIR/<pid>.tsv`` (ms: the wait for the process's own write lock, the wait for PostgreSQL's node-wide lock,
the act under it, the commit, the whole hold, SQL time under the lock; then the number of statements run
under it), and ``DIR/<pid>.tsv.stm`` lists those statements by total time. ``summary.py DIR`` sums the lines up.
A benchmark aid, not part of airparley: it wraps ``Node.write`` and ``serialise_writes`` by monkeypatching.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

if os.environ.get("AIRPARLEY_LOCK_PROFILE") and "serve" in sys.argv:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    import airparley.node._core as core
    import airparley.store._base as base
    import airparley.store._events as events
    import airparley.store._ledger as ledger
    import airparley.store._locks as locks

    _local = threading.local()
    _rows: list[str] = []
    _statements: dict[str, tuple[int, float]] = {}
    _out = os.path.join(os.environ["AIRPARLEY_LOCK_PROFILE"], f"{os.getpid()}.tsv")

    def _flush() -> None:
        if _rows:
            with open(_out, "a") as f:
                f.write("".join(_rows))
            _rows.clear()
        with open(_out + ".stm", "w") as f:
            for text, (n, took) in sorted(_statements.items(), key=lambda x: -x[1][1]):
                f.write(f"{n}\t{took * 1000:.1f}\t{text}\n")

    atexit.register(_flush)
    _serialise = locks.serialise_writes

    def _timed_serialise(connection: Any) -> None:
        transaction = connection.get_transaction()
        if transaction is not None and connection.info.get(locks._SERIALISED) is transaction:
            return
        began = time.perf_counter()
        _serialise(connection)
        record = getattr(_local, "record", None)
        if record is not None:
            record["lock0"], record["lock1"] = began, time.perf_counter()

    for module in (locks, base, events, ledger):
        module.serialise_writes = _timed_serialise  # type: ignore[attr-defined]

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        record = getattr(_local, "record", None)
        if record is not None:
            record["began"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        record = getattr(_local, "record", None)
        if record is None or "began" not in record:
            return
        took = time.perf_counter() - record.pop("began")
        if "lock0" in record and "pg_advisory_xact_lock" not in statement:
            record["sql"] += took
            record["n"] += 1
            text = " ".join(statement.split()[:4])[:60]
            n, total = _statements.get(text, (0, 0.0))
            _statements[text] = (n + 1, total + took)

    def _write(self: Any, *, serialised: bool = True) -> Any:
        @contextmanager
        def timed() -> Iterator[Any]:
            record: dict[str, float] = {"t0": time.perf_counter(), "sql": 0.0, "n": 0}
            with self._lock:
                record["plock"] = time.perf_counter()
                _local.record = record
                try:
                    with self.store.begin() as tx:
                        if serialised:
                            tx.serialise_writes()
                        yield tx
                        record["act"] = time.perf_counter()
                    record["end"] = time.perf_counter()
                finally:
                    _local.record = None
                self._notify()
            if "end" in record and "lock1" in record:
                figures = (
                    record["plock"] - record["t0"],
                    record["lock1"] - record["lock0"],
                    record["act"] - record["lock1"],
                    record["end"] - record["act"],
                    record["end"] - record["lock1"],
                    record["sql"],
                    record["n"] / 1000,  # printed x 1000 with the times: the count
                )
                _rows.append("\t".join(f"{x * 1000:.3f}" for x in figures) + "\n")
                if len(_rows) >= 100:
                    _flush()

        return timed()

    core.Node.write = _write  # type: ignore[method-assign]
