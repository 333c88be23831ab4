"""Hotline messages (with their recipients) and cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update

from airparley.store import _schema as t
from airparley.store._base import TxBase

__all__ = ["HotlineTx"]

# The hot path's statements, built once (building a statement with ``.values()`` or ``.where()`` costs more
# in SQLAlchemy than running the compiled one); parameters are passed at execution.
_MESSAGE_EXISTS = select(t.messages.c.id).where(t.messages.c.id == bindparam("message_id"))
_INSERT_MESSAGE = insert(t.messages)
_INSERT_RECIPIENT = insert(t.message_recipients)


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
