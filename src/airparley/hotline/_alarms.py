"""Safety-message alarms: ringing until acknowledged, and a single escalation to the senior tier.

The schedule is a pure function of the message and ``now``: a ``safety`` message rings again at the
recipient's desk at ``created_at + k * ring_interval`` (k = 1, 2, ...) for as long as that recipient has
not acknowledged it. Reading it does not stop the ringing: only an acknowledgement says "we have it and
act on it". Once ``escalate_after`` has passed unacknowledged, the recipient's senior tier is alerted;
that happens once per recipient (``Receipt.escalated_at`` records it) and ringing carries on after it.
The node's scheduler calls these with its own clock and remembers when it last rang.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from airparley.hotline._common import Tier, iso, mapping, not_before, party_code, record_id, utc_instant
from airparley.hotline._messages import Message, ReceiptState, Urgency
from airparley.hotline._settings import HotlineSettings

__all__ = [
    "MessageEscalation",
    "escalate_unacknowledged",
    "escalation_due_at",
    "next_alarm_at",
    "next_ring_at",
    "ring_times_due",
    "rings_owed",
]

_DEFAULT_SETTINGS = HotlineSettings()


@dataclass(frozen=True)
class MessageEscalation:
    """Notify ``party``'s senior tier: its desk has not acknowledged safety message ``message_id`` since ``due_at``."""

    message_id: str
    party: str
    due_at: datetime
    escalated_at: datetime
    tier: Tier = Tier.SENIOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "message_id", record_id(self.message_id, "message_id"))
        object.__setattr__(self, "party", party_code(self.party, "party"))
        object.__setattr__(self, "due_at", utc_instant(self.due_at, "due_at"))
        object.__setattr__(self, "escalated_at", utc_instant(self.escalated_at, "escalated_at"))
        object.__setattr__(self, "tier", Tier(self.tier))

    def as_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "party": self.party,
            "due_at": iso(self.due_at),
            "escalated_at": iso(self.escalated_at),
            "tier": self.tier.value,
        }

    @classmethod
    def from_dict(cls, data: Any) -> MessageEscalation:
        fields = mapping(data, "escalation", {"message_id", "party", "due_at", "escalated_at", "tier"})
        return cls(**dict(fields))


def ring_times_due(
    message: Message,
    party: str,
    *,
    after: datetime | None = None,
    now: datetime,
    settings: HotlineSettings = _DEFAULT_SETTINGS,
) -> tuple[datetime, ...]:
    """The times in ``(after, now]`` at which ``message`` rang again at ``party``'s desk.

    ``after`` is when the scheduler last rang (default: the message's creation, whose delivery is the
    first ring). Rings stop at the acknowledgement; non-safety messages never ring.
    """
    receipt = message.receipt(party)
    now = utc_instant(now, "now")
    start = message.created_at if after is None else max(utc_instant(after, "after"), message.created_at)
    if message.urgency is not Urgency.SAFETY:
        return ()
    interval = settings.ring_interval
    stop = receipt.acknowledged_at
    first = (start - message.created_at) // interval + 1
    rings: list[datetime] = []
    ring_at = message.created_at + first * interval
    while ring_at <= now and (stop is None or ring_at < stop):
        rings.append(ring_at)
        ring_at += interval
    return tuple(rings)


def rings_owed(
    message: Message, *, now: datetime, settings: HotlineSettings = _DEFAULT_SETTINGS
) -> tuple[tuple[str, tuple[datetime, ...]], ...]:
    """The rings each recipient's desk is owed when the scheduler looks at ``message`` at ``now``, recipients
    owed none left out. The scheduler looks when ``next_alarm_at`` said, so what is owed is what fell since
    the alarm one ring interval earlier (that alarm's instant itself included)."""
    previous_due = next_alarm_at(message, now=now - settings.ring_interval, settings=settings)
    after = (previous_due - timedelta(microseconds=1)) if previous_due is not None else None
    owed = []
    for receipt in message.receipts:
        rings = ring_times_due(message, receipt.party, after=after, now=now, settings=settings)
        if rings:
            owed.append((receipt.party, rings))
    return tuple(owed)


def next_ring_at(
    message: Message, party: str, *, now: datetime, settings: HotlineSettings = _DEFAULT_SETTINGS
) -> datetime | None:
    """When ``message`` next rings at ``party``'s desk after ``now``; None once acknowledged or if not safety."""
    receipt = message.receipt(party)
    now = utc_instant(now, "now")
    if message.urgency is not Urgency.SAFETY or receipt.state is ReceiptState.ACKNOWLEDGED:
        return None
    interval = settings.ring_interval
    if now < message.created_at:
        return message.created_at + interval
    return message.created_at + ((now - message.created_at) // interval + 1) * interval


def next_alarm_at(message: Message, *, now: datetime, settings: HotlineSettings = _DEFAULT_SETTINGS) -> datetime | None:
    """When the node's scheduler next has to look at ``message`` (a ring or an escalation); None: never again.

    An escalation already due is returned as is (possibly before ``now``), so an overdue one is handled first.
    """
    times = [
        due
        for receipt in message.receipts
        for due in (
            next_ring_at(message, receipt.party, now=now, settings=settings),
            escalation_due_at(message, receipt.party, settings=settings),
        )
        if due is not None
    ]
    return min(times) if times else None


def escalation_due_at(
    message: Message, party: str, *, settings: HotlineSettings = _DEFAULT_SETTINGS
) -> datetime | None:
    """When ``party``'s senior tier is to be alerted; None if acknowledged, already escalated or not safety."""
    receipt = message.receipt(party)
    if (
        message.urgency is not Urgency.SAFETY
        or receipt.state is ReceiptState.ACKNOWLEDGED
        or receipt.escalated_at is not None
    ):
        return None
    return message.created_at + settings.escalate_after


def escalate_unacknowledged(
    message: Message, *, now: datetime, settings: HotlineSettings = _DEFAULT_SETTINGS
) -> tuple[Message, tuple[MessageEscalation, ...]]:
    """Escalate every recipient whose escalation is due at ``now``, once each.

    Returns the message with ``escalated_at`` recorded on those receipts and one ``MessageEscalation``
    per recipient to notify; calling it again returns the same message and no escalations.
    """
    now = not_before(now, message.created_at)
    escalations: list[MessageEscalation] = []
    receipts = []
    for receipt in message.receipts:
        due_at = escalation_due_at(message, receipt.party, settings=settings)
        if due_at is not None and due_at <= now:
            escalations.append(MessageEscalation(message.message_id, receipt.party, due_at, now))
            receipt = replace(receipt, escalated_at=now)
        receipts.append(receipt)
    if not escalations:
        return message, ()
    return replace(message, receipts=tuple(receipts)), tuple(escalations)
