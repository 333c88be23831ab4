"""Peers (other parties' nodes this node pulls from) and the evidence of entries they presented and were refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update

from airparley.errors import InvalidInput
from airparley.store import _schema as t
from airparley.store._base import _iso
from airparley.store._parties import PartiesTx

__all__ = ["Evidence", "FederationTx", "Peer"]


@dataclass(frozen=True)
class Peer:
    """Another party's node whose feed this node pulls (federation)."""

    party: str
    url: str
    token: str
    created_at: datetime
    last_ok_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The peer without its token (a secret: never printed or served)."""
        return {
            "party": self.party,
            "url": self.url,
            "created_at": _iso(self.created_at),
            "last_ok_at": _iso(self.last_ok_at),
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
        }


@dataclass(frozen=True)
class Evidence:
    """An entry a peer presented and this node refused, kept with the entry it contradicts (if any)."""

    id: int
    party: str
    seq: int | None
    kind: str
    peer: str
    url: str
    reason: str
    line: str
    other_line: str | None
    received_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "party": self.party,
            "seq": self.seq,
            "kind": self.kind,
            "peer": self.peer,
            "url": self.url,
            "reason": self.reason,
            "line": self.line,
            "other_line": self.other_line,
            "received_at": _iso(self.received_at),
        }


def _peer(row: Any) -> Peer:
    return Peer(row.party, row.url, row.token, row.created_at, row.last_ok_at, row.last_error, row.last_error_at)


class FederationTx(PartiesTx):
    """Peers and evidence."""

    def add_peer(self, party: str, url: str, public_key: str, token: str, now: datetime) -> Peer:
        """Register another party's node. Its party must be known here with exactly ``public_key``: the key is
        what every replicated entry is checked against, so it is agreed out of band, never learnt from the peer."""
        known = self.party(party)
        if known is None:
            raise InvalidInput(
                "party", f"unknown party {party!r}; add it first: airparley party add {party} NAME --public-key HEX"
            )
        if known.public_key is None or known.public_key != public_key.strip().lower():
            raise InvalidInput(
                "public_key", f"is not the key registered for {party} on this node ({known.public_key or 'none'})"
            )
        parsed = urlsplit(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise InvalidInput(
                "url", f"must be the base http(s) URL of the peer's node, e.g. https://node.example, got {url!r}"
            )
        if not token.strip():
            raise InvalidInput("token", "missing: the peer-tier token the other node issued to this one")
        if self.peer(party) is not None:
            raise InvalidInput("party", f"{party} is already a peer; remove it first to change it")
        peer = Peer(party, url.strip().rstrip("/"), token.strip(), now)
        self.connection.execute(
            insert(t.peers).values(party=peer.party, url=peer.url, token=peer.token, created_at=now)
        )
        return peer

    def peer(self, party: str) -> Peer | None:
        row = self.connection.execute(select(t.peers).where(t.peers.c.party == party)).first()
        return None if row is None else _peer(row)

    def peers(self) -> list[Peer]:
        return [_peer(row) for row in self.connection.execute(select(t.peers).order_by(t.peers.c.party))]

    def remove_peer(self, party: str) -> bool:
        return bool(self.connection.execute(delete(t.peers).where(t.peers.c.party == party)).rowcount)

    def peer_status(self, party: str, now: datetime, error: str | None = None) -> None:
        """Record a pull that worked (``error`` None) or failed, with why."""
        values: dict[str, Any] = (
            {"last_ok_at": now} if error is None else {"last_error": error[:2000], "last_error_at": now}
        )
        self.connection.execute(update(t.peers).where(t.peers.c.party == party).values(**values))

    def add_evidence(
        self,
        *,
        party: str,
        seq: int | None,
        kind: str,
        peer: str,
        url: str,
        reason: str,
        line: str,
        other_line: str | None,
        now: datetime,
    ) -> bool:
        """Keep a refused line (once: the same line served again is not recorded twice); True if it was new."""
        line_hash = hashlib.sha256(line.encode("utf-8")).hexdigest()
        exists = self.connection.execute(select(t.evidence.c.id).where(t.evidence.c.line_hash == line_hash)).first()
        if exists is not None:
            return False
        self.connection.execute(
            insert(t.evidence).values(
                party=party,
                seq=seq,
                kind=kind,
                peer=peer,
                url=url,
                reason=reason,
                line_hash=line_hash,
                line=line,
                other_line=other_line,
                received_at=now,
            )
        )
        return True

    def evidence(self, party: str | None = None, limit: int = 500) -> list[Evidence]:
        query = select(t.evidence).order_by(t.evidence.c.id).limit(limit)
        if party is not None:
            query = query.where(t.evidence.c.party == party)
        return [
            Evidence(r.id, r.party, r.seq, r.kind, r.peer, r.url, r.reason, r.line, r.other_line, r.received_at)
            for r in self.connection.execute(query)
        ]

    # -- idempotency ---------------------------------------------------------------------------------
