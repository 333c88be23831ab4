"""Merging two nodes' copies of a replicated message or case (federation), deterministically.

Cases are replicated state machines that both nodes move: each party's officers act on their own node, and
each node's scheduler escalates, resolves and lapses cases by itself. When one copy's history extends the
other's, the longer copy is taken as is. When the two diverged (both moved before seeing the other's move,
e.g. each node escalated a missed deadline), the merge is the union of both histories in one total order
(time, then the order moves can follow each other, then who, then the move itself) replayed through the
state machine, a move the merged order makes impossible having no effect. So both nodes merge the same two
copies to the same case, whichever merges.

A message's receipt only moves forward (delivered, read, acknowledged); a recipient's node owns its
receipt, except for when this node escalated the unacknowledged message to its own desks.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final

from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline._cases import Case, CaseEntry, CaseEvent
from airparley.hotline._messages import Message, Receipt, ReceiptState
from airparley.hotline._moves import officer_move
from airparley.hotline._negotiation import check_deadline, check_lapse, on_conflicts_changed, open_case
from airparley.hotline._settings import HotlineSettings

__all__ = ["CASE_EVENT_ORDER", "case_with_move", "merge_case", "merge_histories", "merge_receipt", "replay_case"]

#: Ties in time are broken in the order moves can follow each other (then by who and what), so that the
#: merge is a total order that does not depend on which node merges.
CASE_EVENT_ORDER: Final[Mapping[CaseEvent, int]] = MappingProxyType(
    {
        event: rank
        for rank, event in enumerate(
            (
                CaseEvent.OPEN,
                CaseEvent.PROPOSE,
                CaseEvent.COUNTER,
                CaseEvent.REJECT,
                CaseEvent.ACCEPT,
                CaseEvent.ESCALATE,
                CaseEvent.DEADLINE_MISSED,
                CaseEvent.RESOLVE,
                CaseEvent.CONFLICT_CLEARED,
                CaseEvent.LAPSE,
            )
        )
    }
)
_RECEIPT_RANK: Final[Mapping[ReceiptState, int]] = MappingProxyType(
    {ReceiptState.DELIVERED: 0, ReceiptState.READ: 1, ReceiptState.ACKNOWLEDGED: 2}
)


def _identity(step: CaseEntry) -> str:
    return json.dumps(step.as_dict(), sort_keys=True, separators=(",", ":"))


def _order(step: CaseEntry) -> tuple[Any, ...]:
    return (step.at, CASE_EVENT_ORDER[step.event], step.actor.party if step.actor else "", _identity(step))


def merge_histories(first: Sequence[CaseEntry], second: Sequence[CaseEntry]) -> list[CaseEntry]:
    """Both histories interleaved in time order, each keeping its own order, every move once."""
    merged: list[CaseEntry] = []
    seen: set[str] = set()
    i = j = 0
    while i < len(first) or j < len(second):
        if j >= len(second) or (i < len(first) and _order(first[i]) <= _order(second[j])):
            step, i = first[i], i + 1
        else:
            step, j = second[j], j + 1
        identity = _identity(step)
        if identity not in seen:
            seen.add(identity)
            merged.append(step)
    return merged


def merge_case(local: Case | None, remote: Case, settings: HotlineSettings) -> Case:
    """This node's copy of a case after learning the other node's copy: the longer one when one history
    extends the other, else both histories merged and replayed (see the module docstring)."""
    if local is None:
        return remote
    mine, theirs = local.history, remote.history
    if theirs[: len(mine)] == mine:
        return remote
    if mine[: len(theirs)] == theirs:
        return local
    return replay_case(local, merge_histories(mine, theirs), settings)


def case_with_move(local: Case, step: CaseEntry, settings: HotlineSettings) -> Case:
    """``local`` with one more move another node made (``local`` itself when it holds the move already)."""
    if step in local.history:
        return local
    return replay_case(local, [*local.history, step], settings)


def replay_case(base: Case, steps: Sequence[CaseEntry], settings: HotlineSettings) -> Case:
    """The case that ``steps`` make (``base`` gives its id, parties, subject and urgency), through the state
    machine; a move that is not possible where it falls in this order (a second escalation, an answer to a
    proposal no longer pending) is left out. Raises ``InvalidInput`` unless ``steps`` start with the opening."""
    opening = steps[0]
    if opening.event is not CaseEvent.OPEN or opening.actor is None:
        raise InvalidInput("history.0", "a case history starts with its opening")
    case = open_case(
        case_id=base.case_id,
        parties=base.parties,
        subject=base.subject,
        opened_by=opening.actor,
        now=opening.at,
        urgent=base.urgent,
        note=opening.note,
        settings=settings,
        language=opening.language,
    )
    for step in steps[1:]:
        try:
            case = _move(case, step, settings)
        except (IllegalTransition, PermissionDenied, InvalidInput):
            continue
    return case


def _move(case: Case, step: CaseEntry, settings: HotlineSettings) -> Case:
    """``step`` done again on ``case`` (raises what the state machine raises when it is not possible)."""
    event, actor, at, note = step.event, step.actor, step.at, step.note
    if event is CaseEvent.DEADLINE_MISSED:
        return check_deadline(case, now=at, settings=settings)[0]
    if event is CaseEvent.CONFLICT_CLEARED:
        return on_conflicts_changed(case, (), now=at)
    if event is CaseEvent.LAPSE:
        return check_lapse(case, window_end=at - timedelta(microseconds=1), now=at)
    if actor is None:
        raise InvalidInput("actor", f"{event.value} is an officer's move")
    if event in (CaseEvent.PROPOSE, CaseEvent.COUNTER):
        if step.proposal is None:
            raise InvalidInput("proposal", "missing")
        terms, note = step.proposal.terms, step.proposal.text
        return officer_move(
            case, actor, event, now=at, note=note, terms=terms, settings=settings, language=step.language
        )[0]
    return officer_move(case, actor, event, now=at, note=note, settings=settings, language=step.language)[0]


def merge_receipt(message: Message, receipt: Receipt) -> Message | None:
    """``message`` with a recipient's receipt as that recipient's node moved it, or None when the receipt is
    not ahead of this copy's. When this node escalated the unacknowledged message is kept: that is this
    node's business. Raises ``InvalidInput`` for a receipt of a party that is not a recipient, or one the
    message cannot hold."""
    if receipt.party not in message.recipients:
        raise InvalidInput("party", f"{receipt.party} is not a recipient of {message.message_id}")
    local = message.receipt(receipt.party)
    if _RECEIPT_RANK[receipt.state] <= _RECEIPT_RANK[local.state]:
        return None
    merged = dataclasses.replace(receipt, escalated_at=local.escalated_at)
    return dataclasses.replace(
        message, receipts=tuple(merged if r.party == receipt.party else r for r in message.receipts)
    )
