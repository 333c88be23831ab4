"""Each party's live air picture: track states posted by its sensors, private to it.

States arrive in batches (``POST /api/v1/tracks`` by a ``sensor`` officer), are validated line by line
with the tactical engine's parser (a bad state is rejected with its index, field and reason; the others
are kept), and are held in memory: a track picture is live data, refreshed every second, so it is not
worth a database write per state. Each track keeps its last ``history_s`` seconds for incident records.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from airparley.errors import InvalidInput
from airparley.tactical import TrackState, TrackStates, parse_track_lines

__all__ = ["MAX_STATES_PER_POST", "Pictures", "TrackRejection", "state_dict"]

MAX_STATES_PER_POST: Final = 5000


@dataclass(frozen=True)
class TrackRejection:
    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


@dataclass
class _Picture:
    history: dict[str, deque[TrackState]] = field(default_factory=dict)


class Pictures:
    """The air pictures of the parties a node serves, one per party, thread-safe."""

    def __init__(self, history_s: float = 180.0, stale_s: float = 30.0) -> None:
        self.history_s = history_s
        self.stale_s = stale_s
        self._pictures: dict[str, _Picture] = {}
        self._lock = threading.Lock()

    def post(self, party: str, states: Sequence[Mapping[str, Any]]) -> tuple[int, list[TrackRejection]]:
        """Add states to ``party``'s picture; returns how many were accepted and why the others were not."""
        if not isinstance(states, list | tuple):
            raise InvalidInput("states", "must be a list of track states")
        if len(states) > MAX_STATES_PER_POST:
            raise InvalidInput("states", f"at most {MAX_STATES_PER_POST} states per request, got {len(states)}")
        lines = []
        for item in states:
            try:
                lines.append(json.dumps(item, allow_nan=False))
            except ValueError:
                lines.append('{"invalid": "NaN or infinity"}')
        parsed = parse_track_lines(lines, source=f"{party} sensors")
        rejected = [TrackRejection(e.line - 1 if e.line else 0, e.field, e.reason) for e in parsed.errors]
        with self._lock:
            picture = self._pictures.setdefault(party, _Picture())
            for state in parsed.states:
                trail = picture.history.setdefault(state.id, deque())
                if trail and state.time_s < trail[-1].time_s:
                    continue  # an older report of a track we already have newer news of
                trail.append(state)
                while trail and trail[-1].time_s - trail[0].time_s > self.history_s:
                    trail.popleft()
        return len(parsed.states), rejected

    def parties(self) -> list[str]:
        with self._lock:
            return sorted(self._pictures)

    def latest(self, party: str, now_s: float) -> TrackStates:
        """The newest state of each of ``party``'s tracks heard from within ``stale_s`` seconds of now."""
        with self._lock:
            picture = self._pictures.get(party)
            newest = [trail[-1] for trail in picture.history.values() if trail] if picture else []
            if picture is not None:
                gone = [k for k, trail in picture.history.items() if now_s - trail[-1].time_s > self.history_s]
                for track_id in gone:
                    del picture.history[track_id]
        fresh = [s for s in newest if now_s - s.time_s <= self.stale_s]
        return TrackStates.from_states(fresh)

    def history(self, party: str, track_ids: Sequence[str]) -> dict[str, list[TrackState]]:
        with self._lock:
            picture = self._pictures.get(party)
            if picture is None:
                return {}
            return {t: list(picture.history.get(t, ())) for t in track_ids}


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
