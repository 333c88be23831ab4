"""Token buckets kept in PostgreSQL, so that every process of one node spends from the same budget (issue 18).

One row per key. A take is one short transaction: an ``INSERT ... ON CONFLICT DO UPDATE`` that either
creates the key's bucket full or locks its row and returns it, then the refill and the spend computed under
that row lock and written back. Two processes taking from one key therefore queue on its row, never on each
other's keys, and never on the node's write lock. The clock is the database's (``clock_timestamp()``), so
processes on several machines with drifting clocks still refill a bucket at one rate.

SQLite needs none of this: it takes one process (``store/_locks.py``), which keeps its buckets in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from sqlalchemy import Engine, text

__all__ = ["RateBuckets"]

#: Refilled buckets are deleted at most this often by each process (a deleted bucket is what a new key
#: gets anyway: a full one), which bounds the table by the keys active within one refill time.
_PRUNE_EVERY_S: Final = 30.0

_LOCK_OR_CREATE: Final = text(
    "INSERT INTO rate_buckets (key, tokens, at_s) VALUES (:key, :burst, extract(epoch FROM clock_timestamp())) "
    "ON CONFLICT (key) DO UPDATE SET key = excluded.key "
    "RETURNING tokens, at_s, extract(epoch FROM clock_timestamp()) AS now_s"
)
_WRITE: Final = text("UPDATE rate_buckets SET tokens = :tokens, at_s = :now_s WHERE key = :key")
_READ: Final = text(
    "SELECT tokens, at_s, extract(epoch FROM clock_timestamp()) AS now_s FROM rate_buckets WHERE key = :key"
)
_PRUNE: Final = text("DELETE FROM rate_buckets WHERE at_s < extract(epoch FROM clock_timestamp()) - :refill_s")


class RateBuckets:
    """Token buckets of ``rate_per_s`` and ``burst`` in the ``rate_buckets`` table of a PostgreSQL database."""

    def __init__(self, engine: Engine, rate_per_s: float, burst: int) -> None:
        self._engine = engine
        self._rate = rate_per_s
        self._burst = float(burst)
        self._pruned_at = time.monotonic()

    def take(self, key: str, spend: Callable[[float], float]) -> float:
        """Refill ``key``'s bucket, replace its tokens ``t`` with ``spend(t)``; return ``t`` (before spending)."""
        self._prune_now_and_then()
        with self._engine.begin() as connection:
            row = connection.execute(_LOCK_OR_CREATE, {"key": key, "burst": self._burst}).one()
            tokens = self._refilled(row.tokens, row.at_s, row.now_s)
            connection.execute(_WRITE, {"key": key, "tokens": spend(tokens), "now_s": row.now_s})
        return tokens

    def peek(self, key: str) -> float:
        """``key``'s tokens now, spending none (a full bucket if it has none)."""
        with self._engine.begin() as connection:
            row = connection.execute(_READ, {"key": key}).one_or_none()
        return self._burst if row is None else self._refilled(row.tokens, row.at_s, row.now_s)

    def _refilled(self, tokens: float, at_s: float, now_s: float) -> float:
        return min(self._burst, float(tokens) + max(0.0, float(now_s) - float(at_s)) * self._rate)

    def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at < _PRUNE_EVERY_S:
            return
        self._pruned_at = now
        with self._engine.begin() as connection:
            connection.execute(_PRUNE, {"refill_s": self._burst / self._rate})
