"""The store: one object over an engine, and a transaction object through which every read and write goes.

Everything one API call does happens in one transaction (``with store.begin() as tx``), which commits
before the call answers: an act, its event and (later) its ledger entry are stored together or not at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from airparley.errors import InvalidInput
from airparley.ledger import Entry
from airparley.store import _schema as t
from airparley.store._engine import make_engine, upgrade
from airparley.strategic import Notice, notices_to_geojson, parse_notices_data

__all__ = [
    "GUARD_FREQUENCIES",
    "LANGUAGES",
    "TIERS",
    "Event",
    "Officer",
    "Party",
    "Store",
    "StoredNotice",
    "Tx",
    "hash_token",
]

TIERS: Final = ("duty", "senior", "observer", "sensor")
#: The same rule as the hotline's and the ledger's: short, upper case, starting with a letter.
_PARTY_CODE: Final = re.compile(r"[A-Z][A-Z0-9]{1,7}")
LANGUAGES: Final = ("en", "ru", "tr", "ar")
#: The international guard frequencies every registry starts with.
GUARD_FREQUENCIES: Final = (
    ("VHF guard (civil emergency)", 121.5, "worldwide", "International aeronautical emergency frequency"),
    ("UHF guard (military emergency)", 243.0, "worldwide", "Military aeronautical emergency frequency"),
)


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


@dataclass(frozen=True)
class StoredNotice:
    notice: Notice
    private: dict[str, Any] | None
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    seq: int
    created_at: datetime
    kind: str
    audience: list[str]
    payload: dict[str, Any]


def _primary_key(result: Any) -> Any:
    key = result.inserted_primary_key
    assert key is not None  # an INSERT always has one
    return key[0]


def _notice_from_shared(shared: Mapping[str, Any]) -> Notice:
    parsed = parse_notices_data(shared)
    if parsed.errors or len(parsed.notices) != 1:
        # Only validated notices are ever stored, so this means the database was edited by hand.
        raise RuntimeError(f"stored notice does not parse: {[e.describe() for e in parsed.errors]}")
    return parsed.notices[0]


class Tx:
    """One database transaction with the operations the node needs."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- parties and officers ------------------------------------------------------------------------
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

    def add_officer(self, party: str, name: str, tier: str, now: datetime) -> tuple[Officer, str]:
        """A new officer and their bearer token; the token is returned once and only its hash is kept."""
        if self.party(party) is None:
            raise InvalidInput("party", f"unknown party {party!r}; add it first")
        if tier not in TIERS:
            raise InvalidInput("tier", f"unknown tier {tier!r}; use one of {', '.join(TIERS)}")
        if not name.strip():
            raise InvalidInput("name", "missing")
        token = f"ap_{secrets.token_urlsafe(32)}"
        officer = Officer(str(uuid.uuid4()), party, name.strip(), tier)
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
    def ensure_guard_frequencies(self) -> None:
        count = self.connection.execute(
            select(func.count()).select_from(t.frequencies).where(t.frequencies.c.guard)
        ).scalar_one()
        if count == 0:
            for name, mhz, area, notes in GUARD_FREQUENCIES:
                self.connection.execute(
                    insert(t.frequencies).values(name=name, mhz=mhz, area=area, notes=notes, guard=True)
                )

    def add_frequency(self, name: str, mhz: float, area: str = "", notes: str = "") -> dict[str, Any]:
        if not name.strip():
            raise InvalidInput("name", "missing")
        if not 2.0 <= mhz <= 1000.0:
            raise InvalidInput("mhz", f"must be a frequency in MHz between 2 and 1000, got {mhz}")
        result = self.connection.execute(
            insert(t.frequencies).values(name=name.strip(), mhz=mhz, area=area, notes=notes, guard=False)
        )
        return {
            "id": _primary_key(result),
            "name": name.strip(),
            "mhz": mhz,
            "area": area,
            "notes": notes,
            "guard": False,
        }

    def frequencies(self) -> list[dict[str, Any]]:
        rows = self.connection.execute(select(t.frequencies).order_by(t.frequencies.c.mhz))
        return [
            {"id": r.id, "name": r.name, "mhz": r.mhz, "area": r.area, "notes": r.notes, "guard": bool(r.guard)}
            for r in rows
        ]

    # -- notices -------------------------------------------------------------------------------------
    def put_notice(self, notice: Notice, private: Mapping[str, Any] | None, officer_id: str, now: datetime) -> None:
        """Store a notice's newest version (and keep every version in the history)."""
        shared = notices_to_geojson([notice])
        values = {
            "party": notice.party,
            "version": notice.version,
            "state": str(notice.state),
            "shared": shared,
            "private": dict(private) if private else None,
        }
        try:
            self.connection.execute(
                insert(t.notice_versions).values(
                    notice_id=notice.notice_id, created_at=now, created_by=officer_id, **values
                )
            )
        except IntegrityError:
            raise InvalidInput("version", f"notice {notice.notice_id} already has a version {notice.version}") from None
        exists = self.connection.execute(
            select(t.notices.c.notice_id).where(t.notices.c.notice_id == notice.notice_id)
        ).first()
        if exists is None:
            self.connection.execute(
                insert(t.notices).values(notice_id=notice.notice_id, updated_at=now, updated_by=officer_id, **values)
            )
        else:
            self.connection.execute(
                update(t.notices)
                .where(t.notices.c.notice_id == notice.notice_id)
                .values(updated_at=now, updated_by=officer_id, **values)
            )

    def notice(self, notice_id: str) -> StoredNotice | None:
        row = self.connection.execute(select(t.notices).where(t.notices.c.notice_id == notice_id)).first()
        return None if row is None else StoredNotice(_notice_from_shared(row.shared), row.private, row.updated_at)

    def notices(self, party: str | None = None) -> list[StoredNotice]:
        query = select(t.notices).order_by(t.notices.c.notice_id)
        if party is not None:
            query = query.where(t.notices.c.party == party)
        return [
            StoredNotice(_notice_from_shared(r.shared), r.private, r.updated_at) for r in self.connection.execute(query)
        ]

    def notice_history(self, notice_id: str) -> list[dict[str, Any]]:
        rows = self.connection.execute(
            select(t.notice_versions)
            .where(t.notice_versions.c.notice_id == notice_id)
            .order_by(t.notice_versions.c.version)
        )
        return [
            {
                "version": r.version,
                "state": r.state,
                "shared": r.shared,
                "private": r.private,
                "created_at": r.created_at,
                "created_by": r.created_by,
            }
            for r in rows
        ]

    # -- hotline documents ---------------------------------------------------------------------------
    def put_message(
        self,
        message_id: str,
        author_party: str,
        urgency: str,
        recipients: Iterable[str],
        document: Mapping[str, Any],
        created_at: datetime,
        due_at: datetime | None,
    ) -> None:
        """Insert or replace a message document (a message's states change as recipients act on it)."""
        exists = self.connection.execute(select(t.messages.c.id).where(t.messages.c.id == message_id)).first()
        if exists is None:
            self.connection.execute(
                insert(t.messages).values(
                    id=message_id,
                    author_party=author_party,
                    urgency=urgency,
                    created_at=created_at,
                    due_at=due_at,
                    document=dict(document),
                )
            )
            for party in sorted(set(recipients)):
                self.connection.execute(insert(t.message_recipients).values(message_id=message_id, party=party))
        else:
            self.connection.execute(
                update(t.messages).where(t.messages.c.id == message_id).values(document=dict(document), due_at=due_at)
            )

    def message(self, message_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(select(t.messages.c.document).where(t.messages.c.id == message_id)).first()
        return None if row is None else dict(row.document)

    def messages_for(self, party: str, limit: int = 200, before: datetime | None = None) -> list[dict[str, Any]]:
        """Messages a party wrote or received, newest first."""
        received = select(t.message_recipients.c.message_id).where(t.message_recipients.c.party == party)
        query = (
            select(t.messages.c.document)
            .where(or_(t.messages.c.author_party == party, t.messages.c.id.in_(received)))
            .order_by(t.messages.c.created_at.desc(), t.messages.c.id)
            .limit(limit)
        )
        if before is not None:
            query = query.where(t.messages.c.created_at < before)
        return [dict(r.document) for r in self.connection.execute(query)]

    def messages_due(self, now: datetime) -> list[dict[str, Any]]:
        query = select(t.messages.c.document).where(and_(t.messages.c.due_at.is_not(None), t.messages.c.due_at <= now))
        return [dict(r.document) for r in self.connection.execute(query)]

    def put_case(
        self,
        case_id: str,
        state: str,
        subject: str | None,
        parties: Sequence[str],
        document: Mapping[str, Any],
        updated_at: datetime,
        due_at: datetime | None,
    ) -> None:
        exists = self.connection.execute(select(t.cases.c.id).where(t.cases.c.id == case_id)).first()
        values = {
            "state": state,
            "subject": subject,
            "document": dict(document),
            "updated_at": updated_at,
            "due_at": due_at,
        }
        if exists is None:
            self.connection.execute(insert(t.cases).values(id=case_id, **values))
            for party in sorted(set(parties)):
                self.connection.execute(insert(t.case_parties).values(case_id=case_id, party=party))
        else:
            self.connection.execute(update(t.cases).where(t.cases.c.id == case_id).values(**values))

    def case(self, case_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(select(t.cases.c.document).where(t.cases.c.id == case_id)).first()
        return None if row is None else dict(row.document)

    def cases_for(self, party: str) -> list[dict[str, Any]]:
        mine = select(t.case_parties.c.case_id).where(t.case_parties.c.party == party)
        query = select(t.cases.c.document).where(t.cases.c.id.in_(mine)).order_by(t.cases.c.updated_at.desc())
        return [dict(r.document) for r in self.connection.execute(query)]

    def open_cases(self) -> list[dict[str, Any]]:
        query = select(t.cases.c.document).where(t.cases.c.state.not_in(("resolved", "rejected", "lapsed")))
        return [dict(r.document) for r in self.connection.execute(query)]

    def cases_due(self, now: datetime) -> list[dict[str, Any]]:
        query = select(t.cases.c.document).where(and_(t.cases.c.due_at.is_not(None), t.cases.c.due_at <= now))
        return [dict(r.document) for r in self.connection.execute(query)]

    # -- events --------------------------------------------------------------------------------------
    def append_event(self, kind: str, audience: Iterable[str], payload: Mapping[str, Any], now: datetime) -> int:
        result = self.connection.execute(
            insert(t.events).values(created_at=now, kind=kind, audience=sorted(set(audience)), payload=dict(payload))
        )
        return int(_primary_key(result))

    def events_after(self, seq: int, limit: int = 500) -> list[Event]:
        rows = self.connection.execute(
            select(t.events).where(t.events.c.seq > seq).order_by(t.events.c.seq).limit(limit)
        )
        return [Event(r.seq, r.created_at, r.kind, list(r.audience), dict(r.payload)) for r in rows]

    def last_event_seq(self) -> int:
        return int(self.connection.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one())

    # -- ledger ----------------------------------------------------------------------------------------
    def add_entry(self, entry: Entry) -> None:
        """Store a signed entry; a second entry with the same party and seq is refused by the key."""
        self.connection.execute(
            insert(t.ledger_entries).values(
                party=entry.party,
                seq=entry.seq,
                hash=entry.hash,
                time=entry.time,
                kind=entry.kind.value,
                line=entry.to_json(),
            )
        )

    def ledger_head(self, party: str) -> Entry | None:
        row = self.connection.execute(
            select(t.ledger_entries.c.line)
            .where(t.ledger_entries.c.party == party)
            .order_by(t.ledger_entries.c.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else Entry.from_json(row.line)

    def ledger_heads(self) -> dict[str, str]:
        """Each party's newest entry hash (what this node has seen of every feed)."""
        newest = (
            select(t.ledger_entries.c.party, func.max(t.ledger_entries.c.seq).label("seq"))
            .group_by(t.ledger_entries.c.party)
            .subquery()
        )
        rows = self.connection.execute(
            select(t.ledger_entries.c.party, t.ledger_entries.c.hash).join(
                newest,
                and_(t.ledger_entries.c.party == newest.c.party, t.ledger_entries.c.seq == newest.c.seq),
            )
        )
        return {r.party: r.hash for r in rows}

    def ledger_lines(self, party: str | None = None) -> list[str]:
        """Entries as their canonical lines, in time order (then party, seq): the export."""
        query = select(t.ledger_entries.c.line).order_by(
            t.ledger_entries.c.time, t.ledger_entries.c.party, t.ledger_entries.c.seq
        )
        if party is not None:
            query = query.where(t.ledger_entries.c.party == party)
        return [r.line for r in self.connection.execute(query)]

    # -- idempotency ---------------------------------------------------------------------------------
    def idempotent_response(self, officer_id: str, key: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            select(t.idempotency).where(and_(t.idempotency.c.officer_id == officer_id, t.idempotency.c.key == key))
        ).first()
        if row is None:
            return None
        return {
            "method": row.method,
            "path": row.path,
            "request_hash": row.request_hash,
            "status_code": row.status_code,
            "response": row.response,
        }

    def remember_response(
        self,
        officer_id: str,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        status_code: int,
        response: Any,
        now: datetime,
    ) -> None:
        self.connection.execute(
            insert(t.idempotency).values(
                officer_id=officer_id,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=status_code,
                response=response,
                created_at=now,
            )
        )

    def forget_responses_before(self, moment: datetime) -> int:
        result = self.connection.execute(delete(t.idempotency).where(t.idempotency.c.created_at < moment))
        return int(result.rowcount)


class Store:
    """The node's database. ``Store.open(url)`` migrates it to the newest schema first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        upgrade(self.engine)
        with self.begin() as tx:
            tx.ensure_guard_frequencies()

    @contextmanager
    def begin(self) -> Iterator[Tx]:
        """A transaction: committed when the block ends normally, rolled back if it raises."""
        with self.engine.begin() as connection:
            yield Tx(connection)

    def close(self) -> None:
        self.engine.dispose()
