"""Who may do what: one table of tiers × acts, checked in one function.

Every route names the act it performs (``officer_for(Act.FILE_NOTICES)`` in ``node/_app.py``, the
federation routes in ``node/_federation_routes.py``), and every event feed (``GET /events``, the WebSocket) and
service method checks the same table, so an act cannot be reached by one door and refused by another.
(Wave 1 wrote this as string sets in nine places; the sensor tier could read the whole hotline through
the event feed because the feed had no entry at all.)

Tiers (DESIGN section 3):

* ``duty`` and ``senior`` officers act for their party's desk; ``senior`` also settles escalated cases
  (the hotline core decides that finer rule, ``airparley.hotline``).
* ``observer`` reads everything its party may see and acts on nothing.
* ``sensor`` is a machine feed on a radar gateway: it may post its party's track states and learn whose
  token it holds, nothing else. A compromised gateway must not read the hotline, the notices or the
  picture it feeds.
* ``peer`` is another party's node (federation): it reads the feeds this node signs and hints that its
  own grew. A peer token opens no officer route, and an officer token no peer route
  (``Node.authenticate``).

The table is data, so the documentation and a test that walks every route × tier read the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from airparley.errors import PermissionDenied

__all__ = ["ACCESS", "Act", "Tier", "may", "require"]


class Tier(StrEnum):
    DUTY = "duty"
    SENIOR = "senior"
    OBSERVER = "observer"
    SENSOR = "sensor"
    PEER = "peer"


class Act(StrEnum):
    """What a request does; the value is the phrase of a refusal ("a sensor officer may not <value>")."""

    WHOAMI = "say whose token it holds"
    READ_PARTIES = "list the parties"
    READ_NOTICES = "read notices"
    FILE_NOTICES = "file notices"
    REVISE_NOTICES = "revise notices"
    END_NOTICES = "cancel or close notices"
    READ_CONFLICTS = "read conflicts"
    READ_FREQUENCIES = "read the agreed frequencies"
    ADD_FREQUENCIES = "register frequencies"
    READ_AGREEMENTS = "read agreements"
    PROPOSE_AGREEMENTS = "propose agreements"
    SIGN_AGREEMENTS = "sign agreements"
    READ_HOTLINE = "read the hotline"
    ACT_ON_HOTLINE = "act on the hotline"
    READ_TRACKS = "read the air picture"
    READ_REPLAY = "read the picture as it stood at a past moment"
    POST_TRACKS = "post tracks"
    SHARE_TRACKS = "share tracks"
    READ_SHARES = "read track shares"
    READ_ALERTS = "read alerts"
    SAFETY_CALL = "make safety calls"
    READ_FLAGS = "read flags"
    READ_INCIDENTS = "read incident records"
    DISCLOSE_INCIDENTS = "disclose incident records"
    FETCH_INCIDENTS = "fetch an incident record disclosed to its party (federation)"
    READ_EVENTS = "read the event feed"
    READ_EVIDENCE = "read the federation evidence"
    EXPORT_REPORTS = "export case reports"
    READ_DISCLOSURE = "read the disclosure accounting"
    READ_FEED = "read a signed feed (federation)"
    HINT_FEED = "hint that a feed grew (federation)"


_DESK: Final = frozenset({Tier.DUTY, Tier.SENIOR})
_READERS: Final = frozenset({Tier.DUTY, Tier.SENIOR, Tier.OBSERVER})
_OFFICERS: Final = frozenset({Tier.DUTY, Tier.SENIOR, Tier.OBSERVER, Tier.SENSOR})
_PEER: Final = frozenset({Tier.PEER})

#: act -> the tiers that may perform it. Every act is listed; a tier not listed is refused (403).
ACCESS: Final[Mapping[Act, frozenset[Tier]]] = {
    Act.WHOAMI: _OFFICERS,
    Act.READ_PARTIES: _READERS,
    Act.READ_NOTICES: _READERS,
    Act.FILE_NOTICES: _DESK,
    Act.REVISE_NOTICES: _DESK,
    Act.END_NOTICES: _DESK,
    Act.READ_CONFLICTS: _READERS,
    Act.READ_FREQUENCIES: _READERS,
    Act.ADD_FREQUENCIES: _DESK,
    Act.READ_AGREEMENTS: _READERS,
    # Proposing or signing binds the party (docs/agreements.md): a desk act, as filing a notice is.
    Act.PROPOSE_AGREEMENTS: _DESK,
    Act.SIGN_AGREEMENTS: _DESK,
    Act.READ_HOTLINE: _READERS,
    Act.ACT_ON_HOTLINE: _DESK,
    Act.READ_TRACKS: _READERS,
    Act.READ_REPLAY: _READERS,
    Act.POST_TRACKS: frozenset({Tier.SENSOR, Tier.DUTY, Tier.SENIOR}),
    Act.SHARE_TRACKS: _DESK,
    Act.READ_SHARES: _READERS,
    Act.READ_ALERTS: _READERS,
    Act.SAFETY_CALL: _DESK,
    Act.READ_FLAGS: _READERS,
    Act.READ_INCIDENTS: _READERS,
    Act.DISCLOSE_INCIDENTS: _DESK,
    Act.FETCH_INCIDENTS: _PEER,
    Act.READ_EVENTS: _READERS,
    Act.READ_EVIDENCE: _READERS,
    # Any officer of a party in the case (the case's own visibility rule decides which party: node/_reports.py).
    Act.EXPORT_REPORTS: _READERS,
    # What this party gave another is its own officers' business, observers included (an audit is read-only).
    Act.READ_DISCLOSURE: _READERS,
    Act.READ_FEED: _PEER,
    Act.HINT_FEED: _PEER,
}


def may(tier: str, act: Act) -> bool:
    """Whether an officer (or peer) of ``tier`` may perform ``act``; an unknown tier may do nothing."""
    try:
        return Tier(tier) in ACCESS[act]
    except ValueError:
        return False


def require(tier: str, act: Act) -> None:
    """Raise :class:`PermissionDenied` (403) unless ``tier`` may perform ``act``."""
    if not may(tier, act):
        raise PermissionDenied(f"a {tier} officer may not {act.value}")
