"""Hotline messages (with their recipients) and cases, read back as typed rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, or_, select, text, update

from airparley import hotline as hl
from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["HotlineTx", "StoredCase", "StoredMessage"]

# The hot path's statements, built once (building a statement with ``.values()`` or ``.where()`` costs more
# in SQLAlchemy than running the compiled one); parameters are passed at execution.
_MESSAGE_EXISTS = select(t.messages.c.id).where(t.messages.c.id == bindparam("message_id"))
_INSERT_MESSAGE = insert(t.messages)
_INSERT_RECIPIENT = insert(t.message_recipients)
#: On PostgreSQL, :meth:`HotlineTx.put_message` in one statement (issue 18: it runs under the node-wide write lock):
#: a new message is inserted with its recipients, a known one has its document and due time replaced. The
#: update reads the snapshot from before the statement, so it finds only a message that was already stored.
_PUT_MESSAGE_POSTGRESQL = text(
    "WITH new_message AS ("
    " INSERT INTO messages (id, author_party, urgency, created_at, due_at, document)"
    " VALUES (:id, :author_party, :urgency, :created_at, :due_at, :document)"
    " ON CONFLICT (id) DO NOTHING RETURNING id),"
    " known AS (UPDATE messages SET document = :document, due_at = :due_at"
    " WHERE id = :id AND NOT EXISTS (SELECT 1 FROM new_message))"
    " INSERT INTO message_recipients (message_id, party)"
    " SELECT new_message.id, recipient FROM new_message, unnest(CAST(:parties AS VARCHAR[])) AS recipient"
).bindparams(
    bindparam("created_at", type_=t.messages.c.created_at.type),
    bindparam("due_at", type_=t.messages.c.due_at.type),
    bindparam("document", type_=t.messages.c.document.type),
)
_MESSAGE_ROW = select(t.messages.c.document, t.messages.c.due_at)
_MESSAGE_BY_ID = _MESSAGE_ROW.where(t.messages.c.id == bindparam("message_id"))
_UPDATE_MESSAGE = update(t.messages).where(t.messages.c.id == bindparam("message_id"))
_CASE_ROW = select(t.cases.c.document, t.cases.c.updated_at, t.cases.c.due_at)
#: A case in one of these states takes no more part in anything (the store's ``state`` column).
_FINAL_CASE_STATES = ("resolved", "rejected", "lapsed")


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored: the message itself (its receipts as they stand) and when the scheduler looks at
    it next (a ring or an escalation; None when nothing is left to do)."""

    message: hl.Message
    due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The stored document: the message's ``as_dict`` form."""
        return self.message.as_dict()


@dataclass(frozen=True)
class StoredCase:
    """A case as stored: the case itself, when it last changed, and when its deadline falls due (None once
    escalated or final: nothing more for the scheduler to do)."""

    case: hl.Case
    updated_at: datetime
    due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The stored document: the case's ``as_dict`` form."""
        return self.case.as_dict()


def _stored_message(row: Row[Any, Any], catalogue: hl.Catalogue) -> StoredMessage:
    return StoredMessage(hl.Message.from_dict(row.document, catalogue), row.due_at)


def _stored_case(row: Row[Any, Any, Any]) -> StoredCase:
    return StoredCase(hl.Case.from_dict(row.document), row.updated_at, row.due_at)


class HotlineTx(TxBase):
    """Messages and cases."""

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
        row = {
            "id": message_id,
            "author_party": author_party,
            "urgency": urgency,
            "created_at": created_at,
            "due_at": due_at,
            "document": dict(document),
        }
        parties = sorted(set(recipients))
        if self.connection.dialect.name == "postgresql":
            self.connection.execute(_PUT_MESSAGE_POSTGRESQL, {**row, "parties": parties})
            return
        exists = self.connection.execute(_MESSAGE_EXISTS, {"message_id": message_id}).first()
        if exists is None:
            self.connection.execute(_INSERT_MESSAGE, row)
            for party in parties:
                self.connection.execute(_INSERT_RECIPIENT, {"message_id": message_id, "party": party})
        else:
            self.connection.execute(
                _UPDATE_MESSAGE, {"message_id": message_id, "document": row["document"], "due_at": due_at}
            )

    def message(self, message_id: str, *, catalogue: hl.Catalogue) -> StoredMessage | None:
        """One message; its phrase parameters are read against ``catalogue`` (the node's)."""
        row = self.connection.execute(_MESSAGE_BY_ID, {"message_id": message_id}).first()
        return None if row is None else _stored_message(row, catalogue)

    def has_message(self, message_id: str) -> bool:
        """Whether a message is stored, without reading (and parsing) its document."""
        return self.connection.execute(_MESSAGE_EXISTS, {"message_id": message_id}).first() is not None

    def receipt(self, message_id: str, party: str) -> hl.Receipt | None:
        """A recipient party's receipt of a message (None for no such message or recipient): what the
        non-response watches ask, without reading the message's content."""
        row = self.connection.execute(select(t.messages.c.document).where(t.messages.c.id == message_id)).first()
        if row is None:
            return None
        for receipt in row.document.get("receipts", []):
            if receipt.get("party") == party:
                return hl.Receipt.from_dict(receipt)
        return None

    def messages_for(
        self, party: str, *, catalogue: hl.Catalogue, limit: int = 200, before: datetime | None = None
    ) -> list[StoredMessage]:
        """Messages a party wrote or received, newest first."""
        received = select(t.message_recipients.c.message_id).where(t.message_recipients.c.party == party)
        query = (
            _MESSAGE_ROW.where(or_(t.messages.c.author_party == party, t.messages.c.id.in_(received)))
            .order_by(t.messages.c.created_at.desc(), t.messages.c.id)
            .limit(limit)
        )
        if before is not None:
            query = query.where(t.messages.c.created_at < before)
        return [_stored_message(r, catalogue) for r in self.connection.execute(query)]

    def messages_due(self, now: datetime, *, catalogue: hl.Catalogue) -> list[StoredMessage]:
        query = _MESSAGE_ROW.where(and_(t.messages.c.due_at.is_not(None), t.messages.c.due_at <= now))
        return [_stored_message(r, catalogue) for r in self.connection.execute(query)]

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

    def case(self, case_id: str) -> StoredCase | None:
        row = self.connection.execute(_CASE_ROW.where(t.cases.c.id == case_id)).first()
        return None if row is None else _stored_case(row)

    def cases_for(self, party: str) -> list[StoredCase]:
        mine = select(t.case_parties.c.case_id).where(t.case_parties.c.party == party)
        query = _CASE_ROW.where(t.cases.c.id.in_(mine)).order_by(t.cases.c.updated_at.desc())
        return [_stored_case(r) for r in self.connection.execute(query)]

    def open_cases(self) -> list[StoredCase]:
        query = _CASE_ROW.where(t.cases.c.state.not_in(_FINAL_CASE_STATES))
        return [_stored_case(r) for r in self.connection.execute(query)]

    def open_cases_on_conflicts(self, which: Callable[[str], bool]) -> list[StoredCase]:
        """The open cases about a conflict whose id ``which`` holds true of, in :meth:`open_cases`'s order: those a
        change of conflicts may resolve, or the end of a conflict's window lapse. Every notice act and scheduler
        tick asks this under the write lock, so only ids and subjects are read for the others, not documents."""
        query = select(t.cases.c.id, t.cases.c.subject).where(
            t.cases.c.state.not_in(_FINAL_CASE_STATES), t.cases.c.subject.is_not(None)
        )
        chosen = [r.id for r in self.connection.execute(query) if which(r.subject)]
        if not chosen:
            return []
        rows = self.connection.execute(_CASE_ROW.add_columns(t.cases.c.id).where(t.cases.c.id.in_(chosen)))
        by_id = {r.id: _stored_case(r) for r in rows}
        return [by_id[case_id] for case_id in chosen if case_id in by_id]

    def cases_due(self, now: datetime) -> list[StoredCase]:
        query = _CASE_ROW.where(and_(t.cases.c.due_at.is_not(None), t.cases.c.due_at <= now))
        return [_stored_case(r) for r in self.connection.execute(query)]
