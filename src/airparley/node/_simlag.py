"""A live demo's lag on the event feed: when the simulator driving the node falls behind the wall clock, every
desk is told (``simulation.lag``) and shows it in a banner until a note says it has caught up.

The live demo (``cli/_demo.py``) runs the node in its own process and calls :func:`tell_lag`; nothing from
outside writes it, so it takes no bound. A desk that opens (or reloads) while the demo lags asks
``GET /api/v1/simulation/lag`` for the lag as it stands (the newest ``simulation.lag``): the feed it then
follows starts at its session's cursor and would not replay the note that raised the banner.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from airparley._time import iso_z
from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._events import EventKind
from airparley.node._models import described
from airparley.node._models_picture import SimulationLag
from airparley.node._visibility import lag_for
from airparley.store import Event, Officer, Store, Tx

__all__ = ["LagNow", "LatestLag", "simlag_router", "tell_lag"]


def tell_lag(tx: Tx, now: datetime, behind_s: float, lagging: bool, note: str) -> None:
    """Raise ``simulation.lag`` for every party on the node, in ``tx``."""
    everyone = [p.code for p in tx.parties()]
    payloads = {party: lag_for(party, behind_s, lagging, note) for party in everyone}
    tx.append_event(EventKind.SIMULATION_LAG, everyone, payloads, now)


class LagNow(SimulationLag):
    """What ``GET /api/v1/simulation/lag`` answers: the newest ``simulation.lag`` note's data, and which note."""

    seq: int | None = Field(description="The note's seq on the event feed; null if no lag was ever told.")
    time: str | None = Field(description="When the node was told (UTC, ISO 8601); null if never.")


class LatestLag:
    """The newest ``simulation.lag`` in the store, found by reading only the events written since the last look
    (the events table has no index on kind: a desk's login must not scan a long-lived node's whole feed)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._looked_to = 0
        self._latest: Event | None = None
        self._lock = threading.Lock()

    def latest(self) -> Event | None:
        with self._lock:
            with self.store.begin() as tx:
                # Read first: events commit in seq order under the write lock (store/_locks.py), so every
                # event up to ``newest`` is committed and the search after it below cannot miss one.
                newest = tx.last_event_seq()
                found = tx.latest_event(EventKind.SIMULATION_LAG, after=self._looked_to)
            if found is not None:
                self._latest = found
            self._looked_to = max(self._looked_to, newest, found.seq if found is not None else 0)
            return self._latest

    def for_party(self, party: str) -> dict[str, Any]:
        """The lag as ``party`` reads it: the newest note's data (the same for every party), or no lag."""
        event = self.latest()
        if event is None:
            return {**lag_for(party, 0.0, False, ""), "seq": None, "time": None}
        # Any party's payload: the note is the exercise's, and a party added since it was told reads it too.
        data: dict[str, Any] = event.payload.get(party) or next(iter(event.payload.values()), {})
        shown = lag_for(party, float(data.get("behind_s", 0.0)), bool(data.get("lagging")), str(data.get("note", "")))
        return {**shown, "seq": event.seq, "time": iso_z(event.created_at)}


def simlag_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    lag = LatestLag(node.store)

    @api.get(
        "/simulation/lag",
        response_model=LagNow,
        summary="A live demo's lag as it stands: the newest simulation.lag note (a desk reads it as it opens)",
    )
    def simulation_lag(who: Annotated[Officer, officer_for(Act.READ_EVENTS)]) -> JSONResponse:
        return described(lag.for_party(who.party))

    return api
