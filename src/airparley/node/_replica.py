"""Applying entries replicated from another party's node (federation), as if the act had been local.

A remote ``notice.*`` entry puts its notice version into the store and the conflict index (so both nodes
derive the same conflict ids); ``message.sent``, ``message.read`` and ``message.acknowledged`` update the
hotline's messages; ``case.*`` entries update its cases. Nothing is signed again: the entry is the remote
party's, stored as it came.

Two steps, so a bad body never half-applies: ``Replicator.prepare`` reads and validates the body without
writing (``InvalidInput`` names what is wrong) and returns the writes to do, which the caller runs in the
transaction that stores the entry.

Cases are replicated state machines that both nodes move; a case entry carries the whole case after the
move, and this node's copy and the other's are merged by the pure rules in ``airparley.hotline``
(``merge_case``: the longer history when one extends the other, else both replayed in one total order), as
a message's receipts are (``merge_receipt``). This module reads, checks who may say what, and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from airparley import bounds
from airparley import hotline as hl
from airparley.errors import InvalidInput
from airparley.ledger import Entry, Kind
from airparley.node._core import Node
from airparley.node._events import EventKind
from airparley.store import Tx
from airparley.strategic import NoticeState, parse_notices_data
from airparley.tactical import Outcome, Watch

__all__ = ["Replicator", "Writes"]

Writes = Callable[[Tx], None]

_NOTICE_STATES: Final = {
    Kind.NOTICE_CANCELLED: (NoticeState.CANCELLED,),
    Kind.NOTICE_CLOSED: (NoticeState.CLOSED,),
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
        if tx.has_message(message.message_id):
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
        try:
            moved = hl.merge_receipt(message, receipt)
        except InvalidInput as error:
            raise _located(error, "body.receipt") from None
        if moved is None:
            return None
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
        merged = hl.merge_case(local, remote, self.node.hotline.settings)
        if local is not None and merged.as_dict() == local.as_dict():
            return None
        now = self.node.clock()
        kind = _CASE_EVENT_KIND.get(step.event) or EventKind.of_case_move(step.event.value)
        escalation = body.get("escalation")
        extra = {"escalation": escalation} if isinstance(escalation, Mapping) else None
        return lambda tx: self.node.hotline.put_replicated_case(tx, merged, kind, now, extra)


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
    return hl.case_with_move(local, step, settings)
