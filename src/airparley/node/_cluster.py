"""One node, many processes (PostgreSQL): who leads the scheduler, and how every process hears every event.

Leadership is a session-level advisory lock (``LEADER_KEY``) held on a connection of its own: the process
holding it does the scheduler's acts that must happen once (node/_scheduler.py, ``Node.tick``). PostgreSQL
drops the lock when that session ends (the process exits or is killed, or its connection breaks), and every
other process tries for it about once a second, so another takes over within a few seconds.

Events: each transaction that appends one also sends ``NOTIFY airparley_events`` (store/_events.py, with its
first INSERT); every process listens on a connection of its own and, when woken, and once a second in any case (a lost
notification, a broken connection), reads the events after the newest one its tail holds into the tail and
wakes its WebSocket streams. The write lock makes events commit in seq order, so that read misses none.

On SQLite there is one process (store/_locks.py): it always leads, and its own commits fill its tail.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from airparley.node._core import Node
from airparley.store import EVENTS_CHANNEL, LEADER_KEY

__all__ = ["Cluster", "wake_listener"]

_log = logging.getLogger("airparley.node")

#: How often a follower tries for the leadership, and the listener reads the database without a notification.
RETRY_S = 1.0
#: Events read per query while catching up.
_BATCH = 500


def wake_listener(conninfo: str, channel: str) -> None:
    """Wake whoever waits on ``channel`` now: a stopping listener thread, instead of its next poll (up to a
    second, which every stop of a PostgreSQL node, in the tests hundreds of them, waited). Listeners of the
    other processes wake too, read nothing new and wait again. Best effort: the stop's join is bounded."""
    import psycopg

    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as connection:
            connection.execute(f"NOTIFY {channel}")  # a constant of ours, not input
    except psycopg.Error:
        _log.debug("could not wake the %s listener; it stops at its next poll", channel, exc_info=True)


def _conninfo(node: Node) -> str | None:
    """A libpq URL for the node's PostgreSQL database, or None on SQLite."""
    url = node.store.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Cluster:
    """This process's part in the node: its leadership and its event listener (both idle on SQLite)."""

    def __init__(self, node: Node, retry_s: float = RETRY_S) -> None:
        self._node = node
        self._conninfo = _conninfo(node)
        self._retry_s = retry_s
        self._leader: Any = None  # the psycopg connection holding LEADER_KEY, while this process leads
        self._leader_lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes may share the database (PostgreSQL)."""
        return self._conninfo is not None

    def start(self) -> None:
        if self._conninfo is not None and self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="airparley-events-listener", daemon=True)
            self._listener.start()

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            assert self._conninfo is not None  # the listener runs on PostgreSQL only
            wake_listener(self._conninfo, EVENTS_CHANNEL)
            self._listener.join(timeout=5)
        with self._leader_lock:
            self._drop_leader()

    # -- leadership ----------------------------------------------------------------------------------
    def leading(self) -> bool:
        """Whether this process leads now: it holds the lock and its connection still answers (then the lock
        is still held: PostgreSQL drops it only with the session), or it has just taken the free lock.

        Blocking (a round trip): call it from a thread, just before the acts it guards."""
        if self._conninfo is None:
            return True
        import psycopg

        with self._leader_lock:
            if self._stop.is_set():
                # A scheduler tick racing the stop must not take a lock (and a connection) nobody will release.
                return False
            try:
                if self._leader is not None:
                    self._leader.execute("SELECT 1").fetchone()
                    return True
                # Named, so an operator (and the tests) can see which process leads: pg_stat_activity.
                name = f"airparley leader pid {os.getpid()}"
                connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5, application_name=name)
                try:
                    row = connection.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,)).fetchone()
                except BaseException:
                    connection.close()
                    raise
                if row is not None and row[0]:
                    self._leader = connection
                    _log.info("scheduler: this process now leads (PostgreSQL advisory lock %d)", LEADER_KEY)
                    return True
                connection.close()
                return False
            except psycopg.Error as error:
                if self._leader is not None:
                    _log.warning("scheduler: lost the leadership with its connection: %s", error)
                self._drop_leader()
                return False

    def _drop_leader(self) -> None:
        if self._leader is not None:
            try:
                self._leader.close()  # the session ends: PostgreSQL releases the lock for the next process
            except Exception:  # already broken: nothing more to release
                _log.debug("scheduler: closing the leader's connection failed", exc_info=True)
            self._leader = None

    # -- events from every process -------------------------------------------------------------------
    def _listen(self) -> None:
        import psycopg

        assert self._conninfo is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {EVENTS_CHANNEL}")
                    while not self._stop.is_set():
                        self.catch_up()
                        # Woken by a commit's NOTIFY, or after RETRY_S without one (a poll, in case one is lost).
                        for _ in connection.notifies(timeout=self._retry_s, stop_after=1):
                            pass
            except Exception:
                _log.warning("events listener: the database connection failed; retrying", exc_info=True)
                self._stop.wait(self._retry_s)

    def catch_up(self) -> int:
        """Read the events committed after the newest one the tail holds into the tail, and wake the
        WebSocket streams if there were any. Returns how many were read."""
        tail = self._node.store.tail
        if tail is None:
            return 0
        read = 0
        while True:
            newest = tail.newest()
            if newest is None:
                return read
            with self._node.store.begin() as tx:
                events = tx.events_after(newest, _BATCH)
            if events:
                tail.add(events)
                read += len(events)
            if len(events) < _BATCH:
                break
        if read:
            self._node.events_arrived()
        return read
