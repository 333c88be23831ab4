"""Keeping track states for replay (``node/_replay.py`` rebuilds pictures from them).

Each party's own accepted track states (``node/_tracks.Pictures`` tells :class:`StateKeeper` of every batch)
wait in memory until the next scheduler tick, which writes them as **one row per party**
(``track_state_batches``, the states zlib-compressed JSON) and deletes the rows older than ``track_keep_s``.
A posted batch costs a list append; the database sees one INSERT a second per party, not one per state
(20,000 tracks at 1 Hz: see ``docs/replay.md`` for the measured cost). ``track_keep_s`` 0 keeps none. What
waits is bounded (:data:`MAX_PENDING` states per party; beyond it, states are not kept).
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Final

from airparley.node._tracks import Row
from airparley.store import Tx

__all__ = ["MAX_PENDING", "StateKeeper", "decode", "encode"]

_log = logging.getLogger("airparley.node")

#: States of one party waiting for the next flush, at most: 20,000 tracks for 10 s of ticks that failed.
MAX_PENDING: Final = 200_000
_TIME: Final = 2


def encode(rows: Sequence[Row]) -> bytes:
    """A batch as kept: JSON rows in ``TrackState``'s field order, compressed (level 1: the flush is hot)."""
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)


def decode(blob: bytes) -> list[Row]:
    return [tuple(r) for r in json.loads(zlib.decompress(blob))]


class StateKeeper:
    """Each party's accepted states since the last flush, and the flush that keeps them (thread-safe)."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._pending: dict[str, list[Row]] = {}
        self._dropped: dict[str, int] = {}
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None

    def add(self, party: str, rows: list[Row]) -> None:
        if self.keep_s <= 0:
            return
        with self._lock:
            pending = self._pending.setdefault(party, [])
            room = MAX_PENDING - len(pending)
            pending.extend(rows[:room] if room < len(rows) else rows)
            if room < len(rows):
                self._dropped[party] = self._dropped.get(party, 0) + len(rows) - max(room, 0)

    def flush_in_background(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> None:
        """:meth:`flush` in a thread of its own, unless the last one is still writing (then the next call takes
        what waits). The running scheduler's way: a flush of 20,000 states (encoding, INSERT, fsync) took 0.1 to
        0.5 s on a busy machine, and in the scheduler's loop it delayed every party's next scan by as much."""
        with self._lock:
            if self._writer is not None and self._writer.is_alive():
                return
            self._writer = threading.Thread(
                target=self._flush_logged, args=(begin, now), name="airparley-replay-keeper", daemon=True
            )
            self._writer.start()

    def join(self, timeout_s: float = 10.0) -> None:
        """Wait for a background flush under way (a node closing its store; tests)."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout_s)

    def _flush_logged(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> None:
        try:
            self.flush(begin, now)
        except Exception:
            _log.exception("replay: keeping track states failed; those states are not kept")

    def flush(self, begin: Callable[[], AbstractContextManager[Tx]], now: datetime) -> int:
        """Write each party's waiting states as one batch, and forget batches older than ``keep_s``; how many
        states were written. The batches are encoded before the transaction (``begin``) opens, so the database
        is held only for the INSERTs. If the transaction fails, those states are not kept: replay is a record,
        not the live picture, and must not hold the scheduler back."""
        with self._lock:
            pending, self._pending = self._pending, {}
            dropped, self._dropped = self._dropped, {}
        for party, count in dropped.items():
            _log.warning("replay: %d track states of %s not kept (more than %d waited)", count, party, MAX_PENDING)
        batches = []
        for party, rows in sorted(pending.items()):
            times = [r[_TIME] for r in rows]
            batches.append((party, min(times), max(times), len(rows), encode(rows)))
        if not batches and self.keep_s <= 0:
            return 0
        with begin() as tx:
            for batch in batches:
                tx.put_state_batch(*batch)
            if self.keep_s > 0:
                tx.forget_state_batches_before(now.timestamp() - self.keep_s)
        return sum(batch[3] for batch in batches)
