"""Hotline messages: who wrote what to whom, and each recipient's ``delivered -> read -> acknowledged`` receipt.

A message's content is either a catalogue phrase with validated parameters, rendered in each reader's
language, or free text shown exactly as written (``untranslated``) with the author's language noted.
Receipts change only through ``read_message`` and ``acknowledge_message``, which return a new ``Message``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from airparley import bounds
from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline._common import (
    Language,
    Officer,
    enum_value,
    iso,
    mapping,
    not_before,
    optional_instant,
    optional_iso,
    party_code,
    record_id,
    sequence,
    utc_instant,
)
from airparley.hotline._common import (
    text as checked_text,
)
from airparley.hotline._params import ParamValue, wire_value
from airparley.hotline._phrases import Catalogue, load_catalogue

__all__ = [
    "RECEIPT_TRANSITIONS",
    "Content",
    "FreeText",
    "Message",
    "Receipt",
    "ReceiptEvent",
    "ReceiptState",
    "Reference",
    "ReferenceKind",
    "RenderedMessage",
    "TemplateContent",
    "Urgency",
    "acknowledge_message",
    "compose_message",
    "content_from_dict",
    "read_message",
    "render",
]

MAX_TEXT_CHARS: Final = int(bounds.BOUNDS["message_text"].high)
_PHRASE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Urgency(StrEnum):
    """``safety`` messages ring until acknowledged and escalate; ``urgent`` ones are shown first."""

    ROUTINE = "routine"
    URGENT = "urgent"
    SAFETY = "safety"


class ReferenceKind(StrEnum):
    NOTICE = "notice"
    CONFLICT = "conflict"
    CASE = "case"
    TRACK = "track"
    MESSAGE = "message"


@dataclass(frozen=True)
class Reference:
    """A pointer from a message to the record it is about (``kind`` and that record's id)."""

    kind: ReferenceKind
    ref_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", enum_value(ReferenceKind, self.kind, "kind"))
        object.__setattr__(self, "ref_id", record_id(self.ref_id, "id"))

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "id": self.ref_id}

    @classmethod
    def from_dict(cls, data: Any) -> Reference:
        fields = mapping(data, "reference", {"kind", "id"})
        return cls(kind=fields["kind"], ref_id=fields["id"])


@dataclass(frozen=True)
class TemplateContent:
    """A catalogue phrase and its parameters (validated against the catalogue when the message is built)."""

    template: str
    params: tuple[tuple[str, ParamValue], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.template, str) or _PHRASE_ID.fullmatch(self.template) is None:
            raise InvalidInput("template", f"must be a phrase id, got {self.template!r}")

    @property
    def params_dict(self) -> dict[str, Any]:
        """The parameters as plain data, as the catalogue and the wire take them."""
        return {name: wire_value(value) for name, value in self.params}

    def as_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": self.params_dict}

    @classmethod
    def build(cls, template: Any, params: Any, catalogue: Catalogue) -> TemplateContent:
        return cls(template=catalogue.phrase(template).phrase_id, params=catalogue.check_params(template, params))


@dataclass(frozen=True)
class FreeText:
    """Text the author typed; never translated, shown as written, with the language it was written in."""

    text: str
    language: Language

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", checked_text(self.text, "text", max_chars=MAX_TEXT_CHARS, allow_empty=False))
        object.__setattr__(self, "language", enum_value(Language, self.language, "language"))

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "language": self.language.value, "untranslated": True}


Content = TemplateContent | FreeText


def content_from_dict(data: Any, catalogue: Catalogue) -> Content:
    """``{"template", "params"}`` or ``{"text", "language"[, "untranslated": true]}`` as message content."""
    if isinstance(data, Mapping) and "template" in data:
        fields = mapping(data, "content", {"template", "params"})
        return TemplateContent.build(fields["template"], fields["params"], catalogue)
    fields = mapping(data, "content", {"text", "language", "untranslated"}, required={"text", "language"})
    if fields.get("untranslated", True) is not True:
        raise InvalidInput("content.untranslated", "free text is always untranslated")
    return FreeText(text=fields["text"], language=fields["language"])


class ReceiptState(StrEnum):
    DELIVERED = "delivered"
    READ = "read"
    ACKNOWLEDGED = "acknowledged"


class ReceiptEvent(StrEnum):
    READ = "read"
    ACKNOWLEDGE = "acknowledge"


# Read-only on purpose: a module-level dict anyone could patch would be global mutable state.
RECEIPT_TRANSITIONS: Final[Mapping[tuple[ReceiptState, ReceiptEvent], ReceiptState]] = MappingProxyType(
    {
        (ReceiptState.DELIVERED, ReceiptEvent.READ): ReceiptState.READ,
        (ReceiptState.DELIVERED, ReceiptEvent.ACKNOWLEDGE): ReceiptState.ACKNOWLEDGED,
        (ReceiptState.READ, ReceiptEvent.ACKNOWLEDGE): ReceiptState.ACKNOWLEDGED,
    }
)


@dataclass(frozen=True)
class Receipt:
    """One recipient party's state for a message, with who moved it and when.

    Acknowledging an unread message also records it as read (at the same time, by the same officer).
    ``escalated_at`` is set once when an unacknowledged safety message is escalated to the senior tier.
    """

    party: str
    state: ReceiptState = ReceiptState.DELIVERED
    read_at: datetime | None = None
    read_by: Officer | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: Officer | None = None
    escalated_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "party"))
        object.__setattr__(self, "state", enum_value(ReceiptState, self.state, "state"))
        for name in ("read_at", "acknowledged_at", "escalated_at"):
            object.__setattr__(self, name, optional_instant(getattr(self, name), name))
        was_read = self.state is not ReceiptState.DELIVERED
        was_acknowledged = self.state is ReceiptState.ACKNOWLEDGED
        for name, recorded, expected in (
            ("read_at", self.read_at, was_read),
            ("read_by", self.read_by, was_read),
            ("acknowledged_at", self.acknowledged_at, was_acknowledged),
            ("acknowledged_by", self.acknowledged_by, was_acknowledged),
        ):
            if (recorded is not None) != expected:
                raise InvalidInput(name, f"must {'' if expected else 'not '}be set in state {self.state.value}")
        for officer_field in ("read_by", "acknowledged_by"):
            officer = getattr(self, officer_field)
            if officer is not None and officer.party != self.party:
                raise InvalidInput(f"{officer_field}.party", f"must be the recipient {self.party}")
            if officer is not None and not officer.tier.may_act:
                raise InvalidInput(f"{officer_field}.tier", f"a {officer.tier.value} officer does not act for the desk")
        if self.read_at is not None and self.acknowledged_at is not None and self.acknowledged_at < self.read_at:
            raise InvalidInput("acknowledged_at", "must not precede read_at")

    @property
    def last_event_at(self) -> datetime | None:
        times = [t for t in (self.read_at, self.acknowledged_at, self.escalated_at) if t is not None]
        return max(times) if times else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "state": self.state.value,
            "read_at": optional_iso(self.read_at),
            "read_by": None if self.read_by is None else self.read_by.as_dict(),
            "acknowledged_at": optional_iso(self.acknowledged_at),
            "acknowledged_by": None if self.acknowledged_by is None else self.acknowledged_by.as_dict(),
            "escalated_at": optional_iso(self.escalated_at),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Receipt:
        keys = {"party", "state", "read_at", "read_by", "acknowledged_at", "acknowledged_by", "escalated_at"}
        fields = mapping(data, "receipt", keys, required={"party", "state"})
        return cls(
            party=fields["party"],
            state=fields["state"],
            read_at=fields.get("read_at"),
            read_by=None if fields.get("read_by") is None else Officer.from_dict(fields["read_by"]),
            acknowledged_at=fields.get("acknowledged_at"),
            acknowledged_by=None
            if fields.get("acknowledged_by") is None
            else Officer.from_dict(fields["acknowledged_by"]),
            escalated_at=fields.get("escalated_at"),
        )


@dataclass(frozen=True)
class Message:
    """A hotline message and every recipient's receipt.

    ``author`` is the writing officer (party code and officer id); ``recipients`` are party codes, one
    receipt each, in the same order; ``created_at`` is a UTC instant supplied by the caller.
    """

    message_id: str
    author: Officer
    recipients: tuple[str, ...]
    content: Content
    urgency: Urgency
    created_at: datetime
    references: tuple[Reference, ...] = ()
    receipts: tuple[Receipt, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "message_id", record_id(self.message_id, "message_id"))
        if not isinstance(self.author, Officer):
            raise InvalidInput("author", "must be an Officer")
        if not self.author.tier.may_act:
            raise PermissionDenied(f"a {self.author.tier.value} officer may not send messages")
        recipients = tuple(party_code(party, f"recipients.{i}") for i, party in enumerate(self.recipients))
        if not recipients:
            raise InvalidInput("recipients", "a message needs at least one recipient party")
        if len(set(recipients)) != len(recipients):
            raise InvalidInput("recipients", "names a party twice")
        if self.author.party in recipients:
            raise InvalidInput("recipients", f"the author's own party {self.author.party} cannot be a recipient")
        object.__setattr__(self, "recipients", recipients)
        if not isinstance(self.content, TemplateContent | FreeText):
            raise InvalidInput("content", "must be a phrase (TemplateContent) or free text (FreeText)")
        object.__setattr__(self, "urgency", enum_value(Urgency, self.urgency, "urgency"))
        object.__setattr__(self, "created_at", utc_instant(self.created_at, "created_at"))
        references = tuple(self.references)
        for index, reference in enumerate(references):
            if not isinstance(reference, Reference):
                raise InvalidInput(f"references.{index}", "must be a Reference")
        object.__setattr__(self, "references", references)
        receipts = self.receipts or tuple(Receipt(party) for party in recipients)
        if tuple(receipt.party for receipt in receipts) != recipients:
            raise InvalidInput("receipts", "must hold one receipt per recipient, in the recipients' order")
        for receipt in receipts:
            if any(t is not None and t < self.created_at for t in (receipt.read_at, receipt.escalated_at)):
                raise InvalidInput(
                    "receipts", f"{receipt.party}'s receipt records an event before the message was created"
                )
        object.__setattr__(self, "receipts", receipts)

    @property
    def untranslated(self) -> bool:
        return isinstance(self.content, FreeText)

    def receipt(self, party: str) -> Receipt:
        for receipt in self.receipts:
            if receipt.party == party:
                return receipt
        raise InvalidInput("party", f"{party} is not a recipient of message {self.message_id}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "author": self.author.as_dict(),
            "recipients": list(self.recipients),
            "content": self.content.as_dict(),
            "urgency": self.urgency.value,
            "references": [reference.as_dict() for reference in self.references],
            "created_at": iso(self.created_at),
            "receipts": [receipt.as_dict() for receipt in self.receipts],
        }

    @classmethod
    def from_dict(cls, data: Any, catalogue: Catalogue | None = None) -> Message:
        """A message from its ``as_dict`` form; phrase parameters are checked against ``catalogue``."""
        keys = {"message_id", "author", "recipients", "content", "urgency", "references", "created_at", "receipts"}
        fields = mapping(data, "message", keys, required=keys - {"references", "receipts"})
        return cls(
            message_id=fields["message_id"],
            author=Officer.from_dict(fields["author"]),
            recipients=tuple(sequence(fields["recipients"], "recipients")),
            content=content_from_dict(fields["content"], catalogue or load_catalogue()),
            urgency=fields["urgency"],
            created_at=fields["created_at"],
            references=tuple(
                Reference.from_dict(item) for item in sequence(fields.get("references", []), "references")
            ),
            receipts=tuple(Receipt.from_dict(item) for item in sequence(fields.get("receipts", []), "receipts")),
        )


def compose_message(
    *,
    message_id: str,
    author: Officer,
    recipients: Sequence[str],
    created_at: datetime,
    urgency: Urgency | str = Urgency.ROUTINE,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    text: str | None = None,
    language: Language | str | None = None,
    references: Sequence[Reference] = (),
    catalogue: Catalogue | None = None,
) -> Message:
    """A new message, every recipient in state ``delivered``.

    Give either ``template`` (a phrase id) with ``params``, or free ``text`` with the ``language`` it is
    written in. ``catalogue`` defaults to the package's; the node passes the one it loaded at start-up.
    """
    if (template is None) == (text is None):
        raise InvalidInput("content", "give either a template (phrase id) or free text, not both or neither")
    content: Content
    if template is not None:
        if language is not None:
            raise InvalidInput("language", "a phrase is rendered in each reader's language; omit the language")
        content = TemplateContent.build(template, {} if params is None else params, catalogue or load_catalogue())
    else:
        if params is not None:
            raise InvalidInput("params", "free text takes no parameters")
        if language is None:
            raise InvalidInput("language", "free text must say which language it is written in")
        # Checked here, where a desk writes it, not in FreeText (which also reads back stored messages): no
        # directional formatting character may make it show in another order than it was written.
        written = bounds.free_text(text or "", "text", "message_text")
        content = FreeText(text=written, language=enum_value(Language, language, "language"))
    return Message(
        message_id=message_id,
        author=author,
        recipients=tuple(recipients),
        content=content,
        urgency=enum_value(Urgency, urgency, "urgency"),
        created_at=created_at,
        references=tuple(references),
    )


def read_message(message: Message, reader: Officer, *, now: datetime) -> Message:
    """``message`` with the reader's party marked ``read`` (only from ``delivered``)."""
    return _move_receipt(message, reader, ReceiptEvent.READ, now)


def acknowledge_message(message: Message, officer: Officer, *, now: datetime) -> Message:
    """``message`` with the officer's party marked ``acknowledged`` (and ``read``, if it was not yet)."""
    return _move_receipt(message, officer, ReceiptEvent.ACKNOWLEDGE, now)


def _move_receipt(message: Message, officer: Officer, event: ReceiptEvent, now: datetime) -> Message:
    if not officer.tier.may_act:
        # An observer opening a message does not mean the desk has seen it.
        raise PermissionDenied(f"a {officer.tier.value} officer cannot {event.value} for the desk")
    if officer.party not in message.recipients:
        raise PermissionDenied(f"{officer.party} is not a recipient of message {message.message_id}")
    receipt = message.receipt(officer.party)
    next_state = RECEIPT_TRANSITIONS.get((receipt.state, event))
    if next_state is None:
        raise IllegalTransition(receipt.state, event)
    now = not_before(now, max(t for t in (message.created_at, receipt.last_event_at) if t is not None))
    if event is ReceiptEvent.READ:
        moved = replace(receipt, state=next_state, read_at=now, read_by=officer)
    else:
        moved = replace(
            receipt,
            state=next_state,
            read_at=receipt.read_at or now,
            read_by=receipt.read_by or officer,
            acknowledged_at=now,
            acknowledged_by=officer,
        )
    return replace(message, receipts=tuple(moved if r.party == officer.party else r for r in message.receipts))


@dataclass(frozen=True)
class RenderedMessage:
    """What a reader sees: the text, its language, its writing direction and whether it was translated."""

    text: str
    language: Language
    direction: str
    untranslated: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language.value,
            "direction": self.direction,
            "untranslated": self.untranslated,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RenderedMessage:
        fields = mapping(data, "rendered", {"text", "language", "direction", "untranslated"})
        language = enum_value(Language, fields["language"], "language")
        if fields["direction"] != language.direction:
            raise InvalidInput("direction", f"{language.value} is written {language.direction}")
        if not isinstance(fields["untranslated"], bool) or not isinstance(fields["text"], str):
            raise InvalidInput("rendered", "text must be text and untranslated true or false")
        return cls(fields["text"], language, language.direction, fields["untranslated"])


def render(message: Message, language: Language | str, catalogue: Catalogue | None = None) -> RenderedMessage:
    """``message`` as a reader of ``language`` sees it.

    A phrase comes out in the reader's language; free text comes out as written, in the author's language
    (``language`` and ``direction`` then describe the text shown, not the reader) with ``untranslated``.
    """
    reader = enum_value(Language, language, "language")
    if isinstance(message.content, FreeText):
        written = message.content.language
        return RenderedMessage(message.content.text, written, written.direction, untranslated=True)
    phrases = catalogue or load_catalogue()
    shown = phrases.render(message.content.template, message.content.params_dict, reader)
    return RenderedMessage(shown, reader, reader.direction, untranslated=False)
