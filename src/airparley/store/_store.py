"""The store: one object over an engine, and a transaction object through which every read and write goes.

Everything one API call does happens in one transaction (``with store.begin() as tx``), which commits
before the call answers: an act, its event and (later) its ledger entry are stored together or not at all.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, or_, select, update
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
    "EventTail",
    "Evidence",
    "Officer",
    "Party",
    "Peer",
    "Store",
    "StoredNotice",
    "Tx",
    "hash_token",
]

#: ``peer`` is another node reading this node's feeds (federation): it opens no officer endpoint.
TIERS: Final = ("duty", "senior", "observer", "sensor", "peer")
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


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


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


def _peer(row: Any) -> Peer:
    return Peer(row.party, row.url, row.token, row.created_at, row.last_ok_at, row.last_error, row.last_error_at)


# The hot path's statements, built once (building a statement with ``.values()`` or ``.where()`` costs more
# in SQLAlchemy than running the compiled one); parameters are passed at execution.
_MESSAGE_EXISTS = select(t.messages.c.id).where(t.messages.c.id == bindparam("message_id"))
_INSERT_MESSAGE = insert(t.messages)
_INSERT_RECIPIENT = insert(t.message_recipients)
_INSERT_EVENT = insert(t.events)
_INSERT_ENTRY = insert(t.ledger_entries)
#: Each party's newest seq: a covering scan of the ledger's primary key, to check the cached heads against.
_HEAD_SEQS = select(t.ledger_entries.c.party, func.max(t.ledger_entries.c.seq)).group_by(t.ledger_entries.c.party)


class EventTail:
    """The recent committed events of this process, in seq order, for the WebSocket fan-out.

    It holds every event committed through this ``Store`` with ``seq > base`` (``base`` is the newest seq
    already in the database when the tail started, and moves up as old events are dropped), so a cursor at
    or after ``base`` is answered from memory; an older cursor is answered by the database."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.base: int | None = None  # None until started: nothing is answered from the tail before
        self._seqs: list[int] = []
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, events: Sequence[Event]) -> None:
        """Events just committed (in seq order). The tail stays gap-free: an event that does not follow the
        newest one held (another process wrote to the database, or a PostgreSQL sequence skipped a number)
        starts it anew from that event, so older cursors are answered by the database."""
        with self._lock:
            for event in events:
                newest = self._seqs[-1] if self._seqs else self.base
                if newest is not None and event.seq == newest + 1:
                    self._seqs.append(event.seq)
                    self._events.append(event)
                elif newest is None or event.seq > newest:
                    self.base = event.seq - 1 if newest is not None else None
                    self._seqs, self._events = [event.seq], [event]
                else:  # committed out of seq order: everything up to the newest one is left to the database
                    self.base = newest
                    self._seqs, self._events = [], []
            if len(self._seqs) > 2 * self.size:
                drop = len(self._seqs) - self.size
                self.base = self._seqs[drop - 1]
                del self._seqs[:drop], self._events[:drop]

    def start(self, base: int) -> None:
        with self._lock:
            self.base = base
            keep = bisect.bisect_right(self._seqs, base)
            del self._seqs[:keep], self._events[:keep]
            if self._seqs and self._seqs[0] != base + 1:
                self.base = self._seqs[0] - 1

    def after(self, seq: int, limit: int) -> list[Event] | None:
        """Events with seq > ``seq`` (at most ``limit``), or None if the tail does not reach back that far."""
        with self._lock:
            if self.base is None or seq < self.base:
                return None
            at = bisect.bisect_right(self._seqs, seq)
            return self._events[at : at + limit]


class Tx:
    """One database transaction with the operations the node needs."""

    def __init__(self, connection: Connection, store: Store | None = None) -> None:
        self.connection = connection
        self._store = store
        #: Ledger heads as this transaction wrote (or read) them: made the store's cached heads after commit.
        self.heads: dict[str, Entry] = {}
        #: Events this transaction appended: added to the store's event tail after commit.
        self.events: list[Event] = []

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
        exists = self.connection.execute(_MESSAGE_EXISTS, {"message_id": message_id}).first()
        if exists is None:
            self.connection.execute(
                _INSERT_MESSAGE,
                {
                    "id": message_id,
                    "author_party": author_party,
                    "urgency": urgency,
                    "created_at": created_at,
                    "due_at": due_at,
                    "document": dict(document),
                },
            )
            for party in sorted(set(recipients)):
                self.connection.execute(_INSERT_RECIPIENT, {"message_id": message_id, "party": party})
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

    # -- non-response watches ------------------------------------------------------------------------
    def put_watch(
        self,
        message_id: str,
        track: str,
        caller: str,
        owner: str,
        state: str,
        created_at: datetime,
        deadline: datetime,
        closed_at: datetime | None,
        document: Mapping[str, Any],
    ) -> None:
        """Insert or update a non-response watch (its state changes once, when it closes)."""
        key = and_(t.watches.c.message_id == message_id, t.watches.c.track == track)
        values = {"state": state, "closed_at": closed_at, "document": dict(document)}
        if self.connection.execute(select(t.watches.c.message_id).where(key)).first() is None:
            self.connection.execute(
                insert(t.watches).values(
                    message_id=message_id,
                    track=track,
                    caller=caller,
                    owner=owner,
                    created_at=created_at,
                    deadline=deadline,
                    **values,
                )
            )
        else:
            self.connection.execute(update(t.watches).where(key).values(**values))

    def open_watches(self) -> list[dict[str, Any]]:
        """The watches still waiting for an acknowledgement, a manoeuvre or their deadline, oldest first."""
        query = select(t.watches.c.document).where(t.watches.c.state == "watching").order_by(t.watches.c.created_at)
        return [dict(r.document) for r in self.connection.execute(query)]

    def watches_of_message(self, message_id: str) -> list[dict[str, Any]]:
        query = select(t.watches.c.document).where(t.watches.c.message_id == message_id)
        return [dict(r.document) for r in self.connection.execute(query)]

    def watches_for(self, party: str, state: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """The watches ``party`` called or owns the aircraft of, newest closed first (then newest opened)."""
        query = select(t.watches.c.document).where(or_(t.watches.c.caller == party, t.watches.c.owner == party))
        if state is not None:
            query = query.where(t.watches.c.state == state)
        query = query.order_by(t.watches.c.closed_at.desc(), t.watches.c.created_at.desc()).limit(limit)
        return [dict(r.document) for r in self.connection.execute(query)]

    # -- track shares --------------------------------------------------------------------------------
    def put_track_share(
        self,
        share_id: str,
        party: str,
        track: str,
        recipients: Iterable[str],
        state: str,
        created_at: datetime,
        until: datetime | None,
        document: Mapping[str, Any],
    ) -> None:
        """Insert a share, or update its state and document (a share changes once, when it is revoked)."""
        key = t.track_shares.c.share_id == share_id
        if self.connection.execute(select(t.track_shares.c.share_id).where(key)).first() is None:
            self.connection.execute(
                insert(t.track_shares).values(
                    share_id=share_id,
                    party=party,
                    track=track,
                    state=state,
                    created_at=created_at,
                    until=until,
                    document=dict(document),
                )
            )
            for recipient in sorted(set(recipients)):
                self.connection.execute(insert(t.track_share_recipients).values(share_id=share_id, party=recipient))
        else:
            self.connection.execute(update(t.track_shares).where(key).values(state=state, document=dict(document)))

    def track_share(self, share_id: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            select(t.track_shares.c.document).where(t.track_shares.c.share_id == share_id)
        ).first()
        return None if row is None else dict(row.document)

    def track_shares_for(self, party: str, limit: int = 500) -> list[dict[str, Any]]:
        """The shares ``party`` made or was made a recipient of, newest first."""
        received = select(t.track_share_recipients.c.share_id).where(t.track_share_recipients.c.party == party)
        query = (
            select(t.track_shares.c.document)
            .where(or_(t.track_shares.c.party == party, t.track_shares.c.share_id.in_(received)))
            .order_by(t.track_shares.c.created_at.desc(), t.track_shares.c.share_id)
            .limit(limit)
        )
        return [dict(r.document) for r in self.connection.execute(query)]

    def active_track_shares(self) -> list[dict[str, Any]]:
        """Every share not revoked (an expired one included: expiry is a matter of the clock), oldest first."""
        query = (
            select(t.track_shares.c.document)
            .where(t.track_shares.c.state == "active")
            .order_by(t.track_shares.c.created_at, t.track_shares.c.share_id)
        )
        return [dict(r.document) for r in self.connection.execute(query)]

    # -- events --------------------------------------------------------------------------------------
    def append_event(self, kind: str, audience: Iterable[str], payload: Mapping[str, Any], now: datetime) -> int:
        parties = sorted(set(audience))
        result = self.connection.execute(
            _INSERT_EVENT, {"created_at": now, "kind": kind, "audience": parties, "payload": dict(payload)}
        )
        seq = int(_primary_key(result))
        if self._store is not None and self._store.tail is not None:
            # As it reads back from the database: a UTC time, and JSON (a copy, whatever the caller does next).
            self.events.append(Event(seq, now.astimezone(UTC), kind, parties, json.loads(json.dumps(dict(payload)))))
        return seq

    def events_after(self, seq: int, limit: int = 500) -> list[Event]:
        seq = self._seq_bound(seq)
        rows = self.connection.execute(
            select(t.events).where(t.events.c.seq > seq).order_by(t.events.c.seq).limit(limit)
        )
        return [Event(r.seq, r.created_at, r.kind, list(r.audience), dict(r.payload)) for r in rows]

    def _seq_bound(self, seq: int) -> int:
        """A cursor as the seq columns can compare it: PostgreSQL's INTEGER is 32-bit, and a cursor past its
        largest value (up to the API's 2^63-1) means the same there: nothing newer."""
        return min(seq, 2**31 - 1) if self.connection.dialect.name == "postgresql" else seq

    def last_event_seq(self) -> int:
        return int(self.connection.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one())

    # -- ledger ----------------------------------------------------------------------------------------
    def add_entry(self, entry: Entry) -> None:
        """Store a signed entry; a second entry with the same party and seq is refused by the key."""
        self.connection.execute(
            _INSERT_ENTRY,
            {
                "party": entry.party,
                "seq": entry.seq,
                "hash": entry.hash,
                "time": entry.time,
                "kind": entry.kind.value,
                "line": entry.to_json(),
            },
        )
        self.heads[entry.party] = entry

    def ledger_head(self, party: str) -> Entry | None:
        row = self.connection.execute(
            select(t.ledger_entries.c.line)
            .where(t.ledger_entries.c.party == party)
            .order_by(t.ledger_entries.c.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else Entry.from_json(row.line)

    def ledger_chain(self, party: str) -> tuple[Entry | None, dict[str, Entry]]:
        """``party``'s newest entry and every party's newest entry, as :meth:`ledger_head` and
        :meth:`ledger_heads` would answer, for signing the next entry.

        The heads are cached by the store after each commit (never before: an entry rolled back is never
        cached). Every call checks the cache against the database, in this transaction, with one scan of the
        ledger's key (each party's newest seq); a party whose newest seq differs is read again."""
        cached = self._store.cached_heads() if self._store is not None else {}
        heads: dict[str, Entry] = {}
        for code, seq in self.connection.execute(_HEAD_SEQS):
            known = self.heads.get(code) or cached.get(code)
            if known is None or known.seq != seq:
                known = self.ledger_head(code)
                assert known is not None  # the scan just found it
                self.heads[code] = known
            heads[code] = known
        return heads.get(party), heads

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

    def ledger_entry(self, party: str, seq: int) -> Entry | None:
        row = self.connection.execute(
            select(t.ledger_entries.c.line).where(
                and_(t.ledger_entries.c.party == party, t.ledger_entries.c.seq == seq)
            )
        ).first()
        return None if row is None else Entry.from_json(row.line)

    def ledger_feed(self, party: str, after: int = -1, limit: int | None = None, kind: str | None = None) -> list[str]:
        """One party's entries with seq > ``after``, in seq order, as their canonical lines."""
        after = self._seq_bound(after)
        query = (
            select(t.ledger_entries.c.line)
            .where(and_(t.ledger_entries.c.party == party, t.ledger_entries.c.seq > after))
            .order_by(t.ledger_entries.c.seq)
        )
        if kind is not None:
            query = query.where(t.ledger_entries.c.kind == kind)
        if limit is not None:
            query = query.limit(limit)
        return [r.line for r in self.connection.execute(query)]

    # -- federation: peers and evidence --------------------------------------------------------------
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
        #: The recent committed events (see ``keep_event_tail``), or None.
        self.tail: EventTail | None = None
        self._heads: dict[str, Entry] = {}
        self._heads_lock = threading.Lock()

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
        """A transaction: committed when the block ends normally, rolled back if it raises.

        Only once it is committed do its ledger heads join the cached heads and its events the event tail."""
        with self.engine.begin() as connection:
            tx = Tx(connection, self)
            yield tx
        if tx.heads:
            with self._heads_lock:
                for party, entry in tx.heads.items():
                    known = self._heads.get(party)
                    if known is None or entry.seq >= known.seq:
                        self._heads[party] = entry
        if tx.events and self.tail is not None:
            self.tail.add(tx.events)

    def cached_heads(self) -> dict[str, Entry]:
        """Each party's newest entry as last committed through this store (checked by ``Tx.ledger_chain``)."""
        with self._heads_lock:
            return dict(self._heads)

    def keep_event_tail(self, size: int = 5000) -> EventTail:
        """Keep the newest ``size`` (to twice that) committed events in memory, from now on."""
        if self.tail is None:
            self.tail = EventTail(size)
            # Recording starts first, then the base is read: an event committed in between is in the database
            # (seq <= base) and dropped from the tail, so the tail has no gap.
            with self.begin() as tx:
                base = tx.last_event_seq()
            self.tail.start(base)
        return self.tail

    def recent_events(self, after: int, limit: int = 500) -> list[Event] | None:
        """Events after ``after`` from the tail, or None if the tail does not hold them all (ask the database)."""
        return None if self.tail is None else self.tail.after(after, limit)

    def close(self) -> None:
        self.engine.dispose()
