"""Federation: every node publishes the feeds of the parties it hosts and takes in its peers'.

Trust (docs/federation.md): what a peer serves is never trusted. Each replicated entry is checked against
the public key of its party that this node's operator registered out of band (``airparley party add CODE
NAME --public-key HEX``), and must chain onto the entry this node already holds; an entry that contradicts
an accepted one (equivocation), or whose signature does not verify (forgery), is refused and kept as
evidence. Who may *read* a node's feeds is a separate question: another node presents a bearer token of the
``peer`` tier (``airparley officer add RUS "RUS node" --tier peer``), which opens the feed and hint routes
here and no officer route anywhere.

:class:`Federation` is the service: it serves the hosted feeds, answers a peer's hint, lists the evidence,
and accepts a peer's lines (verify, refuse with evidence, in batches). The routes are
``node/_federation_routes.py``; the background puller and hint pusher are ``node/_sync.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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
    Entry,
    Kind,
    check,
    key_after,
    public_key_from_text,
    verify_next,
)
from airparley.node._access import Act, may
from airparley.node._core import Node
from airparley.node._replica import Replicator
from airparley.store import Officer, Peer, Tx

__all__ = ["ACCEPT_BATCH", "EVIDENCE_KINDS", "Federation", "PullResult"]

_log = logging.getLogger("airparley.federation")

#: Replicated entries accepted per transaction.
ACCEPT_BATCH: Final = 250

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


class _Held:
    """What one transaction's lines are checked against, read once a batch instead of once a line: the key
    registered for the peer's party, and the head of its feed as the transaction holds it.

    Both are read when first needed, where a line-by-line reading would first have read them, so an error
    (no key registered) surfaces at the same line. The head is the transaction's own after its first stored
    entry: every entry goes through ``tx.add_entry``, which keeps ``tx.heads``."""

    def __init__(self, tx: Tx, party: str) -> None:
        self.tx = tx
        self.party = party
        self._first_key: Ed25519PublicKey | None = None
        self._head: Entry | None = None
        self._head_read = False

    def first_key(self) -> Ed25519PublicKey:
        if self._first_key is None:
            self._first_key = Federation._first_key(self.tx, self.party)
        return self._first_key

    def head(self) -> Entry | None:
        written = self.tx.heads.get(self.party)
        if written is not None:
            return written
        if not self._head_read:
            self._head, self._head_read = self.tx.ledger_head(self.party), True
        return self._head

    def stored(self, seq: int) -> Entry | None:
        """The entry held at ``seq``; none can be past the head, so only a line at or before it is looked up."""
        head = self.head()
        if head is None or seq > head.seq:
            return None
        return self.tx.ledger_entry(self.party, seq)


class Federation:
    """The federation side of one node: serving its feeds, and accepting what its peers serve."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.replicator = Replicator(node)
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
            newest = tx.ledger_head(party)
        # the head tells a puller how far it has to go: its catch-up progress (node/_sync.py)
        return {"party": party, "after": after, "entries": lines, "head": None if newest is None else newest.seq}

    def hint(self, party: str, seq: int) -> bool:
        """A peer says its party's feed has grown to ``seq``: whether that is news (then pull it now)."""
        with self.node.store.begin() as tx:
            peer = tx.peer(party)
            head = tx.ledger_head(party)
        if peer is None:
            raise NotFound("peer", party)
        return head is None or head.seq < seq

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
            held = _Held(tx, peer.party)
            for line in lines:
                outcome = self._accept_line(tx, peer, line, keys, held)
                if outcome == "refused":
                    refused = True
                    break
                if outcome == "accepted":
                    accepted += 1
        # Only once committed: a rolled-back entry must not move the key on.
        self._keys.update(keys)
        return accepted, refused

    def _accept_line(
        self, tx: Tx, peer: Peer, line: str, keys: dict[str, tuple[str, Ed25519PublicKey]], held: _Held
    ) -> str:
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
        first_key = held.first_key()
        stored = held.stored(entry.seq)
        if stored is not None:
            if stored == entry:
                return "known"
            kind, reason = self._contradiction(tx, entry, first_key)
            return refuse(kind, reason, entry, stored)
        head = held.head()
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
