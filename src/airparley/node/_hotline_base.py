"""What the node's hotline parts share: the acting officer, the parties' languages, and storing and announcing
a message or a case (each party's event shaped by ``_visibility``).

``Hotline`` (node/_hotline.py) is made of ``HotlineMessages`` (node/_hotline_messages.py) and
``HotlineCases`` (node/_hotline_cases.py) over this base, as the store's ``Tx`` is made of one part per
feature.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from airparley import hotline as hl
from airparley.errors import InvalidInput
from airparley.node._access import Act, require
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._visibility import case_for, message_for
from airparley.store import Officer, Tx

__all__ = ["HotlineBase", "acting", "random_id", "require_actor", "require_reader"]


def acting(officer: Officer) -> hl.Officer:
    """The store's officer as the hotline knows an actor."""
    return hl.Officer(officer.party, officer.id, hl.Tier(officer.tier))


def require_reader(officer: Officer) -> None:
    require(officer.tier, Act.READ_HOTLINE)


def require_actor(officer: Officer) -> None:
    require(officer.tier, Act.ACT_ON_HOTLINE)


def random_id(prefix: str) -> str:
    """A new random id with its kind in front: ``msg-3f2a...`` (16 hex digits)."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class HotlineBase:
    """Messages and cases of one node. ``conflict_windows`` answers the live conflict ids, each with its
    parties and the end of its time window."""

    def __init__(
        self,
        settings: hl.HotlineSettings,
        conflict_windows: Callable[[], Mapping[str, tuple[frozenset[str], datetime]]],
        ledger: LedgerWriter,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        #: Makes message and case ids (``msg-...``, ``case-...``); random unless the node is given a seeded one
        #: (the headless demo, whose ledger must come out the same on every run).
        self.new_id: Callable[[str], str] = random_id
        self.catalogue = hl.load_catalogue()
        self._conflict_windows = conflict_windows
        self._language_of: dict[str, str] | None = None
        #: The case deadlines (routine, urgent seconds) agreed between a case's parties, or None where no agreement
        #: in force covers them (node/_agreements.py; the node sets it): then ``settings`` decides.
        self.agreed_deadlines: Callable[[Sequence[str]], tuple[int, int] | None] = lambda _parties: None
        #: The languages agreed between two parties, or None where no agreement in force covers them
        #: (node/_agreements.py; the node sets it): then free text may be in any language the node knows.
        self.agreed_languages: Callable[[Sequence[str]], tuple[str, ...] | None] = lambda _parties: None

    def _check_agreed_language(
        self, author: str, readers: Sequence[str], language: str | None, remedy: str, required: bool = False
    ) -> None:
        """Free text is read as written, so between parties whose agreement in force covers ``languages`` it
        must be in one of them, for every reader (422 naming ``language``). ``language`` None is a text whose
        language was not said: refused (``required``) where an agreement covers languages, else taken."""
        for reader in readers:
            agreed = self.agreed_languages((author, reader))
            if agreed is None:
                continue
            if language is None:
                if required:
                    raise InvalidInput(
                        "language",
                        f"missing: {author} and {reader} agreed the languages of free text ({', '.join(agreed)});"
                        " say which one the text is written in",
                    )
                continue
            if language not in agreed:
                raise InvalidInput(
                    "language",
                    f"{language} is not agreed between {author} and {reader} (agreed: {', '.join(agreed)}); {remedy}",
                )

    def _case_settings(self, parties: Sequence[str]) -> hl.HotlineSettings:
        """The settings a case of ``parties`` moves under: the node's, with the deadlines its parties agreed."""
        agreed = self.agreed_deadlines(parties)
        if agreed is None:
            return self.settings
        routine, urgent = agreed
        return dataclasses.replace(self.settings, response_deadline_s=routine, urgent_response_deadline_s=urgent)

    # -- shaping -------------------------------------------------------------------------------------
    def _languages(self, tx: Tx) -> dict[str, str]:
        """Each party's language; parties are few and rarely added, so the answer is kept until one
        appears that it does not know (added by ``airparley party add`` while the node runs)."""
        if self._language_of is None:
            self._language_of = {p.code: p.language for p in tx.parties()}
        return self._language_of

    def _knows(self, tx: Tx, party: str) -> bool:
        if party not in self._languages(tx):
            self._language_of = None  # perhaps added since: look again
        return party in self._languages(tx)

    def _language(self, tx: Tx, party: str) -> str:
        return self._languages(tx).get(party, "en") if self._knows(tx, party) else "en"

    def _message_event(
        self, tx: Tx, kind: EventKind, message: hl.Message, now: datetime, extra: Mapping[str, Any] | None = None
    ) -> None:
        audience = {message.author.party, *message.recipients}
        payloads = {}
        for party in audience:
            view = message_for(party, message, self._language(tx, party), self.catalogue)
            if view is not None:
                payloads[party] = {**view, **(extra or {})}
        tx.append_event(kind, payloads.keys(), payloads, now)

    def _case_event(
        self, tx: Tx, kind: EventKind, case: hl.Case, now: datetime, extra: Mapping[str, Any] | None = None
    ) -> None:
        payloads = {party: {**(case_for(party, case) or {}), **(extra or {})} for party in case.parties}
        tx.append_event(kind, case.parties, payloads, now)

    def _store_message(self, tx: Tx, message: hl.Message, now: datetime) -> None:
        due = hl.next_alarm_at(message, now=now, settings=self.settings)
        tx.put_message(
            message.message_id,
            message.author.party,
            message.urgency.value,
            message.recipients,
            message.as_dict(),
            message.created_at,
            due,
        )

    def _store_case(self, tx: Tx, case: hl.Case, now: datetime) -> None:
        subject = case.subject.conflict_id if isinstance(case.subject, hl.ConflictSubject) else None
        tx.put_case(case.case_id, case.state.value, subject, case.parties, case.as_dict(), now, hl.case_due_at(case))

    # -- replicated acts (federation): stored and announced like local ones, never signed again ---------
    def put_replicated_message(
        self, tx: Tx, message: hl.Message, kind: EventKind, now: datetime, extra: Mapping[str, Any] | None = None
    ) -> None:
        """A message (or its receipts) as another node's party signed it: stored here, and its parties told."""
        self._store_message(tx, message, now)
        self._message_event(tx, kind, message, now, extra)

    def put_replicated_case(
        self, tx: Tx, case: hl.Case, kind: EventKind, now: datetime, extra: Mapping[str, Any] | None = None
    ) -> None:
        """A case as replicated from another node (already merged with this node's copy by the caller)."""
        self._store_case(tx, case, now)
        self._case_event(tx, kind, case, now, extra)
