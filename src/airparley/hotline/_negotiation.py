"""Moving a case: officers' moves, the clock's deadlines and lapses, and the conflict picture's changes.

Every function takes a ``Case`` and returns a new one (history appended), or the very same object when
nothing happens; nothing is mutated. Rules checked, in this order:

1. the actor is a duty or senior officer of one of the case's two parties (``PermissionDenied``);
2. once a case is escalated, only senior officers act on it (``PermissionDenied``);
3. the move is in ``CASE_TRANSITIONS`` for the current state (``IllegalTransition``), and escalation
   happens at most once (a second ``escalate`` raises ``IllegalTransition`` too);
4. a party neither accepts, rejects nor counters its own proposal (``PermissionDenied``);
5. ``now`` is not earlier than the last history entry (``InvalidInput``).

Deadlines: opening, proposing, countering, rejecting and escalating (re)start the response deadline
(``response_deadline_s``, or ``urgent_response_deadline_s`` for urgent cases); agreement and the final
states clear it. The first missed deadline escalates the case to the senior tier of both parties and
restarts the deadline for them. After that a missed deadline only makes the case ``is_overdue``: there
is no tier above senior to escalate to, so the case stays with the generals until they agree, the
conflict disappears or its time window passes (``lapsed``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline._cases import (
    CASE_TRANSITIONS,
    Agreement,
    Case,
    CaseEntry,
    CaseEscalation,
    CaseEvent,
    CaseState,
    ConflictSubject,
    EscalationCause,
    Subject,
)
from airparley.hotline._common import Language, Officer, Tier, iso, not_before, utc_instant
from airparley.hotline._proposals import Proposal, Terms
from airparley.hotline._settings import HotlineSettings

__all__ = [
    "accept",
    "awaiting_parties",
    "check_deadline",
    "check_lapse",
    "counter",
    "escalate",
    "is_overdue",
    "on_conflicts_changed",
    "open_case",
    "permitted_events",
    "propose",
    "reject",
    "resolve",
]

_DEFAULT_SETTINGS = HotlineSettings()
_OFFICER_EVENTS = (
    CaseEvent.PROPOSE,
    CaseEvent.COUNTER,
    CaseEvent.ACCEPT,
    CaseEvent.REJECT,
    CaseEvent.ESCALATE,
    CaseEvent.RESOLVE,
)


def open_case(
    *,
    case_id: str,
    parties: Sequence[str],
    subject: Subject,
    opened_by: Officer,
    now: datetime,
    urgent: bool = False,
    note: str = "",
    settings: HotlineSettings = _DEFAULT_SETTINGS,
    language: Language | None = None,
) -> Case:
    """A new case in state ``open``, its first response deadline running from ``now``; ``language`` is that of
    its text (``note``, and a contention's reason)."""
    now = utc_instant(now, "now")
    _check_officer(opened_by, tuple(parties), escalated=False)
    return Case(
        case_id=case_id,
        parties=tuple(parties),
        subject=subject,
        urgent=urgent,
        state=CaseState.OPEN,
        history=(CaseEntry(CaseEvent.OPEN, opened_by, now, CaseState.OPEN, note=note, language=language),),
        deadline=now + settings.response_deadline(urgent),
    )


def propose(
    case: Case,
    actor: Officer,
    terms: Terms,
    *,
    now: datetime,
    text: str = "",
    settings: HotlineSettings = _DEFAULT_SETTINGS,
) -> Case:
    """Put ``terms`` forward when no proposal is pending (``open``, ``rejected`` or ``escalated``)."""
    now = _officer_move(case, actor, CaseEvent.PROPOSE, now)
    proposal = _proposal(case, actor, terms, now, text)
    return _advance(case, CaseEvent.PROPOSE, actor, now, proposal=proposal, pending=proposal, settings=settings)


def counter(
    case: Case,
    actor: Officer,
    terms: Terms,
    *,
    now: datetime,
    text: str = "",
    settings: HotlineSettings = _DEFAULT_SETTINGS,
) -> Case:
    """Answer the other party's pending proposal with one of your own (it replaces theirs)."""
    now = _officer_move(case, actor, CaseEvent.COUNTER, now)
    proposal = _proposal(case, actor, terms, now, text)
    return _advance(case, CaseEvent.COUNTER, actor, now, proposal=proposal, pending=proposal, settings=settings)


def accept(case: Case, actor: Officer, *, now: datetime, note: str = "") -> Case:
    """Accept the other party's pending proposal: the case is ``agreed`` and obliges the parties its terms name."""
    now = _officer_move(case, actor, CaseEvent.ACCEPT, now)
    pending = _pending(case)
    agreement = Agreement(proposal=pending, accepted_by=actor, agreed_at=now)
    return _advance(case, CaseEvent.ACCEPT, actor, now, note=note, agreement=agreement)


def reject(
    case: Case, actor: Officer, *, now: datetime, note: str = "", settings: HotlineSettings = _DEFAULT_SETTINGS
) -> Case:
    """Reject the other party's pending proposal; a new proposal is then due before the deadline."""
    now = _officer_move(case, actor, CaseEvent.REJECT, now)
    return _advance(case, CaseEvent.REJECT, actor, now, note=note, settings=settings)


def escalate(
    case: Case, actor: Officer, *, now: datetime, note: str = "", settings: HotlineSettings = _DEFAULT_SETTINGS
) -> tuple[Case, CaseEscalation]:
    """Hand the case to the senior tier of both parties now (at most once per case).

    A pending proposal is set aside (it stays in the history); the seniors start from a fresh proposal.
    """
    now = _officer_move(case, actor, CaseEvent.ESCALATE, now)
    escalated = _advance(case, CaseEvent.ESCALATE, actor, now, note=note, settings=settings, escalated_at=now)
    return escalated, _escalation_notice(escalated, EscalationCause.REQUESTED, requested_by=actor)


def resolve(case: Case, actor: Officer, *, now: datetime, note: str = "") -> Case:
    """Mark an agreed contention (a case opened by hand) as settled.

    A conflict case cannot be resolved by hand: it resolves when its conflict disappears, which is the
    proof that the obliged party actually revised its notice.
    """
    now = _officer_move(case, actor, CaseEvent.RESOLVE, now)
    if isinstance(case.subject, ConflictSubject):
        raise InvalidInput("subject", "a conflict case resolves by itself when its conflict disappears")
    return _advance(case, CaseEvent.RESOLVE, actor, now, note=note, agreement=case.agreement)


def check_deadline(
    case: Case, *, now: datetime, settings: HotlineSettings = _DEFAULT_SETTINGS
) -> tuple[Case, CaseEscalation | None]:
    """Escalate ``case`` if its response deadline passed before ``now`` and it was never escalated.

    Returns the escalated case and the notice for both parties' senior tiers, or the same case and None.
    """
    now = utc_instant(now, "now")
    if (
        case.deadline is None
        or now <= case.deadline
        or case.escalated_at is not None
        or (case.state, CaseEvent.DEADLINE_MISSED) not in CASE_TRANSITIONS
    ):
        return case, None
    missed = case.deadline
    note = f"response deadline {iso(missed)} missed"
    escalated = _advance(case, CaseEvent.DEADLINE_MISSED, None, now, note=note, settings=settings, escalated_at=now)
    return escalated, _escalation_notice(escalated, EscalationCause.DEADLINE_MISSED, missed_deadline=missed)


def check_lapse(case: Case, *, window_end: datetime, now: datetime) -> Case:
    """``lapsed`` if the time window of the case's subject ended before ``now``; otherwise the same case."""
    now = utc_instant(now, "now")
    window_end = utc_instant(window_end, "window_end")
    if now <= window_end or (case.state, CaseEvent.LAPSE) not in CASE_TRANSITIONS:
        return case
    note = f"time window ended at {iso(window_end)}"
    return _advance(
        case, CaseEvent.LAPSE, None, not_before(now, case.last_event_at), note=note, agreement=case.agreement
    )


def on_conflicts_changed(case: Case, current_conflict_ids: Collection[str], *, now: datetime) -> Case:
    """``resolved`` if the case's conflict is no longer among ``current_conflict_ids``; otherwise the same case.

    For an agreed case this is the normal end: the obliged party revised its notice. Before agreement it
    means a party changed its plans on its own, which also leaves nothing to negotiate.
    """
    now = utc_instant(now, "now")
    if (
        not isinstance(case.subject, ConflictSubject)
        or case.subject.conflict_id in current_conflict_ids
        or (case.state, CaseEvent.CONFLICT_CLEARED) not in CASE_TRANSITIONS
    ):
        return case
    how = "after agreement" if case.state is CaseState.AGREED else "without agreement"
    note = f"conflict {case.subject.conflict_id} no longer present ({how})"
    return _advance(
        case, CaseEvent.CONFLICT_CLEARED, None, not_before(now, case.last_event_at), note=note, agreement=case.agreement
    )


def is_overdue(case: Case, now: datetime) -> bool:
    """Whether a response was due before ``now`` and has not come (after escalation, nothing else happens)."""
    return case.deadline is not None and utc_instant(now, "now") > case.deadline


def awaiting_parties(case: Case) -> tuple[str, ...]:
    """The parties whose response the deadline waits for: the other party when a proposal is pending."""
    if not case.state.awaits_response:
        return ()
    if case.proposal is not None:
        return tuple(party for party in case.parties if party != case.proposal.proposed_by.party)
    return case.parties


def permitted_events(case: Case, actor: Officer) -> frozenset[CaseEvent]:
    """The moves ``actor`` may make on ``case`` now (what a UI offers as buttons)."""
    if not actor.tier.may_act or actor.party not in case.parties:
        return frozenset()
    if case.escalated_at is not None and actor.tier is not Tier.SENIOR:
        return frozenset()
    own_proposal = case.proposal is not None and case.proposal.proposed_by.party == actor.party
    permitted = set()
    for event in _OFFICER_EVENTS:
        if (case.state, event) not in CASE_TRANSITIONS:
            continue
        if event is CaseEvent.ESCALATE and case.escalated_at is not None:
            continue
        if event in (CaseEvent.ACCEPT, CaseEvent.REJECT, CaseEvent.COUNTER) and own_proposal:
            continue
        if event is CaseEvent.RESOLVE and isinstance(case.subject, ConflictSubject):
            continue
        permitted.add(event)
    return frozenset(permitted)


def _check_officer(actor: Any, parties: tuple[str, ...], *, escalated: bool) -> None:
    if not isinstance(actor, Officer):
        raise InvalidInput("actor", "must be an Officer")
    if not actor.tier.may_act:
        raise PermissionDenied(f"a {actor.tier.value} officer cannot act on cases")
    if actor.party not in parties:
        raise PermissionDenied(f"{actor.party} is not a party of this case ({', '.join(parties)})")
    if escalated and actor.tier is not Tier.SENIOR:
        raise PermissionDenied("the case was escalated: only senior officers may act on it now")


def _officer_move(case: Case, actor: Officer, event: CaseEvent, now: datetime) -> datetime:
    """Check rules 1-5 of the module docstring for an officer's move; return ``now`` as UTC."""
    _check_officer(actor, case.parties, escalated=case.escalated_at is not None)
    if (case.state, event) not in CASE_TRANSITIONS:
        raise IllegalTransition(case.state, event)
    if event is CaseEvent.ESCALATE and case.escalated_at is not None:
        raise IllegalTransition(case.state, event)
    answers = event in (CaseEvent.ACCEPT, CaseEvent.REJECT, CaseEvent.COUNTER)
    if answers and _pending(case).proposed_by.party == actor.party:
        raise PermissionDenied(f"{actor.party} made the pending proposal and cannot {event.value} it")
    return not_before(now, case.last_event_at)


def _pending(case: Case) -> Proposal:
    if case.proposal is None:  # unreachable after the table check: state proposed always holds one
        raise IllegalTransition(case.state, CaseEvent.ACCEPT)
    return case.proposal


def _proposal(case: Case, actor: Officer, terms: Terms, now: datetime, text: str) -> Proposal:
    proposal = Proposal(terms=terms, proposed_by=actor, proposed_at=now, text=text)
    for field, party in terms.party_fields():
        if party not in case.parties:
            raise InvalidInput(field, f"{party} is not a party of this case ({', '.join(case.parties)})")
    return proposal


def _advance(
    case: Case,
    event: CaseEvent,
    actor: Officer | None,
    now: datetime,
    *,
    proposal: Proposal | None = None,
    pending: Proposal | None = None,
    agreement: Agreement | None = None,
    note: str = "",
    settings: HotlineSettings = _DEFAULT_SETTINGS,
    escalated_at: datetime | None = None,
) -> Case:
    """The case after ``event``: the new state from the table, history appended, deadline (re)started."""
    state = CASE_TRANSITIONS[(case.state, event)]
    deadline = now + settings.response_deadline(case.urgent) if state.awaits_response else None
    entry = CaseEntry(event=event, actor=actor, at=now, state=state, proposal=proposal, note=note)
    return replace(
        case,
        state=state,
        history=(*case.history, entry),
        deadline=deadline,
        proposal=pending,
        agreement=agreement,
        escalated_at=escalated_at or case.escalated_at,
    )


def _escalation_notice(
    case: Case,
    cause: EscalationCause,
    *,
    requested_by: Officer | None = None,
    missed_deadline: datetime | None = None,
) -> CaseEscalation:
    if case.escalated_at is None or case.deadline is None:  # unreachable: just escalated
        raise IllegalTransition(case.state, CaseEvent.ESCALATE)
    return CaseEscalation(
        case_id=case.case_id,
        parties=case.parties,
        cause=cause,
        escalated_at=case.escalated_at,
        deadline=case.deadline,
        missed_deadline=missed_deadline,
        requested_by=requested_by,
    )
