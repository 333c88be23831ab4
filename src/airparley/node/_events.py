"""The event feed: every kind of event a party's desk can receive, and how a stored event is shaped for it.

An event is written in the transaction of the act that caused it, with one payload per party of its
audience, each already shaped by ``node/_visibility.py``; ``GET /api/v1/events`` and the WebSocket
``/api/v1/events`` hand a party its own payload, in ``seq`` order, and nothing else. ``tracks.update`` is
the one kind that is pushed and never stored (the live picture, replaced every second).

:class:`EventKind` names every kind, beside the ledger's ``Kind`` (an event is what a desk is told; an
entry is what a party signed). ``docs/events.md`` documents each; a test keeps the two alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from airparley._time import iso_z
from airparley.node._utf8 import utf8_safe
from airparley.store import Event

__all__ = ["EventKind", "shaped"]


class EventKind(StrEnum):
    NOTICE_FILED = "notice.filed"
    NOTICE_REVISED = "notice.revised"
    NOTICE_CANCELLED = "notice.cancelled"
    NOTICE_CLOSED = "notice.closed"
    CONFLICT_DETECTED = "conflict.detected"
    CONFLICT_CLEARED = "conflict.cleared"
    FREQUENCY_ADDED = "frequency.added"
    AGREEMENT_PROPOSED = "agreement.proposed"
    AGREEMENT_SIGNED = "agreement.signed"
    MESSAGE_SENT = "message.sent"
    MESSAGE_READ = "message.read"
    MESSAGE_ACKNOWLEDGED = "message.acknowledged"
    MESSAGE_RING = "message.ring"
    MESSAGE_ESCALATED = "message.escalated"
    CASE_OPENED = "case.opened"
    CASE_PROPOSE = "case.propose"
    CASE_COUNTER = "case.counter"
    CASE_ACCEPT = "case.accept"
    CASE_REJECT = "case.reject"
    CASE_ESCALATE = "case.escalate"
    CASE_ESCALATED = "case.escalated"
    CASE_RESOLVE = "case.resolve"
    CASE_RESOLVED = "case.resolved"
    CASE_LAPSED = "case.lapsed"
    ALERT_RAISED = "alert.raised"
    ALERT_CLEARED = "alert.cleared"
    INCIDENT_RECORDED = "incident.recorded"
    INCIDENT_DISCLOSED = "incident.disclosed"
    INTRUSION_DETECTED = "intrusion.detected"
    TRACK_SHARED = "track.shared"
    TRACK_UNSHARED = "track.unshared"
    TRACK_NON_RESPONSIVE = "track.non_responsive"
    TRACKS_UPDATE = "tracks.update"
    SIMULATION_LAG = "simulation.lag"

    @classmethod
    def of_case_move(cls, move: str) -> EventKind:
        """The event of a case move an officer makes (``propose`` -> ``case.propose``)."""
        return cls(f"case.{move}")


def shaped(event: Event, party: str) -> dict[str, Any] | None:
    """A stored event as ``party`` receives it (its own payload), or ``None`` if it is not in the audience."""
    payload = event.payload.get(party)
    if payload is None:
        return None
    return {
        "seq": event.seq,
        "kind": event.kind,
        "time": iso_z(event.created_at),
        "data": utf8_safe(payload),  # an older version's stored lone surrogate must not break the feed
    }
