"""What a desk asks of the hotline, read and checked before anything is looked up or moved.

The node's routes hand request bodies here: ``check_fields`` for the shape every hotline body shares,
``MessageRequest`` for ``POST /messages`` and ``CaseMoveRequest`` for ``POST /cases/{id}/{action}``. Errors
name the field (``InvalidInput``) in the order a desk would fix them; which parties exist is the caller's
to say (``is_party``), as is finding the case a move is about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from airparley import bounds
from airparley.errors import InvalidInput, NotFound
from airparley.hotline._cases import CaseEvent
from airparley.hotline._common import Language, enum_value
from airparley.hotline._messages import Reference
from airparley.hotline._proposals import Terms, terms_from_dict

__all__ = ["CASE_MOVES", "CaseMoveRequest", "MessageRequest", "check_fields", "text_language"]

#: The moves a desk asks for by name (``POST /cases/{id}/{action}``).
CASE_MOVES: Final = (
    CaseEvent.PROPOSE,
    CaseEvent.COUNTER,
    CaseEvent.ACCEPT,
    CaseEvent.REJECT,
    CaseEvent.ESCALATE,
    CaseEvent.RESOLVE,
)
_MESSAGE_FIELDS: Final = frozenset({"recipients", "urgency", "template", "params", "text", "language", "references"})


def check_fields(body: Any, allowed: set[str]) -> Mapping[str, Any]:
    """``body`` as an object of the ``allowed`` fields only, each within the wire bounds (airparley/bounds.py)."""
    if not isinstance(body, Mapping):
        raise InvalidInput("(body)", "must be a JSON object")
    bounds.check_json(body)
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        raise InvalidInput(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")
    return body


@dataclass(frozen=True)
class CaseMoveRequest:
    """A move a desk asks for: the move, its note (``note`` or ``text``, the same thing), the ``language`` the
    note is written in (None when not said), and the body as sent, whose ``terms`` a proposal or counter reads
    once the case is found (``terms()``), so that an unknown case is reported before bad terms."""

    event: CaseEvent
    note: str
    body: Mapping[str, Any]
    language: Language | None = None

    @classmethod
    def parse(cls, action: str, body: Any) -> CaseMoveRequest:
        """Raises ``NotFound`` for an action that is not a desk's move, ``InvalidInput`` for a bad body."""
        event = next((move for move in CASE_MOVES if move.value == action), None)
        if event is None:
            raise NotFound("case action", action)
        proposing = event in (CaseEvent.PROPOSE, CaseEvent.COUNTER)
        check_fields(body, {"note", "text", "terms", "language"} if proposing else {"note", "text", "language"})
        if "note" in body and "text" in body:
            raise InvalidInput("text", "give a note or a text, not both (they are the same thing)")
        note_field = "text" if "text" in body else "note"
        note = bounds.free_text(body.get(note_field, ""), note_field, "case_note")
        language = text_language(body.get("language"))
        # A language says what a text is written in: without a text there is nothing for it to describe.
        return cls(event, note, body, language if note else None)

    def terms(self) -> Terms | None:
        """The proposal's terms, for a proposal or counter (``InvalidInput`` naming ``terms``); else None."""
        if self.event not in (CaseEvent.PROPOSE, CaseEvent.COUNTER):
            return None
        if "terms" not in self.body:
            raise InvalidInput("terms", "missing: the structured proposal (shift_time, altitude_split, ...)")
        return terms_from_dict(self.body["terms"])


def text_language(value: Any) -> Language | None:
    """A case text's ``language`` as sent: absent or null is None (not said), else one of the known ones."""
    return None if value is None else enum_value(Language, value, "language")


@dataclass(frozen=True)
class MessageRequest:
    """A message a desk asks to send, its recipients checked; the content fields as sent, checked against the
    catalogue when the message is composed (``compose_message``)."""

    recipients: tuple[str, ...]
    urgency: Any
    template: Any
    params: Any
    text: Any
    language: Any
    references: tuple[Reference, ...]

    @classmethod
    def parse(cls, body: Mapping[str, Any], sender_party: str, is_party: Callable[[str], bool]) -> MessageRequest:
        """``recipients`` (known parties, not the sender's), no unknown field, ``references`` each well formed."""
        bounds.check_json(body)
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidInput("recipients", "a list of one or more party codes")
        for index, party in enumerate(recipients):
            if not isinstance(party, str) or not is_party(party):
                raise InvalidInput(f"recipients.{index}", f"unknown party {party!r}")
            if party == sender_party:
                raise InvalidInput(f"recipients.{index}", "the hotline is for other parties' desks")
        unknown = set(body) - _MESSAGE_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "unknown field")
        references = []
        for index, item in enumerate(bounds.count(body.get("references") or [], "references", "references")):
            try:
                references.append(Reference.from_dict(item))
            except InvalidInput as error:
                raise InvalidInput(f"references.{index}.{error.field}", error.reason) from None
        return cls(
            recipients=tuple(sorted(set(recipients))),
            urgency=body.get("urgency", "routine"),
            template=body.get("template"),
            params=body.get("params"),
            text=body.get("text"),
            language=body.get("language"),
            references=tuple(references),
        )
