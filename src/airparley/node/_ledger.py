"""The node's side of the ledger: every shared act is signed by its party and stored in the act's transaction.

A node holds the private keys only of the parties it hosts. An act by a party whose key the node does not
hold is refused, because an act without its entry would be an act that party could later deny.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley.errors import InvalidInput, PermissionDenied
from airparley.ledger import Entry, Kind, append, public_key_to_text
from airparley.store import Tx

__all__ = ["LedgerWriter", "key_in_force", "rotate_key"]


class LedgerWriter:
    def __init__(self, keys: Mapping[str, Ed25519PrivateKey]) -> None:
        self._keys = dict(keys)

    @property
    def hosted(self) -> frozenset[str]:
        return frozenset(self._keys)

    def record(self, tx: Tx, party: str, kind: Kind, body: Mapping[str, Any], now: datetime) -> Entry:
        """Sign ``body`` as ``party``'s next entry of ``kind`` and store it in ``tx``."""
        key = self._keys.get(party)
        if key is None:
            raise PermissionDenied(f"this node does not hold {party}'s signing key, so it cannot record {party}'s acts")
        # The heads as cached after commits, checked against the database in this transaction (one query).
        head, heads = tx.ledger_chain(party)
        seen = {other: newest.hash for other, newest in heads.items() if other != party}
        # A feed's time never goes back: a clock stepped back is clamped to the newest entry's time.
        moment = max(now, head.time) if head is not None else now
        entry = append(head if head is not None else party, kind, body, seen=seen, now=moment, signing_key=key)
        tx.add_entry(entry)
        return entry

    def record_hosted(
        self, tx: Tx, parties: list[str] | tuple[str, ...], kind: Kind, body: Mapping[str, Any], now: datetime
    ) -> None:
        """A system act (a deadline, a lapse) recorded by every one of ``parties`` this node hosts."""
        for party in parties:
            if party in self._keys:
                self.record(tx, party, kind, body, now)


def key_in_force(tx: Tx, party: str) -> str | None:
    """The public key (hex) that must sign ``party``'s next entry: the one its newest ``key.rotated`` entry
    announced, else the key registered for it (its first key); None if neither is known."""
    rotations = tx.ledger_feed(party, -1, kind=Kind.KEY_ROTATED.value)
    if rotations:
        return str(Entry.from_json(rotations[-1]).body["public_key"])
    known = tx.party(party)
    return None if known is None else known.public_key


def rotate_key(
    tx: Tx, party: str, old_key: Ed25519PrivateKey, new_key: Ed25519PrivateKey, now: datetime, reason: str
) -> Entry:
    """Announce ``new_key`` in ``party``'s feed: a ``key.rotated`` entry signed by ``old_key``, the key in
    force, so every verifier and peer holding only the party's first key follows the chain to the new one.

    The registered key stays the party's first key: verifiers need that one, and the feed leads from it."""
    head, _ = tx.ledger_chain(party)
    if head is None:
        raise InvalidInput("party", f"{party} has no ledger entries: there is no feed to announce a new key in")
    if public_key_to_text(old_key) != key_in_force(tx, party):
        raise InvalidInput(
            "party",
            f"the key file of {party} is not the key in force for its feed, so it cannot sign the rotation",
        )
    return LedgerWriter({party: old_key}).record(
        tx, party, Kind.KEY_ROTATED, {"public_key": public_key_to_text(new_key), "reason": reason}, now
    )
