"""Parties and their officers (bearer tokens stored as hashes)."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, insert, select, update

from airparley.errors import InvalidInput
from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["LANGUAGES", "TIERS", "Officer", "PartiesTx", "Party", "hash_token"]

#: ``peer`` is another node reading this node's feeds (federation): it opens no officer endpoint.
TIERS: Final = ("duty", "senior", "observer", "sensor", "peer")
#: The same rule as the hotline's and the ledger's: short, upper case, starting with a letter.
_PARTY_CODE: Final = re.compile(r"[A-Z][A-Z0-9]{1,7}")
LANGUAGES: Final = ("en", "ru", "tr", "ar")


def hash_token(token: str) -> str:
    """SHA-256 of a bearer token: tokens are long random strings, so a plain hash is enough to store."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    language: str
    public_key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "language": self.language, "public_key": self.public_key}


@dataclass(frozen=True)
class Officer:
    id: str
    party: str
    name: str
    tier: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "party": self.party, "name": self.name, "tier": self.tier}


class PartiesTx(TxBase):
    """Parties and officers."""

    def add_party(self, code: str, name: str, language: str, now: datetime, public_key: str | None = None) -> Party:
        code = code.strip().upper()
        if not _PARTY_CODE.fullmatch(code):
            raise InvalidInput(
                "code",
                f"a party code is 2-8 capital letters or digits, starting with a letter (e.g. USA), got {code!r}",
            )
        if language not in LANGUAGES:
            raise InvalidInput("language", f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        if not name.strip():
            raise InvalidInput("name", "missing")
        if self.party(code) is not None:
            raise InvalidInput("code", f"party {code} already exists")
        self.connection.execute(
            insert(t.parties).values(
                code=code, name=name.strip(), language=language, public_key=public_key, created_at=now
            )
        )
        return Party(code, name.strip(), language, public_key)

    def set_party_key(self, code: str, public_key: str) -> None:
        self.connection.execute(update(t.parties).where(t.parties.c.code == code).values(public_key=public_key))

    def party(self, code: str) -> Party | None:
        row = self.connection.execute(select(t.parties).where(t.parties.c.code == code)).first()
        return None if row is None else Party(row.code, row.name, row.language, row.public_key)

    def parties(self) -> list[Party]:
        rows = self.connection.execute(select(t.parties).order_by(t.parties.c.code))
        return [Party(r.code, r.name, r.language, r.public_key) for r in rows]

    def add_officer(
        self, party: str, name: str, tier: str, now: datetime, officer_id: str | None = None
    ) -> tuple[Officer, str]:
        """A new officer and their bearer token; the token is returned once and only its hash is kept.
        ``officer_id`` is random unless given (the headless demo gives stable ones: they are in its ledger)."""
        if self.party(party) is None:
            raise InvalidInput("party", f"unknown party {party!r}; add it first")
        if tier not in TIERS:
            raise InvalidInput("tier", f"unknown tier {tier!r}; use one of {', '.join(TIERS)}")
        if not name.strip():
            raise InvalidInput("name", "missing")
        token = f"ap_{secrets.token_urlsafe(32)}"
        officer = Officer(officer_id or str(uuid.uuid4()), party, name.strip(), tier)
        self.connection.execute(
            insert(t.officers).values(
                id=officer.id, party=party, name=officer.name, tier=tier, token_hash=hash_token(token), created_at=now
            )
        )
        return officer, token

    def officer_by_token(self, token: str) -> Officer | None:
        row = self.connection.execute(
            select(t.officers).where(
                and_(t.officers.c.token_hash == hash_token(token), t.officers.c.revoked_at.is_(None))
            )
        ).first()
        return None if row is None else Officer(row.id, row.party, row.name, row.tier)

    def officer(self, officer_id: str) -> Officer | None:
        """An officer by id, or ``None`` if unknown or revoked (a UI session names its officer by id)."""
        row = self.connection.execute(
            select(t.officers).where(and_(t.officers.c.id == officer_id, t.officers.c.revoked_at.is_(None)))
        ).first()
        return None if row is None else Officer(row.id, row.party, row.name, row.tier)

    def officers(self, party: str | None = None) -> list[Officer]:
        query = (
            select(t.officers).where(t.officers.c.revoked_at.is_(None)).order_by(t.officers.c.party, t.officers.c.name)
        )
        if party is not None:
            query = query.where(t.officers.c.party == party)
        return [Officer(r.id, r.party, r.name, r.tier) for r in self.connection.execute(query)]

    def revoke_officer(self, officer_id: str, now: datetime) -> bool:
        result = self.connection.execute(update(t.officers).where(t.officers.c.id == officer_id).values(revoked_at=now))
        return bool(result.rowcount)

    # -- frequencies -----------------------------------------------------------------------------------
