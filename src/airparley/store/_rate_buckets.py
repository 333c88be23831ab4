"""Token buckets kept in PostgreSQL, so that every process of one node spends from the same budget (issue 18).

One row per key. A take is one statement, sent in autocommit: a CTE that locks the key's row
(``SELECT ... FOR UPDATE``), refills it, and writes the spend back, returning the tokens before the spend. Two
processes taking from one key therefore queue on its row, never on each other's keys, and never on the node's
write lock; and a request pays one round trip for its budget, not a transaction of four. A key with no row yet
(or one pruned since) gets one, full, and the take runs again. The clock is the database's
(``clock_timestamp()``), so processes on several machines with drifting clocks still refill a bucket at one rate.

SQLite needs none of this: it takes one process (``store/_locks.py``), which keeps its buckets in memory.
"""

from __future__ import annotations

import time
from typing import Final

from sqlalchemy import Engine, text

__all__ = ["RateBuckets"]

#: Refilled buckets are deleted at most this often by each process (a deleted bucket is what a new key
#: gets anyway: a full one), which bounds the table by the keys active within one refill time.
_PRUNE_EVERY_S: Final = 30.0

#: Lock the key's row and refill it by the database's clock; spend ``:cost`` from it, or, if
#: it holds less, nothing (``:partial`` false) or all it holds (``:partial`` true); return the refilled tokens.
#: Under READ COMMITTED a take that waited on the lock reads the row the other one wrote, and its UPDATE writes
#: over that same row version. A bucket's time never goes back (a clock read before a wait is older than the row).
_TAKE: Final = text(
    "WITH held AS ("
    " SELECT tokens, at_s, extract(epoch FROM clock_timestamp()) AS now_s FROM rate_buckets"
    " WHERE key = :key FOR UPDATE),"
    " refilled AS (SELECT least(:burst, tokens + greatest(0, now_s - at_s) * :rate) AS tokens,"
    " greatest(now_s, at_s) AS now_s FROM held),"
    " spent AS (UPDATE rate_buckets SET at_s = refilled.now_s, tokens = CASE"
    " WHEN refilled.tokens >= :cost THEN refilled.tokens - :cost"
    " WHEN :partial THEN 0 ELSE refilled.tokens END"
    " FROM refilled WHERE key = :key)"
    " SELECT tokens FROM refilled"
)
_CREATE: Final = text(
    "INSERT INTO rate_buckets (key, tokens, at_s) VALUES (:key, :burst, extract(epoch FROM clock_timestamp())) "
    "ON CONFLICT (key) DO NOTHING"
)
_READ: Final = text(
    "SELECT least(:burst, tokens + greatest(0, extract(epoch FROM clock_timestamp()) - at_s) * :rate) "
    "FROM rate_buckets WHERE key = :key"
)
_PRUNE: Final = text("DELETE FROM rate_buckets WHERE at_s < extract(epoch FROM clock_timestamp()) - :refill_s")


class RateBuckets:
    """Token buckets of ``rate_per_s`` and ``burst`` in the ``rate_buckets`` table of a PostgreSQL database."""

    def __init__(self, engine: Engine, rate_per_s: float, burst: int) -> None:
        # One statement a call, so no transaction around it: autocommit spares the BEGIN and COMMIT round trips.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._rate = rate_per_s
        self._burst = float(burst)
        self._pruned_at = time.monotonic()

    def take(self, key: str, cost: float, *, partial: bool = False) -> float:
        """Refill ``key``'s bucket and spend ``cost`` from it; return its tokens before the spend.

        A bucket holding less than ``cost`` gives nothing, or, with ``partial``, all it holds."""
        self._prune_now_and_then()
        values = {"key": key, "burst": self._burst, "rate": self._rate, "cost": float(cost), "partial": partial}
        with self._engine.connect() as connection:
            tokens = connection.execute(_TAKE, values).scalar_one_or_none()
            if tokens is None:  # no bucket yet: a full one, then the take (another process may have made it too)
                connection.execute(_CREATE, values)
                tokens = connection.execute(_TAKE, values).scalar_one()
        return float(tokens)

    def peek(self, key: str) -> float:
        """``key``'s tokens now, spending none (a full bucket if it has none)."""
        with self._engine.connect() as connection:
            tokens = connection.execute(_READ, {"key": key, "burst": self._burst, "rate": self._rate}).scalar()
        return self._burst if tokens is None else float(tokens)

    def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at < _PRUNE_EVERY_S:
            return
        self._pruned_at = now
        with self._engine.connect() as connection:
            connection.execute(_PRUNE, {"refill_s": self._burst / self._rate})
