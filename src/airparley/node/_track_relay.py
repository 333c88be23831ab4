"""Track states posted to any process reach every process's pictures (issue 18, PostgreSQL only).

A batch accepted by one process is written to ``track_relay`` with a ``NOTIFY`` (store/_track_relay.py) in
the request that posted it, before it is answered. Every process listens on a connection of its own; woken
(or once a second, in case a notification is lost), it reads the batches it has not applied, in
``relay_id`` order, adds the other processes' to its pictures and wakes the scan of their parties, as its
own post would. So the leader's non-response watches and every process's alerts, pictures and WebSockets
see every sensor's states, whichever process a sensor posts to.

``relay_id`` comes from a sequence, and transactions may commit out of its order: a batch with a lower id
may become visible after a higher one was read. A gap in the ids read is therefore waited for
(:data:`GAP_WAIT_S`) before the reader moves past it; an id that never comes (a rolled-back insert) costs
only that wait.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Final

from airparley.node._cluster import wake_listener
from airparley.node._state_keeper import decode, encode
from airparley.node._tracks import Row
from airparley.store._track_relay import TRACKS_CHANNEL, TrackRelayTable

if TYPE_CHECKING:
    from airparley.node._core import Node
    from airparley.node._scheduler import Wake

__all__ = ["GAP_WAIT_S", "TrackRelay"]

_log = logging.getLogger("airparley.node")

#: How long a gap in the relay ids is waited for before the reader moves past it.
GAP_WAIT_S: Final = 5.0
#: Batches are kept this long (a process reads them within a second or so; this is the slack).
KEEP_S: Final = 60.0
#: The listener reads without a notification this often, and prunes every this many reads.
POLL_S: Final = 1.0
_PRUNE_EVERY: Final = 30


class TrackRelay:
    """This process's side of the relay: what it sends, and the thread that applies the others' batches."""

    def __init__(self, node: Node, wake: Wake, conninfo: str) -> None:
        self._node = node
        self._wake = wake
        self._conninfo = conninfo
        self._table = TrackRelayTable(node.store.engine, f"{socket.gethostname()[:40]} pid {os.getpid()}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._horizon = 0  # every id up to here is applied (or given up)
        self._seen: set[int] = set()  # ids above the horizon already read
        self._gaps: dict[int, float] = {}  # a missing id above the horizon -> when it was first missed

    def start(self) -> None:
        self._horizon = self._table.newest()  # states posted before this process began are not its news
        self._node.pictures.relay = self.send
        self._thread = threading.Thread(target=self._listen, name="airparley-track-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._node.pictures.relay = None
        self._stop.set()
        if self._thread is not None:
            wake_listener(self._conninfo, TRACKS_CHANNEL)
            self._thread.join(timeout=5)

    def send(self, party: str, rows: list[Row]) -> None:
        self._table.put(party, encode(rows))

    def _listen(self) -> None:
        import psycopg

        reads = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {TRACKS_CHANNEL}")
                    while not self._stop.is_set():
                        self.catch_up()
                        reads += 1
                        if reads % _PRUNE_EVERY == 0:
                            self._table.prune(KEEP_S)
                        for _ in connection.notifies(timeout=POLL_S, stop_after=1):
                            pass
            except Exception:
                _log.warning("track relay: the database connection failed; retrying", exc_info=True)
                self._stop.wait(POLL_S)

    def catch_up(self) -> int:
        """Apply the other processes' batches not applied yet; how many states were added."""
        added = 0
        parties: set[str] = set()
        while True:
            batches = self._table.after(self._horizon)
            for batch in batches:
                if batch.relay_id in self._seen:
                    continue
                self._seen.add(batch.relay_id)
                self._gaps.pop(batch.relay_id, None)
                if batch.states is not None:
                    rows = decode(batch.states)
                    self._node.pictures.add_relayed(batch.party, rows)
                    parties.add(batch.party)
                    added += len(rows)
            moved = self._advance()
            if len(batches) < 500 or not moved:
                break
        for party in parties:
            self._wake.tracks(party)
        return added

    def _advance(self) -> bool:
        """Move the horizon past the ids read and the gaps waited for long enough; whether it moved."""
        if not self._seen:
            return False
        now = time.monotonic()
        top = max(self._seen)
        for missing in range(self._horizon + 1, top):
            if missing not in self._seen:
                self._gaps.setdefault(missing, now)
        start = self._horizon
        while self._horizon < top:
            following = self._horizon + 1
            if following in self._seen:
                self._seen.discard(following)
            elif now - self._gaps.get(following, now) >= GAP_WAIT_S:
                self._gaps.pop(following, None)
            else:
                break
            self._horizon = following
        return self._horizon != start
