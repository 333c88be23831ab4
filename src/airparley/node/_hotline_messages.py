"""Hotline messages in the node: sent, read and acknowledged by the desks, shaped per party, rung and escalated.

The pure ``airparley.hotline`` checks the request (``MessageRequest``), composes the message, moves its
receipts and says which rings and escalations are owed (``rings_owed``, ``escalate_unacknowledged``); this
part stores the result in the caller's transaction, signs the ledger entry and tells each party.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airparley import bounds
from airparley import hotline as hl
from airparley._time import iso_z
from airparley.errors import NotFound, PermissionDenied
from airparley.ledger import Kind
from airparley.node._events import EventKind
from airparley.node._hotline_base import HotlineBase, acting, require_actor, require_reader
from airparley.node._visibility import message_for
from airparley.store import Officer, Tx

__all__ = ["HotlineMessages"]


class HotlineMessages(HotlineBase):
    """Messages between parties' desks."""

    def send(self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """Send a message; the author party's view of it."""
        return self.send_message(tx, officer, body, now)[1]

    def send_message(
        self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime
    ) -> tuple[hl.Message, dict[str, Any]]:
        """Send a message; the message itself (for what the node does next, e.g. arm a non-response watch)
        and the author party's view of it."""
        require_actor(officer)
        request = hl.MessageRequest.parse(body, officer.party, lambda party: self._knows(tx, party))
        message = hl.compose_message(
            message_id=self.new_id("msg"),
            author=acting(officer),
            recipients=request.recipients,
            created_at=now,
            urgency=request.urgency,
            template=request.template,
            params=request.params,
            text=request.text,
            language=request.language,
            references=request.references,
            catalogue=self.catalogue,
        )
        self._check_language(officer.party, message)
        self._store_message(tx, message, now)
        self.ledger.record(tx, officer.party, Kind.MESSAGE_SENT, {"message": message.as_dict()}, now)
        self._message_event(tx, EventKind.MESSAGE_SENT, message, now)
        view = message_for(officer.party, message, self._language(tx, officer.party), self.catalogue)
        assert view is not None  # the author always sees their own message
        return message, view

    def _check_language(self, author: str, message: hl.Message) -> None:
        """Free text is read as written, so it must be in a language the author agreed with every recipient;
        a catalogue phrase is rendered in each reader's own language and needs no such agreement."""
        content = message.content.as_dict()
        if not content.get("untranslated"):
            return
        remedy = "write in an agreed language or send a catalogue phrase"
        self._check_agreed_language(author, message.recipients, str(content["language"]), remedy)

    def _message(self, tx: Tx, officer: Officer, message_id: str) -> hl.Message:
        stored = tx.message(message_id, catalogue=self.catalogue) if bounds.is_plain_id(message_id) else None
        if stored is None:
            raise NotFound("message", message_id)
        message = stored.message
        if officer.party != message.author.party and officer.party not in message.recipients:
            raise NotFound("message", message_id)
        return message

    def mark(self, tx: Tx, officer: Officer, message_id: str, action: str, now: datetime) -> dict[str, Any]:
        """``read`` or ``acknowledge`` a message received by the officer's party."""
        require_actor(officer)
        message = self._message(tx, officer, message_id)
        if officer.party not in message.recipients:
            raise PermissionDenied("only a recipient party reads or acknowledges a message")
        moved = (hl.read_message if action == "read" else hl.acknowledge_message)(message, acting(officer), now=now)
        self._store_message(tx, moved, now)
        kind = Kind.MESSAGE_READ if action == "read" else Kind.MESSAGE_ACKNOWLEDGED
        receipt = moved.receipt(officer.party).as_dict()
        self.ledger.record(tx, officer.party, kind, {"message_id": message_id, "receipt": receipt}, now)
        self._message_event(tx, EventKind(kind.value), moved, now)
        view = message_for(officer.party, moved, self._language(tx, officer.party), self.catalogue)
        assert view is not None
        return view

    def messages_for(self, tx: Tx, officer: Officer) -> list[dict[str, Any]]:
        require_reader(officer)
        language = self._language(tx, officer.party)
        views = []
        for stored in tx.messages_for(officer.party, catalogue=self.catalogue):
            view = message_for(officer.party, stored.message, language, self.catalogue)
            if view is not None:
                views.append(view)
        return views

    def message_for(self, tx: Tx, officer: Officer, message_id: str) -> dict[str, Any]:
        require_reader(officer)
        message = self._message(tx, officer, message_id)
        view = message_for(officer.party, message, self._language(tx, officer.party), self.catalogue)
        if view is None:
            raise NotFound("message", message_id)
        return view

    def _tick_messages(self, tx: Tx, now: datetime) -> None:
        """Ring again and escalate the unacknowledged safety messages that are due."""
        for stored in tx.messages_due(now, catalogue=self.catalogue):
            message = stored.message
            for party, rings in hl.rings_owed(message, now=now, settings=self.settings):
                view = message_for(party, message, self._language(tx, party), self.catalogue)
                payload = {**(view or {}), "rings": [iso_z(r) for r in rings]}
                tx.append_event(EventKind.MESSAGE_RING, [party], {party: payload}, now)
            escalated, escalations = hl.escalate_unacknowledged(message, now=now, settings=self.settings)
            for escalation in escalations:
                body = {"message_id": message.message_id, "escalation": escalation.as_dict()}
                self.ledger.record_hosted(tx, (message.author.party,), Kind.MESSAGE_ESCALATED, body, now)
                extra = {"escalation": escalation.as_dict()}
                self._message_event(tx, EventKind.MESSAGE_ESCALATED, escalated, now, extra)
            self._store_message(tx, escalated, now)
