"""One officer's move on a case named by its event, and what a move leaves to store and record.

The node's ``POST /cases/{id}/{action}`` and the federation's replay of another node's move (``_merge``) both
make a move known only by its event; ``officer_move`` is that one dispatch. ``case_due_at`` is when the node's
scheduler next has to look at a case, and ``case_record`` what a case entry in the ledger says about a move.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airparley.errors import IllegalTransition, InvalidInput
from airparley.hotline._cases import Case, CaseEscalation, CaseEvent
from airparley.hotline._common import Language, Officer
from airparley.hotline._negotiation import accept, counter, escalate, propose, reject, resolve
from airparley.hotline._proposals import Terms
from airparley.hotline._settings import HotlineSettings

__all__ = ["case_due_at", "case_record", "officer_move"]

_DEFAULT_SETTINGS = HotlineSettings()


def officer_move(
    case: Case,
    actor: Officer,
    event: CaseEvent,
    *,
    now: datetime,
    note: str = "",
    terms: Terms | None = None,
    settings: HotlineSettings = _DEFAULT_SETTINGS,
    language: Language | None = None,
) -> tuple[Case, CaseEscalation | None]:
    """``case`` after ``actor``'s move ``event`` (``note`` is a proposal's text for a proposal or counter, in
    ``language`` when said), and the escalation to notify when the move is one. Raises what the move raises
    when it is not possible, ``InvalidInput`` naming ``terms`` for a proposal without them,
    ``IllegalTransition`` for a system event."""
    moved, escalation = _officer_move(case, actor, event, now=now, note=note, terms=terms, settings=settings)
    if language is None:
        return moved, escalation
    said = dataclasses.replace(moved.history[-1], language=language)
    return dataclasses.replace(moved, history=(*moved.history[:-1], said)), escalation


def _officer_move(
    case: Case,
    actor: Officer,
    event: CaseEvent,
    *,
    now: datetime,
    note: str,
    terms: Terms | None,
    settings: HotlineSettings,
) -> tuple[Case, CaseEscalation | None]:
    if event in (CaseEvent.PROPOSE, CaseEvent.COUNTER):
        if terms is None:
            raise InvalidInput("terms", "missing: the structured proposal (shift_time, altitude_split, ...)")
        move = propose if event is CaseEvent.PROPOSE else counter
        return move(case, actor, terms, now=now, text=note, settings=settings), None
    if event is CaseEvent.ACCEPT:
        return accept(case, actor, now=now, note=note), None
    if event is CaseEvent.REJECT:
        return reject(case, actor, now=now, note=note, settings=settings), None
    if event is CaseEvent.ESCALATE:
        return escalate(case, actor, now=now, note=note, settings=settings)
    if event is CaseEvent.RESOLVE:
        return resolve(case, actor, now=now, note=note), None
    raise IllegalTransition(case.state, event)


def case_due_at(case: Case) -> datetime | None:
    """When the scheduler next looks at ``case``: its response deadline until the first escalation (after
    that a missed deadline only makes the case overdue); None once final."""
    return case.deadline if case.escalated_at is None and not case.state.is_final else None


def case_record(case: Case, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
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
