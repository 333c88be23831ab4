"""Track states relayed between the processes of one node on PostgreSQL (issue 18).

A process that accepts a batch of track states writes it here (one row, the states compressed) and sends
``NOTIFY airparley_tracks`` in the same transaction; every other process reads the rows it did not write,
in ``relay_id`` order, into its own pictures. Rows older than a minute are deleted: a process down for
longer starts from what is posted after it is back, as a restarted process always has.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from sqlalchemy import Engine, text

__all__ = ["TRACKS_CHANNEL", "RelayedBatch", "TrackRelayTable"]

#: The ``LISTEN``/``NOTIFY`` channel that wakes the other processes when a batch is written.
TRACKS_CHANNEL: Final = "airparley_tracks"

_PUT: Final = text(
    "INSERT INTO track_relay (origin, party, at_s, states) "
    "VALUES (:origin, :party, extract(epoch FROM clock_timestamp()), :states)"
)
_NOTIFY: Final = text(f"NOTIFY {TRACKS_CHANNEL}")
# Another process's rows with their states; this one's without (it only needs their ids, to see no gap).
_AFTER: Final = text(
    "SELECT relay_id, party, CASE WHEN origin = :origin THEN NULL ELSE states END AS states "
    "FROM track_relay WHERE relay_id > :after ORDER BY relay_id LIMIT :limit"
)
_NEWEST: Final = text("SELECT coalesce(max(relay_id), 0) FROM track_relay")
_PRUNE: Final = text("DELETE FROM track_relay WHERE at_s < extract(epoch FROM clock_timestamp()) - :keep_s")


class RelayedBatch(NamedTuple):
    relay_id: int
    party: str
    states: bytes | None  # None: written by the process reading it


class TrackRelayTable:
    """The ``track_relay`` table, as the process ``origin`` writes and reads it."""

    def __init__(self, engine: Engine, origin: str) -> None:
        self._engine = engine
        self.origin = origin

    def put(self, party: str, states: bytes) -> None:
        with self._engine.begin() as connection:
            connection.execute(_PUT, {"origin": self.origin, "party": party, "states": states})
            connection.execute(_NOTIFY)

    def after(self, relay_id: int, limit: int = 500) -> list[RelayedBatch]:
        """The batches after ``relay_id``, oldest first (another process's with their states)."""
        with self._engine.begin() as connection:
            rows = connection.execute(_AFTER, {"origin": self.origin, "after": relay_id, "limit": limit})
            return [RelayedBatch(r.relay_id, r.party, None if r.states is None else bytes(r.states)) for r in rows]

    def newest(self) -> int:
        with self._engine.begin() as connection:
            return int(connection.execute(_NEWEST).scalar_one())

    def prune(self, keep_s: float) -> int:
        with self._engine.begin() as connection:
            return int(connection.execute(_PRUNE, {"keep_s": keep_s}).rowcount or 0)
