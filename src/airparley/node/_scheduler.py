"""The scheduler: the node's ticks at a fixed rate, and a party's tactical scan as soon as its states are in.

With several processes on one PostgreSQL database, each runs a scheduler, and only the one holding the
leadership (node/_cluster.py) does the acts that must happen once; the others take over when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from functools import partial

from starlette.concurrency import run_in_threadpool

from airparley.node._cluster import Cluster
from airparley.node._cluster import _conninfo as cluster_conninfo
from airparley.node._core import Node
from airparley.node._track_relay import TrackRelay

__all__ = ["Wake", "run_scheduler"]

_log = logging.getLogger("airparley.node")


class Wake:
    """Tells the scheduler, from the request threads, whose new track states are in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parties: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._event = loop, asyncio.Event()

    def tracks(self, party: str) -> None:
        with self._lock:
            self._parties.add(party)
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout_s: float) -> None:
        assert self._event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(0.0, timeout_s))
        self._event.clear()

    def take(self) -> set[str]:
        with self._lock:
            parties, self._parties = self._parties, set()
        return parties


async def run_scheduler(node: Node, wake: Wake) -> None:
    """Deadlines, re-rings and escalations (state lives in the store, so a restart loses none), and the
    tactical scans.

    Ticks come at a fixed rate (every ``scheduler_interval_s`` from the first, however long each took). In
    between, a party's picture is scanned as soon as its new states are in, so an alert reaches its desk
    about one ingest and one scan after the state that raised it, not up to two intervals later; the next
    tick then leaves out the parties scanned within the last half interval.

    Before each tick the process asks whether it leads (on SQLite: always); a follower tries for the lead at
    every tick, so it takes over about one interval after the leader's session ends. It also listens for
    the other processes' events (node/_cluster.py) while it runs."""
    cluster = Cluster(node)
    node.keep_states_in_background = True  # kept track states are written beside the ticks (node/_replay.py)
    await run_in_threadpool(cluster.start)
    # A follower's scans write nothing from its start (the leader writes what they find), not from its first tick.
    node.tactical.lead(await run_in_threadpool(cluster.leading))
    conninfo = cluster_conninfo(node)
    relay = TrackRelay(node, wake, conninfo) if conninfo is not None else None  # PostgreSQL: many processes
    if relay is not None:
        await run_in_threadpool(relay.start)
    try:
        await _run(node, wake, cluster)
    finally:
        if relay is not None:
            await asyncio.shield(run_in_threadpool(relay.stop))
        await asyncio.shield(run_in_threadpool(cluster.stop))
        # A flush of kept states may still be writing in its own thread; the node's store closes after the
        # scheduler, and a transaction cut off by that close leaves its connection outside the pool, open.
        node.keep_states_in_background = False
        await asyncio.shield(run_in_threadpool(node.state_keeper.join))


async def _run(node: Node, wake: Wake, cluster: Cluster) -> None:
    loop = asyncio.get_running_loop()
    interval = node.settings.scheduler_interval_s
    gather = node.settings.scan_gather_s  # a radar's scan comes in several posts: let them land together
    due = loop.time() + interval
    while True:
        await wake.wait(due - loop.time())
        try:
            if loop.time() >= due - gather:
                await asyncio.sleep(max(0.0, due - loop.time()))
                due = max(due + interval, loop.time() + gather)  # late: skip, never bunch up
                fresh = wake.take()
                leader = await run_in_threadpool(cluster.leading)
                tick = partial(node.tick, skip_scanned_within_s=interval / 2, fresh=fresh, leader=leader)
                await run_in_threadpool(tick)
            else:
                await asyncio.sleep(gather)
                parties = wake.take()
                if parties:
                    await run_in_threadpool(node.scan_tracks, parties)
        except Exception:  # a failed tick must not stop the next one; it is logged, then retried
            _log.exception("scheduler tick failed")
