"""A live demo's lag on the event feed: when the simulator driving the node falls behind the wall clock, every
desk is told (``simulation.lag``) and shows it in a banner until a note says it has caught up.

The live demo (``cli/_demo.py``) runs the node in its own process and calls :func:`tell_lag`; nothing from
outside reaches it, so it has no route and no bound of its own.
"""

from __future__ import annotations

from datetime import datetime

from airparley.node._events import EventKind
from airparley.node._visibility import lag_for
from airparley.store import Tx

__all__ = ["tell_lag"]


def tell_lag(tx: Tx, now: datetime, behind_s: float, lagging: bool, note: str) -> None:
    """Raise ``simulation.lag`` for every party on the node, in ``tx``."""
    everyone = [p.code for p in tx.parties()]
    payloads = {party: lag_for(party, behind_s, lagging, note) for party in everyone}
    tx.append_event(EventKind.SIMULATION_LAG, everyone, payloads, now)
