"""Each party's live air picture: track states posted by its sensors, private to it.

States arrive in batches (``POST /api/v1/tracks`` by a ``sensor`` officer), are validated line by line
with the tactical engine's parser (a bad state is rejected with its index, field and reason; the others
are kept), and are held in memory: a track picture is live data, refreshed every second, so it is not
worth a database write per state. Each track keeps its last ``history_s`` seconds for incident records.

The check is the tactical core's :func:`~airparley.tactical.check_track_records`: at 20,000 tracks a second
it is the node's hottest path, so plain JSON states are checked directly with the parser's field checks,
with exactly the parser's answers (see there). Both of its paths hold a state to the parser's sanity bounds
(``tactical.NUMBER_BOUNDS``, ``TEXT_MAX_CHARS``) and take only times from ``history_s`` before the node's
clock to ``tactical.MAX_AHEAD_S`` after it: a state a day ahead would stay "fresh" for a day and make every
extrapolation of the picture fly it a day, and one older than the history is no news.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from airparley.errors import InvalidInput
from airparley.tactical import (
    StateRow,
    TimeWindow,
    TrackRejection,
    TrackState,
    TrackStates,
    check_track_records,
)

__all__ = ["MAX_STATES_PER_POST", "Pictures", "TrackRejection", "state_dict"]

MAX_STATES_PER_POST: Final = 5000


#: A state as held: a plain tuple in :class:`TrackState`'s field order. The garbage collector stops
#: tracking a tuple of strings and floats, so the 3.6 million states of 20,000 tracks' 180 s are not walked
#: by every full collection, as TrackState instances were (pauses of over a second, measured).
Row = StateRow
_TIME: Final = 2  # the index of time_s in a Row


@dataclass
class _Picture:
    history: dict[str, deque[Row]] = field(default_factory=dict)


class Pictures:
    """The air pictures of the parties a node serves, one per party, thread-safe."""

    def __init__(self, history_s: float = 180.0, stale_s: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        """``clock``: the node's time, POSIX seconds; states are taken from ``history_s`` before it to
        ``tactical.MAX_AHEAD_S`` after it."""
        self.history_s = history_s
        self.stale_s = stale_s
        self.clock_s = clock
        self._pictures: dict[str, _Picture] = {}
        self._lock = threading.Lock()
        #: Told every batch of accepted states (node/_state_keeper.py keeps them for replay); None: nothing kept.
        self.keeper: Callable[[str, list[Row]], None] | None = None
        #: Told every batch of accepted states to pass to the node's other processes (node/_track_relay.py,
        #: PostgreSQL); None: this process is the whole node.
        self.relay: Callable[[str, list[Row]], None] | None = None

    def window(self, now_s: float | None = None) -> TimeWindow:
        """The times a state posted at ``now_s`` (default: the clock's now) may carry."""
        return TimeWindow.around(self.clock_s() if now_s is None else now_s, behind_s=self.history_s)

    def post(
        self, party: str, states: Sequence[Mapping[str, Any]], now_s: float | None = None
    ) -> tuple[int, list[TrackRejection]]:
        """Add states to ``party``'s picture; returns how many were accepted and why the others were not."""
        if not isinstance(states, list | tuple):
            raise InvalidInput("states", "must be a list of track states")
        if len(states) > MAX_STATES_PER_POST:
            raise InvalidInput("states", f"at most {MAX_STATES_PER_POST} states per request, got {len(states)}")
        accepted, rejected = check_track_records(states, self.window(now_s), source=f"{party} sensors")
        if self.keeper is not None and accepted:
            self.keeper(party, accepted)
        if self.relay is not None and accepted:
            self.relay(party, accepted)
        self._add(party, accepted)
        return len(accepted), rejected

    def add_relayed(self, party: str, rows: Sequence[Row]) -> None:
        """States another process of the node accepted (node/_track_relay.py): checked there, kept for
        replay there; here they only join the picture."""
        self._add(party, rows)

    def _add(self, party: str, accepted: Sequence[Row]) -> None:
        with self._lock:
            picture = self._pictures.setdefault(party, _Picture())
            for row in accepted:
                trail = picture.history.setdefault(row[0], deque())
                if trail:
                    last = trail[-1]
                    if row[_TIME] < last[_TIME]:
                        continue  # an older report of a track we already have newer news of
                    if row[1] == last[1] and row[9] == last[9] and row[10] == last[10]:
                        # a track's texts seldom change: share the held strings rather than keep a copy a second
                        row = (last[0], last[1], *row[2:9], last[9], last[10])
                trail.append(row)
                while trail and trail[-1][_TIME] - trail[0][_TIME] > self.history_s:
                    trail.popleft()

    def parties(self) -> list[str]:
        with self._lock:
            return sorted(self._pictures)

    def latest(self, party: str, now_s: float) -> TrackStates:
        """The newest state of each of ``party``'s tracks heard from within ``stale_s`` seconds of now."""
        fresh: list[Row] = []
        gone: list[str] = []
        with self._lock:
            picture = self._pictures.get(party)
            if picture is not None:
                for track_id, trail in picture.history.items():
                    age_s = now_s - trail[-1][_TIME]
                    if age_s <= self.stale_s:
                        fresh.append(trail[-1])
                    elif age_s > self.history_s:
                        gone.append(track_id)
                for track_id in gone:
                    del picture.history[track_id]
        return _columns(fresh)

    def shared_in_view(self, party: str) -> dict[str, str]:
        """Track id -> sharing party, for the tracks of ``party``'s last view that another party shares: none
        in a picture of one's own sensors (``node._shares.SharedPictures`` adds shared tracks)."""
        return {}

    def history(self, party: str, track_ids: Sequence[str]) -> dict[str, list[TrackState]]:
        with self._lock:
            picture = self._pictures.get(party)
            if picture is None:
                return {}
            rows = {t: list(picture.history.get(t, ())) for t in track_ids}
        return {t: [TrackState(*row) for row in trail] for t, trail in rows.items()}


def _columns(rows: list[Row]) -> TrackStates:
    """``TrackStates.from_states`` of held rows, each column read straight off them."""
    return TrackStates(
        id=np.array([r[0] for r in rows], dtype=np.str_),
        party=np.array([r[1] for r in rows], dtype=np.str_),
        time_s=np.array([r[2] for r in rows], dtype=np.float64),
        lat=np.array([r[3] for r in rows], dtype=np.float64),
        lon=np.array([r[4] for r in rows], dtype=np.float64),
        alt_ft=np.array([r[5] for r in rows], dtype=np.float64),
        gs_kt=np.array([r[6] for r in rows], dtype=np.float64),
        trk_deg=np.array([r[7] for r in rows], dtype=np.float64),
        vs_fpm=np.array([r[8] for r in rows], dtype=np.float64),
        callsign=np.array([r[9] for r in rows], dtype=np.str_),
        source=np.array([r[10] for r in rows], dtype=np.str_),
    )


def state_dict(state: TrackState) -> dict[str, Any]:
    return {
        "id": state.id,
        "party": state.party,
        "time_s": round(state.time_s, 3),
        "lat": round(state.lat, 6),
        "lon": round(state.lon, 6),
        "alt_ft": round(state.alt_ft, 1),
        "gs_kt": round(state.gs_kt, 1),
        "trk_deg": round(state.trk_deg, 1),
        "vs_fpm": round(state.vs_fpm, 1),
        "callsign": state.callsign,
        "source": state.source,
    }
