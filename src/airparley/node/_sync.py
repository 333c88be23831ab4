"""Federation's background work while the app is served: a puller and a hint pusher.

The puller fetches each peer's feed (every ``peer_poll_s``, and at once after a hint) and hands its lines to
:meth:`Federation.accept <airparley.node._federation.Federation.accept>`; the pusher hints every peer after
each local commit that grew a hosted feed. A hint is best effort: a peer that misses one pulls at its next
poll, so an act never waits for the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Final

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from airparley.node._federation import Federation
from airparley.node._incident_fetch import fetch_disclosed
from airparley.store import Peer

__all__ = ["FEED_PAGE", "FederationSync"]

_log = logging.getLogger("airparley.federation")

#: Entries asked for per request while pulling (the feed route serves at most 1000).
FEED_PAGE: Final = 500
#: A pull or a hint that takes longer than this counts as a failed link; the next poll tries again.
_PULL_TIMEOUT_S: Final = 10.0
_HINT_TIMEOUT_S: Final = 2.0
#: Pages fetched from one peer in one round, so one busy peer cannot starve the others.
_MAX_PAGES_PER_ROUND: Final = 20


def _log_catch_up(party: str, reached: int, head: object, accepted: int) -> bool:
    """Catch-up progress in the node log, for a page of a feed that is still behind; whether it was.

    ``reached`` is the seq of the page's last entry and ``head`` the serving node's newest (``None`` from a
    node older than the ``head`` field: no progress to tell). A feed within one page says nothing: that is
    ordinary replication, not a catch-up."""
    if not accepted or isinstance(head, bool) or not isinstance(head, int) or reached >= head:
        return False
    _log.info("catching up with %s: #%d of #%d (%d%%)", party, reached, head, 100 * reached // head)
    return True


class FederationSync:
    """Pulls a node's peers' feeds and hints them of its own, for one :class:`Federation`."""

    def __init__(self, federation: Federation, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.federation = federation
        self.node = federation.node
        self._transport = transport
        self._wake_pull: asyncio.Event | None = None
        self._wake_push: asyncio.Event | None = None
        # Heads already hinted to the peers, so a commit that grew no hosted feed sends nothing.
        self._hinted: dict[str, int] = {}
        # The peers the pusher hints, as read at most every peer_poll_s: it wakes after every commit, and the
        # list changes only when an operator adds or removes a peer (then hinted within peer_poll_s; the
        # puller reads the list afresh every round).
        self._hint_peers: tuple[float, list[Peer]] | None = None

    def wake(self) -> None:
        """Start a pull round now (from the event loop's thread)."""
        if self._wake_pull is not None:
            self._wake_pull.set()

    # -- pulling ---------------------------------------------------------------------------------------
    def _peers(self) -> list[Peer]:
        with self.node.store.begin() as tx:
            return [p for p in tx.peers() if p.party not in self.node.ledger.hosted]

    def _after(self, party: str) -> int:
        """Ask from the accepted head itself: served again, it must be the same entry, which is how a peer that
        rewrote its newest entry (equivocation) is caught."""
        with self.node.store.begin() as tx:
            head = tx.ledger_head(party)
        return -1 if head is None else head.seq - 1

    def _status(self, party: str, error: str | None) -> None:
        with self.node.store.begin() as tx:
            tx.peer_status(party, self.node.clock(), error)

    async def pull(self, client: httpx.AsyncClient, peer: Peer) -> int:
        """Pull one peer until it has nothing new (or a bad entry stops it); returns entries accepted."""
        accepted = 0
        behind = still_behind = False
        for _ in range(_MAX_PAGES_PER_ROUND):
            after = await run_in_threadpool(self._after, peer.party)
            try:
                response = await client.get(
                    f"{peer.url}/api/v1/ledger/{peer.party}",
                    params={"after": after, "limit": FEED_PAGE},
                    headers={"Authorization": f"Bearer {peer.token}"},
                    timeout=_PULL_TIMEOUT_S,
                )
                response.raise_for_status()
                page = response.json()
                lines = page["entries"]
                if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                    raise ValueError("entries is not a list of lines")
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                reason = f"{type(error).__name__}: {error}"
                _log.info("pull from peer %s (%s) failed: %s", peer.party, peer.url, reason)
                await run_in_threadpool(self._status, peer.party, reason)
                return accepted
            try:
                result = await run_in_threadpool(self.federation.accept, peer, lines)
            except Exception as error:  # applying failed (a bug, the database): nothing of that entry was kept
                _log.exception("applying entries from peer %s failed", peer.party)
                await run_in_threadpool(self._status, peer.party, f"could not apply: {type(error).__name__}: {error}")
                return accepted
            accepted += result.accepted
            still_behind = _log_catch_up(peer.party, after + len(lines), page.get("head"), result.accepted)
            behind = behind or still_behind
            if result.refused:
                await run_in_threadpool(self._status, peer.party, "refused an entry: see airparley ledger evidence")
                return accepted
            if len(lines) < FEED_PAGE or result.accepted == 0:
                break
        if behind and not still_behind:
            _log.info("caught up with %s: %d entries accepted this round", peer.party, accepted)
        await run_in_threadpool(self._status, peer.party, None)
        await fetch_disclosed(self.node, client, peer)  # incident records this peer disclosed to hosted parties
        return accepted

    async def pull_all(self, client: httpx.AsyncClient) -> None:
        peers = await run_in_threadpool(self._peers)
        await asyncio.gather(*(self.pull(client, peer) for peer in peers))

    # -- hinting -----------------------------------------------------------------------------------------
    def _hosted_heads(self) -> dict[str, int]:
        with self.node.store.begin() as tx:
            heads = {party: tx.ledger_head(party) for party in sorted(self.node.ledger.hosted)}
        return {party: head.seq for party, head in heads.items() if head is not None}

    async def push_hints(self, client: httpx.AsyncClient) -> None:
        """Tell every peer about each hosted feed that grew since the last hint (best effort, concurrent)."""
        now = time.monotonic()
        if self._hint_peers is None or now - self._hint_peers[0] >= self.node.settings.peer_poll_s:
            self._hint_peers = (now, await run_in_threadpool(self._peers))
        peers = self._hint_peers[1]
        if not peers:  # a hub, or a node not federated yet: nothing to tell anyone
            return
        heads = await run_in_threadpool(self._hosted_heads)
        grown = {party: seq for party, seq in heads.items() if self._hinted.get(party) != seq}
        if not grown:
            return
        self._hinted.update(grown)
        await asyncio.gather(
            *(self._hint(client, peer, party, seq) for peer in peers for party, seq in grown.items()),
        )

    async def _hint(self, client: httpx.AsyncClient, peer: Peer, party: str, seq: int) -> None:
        try:
            await client.post(
                f"{peer.url}/api/v1/ledger/hint",
                json={"party": party, "seq": seq},
                headers={"Authorization": f"Bearer {peer.token}"},
                timeout=_HINT_TIMEOUT_S,
            )
        except httpx.HTTPError as error:  # the peer's next poll will find the entries anyway
            _log.debug("hint to peer %s (%s) failed: %s", peer.party, peer.url, error)

    # -- the background tasks ----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self, app: FastAPI) -> AsyncIterator[None]:
        """Pull and hint while the app is served (the router's lifespan)."""
        loop = asyncio.get_running_loop()
        self._wake_pull, self._wake_push = asyncio.Event(), asyncio.Event()
        wake_push = self._wake_push

        def committed() -> None:  # called by the node after each commit, from a worker thread
            loop.call_soon_threadsafe(wake_push.set)

        app.state.federation = self.federation
        self.node.subscribe(committed)
        async with httpx.AsyncClient(transport=self._transport) as client:
            tasks = [asyncio.create_task(self._puller(client)), asyncio.create_task(self._pusher(client))]
            try:
                yield
            finally:
                self.node.unsubscribe(committed)
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _puller(self, client: httpx.AsyncClient) -> None:
        assert self._wake_pull is not None
        while True:
            # Cleared before the round: a hint that arrives during it causes another round.
            self._wake_pull.clear()
            try:
                await self.pull_all(client)
            except Exception:  # a failed round must not stop the next one; it is logged, then retried
                _log.exception("federation pull round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_pull.wait(), timeout=self.node.settings.peer_poll_s)

    async def _pusher(self, client: httpx.AsyncClient) -> None:
        assert self._wake_push is not None
        while True:
            self._wake_push.clear()
            try:
                await self.push_hints(client)
            except Exception:
                _log.exception("federation hints failed")
            await self._wake_push.wait()
