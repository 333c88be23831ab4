"""Negotiation cases in the node: opened and moved by the desks, shaped per party, escalated, resolved and
lapsed by the clock and the conflict picture.

The pure ``airparley.hotline`` checks the request (``CaseMoveRequest``) and makes every move
(``officer_move``, ``check_deadline``, ``check_lapse``, ``on_conflicts_changed``); this part finds the case
and the conflict, stores the result in the caller's transaction, signs the ledger entry (``case_record``)
and tells both parties.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final

from airparley import bounds
from airparley import hotline as hl
from airparley.errors import InvalidInput, NotFound
from airparley.ledger import Kind
from airparley.node._events import EventKind
from airparley.node._hotline_base import HotlineBase, acting, require_actor, require_reader
from airparley.node._visibility import case_for
from airparley.store import Officer, Tx

__all__ = ["HotlineCases"]

#: The ledger entry each desk move signs.
_CASE_KINDS: Final = {
    hl.CaseEvent.PROPOSE: Kind.CASE_PROPOSAL,
    hl.CaseEvent.COUNTER: Kind.CASE_PROPOSAL,
    hl.CaseEvent.ACCEPT: Kind.CASE_ACCEPTED,
    hl.CaseEvent.REJECT: Kind.CASE_REJECTED,
    hl.CaseEvent.ESCALATE: Kind.CASE_ESCALATED,
    hl.CaseEvent.RESOLVE: Kind.CASE_RESOLVED,
}


class HotlineCases(HotlineBase):
    """Cases between two parties: about a live conflict, or a contention."""

    def open(self, tx: Tx, officer: Officer, body: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        require_actor(officer)
        hl.check_fields(body, {"subject", "with", "urgent", "note", "language"})
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
        note = bounds.free_text(body.get("note", ""), "note", "case_note")
        said = hl.text_language(body.get("language"))
        written = bool(note) or isinstance(subject, hl.ContentionSubject)
        language = self._check_case_text(officer.party, parties, said if written else None, written)
        case = hl.open_case(
            case_id=self.new_id("case"),
            parties=parties,
            subject=subject,
            opened_by=acting(officer),
            now=now,
            urgent=urgent,
            note=note,
            settings=self._case_settings(parties),
            language=language,
        )
        self._store_case(tx, case, now)
        self.ledger.record(tx, officer.party, Kind.CASE_OPENED, hl.case_record(case), now)
        self._case_event(tx, EventKind.CASE_OPENED, case, now)
        return self._view(case, officer)

    def _check_case_text(
        self, author: str, parties: Collection[str], language: hl.Language | None, written: bool
    ) -> hl.Language | None:
        """A case's text is read as written, as a message's free text is: between parties whose agreement in
        force covers ``languages`` it must say its language and be in one of them. The language it is kept
        with (None for a move without text)."""
        if not written:
            return None
        others = [party for party in parties if party != author]
        remedy = "write in an agreed language, or leave the text empty"
        self._check_agreed_language(author, others, None if language is None else language.value, remedy, True)
        return language

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
        view["permitted"] = sorted(e.value for e in hl.permitted_events(case, acting(officer)))
        return view

    def act(
        self, tx: Tx, officer: Officer, case_id: str, action: str, body: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        """``propose``, ``counter``, ``accept``, ``reject``, ``escalate`` or ``resolve`` a case."""
        require_actor(officer)
        request = hl.CaseMoveRequest.parse(action, body)
        case = self._case(tx, officer, case_id)
        language = self._check_case_text(officer.party, case.parties, request.language, bool(request.note))
        moved, escalation = hl.officer_move(
            case,
            acting(officer),
            request.event,
            now=now,
            note=request.note,
            terms=request.terms(),
            settings=self._case_settings(case.parties),
            language=language,
        )
        self._store_case(tx, moved, now)
        extra = {"escalation": escalation.as_dict()} if escalation is not None else None
        self.ledger.record(tx, officer.party, _CASE_KINDS[request.event], hl.case_record(moved, extra), now)
        self._case_event(tx, EventKind.of_case_move(moved.history[-1].event.value), moved, now)
        if escalation is not None:
            self._case_event(tx, EventKind.CASE_ESCALATED, moved, now, {"escalation": escalation.as_dict()})
        return self._view(moved, officer)

    def cases_for(self, tx: Tx, officer: Officer) -> list[dict[str, Any]]:
        require_reader(officer)
        return [self._view(stored.case, officer) for stored in tx.cases_for(officer.party)]

    def case_for(self, tx: Tx, officer: Officer, case_id: str) -> dict[str, Any]:
        require_reader(officer)
        return self._view(self._case(tx, officer, case_id), officer)

    # -- what time and the notices do to cases ------------------------------------------------------
    def on_conflicts_changed(self, tx: Tx, current: Collection[str], now: datetime) -> None:
        """Cases whose conflict disappeared resolve (an agreement carried out, or plans changed)."""
        for stored in tx.open_cases_on_conflicts(lambda conflict_id: conflict_id not in current):
            case = stored.case
            moved = hl.on_conflicts_changed(case, current, now=now)
            if moved is not case:
                self._store_case(tx, moved, now)
                self.ledger.record_hosted(tx, moved.parties, Kind.CASE_RESOLVED, hl.case_record(moved), now)
                self._case_event(tx, EventKind.CASE_RESOLVED, moved, now)

    def _tick_cases(self, tx: Tx, now: datetime) -> None:
        """Escalate cases whose deadline passed, lapse those whose conflict's time window is over."""
        for stored in tx.cases_due(now):
            case = stored.case
            moved, missed = hl.check_deadline(case, now=now, settings=self._case_settings(case.parties))
            if missed is not None:
                self._store_case(tx, moved, now)
                body = hl.case_record(moved, {"escalation": missed.as_dict()})
                self.ledger.record_hosted(tx, moved.parties, Kind.CASE_ESCALATED, body, now)
                self._case_event(tx, EventKind.CASE_ESCALATED, moved, now, {"escalation": missed.as_dict()})
            elif moved.deadline is not None and moved.deadline <= now:
                self._store_case(tx, moved, now)  # nothing more to do: stop looking at it
        live = self._conflict_windows()
        # Only a live conflict's case whose window has ended can lapse (hl.check_lapse): the others stay unread.
        for stored in tx.open_cases_on_conflicts(
            lambda conflict_id: conflict_id in live and now > live[conflict_id][1]
        ):
            case = stored.case
            if not isinstance(case.subject, hl.ConflictSubject):  # never: chosen by its conflict
                continue
            lapsed = hl.check_lapse(case, window_end=live[case.subject.conflict_id][1], now=now)
            if lapsed is not case:
                self._store_case(tx, lapsed, now)
                self.ledger.record_hosted(tx, lapsed.parties, Kind.CASE_LAPSED, hl.case_record(lapsed), now)
                self._case_event(tx, EventKind.CASE_LAPSED, lapsed, now)
