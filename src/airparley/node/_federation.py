"""Federation: every node publishes the feeds of the parties it hosts and pulls the feeds of its peers'.

Trust (docs/federation.md): what a peer serves is never trusted. Each replicated entry is checked against
the public key of its party that this node's operator registered out of band (``airparley party add CODE
NAME --public-key HEX``), and must chain onto the entry this node already holds; an entry that contradicts
an accepted one (equivocation), or whose signature does not verify (forgery), is refused and kept as
evidence. Who may *read* a node's feeds is a separate question: another node presents a bearer token of the
``peer`` tier (``airparley officer add RUS "RUS node" --tier peer``), which opens the feed and hint routes
here and no officer route anywhere.

Endpoints (under ``/api/v1/ledger``): ``GET /{party}?after=SEQ&limit=N`` (peer token) a hosted party's entries
after ``seq``; ``POST /hint`` (peer token) ``{"party", "seq"}``: "my feed grew, pull now"; ``GET /evidence``
(officers of the hosted parties) what peers presented and this node refused.

Background work while the app is served: a puller (every ``peer_poll_s``, and at once after a hint) and a
pusher that hints every peer after each local commit that grew a hosted feed. A hint is best effort: a peer
that misses one pulls at its next poll, so an act never waits for the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Body, FastAPI, Query
from starlette.concurrency import run_in_threadpool

from airparley import bounds
from airparley.errors import (
    AirparleyError,
    Equivocation,
    InvalidInput,
    LedgerError,
    NotFound,
    PermissionDenied,
    SignatureInvalid,
)
from airparley.ledger import (
    PARTY_CODE,
    Entry,
    Kind,
    check,
    key_after,
    public_key_from_text,
    verify_next,
)
from airparley.node._access import Act, may
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._replica import Replicator
from airparley.store import Officer, Peer, Tx

__all__ = ["EVIDENCE_KINDS", "FEED_PAGE", "Federation", "PullResult", "federation_router"]

_log = logging.getLogger("airparley.federation")

FEED_PAGE: Final = 500
#: Replicated entries accepted per transaction.
ACCEPT_BATCH: Final = 250
"""Entries asked for per request while pulling (the feed route serves at most ``_FEED_LIMIT_MAX``)."""
_FEED_LIMIT_MAX: Final = 1000
#: A pull or a hint that takes longer than this counts as a failed link; the next poll tries again.
_PULL_TIMEOUT_S: Final = 10.0
_HINT_TIMEOUT_S: Final = 2.0
#: Pages fetched from one peer in one round, so one busy peer cannot starve the others.
_MAX_PAGES_PER_ROUND: Final = 20

# Evidence kinds: why a line a peer served was refused.
FORGED = "forged"
EQUIVOCATION = "equivocation"
BROKEN_CHAIN = "broken_chain"
MALFORMED = "malformed"
MISPLACED = "misplaced"
UNUSABLE = "unusable_body"
EVIDENCE_KINDS: Final = (FORGED, EQUIVOCATION, BROKEN_CHAIN, MALFORMED, MISPLACED, UNUSABLE)


@dataclass(frozen=True)
class PullResult:
    """What one batch of a peer's lines did: entries accepted, and whether a bad one stopped the batch."""

    accepted: int
    refused: bool


def _error_kind(error: LedgerError) -> str:
    if isinstance(error, Equivocation):
        return EQUIVOCATION
    if isinstance(error, SignatureInvalid):
        return FORGED
    # ChainBroken, or a time that goes back: the entry does not extend the feed this node holds.
    return BROKEN_CHAIN


class Federation:
    """The federation side of one node: serving its feeds, pulling its peers', hinting them."""

    def __init__(self, node: Node, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.node = node
        self.replicator = Replicator(node)
        self._transport = transport
        self._wake_pull: asyncio.Event | None = None
        self._wake_push: asyncio.Event | None = None
        # Heads already hinted to the peers, so a commit that grew no hosted feed sends nothing.
        self._hinted: dict[str, int] = {}
        # The peers the pusher hints, as read at most every peer_poll_s: it wakes after every commit, and the
        # list changes only when an operator adds or removes a peer (then hinted within peer_poll_s; the
        # puller reads the list afresh every round).
        self._hint_peers: tuple[float, list[Peer]] | None = None
        # Each replicated party's key in force after the entry with the given hash (read under the node's lock),
        # so that accepting an entry does not scan the feed for key rotations.
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = {}

    # -- serving -----------------------------------------------------------------------------------------
    def feed(self, party: str, after: int, limit: int) -> dict[str, Any]:
        """A hosted party's entries after ``after``. A node publishes only the feeds it signs: it never relays
        another party's feed (that party decides who reads it, through its own node)."""
        if party not in self.node.ledger.hosted:
            raise NotFound("feed", party)
        with self.node.store.begin() as tx:
            lines = tx.ledger_feed(party, after, limit)
        return {"party": party, "after": after, "entries": lines}

    def hint(self, party: str, seq: int) -> bool:
        """A peer says its party's feed has grown to ``seq``: whether that is news (then pull it now)."""
        with self.node.store.begin() as tx:
            peer = tx.peer(party)
            head = tx.ledger_head(party)
        if peer is None:
            raise NotFound("peer", party)
        return head is None or head.seq < seq

    def wake(self) -> None:
        """Start a pull round now (from the event loop's thread)."""
        if self._wake_pull is not None:
            self._wake_pull.set()

    def evidence(self, officer: Officer, party: str | None, limit: int) -> list[dict[str, Any]]:
        if not may(officer.tier, Act.READ_EVIDENCE) or officer.party not in self.node.ledger.hosted:
            raise PermissionDenied("the evidence is for the officers of the parties this node hosts")
        with self.node.store.begin() as tx:
            return [item.as_dict() for item in tx.evidence(party, limit)]

    # -- accepting what a peer served ----------------------------------------------------------------
    def accept(self, peer: Peer, lines: Sequence[str]) -> PullResult:
        """Verify, store and apply a peer's lines in order; stop at the first refused.

        Lines are taken ``ACCEPT_BATCH`` to a transaction (one commit, one fsync, for many entries: catching up
        after a partition is otherwise bound by the disk). If applying one of them fails (a bug, the
        database), that batch is rolled back and taken again one line to a transaction, so that everything
        before the failing line is kept, as it would be line by line.

        A refused line is kept as evidence and nothing after it is taken from this peer in this batch: a feed
        is a chain, and what follows a bad link cannot be placed."""
        accepted = 0
        for start in range(0, len(lines), ACCEPT_BATCH):
            batch = lines[start : start + ACCEPT_BATCH]
            try:
                taken, refused = self._accept_batch(peer, batch)
            except Exception:  # rolled back: line by line keeps what precedes the failing line
                taken, refused = 0, False
                for line in batch:
                    one, refused = self._accept_batch(peer, [line])  # the failing line raises again, to the caller
                    taken += one
                    if refused:
                        break
            accepted += taken
            if refused:
                return PullResult(accepted, refused=True)
        return PullResult(accepted, refused=False)

    def _accept_batch(self, peer: Peer, lines: Sequence[str]) -> tuple[int, bool]:
        """Lines in one transaction: how many were accepted, and whether one was refused (it ends the batch)."""
        accepted, refused = 0, False
        keys: dict[str, tuple[str, Ed25519PublicKey]] = {}
        with self.node.write() as tx:
            for line in lines:
                outcome = self._accept_line(tx, peer, line, keys)
                if outcome == "refused":
                    refused = True
                    break
                if outcome == "accepted":
                    accepted += 1
        # Only once committed: a rolled-back entry must not move the key on.
        self._keys.update(keys)
        return accepted, refused

    def _accept_line(self, tx: Tx, peer: Peer, line: str, keys: dict[str, tuple[str, Ed25519PublicKey]]) -> str:
        now = self.node.clock()

        def refuse(kind: str, reason: str, entry: Entry | None = None, other: Entry | None = None) -> str:
            recorded = tx.add_evidence(
                party=entry.party if entry is not None else peer.party,
                seq=entry.seq if entry is not None else None,
                kind=kind,
                peer=peer.party,
                url=peer.url,
                reason=reason,
                line=line,
                other_line=other.to_json() if other is not None else None,
                now=now,
            )
            if recorded:
                _log.warning("refused from peer %s (%s): %s: %s", peer.party, peer.url, kind, reason)
            return "refused"

        try:
            entry = Entry.from_json(line)
        except InvalidInput as error:
            return refuse(MALFORMED, error.describe())
        if entry.party != peer.party:
            return refuse(MISPLACED, f"{entry.party}#{entry.seq} was served as the feed of {peer.party}", entry)
        first_key = self._first_key(tx, peer.party)
        stored = tx.ledger_entry(entry.party, entry.seq)
        if stored is not None:
            if stored == entry:
                return "known"
            kind, reason = self._contradiction(tx, entry, first_key)
            return refuse(kind, reason, entry, stored)
        head = tx.ledger_head(entry.party)
        key = self._key_in_force(tx, head, first_key, keys)
        try:
            verify_next(head if head is not None else entry.party, entry, key)
        except LedgerError as error:
            return refuse(_error_kind(error), str(error), entry)
        try:
            writes = self.replicator.prepare(tx, entry)
        except (AirparleyError, TypeError, ValueError, KeyError, AttributeError) as error:
            # Authentic and chained, so it is part of the party's feed and is kept (refusing it would stop
            # the feed here for good); what it says is not applied, and it is kept as evidence too.
            writes = None
            if not isinstance(error, InvalidInput):
                _log.warning("entry %s#%s: body not understood", entry.party, entry.seq, exc_info=error)
            reason = error.describe() if isinstance(error, InvalidInput) else f"{type(error).__name__}: {error}"
            refuse(UNUSABLE, reason, entry)
        tx.add_entry(entry)
        if writes is not None:
            writes(tx)
        keys[entry.party] = (entry.hash, key_after(entry, key))
        return "accepted"

    @staticmethod
    def _first_key(tx: Tx, party: str) -> Ed25519PublicKey:
        known = tx.party(party)
        if known is None or known.public_key is None:
            raise InvalidInput("public_key", f"no public key is registered for {party} on this node")
        return public_key_from_text(known.public_key, f"parties.{party}.public_key")

    def _key_in_force(
        self,
        tx: Tx,
        head: Entry | None,
        first_key: Ed25519PublicKey,
        pending: dict[str, tuple[str, Ed25519PublicKey]],
    ) -> Ed25519PublicKey:
        """The key that must sign the entry after ``head``: the party's first key, or the one its last accepted
        ``key.rotated`` entry announced (accepted rotations were signed by the key in force before them).
        ``pending`` holds what entries accepted earlier in the same, uncommitted, transaction moved it to."""
        if head is None:
            return first_key
        for known in (pending, self._keys):
            cached = known.get(head.party)
            if cached is not None and cached[0] == head.hash:
                return cached[1]
        rotations = tx.ledger_feed(head.party, -1, kind=Kind.KEY_ROTATED.value)
        key = key_after(Entry.from_json(rotations[-1]), first_key) if rotations else first_key
        self._keys[head.party] = (head.hash, key)
        return key

    @staticmethod
    def _contradiction(tx: Tx, entry: Entry, first_key: Ed25519PublicKey) -> tuple[str, str]:
        """Why an entry differs from the accepted one at its seq: the ledger's own verdict over the accepted
        feed up to that seq plus the newcomer (equivocation if the party really signed both)."""
        prefix = [Entry.from_json(line) for line in tx.ledger_feed(entry.party, -1, entry.seq + 1)]
        report = check([*prefix, entry], {entry.party: first_key})
        errors = [p.error for p in report.problems if p.position == len(prefix) + 1]
        for error in errors:
            if isinstance(error, Equivocation):
                return EQUIVOCATION, str(error)
        for error in errors:
            if isinstance(error, SignatureInvalid):
                return FORGED, str(error)
        return BROKEN_CHAIN, f"{entry.party}#{entry.seq} differs from the entry accepted at that seq"

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
                lines = response.json()["entries"]
                if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                    raise ValueError("entries is not a list of lines")
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                reason = f"{type(error).__name__}: {error}"
                _log.info("pull from peer %s (%s) failed: %s", peer.party, peer.url, reason)
                await run_in_threadpool(self._status, peer.party, reason)
                return accepted
            try:
                result = await run_in_threadpool(self.accept, peer, lines)
            except Exception as error:  # applying failed (a bug, the database): nothing of that entry was kept
                _log.exception("applying entries from peer %s failed", peer.party)
                await run_in_threadpool(self._status, peer.party, f"could not apply: {type(error).__name__}: {error}")
                return accepted
            accepted += result.accepted
            if result.refused:
                await run_in_threadpool(self._status, peer.party, "refused an entry: see airparley ledger evidence")
                return accepted
            if len(lines) < FEED_PAGE or result.accepted == 0:
                break
        await run_in_threadpool(self._status, peer.party, None)
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

        app.state.federation = self
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


# -- routes --------------------------------------------------------------------------------------------
def federation_router(node: Node, transport: httpx.AsyncBaseTransport | None = None) -> APIRouter:
    """The ledger federation routes, with the puller and the hint pusher as the router's lifespan."""
    federation = Federation(node, transport)
    router = APIRouter(prefix="/api/v1/ledger", tags=["federation"], lifespan=federation.running)

    @router.get("/evidence", summary="Entries peers presented and this node refused (officers of hosted parties)")
    async def evidence(
        who: Annotated[Officer, officer_for(Act.READ_EVIDENCE)],
        party: Annotated[str | None, Query(description="Only this party's entries.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> list[dict[str, Any]]:
        return await run_in_threadpool(federation.evidence, who, party, limit)

    @router.post("/hint", status_code=202, summary="A peer's feed grew: pull it now (peer token)")
    async def hint(
        _peer: Annotated[Officer, officer_for(Act.HINT_FEED)],
        party: Annotated[str, Body(pattern=f"^{PARTY_CODE.pattern}$")],
        seq: Annotated[int, Body(ge=0, le=bounds.MAX_CURSOR)],
    ) -> dict[str, Any]:
        if await run_in_threadpool(federation.hint, party, seq):
            federation.wake()
        return {"party": party, "seq": seq}

    @router.get("/{party}", summary="A hosted party's signed entries after a seq (peer token)")
    async def feed(
        _peer: Annotated[Officer, officer_for(Act.READ_FEED)],
        party: str,
        after: Annotated[
            int, Query(ge=-1, le=bounds.MAX_CURSOR, description="Entries with a greater seq; -1 from the start.")
        ] = -1,
        limit: Annotated[int, Query(ge=1, le=_FEED_LIMIT_MAX)] = FEED_PAGE,
    ) -> dict[str, Any]:
        return await run_in_threadpool(federation.feed, party, after, limit)

    return router
