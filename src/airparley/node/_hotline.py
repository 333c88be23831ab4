"""The hotline in the node: messages and negotiation cases stored, shaped per party, and scheduled.

The pure ``airparley.hotline`` decides every move; this module persists the results in the caller's
transaction, records the events each party is entitled to (shaped by ``_visibility``), and runs the
deadlines: safety messages that ring again and escalate, cases that escalate or lapse, agreed cases that
resolve when their conflict disappears.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from airparley import bounds
from airparley import hotline as hl
from airparley._time import iso_z
from airparley.errors import InvalidInput, NotFound, PermissionDenied
from airparley.ledger import Kind
from airparley.node._access import Act, require
from airparley.node._events import EventKind
from airparley.node._ledger import LedgerWriter
from airparley.node._visibility import case_for, message_for
from airparley.store import Officer, Tx

__all__ = ["Hotline"]

#: The end of a conflict's window is known only while the conflict exists; the case lapses this long after.
_TINY = timedelta(microseconds=1)


def _acting(officer: Officer) -> hl.Officer:
    return hl.Officer(officer.party, officer.id, hl.Tier(officer.tier))


def _require_reader(officer: Officer) -> None:
    require(officer.tier, Act.READ_HOTLINE)


def _require_actor(officer: Officer) -> None:
    require(officer.tier, Act.ACT_ON_HOTLINE)


def random_id(prefix: str) -> str:
    """A new random id with its kind in front: ``msg-3f2a...`` (16 hex digits)."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class Hotline:
    """Messages and cases of one node. ``conflicts`` answers the live conflict ids and window ends."""

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
        due = case.deadline if case.escalated_at is None and not case.state.is_final else None
        tx.put_case(case.case_id, case.state.value, subject, case.parties, case.as_dict(), now, due)

    # -- messages ------------------------------------------------------------------------------------
    def send(self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """Send a message; the author party's view of it."""
        return self.send_message(tx, officer, body, now)[1]

    def send_message(
        self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime
    ) -> tuple[hl.Message, dict[str, Any]]:
        """Send a message; the message itself (for what the node does next, e.g. arm a non-response watch)
        and the author party's view of it."""
        _require_actor(officer)
        bounds.check_json(body)
        recipients = body.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise InvalidInput("recipients", "a list of one or more party codes")
        for index, party in enumerate(recipients):
            if not isinstance(party, str) or not self._knows(tx, party):
                raise InvalidInput(f"recipients.{index}", f"unknown party {party!r}")
            if party == officer.party:
                raise InvalidInput(f"recipients.{index}", "the hotline is for other parties' desks")
        unknown = set(body) - {"recipients", "urgency", "template", "params", "text", "language", "references"}
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "unknown field")
        references = []
        for index, item in enumerate(bounds.count(body.get("references") or [], "references", "references")):
            try:
                references.append(hl.Reference.from_dict(item))
            except InvalidInput as error:
                raise InvalidInput(f"references.{index}.{error.field}", error.reason) from None
        message = hl.compose_message(
            message_id=self.new_id("msg"),
            author=_acting(officer),
            recipients=sorted(set(recipients)),
            created_at=now,
            urgency=body.get("urgency", "routine"),
            template=body.get("template"),
            params=body.get("params"),
            text=body.get("text"),
            language=body.get("language"),
            references=references,
            catalogue=self.catalogue,
        )
        self._store_message(tx, message, now)
        self.ledger.record(tx, officer.party, Kind.MESSAGE_SENT, {"message": message.as_dict()}, now)
        self._message_event(tx, EventKind.MESSAGE_SENT, message, now)
        view = message_for(officer.party, message, self._language(tx, officer.party), self.catalogue)
        assert view is not None  # the author always sees their own message
        return message, view

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
        _require_actor(officer)
        message = self._message(tx, officer, message_id)
        if officer.party not in message.recipients:
            raise PermissionDenied("only a recipient party reads or acknowledges a message")
        moved = (hl.read_message if action == "read" else hl.acknowledge_message)(message, _acting(officer), now=now)
        self._store_message(tx, moved, now)
        kind = Kind.MESSAGE_READ if action == "read" else Kind.MESSAGE_ACKNOWLEDGED
        receipt = moved.receipt(officer.party).as_dict()
        self.ledger.record(tx, officer.party, kind, {"message_id": message_id, "receipt": receipt}, now)
        self._message_event(tx, EventKind(kind.value), moved, now)
        view = message_for(officer.party, moved, self._language(tx, officer.party), self.catalogue)
        assert view is not None
        return view

    def messages_for(self, tx: Tx, officer: Officer) -> list[dict[str, Any]]:
        _require_reader(officer)
        language = self._language(tx, officer.party)
        views = []
        for stored in tx.messages_for(officer.party, catalogue=self.catalogue):
            view = message_for(officer.party, stored.message, language, self.catalogue)
            if view is not None:
                views.append(view)
        return views

    def message_for(self, tx: Tx, officer: Officer, message_id: str) -> dict[str, Any]:
        _require_reader(officer)
        message = self._message(tx, officer, message_id)
        view = message_for(officer.party, message, self._language(tx, officer.party), self.catalogue)
        if view is None:
            raise NotFound("message", message_id)
        return view

    # -- cases ---------------------------------------------------------------------------------------
    def open(self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        _require_actor(officer)
        _case_body_fields(body, {"subject", "with", "urgent", "note"})
        subject = hl.subject_from_dict(body.get("subject"))
        if isinstance(subject, hl.ContentionSubject):
            bounds.free_text(subject.reason, "subject.reason", "case_note")
        if isinstance(subject, hl.ConflictSubject):
            live = self._conflict_windows()
            if subject.conflict_id not in live or officer.party not in live[subject.conflict_id][0]:
                raise NotFound("conflict", subject.conflict_id)
            parties = sorted(live[subject.conflict_id][0])
        else:
            if "with" not in body:
                raise InvalidInput("with", "a contention names the other party's code (e.g. RUS)")
            other = bounds.party_code(body["with"], "with")
            if tx.party(other) is None or other == officer.party:
                raise InvalidInput("with", "a contention names the other party's code (e.g. RUS)")
            parties = sorted({officer.party, other})
        urgent = body.get("urgent", False)
        if not isinstance(urgent, bool):
            raise InvalidInput("urgent", "must be true or false")
        case = hl.open_case(
            case_id=self.new_id("case"),
            parties=parties,
            subject=subject,
            opened_by=_acting(officer),
            now=now,
            urgent=urgent,
            note=bounds.free_text(body.get("note", ""), "note", "case_note"),
            settings=self._case_settings(parties),
        )
        self._store_case(tx, case, now)
        self.ledger.record(tx, officer.party, Kind.CASE_OPENED, _case_body(case), now)
        self._case_event(tx, EventKind.CASE_OPENED, case, now)
        return self._view(case, officer)

    def _case(self, tx: Tx, officer: Officer, case_id: str) -> hl.Case:
        stored = tx.case(case_id) if bounds.is_plain_id(case_id) else None
        if stored is None:
            raise NotFound("case", case_id)
        case = stored.case
        if officer.party not in case.parties:
            raise NotFound("case", case_id)
        return case

    def _view(self, case: hl.Case, officer: Officer) -> dict[str, Any]:
        view = case_for(officer.party, case) or {}
        view["permitted"] = sorted(e.value for e in hl.permitted_events(case, _acting(officer)))
        return view

    def act(
        self, tx: Tx, officer: Officer, case_id: str, action: str, body: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        """``propose``, ``counter``, ``accept``, ``reject``, ``escalate`` or ``resolve`` a case."""
        _require_actor(officer)
        if action not in _CASE_KINDS:
            raise NotFound("case action", action)
        _case_body_fields(body, {"note", "text", "terms"} if action in ("propose", "counter") else {"note", "text"})
        if "note" in body and "text" in body:
            raise InvalidInput("text", "give a note or a text, not both (they are the same thing)")
        note_field = "text" if "text" in body else "note"
        note = bounds.free_text(body.get(note_field, ""), note_field, "case_note")
        case = self._case(tx, officer, case_id)
        who = _acting(officer)
        escalation: hl.CaseEscalation | None = None
        settings = self._case_settings(case.parties)
        if action in ("propose", "counter"):
            if "terms" not in body:
                raise InvalidInput("terms", "missing: the structured proposal (shift_time, altitude_split, ...)")
            terms = hl.terms_from_dict(body["terms"])
            move = hl.propose if action == "propose" else hl.counter
            moved = move(case, who, terms, now=now, text=note, settings=settings)
        elif action == "accept":
            moved = hl.accept(case, who, now=now, note=note)
        elif action == "reject":
            moved = hl.reject(case, who, now=now, note=note, settings=settings)
        elif action == "escalate":
            moved, escalation = hl.escalate(case, who, now=now, note=note, settings=settings)
        elif action == "resolve":
            moved = hl.resolve(case, who, now=now, note=note)
        else:
            raise NotFound("case action", action)
        self._store_case(tx, moved, now)
        body = _case_body(moved, {"escalation": escalation.as_dict()} if escalation is not None else None)
        self.ledger.record(tx, officer.party, _CASE_KINDS[action], body, now)
        self._case_event(tx, EventKind.of_case_move(moved.history[-1].event.value), moved, now)
        if escalation is not None:
            self._case_event(tx, EventKind.CASE_ESCALATED, moved, now, {"escalation": escalation.as_dict()})
        return self._view(moved, officer)

    def cases_for(self, tx: Tx, officer: Officer) -> list[dict[str, Any]]:
        _require_reader(officer)
        return [self._view(stored.case, officer) for stored in tx.cases_for(officer.party)]

    def case_for(self, tx: Tx, officer: Officer, case_id: str) -> dict[str, Any]:
        _require_reader(officer)
        return self._view(self._case(tx, officer, case_id), officer)

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

    # -- what time and the notices do to the hotline -------------------------------------------------
    def on_conflicts_changed(self, tx: Tx, current: Collection[str], now: datetime) -> None:
        """Cases whose conflict disappeared resolve (an agreement carried out, or plans changed)."""
        for stored in tx.open_cases():
            case = stored.case
            moved = hl.on_conflicts_changed(case, current, now=now)
            if moved is not case:
                self._store_case(tx, moved, now)
                self.ledger.record_hosted(tx, moved.parties, Kind.CASE_RESOLVED, _case_body(moved), now)
                self._case_event(tx, EventKind.CASE_RESOLVED, moved, now)

    def tick(self, tx: Tx, now: datetime) -> None:
        """Ring again, escalate unacknowledged safety messages, escalate overdue cases, lapse old ones."""
        for stored_message in tx.messages_due(now, catalogue=self.catalogue):
            message = stored_message.message
            previous_due = hl.next_alarm_at(message, now=now - self.settings.ring_interval, settings=self.settings)
            after = (previous_due - _TINY) if previous_due is not None else None
            for receipt in message.receipts:
                rings = hl.ring_times_due(message, receipt.party, after=after, now=now, settings=self.settings)
                if rings:
                    view = message_for(receipt.party, message, self._language(tx, receipt.party), self.catalogue)
                    tx.append_event(
                        EventKind.MESSAGE_RING,
                        [receipt.party],
                        {
                            receipt.party: {
                                **(view or {}),
                                "rings": [iso_z(r) for r in rings],
                            }
                        },
                        now,
                    )
            escalated, escalations = hl.escalate_unacknowledged(message, now=now, settings=self.settings)
            for escalation in escalations:
                body = {"message_id": message.message_id, "escalation": escalation.as_dict()}
                self.ledger.record_hosted(tx, (message.author.party,), Kind.MESSAGE_ESCALATED, body, now)
                extra = {"escalation": escalation.as_dict()}
                self._message_event(tx, EventKind.MESSAGE_ESCALATED, escalated, now, extra)
            self._store_message(tx, escalated, now)
        for stored in tx.cases_due(now):
            case = stored.case
            moved, missed = hl.check_deadline(case, now=now, settings=self._case_settings(case.parties))
            if missed is not None:
                self._store_case(tx, moved, now)
                body = _case_body(moved, {"escalation": missed.as_dict()})
                self.ledger.record_hosted(tx, moved.parties, Kind.CASE_ESCALATED, body, now)
                self._case_event(tx, EventKind.CASE_ESCALATED, moved, now, {"escalation": missed.as_dict()})
            elif moved.deadline is not None and moved.deadline <= now:
                self._store_case(tx, moved, now)  # nothing more to do: stop looking at it
        live = self._conflict_windows()
        for stored in tx.open_cases():
            case = stored.case
            if not isinstance(case.subject, hl.ConflictSubject) or case.subject.conflict_id not in live:
                continue
            lapsed = hl.check_lapse(case, window_end=live[case.subject.conflict_id][1], now=now)
            if lapsed is not case:
                self._store_case(tx, lapsed, now)
                self.ledger.record_hosted(tx, lapsed.parties, Kind.CASE_LAPSED, _case_body(lapsed), now)
                self._case_event(tx, EventKind.CASE_LAPSED, lapsed, now)


_CASE_KINDS = {
    "propose": Kind.CASE_PROPOSAL,
    "counter": Kind.CASE_PROPOSAL,
    "accept": Kind.CASE_ACCEPTED,
    "reject": Kind.CASE_REJECTED,
    "escalate": Kind.CASE_ESCALATED,
    "resolve": Kind.CASE_RESOLVED,
}


def _case_body_fields(body: Any, allowed: set[str]) -> None:
    """A case body: an object of the ``allowed`` fields only, each within the wire bounds (airparley/bounds.py)."""
    if not isinstance(body, Mapping):
        raise InvalidInput("(body)", "must be a JSON object")
    bounds.check_json(body)
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        raise InvalidInput(unknown[0], f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _case_body(case: hl.Case, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a case entry records: which case, its subject and parties, the move just made, the state after.

    ``case`` is the whole case document after the move (both parties see it in full anyway): the other
    party's node takes it as is when it replicates the entry (federation), with nothing to recompute."""
    body: dict[str, Any] = {
        "case_id": case.case_id,
        "subject": case.subject.as_dict(),
        "parties": list(case.parties),
        "state": case.state.value,
        "entry": case.history[-1].as_dict(),
        "case": case.as_dict(),
    }
    if case.agreement is not None:
        body["agreement"] = case.agreement.as_dict()
    return {**body, **(extra or {})}
