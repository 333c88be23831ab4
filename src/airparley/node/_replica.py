"""Applying entries replicated from another party's node (federation), as if the act had been local.

A remote ``notice.*`` entry puts its notice version into the store and the conflict index (so both nodes
derive the same conflict ids); ``message.sent``, ``message.read`` and ``message.acknowledged`` update the
hotline's messages; ``case.*`` entries update its cases. Nothing is signed again: the entry is the remote
party's, stored as it came.

Two steps, so a bad body never half-applies: ``Replicator.prepare`` reads and validates the body without
writing (``InvalidInput`` names what is wrong) and returns the writes to do, which the caller runs in the
transaction that stores the entry.

Cases are replicated state machines that both nodes move: each party's officers act on their own node, and
each node's scheduler escalates, resolves and lapses cases by itself. A case entry carries the whole case
after the move; when that extends this node's copy it is taken as is. When the two copies diverged (both
moved before seeing the other's move, e.g. each node escalated a missed deadline), the node merges them
deterministically: the union of both histories in time order, replayed through the pure hotline, a move the
merged order makes impossible having no effect. Both nodes merge the same two histories to the same case.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

from airparley import bounds
from airparley import hotline as hl
from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.ledger import Entry, Kind
from airparley.node._core import Node
from airparley.node._events import EventKind
from airparley.store import Tx
from airparley.strategic import NoticeState, parse_notices_data
from airparley.tactical import Outcome, Watch

__all__ = ["Replicator", "Writes", "merge_case"]

Writes = Callable[[Tx], None]

_NOTICE_STATES: Final = {
    Kind.NOTICE_CANCELLED: (NoticeState.CANCELLED,),
    Kind.NOTICE_CLOSED: (NoticeState.CLOSED,),
}
_RECEIPT_RANK: Final = {hl.ReceiptState.DELIVERED: 0, hl.ReceiptState.READ: 1, hl.ReceiptState.ACKNOWLEDGED: 2}
# Ties in time are broken in the order moves can follow each other, then by who and what, so that the merge
# is a total order that does not depend on which node merges.
_EVENT_RANK: Final = {
    event: rank
    for rank, event in enumerate(
        (
            hl.CaseEvent.OPEN,
            hl.CaseEvent.PROPOSE,
            hl.CaseEvent.COUNTER,
            hl.CaseEvent.REJECT,
            hl.CaseEvent.ACCEPT,
            hl.CaseEvent.ESCALATE,
            hl.CaseEvent.DEADLINE_MISSED,
            hl.CaseEvent.RESOLVE,
            hl.CaseEvent.CONFLICT_CLEARED,
            hl.CaseEvent.LAPSE,
        )
    )
}
#: The hotline event a replicated case move raises: the same names the local moves raise.
_CASE_EVENT_KIND: Final = {
    hl.CaseEvent.OPEN: EventKind.CASE_OPENED,
    hl.CaseEvent.ESCALATE: EventKind.CASE_ESCALATED,
    hl.CaseEvent.DEADLINE_MISSED: EventKind.CASE_ESCALATED,
    hl.CaseEvent.CONFLICT_CLEARED: EventKind.CASE_RESOLVED,
    hl.CaseEvent.LAPSE: EventKind.CASE_LAPSED,
}
_CASE_KINDS: Final = frozenset(kind for kind in Kind if kind.value.startswith("case."))


def _plain(entry: Entry) -> dict[str, Any]:
    body: dict[str, Any] = entry.to_dict()["body"]
    return body


def _field(body: Mapping[str, Any], name: str) -> Any:
    if name not in body:
        raise InvalidInput(f"body.{name}", "missing")
    return body[name]


def _located(error: InvalidInput, prefix: str) -> InvalidInput:
    return InvalidInput(f"{prefix}.{error.field}", error.reason, error.where)


class Replicator:
    """Turns a verified remote entry into the writes that apply it on this node."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def prepare(self, tx: Tx, entry: Entry) -> Writes | None:
        """The writes that apply ``entry`` here, or None when it changes nothing on this node (an entry kind
        that only records, a message this node does not hold, a version it already has).

        Raises ``InvalidInput`` for a body that cannot be applied: the entry is authentic (signed and chained)
        but says something its party may not say, such as a notice of another party."""
        body = _plain(entry)
        if entry.kind in (Kind.NOTICE_FILED, Kind.NOTICE_REVISED, Kind.NOTICE_CANCELLED, Kind.NOTICE_CLOSED):
            return self._notice(tx, entry, body)
        if entry.kind is Kind.MESSAGE_SENT:
            return self._message(tx, entry, body)
        if entry.kind in (Kind.MESSAGE_READ, Kind.MESSAGE_ACKNOWLEDGED):
            return self._receipt(tx, entry, body)
        if entry.kind in _CASE_KINDS:
            return self._case(tx, entry, body)
        if entry.kind is Kind.TRACK_NON_RESPONSIVE:
            return self._flag(tx, entry, body)
        if entry.kind in (Kind.AGREEMENT_PROPOSED, Kind.AGREEMENT_SIGNED):
            # Every node holds the same versions and signatures, so all compute the same terms in force.
            return self.node.agreements.apply_replicated(tx, entry, body)
        # message.delivered/escalated, track.shared, incident, key rotation: recorded in the ledger only.
        # (Each node rings and escalates safety messages by its own clock, for its own desks. A share applies only
        # where the sharer's track states are, its own node: track states never cross nodes.)
        return None

    # -- notices -------------------------------------------------------------------------------------
    def _notice(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Writes | None:
        parsed = parse_notices_data(_field(body, "notice"))
        if parsed.errors:
            raise _located(parsed.errors[0], "body.notice")
        if len(parsed.notices) != 1:
            raise InvalidInput("body.notice", f"must hold exactly one notice, not {len(parsed.notices)}")
        notice = parsed.notices[0]
        if notice.party != entry.party:
            raise InvalidInput(
                "body.notice.party", f"{entry.party} may publish its own notices only, not {notice.party}'s"
            )
        # The same scoping as a local filing: a party's entry names ids of its own only (USA-...).
        bounds.notice_id_of(notice.party, notice.notice_id, "body.notice.notice_id")
        states = _NOTICE_STATES.get(entry.kind)
        if states is not None and notice.state not in states:
            raise InvalidInput(
                "body.notice.state", f"a {entry.kind.value} entry cannot leave the notice {notice.state}"
            )
        stored = tx.notice(notice.notice_id)
        if stored is not None:
            if stored.notice.party != entry.party:
                raise InvalidInput("body.notice.notice_id", f"{notice.notice_id} is a notice of {stored.notice.party}")
            if stored.notice.version >= notice.version:
                return None  # this version (or a newer one) is here already
        source = f"{entry.party}#{entry.seq}"
        kind = entry.kind.value
        return lambda tx: self.node.apply_replicated(tx, notice, kind, source)

    # -- non-response flags ----------------------------------------------------------------------------
    def _flag(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Writes | None:
        """A caller's flag, kept here too: the owner's desks on this node see their aircraft flagged (an event
        and a row in ``GET /flags``) as they would on the caller's node. The watch itself ran there."""
        document = {key: value for key, value in body.items() if key != "criteria"}
        watch = Watch.from_dict({**document, "entry": {"party": entry.party, "seq": entry.seq, "hash": entry.hash}})
        if watch.caller != entry.party:
            raise InvalidInput("body.caller", f"{entry.party} may record its own calls only, not {watch.caller}'s")
        if watch.state is not Outcome.NON_RESPONSIVE:
            raise InvalidInput("body.state", f"a {entry.kind.value} entry records a flag, not {watch.state.value!r}")
        if any(w.track == watch.track for w in tx.watches_of_message(watch.message_id)):
            return None
        now = self.node.clock()
        return lambda tx: self.node.nonresponse.put_replicated_flag(tx, watch, now)

    # -- messages ------------------------------------------------------------------------------------
    def _message(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Writes | None:
        try:
            message = hl.Message.from_dict(_field(body, "message"), self.node.hotline.catalogue)
        except InvalidInput as error:
            raise _located(error, "body.message") from None
        if message.author.party != entry.party:
            raise InvalidInput("body.message.author.party", f"{entry.party} may send its own messages only")
        if tx.message(message.message_id, catalogue=self.node.hotline.catalogue) is not None:
            return None
        now = self.node.clock()
        return lambda tx: self.node.hotline.put_replicated_message(tx, message, EventKind.MESSAGE_SENT, now)

    def _receipt(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Writes | None:
        message_id = _field(body, "message_id")
        try:
            receipt = hl.Receipt.from_dict(_field(body, "receipt"))
        except InvalidInput as error:
            raise _located(error, "body.receipt") from None
        if receipt.party != entry.party:
            raise InvalidInput("body.receipt.party", f"{entry.party} moves its own receipts only")
        stored = tx.message(str(message_id), catalogue=self.node.hotline.catalogue)
        if stored is None:
            return None  # a message between other parties, which this node does not hold
        message = stored.message
        if entry.party not in message.recipients:
            raise InvalidInput("body.message_id", f"{entry.party} is not a recipient of {message_id}")
        local = message.receipt(entry.party)
        if _RECEIPT_RANK[receipt.state] <= _RECEIPT_RANK[local.state]:
            return None
        # When this node escalated the unacknowledged message to its own desks is this node's business.
        merged = dataclasses.replace(receipt, escalated_at=local.escalated_at)
        try:
            moved = dataclasses.replace(
                message, receipts=tuple(merged if r.party == entry.party else r for r in message.receipts)
            )
        except InvalidInput as error:
            raise _located(error, "body.receipt") from None
        now = self.node.clock()
        kind = EventKind(entry.kind.value)
        return lambda tx: self.node.hotline.put_replicated_message(tx, moved, kind, now)

    # -- cases ---------------------------------------------------------------------------------------
    def _case(self, tx: Tx, entry: Entry, body: Mapping[str, Any]) -> Writes | None:
        case_id = str(_field(body, "case_id"))
        try:
            step = hl.CaseEntry.from_dict(_field(body, "entry"))
            remote = hl.Case.from_dict(body["case"]) if body.get("case") is not None else None
        except InvalidInput as error:
            raise _located(error, "body") from None
        if step.actor is not None and step.actor.party != entry.party:
            raise InvalidInput("body.entry.actor.party", f"{entry.party} records its own officers' moves only")
        if remote is not None:
            if remote.case_id != case_id or entry.party not in remote.parties:
                raise InvalidInput("body.case", f"is not a case of {entry.party} with id {case_id}")
            if step not in remote.history:
                raise InvalidInput("body.entry", "is not in the case's history")
        stored = tx.case(case_id)
        local = stored.case if stored is not None else None
        if remote is None:
            # An entry written before case entries carried the whole case: replay its move on this node's copy.
            remote = _case_from_step(local, step, body, self.node.hotline.settings)
        merged = merge_case(local, remote, self.node.hotline.settings)
        if local is not None and merged.as_dict() == local.as_dict():
            return None
        now = self.node.clock()
        kind = _CASE_EVENT_KIND.get(step.event) or EventKind.of_case_move(step.event.value)
        escalation = body.get("escalation")
        extra = {"escalation": escalation} if isinstance(escalation, Mapping) else None
        return lambda tx: self.node.hotline.put_replicated_case(tx, merged, kind, now, extra)


def _identity(step: hl.CaseEntry) -> str:
    return json.dumps(step.as_dict(), sort_keys=True, separators=(",", ":"))


def _order(step: hl.CaseEntry) -> tuple[Any, ...]:
    return (step.at, _EVENT_RANK[step.event], step.actor.party if step.actor else "", _identity(step))


def _merge_histories(first: Sequence[hl.CaseEntry], second: Sequence[hl.CaseEntry]) -> list[hl.CaseEntry]:
    """Both histories interleaved in time order, each keeping its own order, every move once."""
    merged: list[hl.CaseEntry] = []
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


def merge_case(local: hl.Case | None, remote: hl.Case, settings: hl.HotlineSettings) -> hl.Case:
    """This node's copy of a case after learning the other node's copy: the longer one when one history
    extends the other, else both histories merged and replayed (see the module docstring)."""
    if local is None:
        return remote
    mine, theirs = local.history, remote.history
    if theirs[: len(mine)] == mine:
        return remote
    if mine[: len(theirs)] == theirs:
        return local
    return _replay(local, _merge_histories(mine, theirs), settings)


def _replay(base: hl.Case, steps: Sequence[hl.CaseEntry], settings: hl.HotlineSettings) -> hl.Case:
    """The case that ``steps`` make, through the pure hotline; a move that is not possible where it falls
    in this order (a second escalation, an answer to a proposal no longer pending) is left out."""
    opening = steps[0]
    if opening.event is not hl.CaseEvent.OPEN or opening.actor is None:
        raise InvalidInput("history.0", "a case history starts with its opening")
    case = hl.open_case(
        case_id=base.case_id,
        parties=base.parties,
        subject=base.subject,
        opened_by=opening.actor,
        now=opening.at,
        urgent=base.urgent,
        note=opening.note,
        settings=settings,
    )
    for step in steps[1:]:
        try:
            case = _move(case, step, settings)
        except (IllegalTransition, PermissionDenied, InvalidInput):
            continue
    return case


def _move(case: hl.Case, step: hl.CaseEntry, settings: hl.HotlineSettings) -> hl.Case:
    """``step`` done again on ``case`` (raises what the pure hotline raises when it is not possible)."""
    event, actor, at, note = step.event, step.actor, step.at, step.note
    if event is hl.CaseEvent.DEADLINE_MISSED:
        return hl.check_deadline(case, now=at, settings=settings)[0]
    if event is hl.CaseEvent.CONFLICT_CLEARED:
        return hl.on_conflicts_changed(case, (), now=at)
    if event is hl.CaseEvent.LAPSE:
        return hl.check_lapse(case, window_end=at - timedelta(microseconds=1), now=at)
    if actor is None:
        raise InvalidInput("actor", f"{event.value} is an officer's move")
    if event in (hl.CaseEvent.PROPOSE, hl.CaseEvent.COUNTER):
        if step.proposal is None:
            raise InvalidInput("proposal", "missing")
        move = hl.propose if event is hl.CaseEvent.PROPOSE else hl.counter
        return move(case, actor, step.proposal.terms, now=at, text=step.proposal.text, settings=settings)
    if event is hl.CaseEvent.ACCEPT:
        return hl.accept(case, actor, now=at, note=note)
    if event is hl.CaseEvent.REJECT:
        return hl.reject(case, actor, now=at, note=note, settings=settings)
    if event is hl.CaseEvent.ESCALATE:
        return hl.escalate(case, actor, now=at, note=note, settings=settings)[0]
    if event is hl.CaseEvent.RESOLVE:
        return hl.resolve(case, actor, now=at, note=note)
    raise IllegalTransition(case.state, event)


def _case_from_step(
    local: hl.Case | None, step: hl.CaseEntry, body: Mapping[str, Any], settings: hl.HotlineSettings
) -> hl.Case:
    """The other node's case for an entry that carries only its move: this node's copy with the move."""
    if local is None:
        if step.event is not hl.CaseEvent.OPEN or step.actor is None:
            raise InvalidInput("body.case", "missing, and this node has no copy of the case to replay the move on")
        try:
            subject = hl.subject_from_dict(_field(body, "subject"))
            parties = tuple(_field(body, "parties"))
        except InvalidInput as error:
            raise _located(error, "body") from None
        return hl.open_case(
            case_id=str(body["case_id"]),
            parties=parties,
            subject=subject,
            opened_by=step.actor,
            now=step.at,
            note=step.note,
            settings=settings,
        )
    if step in local.history:
        return local
    return _replay(local, [*local.history, step], settings)
