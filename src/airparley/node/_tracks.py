"""Each party's live air picture: track states posted by its sensors, private to it.

States arrive in batches (``POST /api/v1/tracks`` by a ``sensor`` officer), are validated line by line
with the tactical engine's parser (a bad state is rejected with its index, field and reason; the others
are kept), and are held in memory: a track picture is live data, refreshed every second, so it is not
worth a database write per state. Each track keeps its last ``history_s`` seconds for incident records.

At 20,000 tracks a second the validation is the node's hottest path, so a state that came as plain JSON
(a ``dict`` of strings, numbers and null) is checked directly with the parser's own field checks, in the
parser's order, instead of being written back to a JSON line and parsed again. Anything else in a batch
(a nested value, NaN, a NUL character, a non-``dict`` item) sends the whole batch down the parser itself,
so the accepted states and the rejections (index, field, reason) are exactly the parser's.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from airparley.errors import InvalidInput
from airparley.tactical import UNKNOWN_PARTY, TrackState, TrackStates, parse_track_lines
from airparley.tactical._states import _number, _parse_time, _text

__all__ = ["MAX_STATES_PER_POST", "Pictures", "TrackRejection", "state_dict"]

MAX_STATES_PER_POST: Final = 5000


@dataclass(frozen=True)
class TrackRejection:
    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


#: A state as held: a plain tuple in :class:`TrackState`'s field order. The garbage collector stops
#: tracking a tuple of strings and floats, so the 3.6 million states of 20,000 tracks' 180 s are not walked
#: by every full collection, as TrackState instances were (pauses of over a second, measured).
Row = tuple[str, str, float, float, float, float, float, float, float, str, str]
_TIME: Final = 2  # the index of time_s in a Row


def _row_of(state: TrackState) -> Row:
    s = state
    return (s.id, s.party, s.time_s, s.lat, s.lon, s.alt_ft, s.gs_kt, s.trk_deg, s.vs_fpm, s.callsign, s.source)


@dataclass
class _Picture:
    history: dict[str, deque[Row]] = field(default_factory=dict)


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
        checked = _check_plain(states)
        if checked is None:
            checked = _check_by_parser(states, party)
        accepted, rejected = checked
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
        return len(accepted), rejected

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


def _check_by_parser(states: Sequence[Any], party: str) -> tuple[list[Row], list[TrackRejection]]:
    """The reference path: each state written as a JSON line and read back by ``parse_track_lines``."""
    lines = []
    for item in states:
        try:
            lines.append(json.dumps(item, allow_nan=False))
        except ValueError:
            lines.append('{"invalid": "NaN or infinity"}')
    parsed = parse_track_lines(lines, source=f"{party} sensors")
    rejected = [TrackRejection(e.line - 1 if e.line else 0, e.field, e.reason) for e in parsed.errors]
    return [_row_of(state) for state in parsed.states], rejected


#: Value types a JSON line reads back as themselves (a float only when finite; checked below).
_PLAIN: Final = (str, int, float, bool, type(None))
_NUMERIC: Final = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")
#: The keys the parser reads; a record with no others is checked in full by :func:`_well_formed`.
_FIELDS: Final = frozenset({"id", "party", "time", *_NUMERIC, "callsign", "source"})


def _check_plain(states: Sequence[Any]) -> tuple[list[Row], list[TrackRejection]] | None:
    """The direct path, or ``None`` when some item would not survive a JSON round trip unchanged.

    The conditions are those under which ``json.loads(json.dumps(item))`` equals ``item`` and the parser's
    NumPy columns give each text back unchanged (NumPy drops trailing NUL characters): then checking the
    dict itself with the parser's field checks, in its order, gives the parser's answer.
    """
    accepted: list[Row] = []
    rejected: list[TrackRejection] = []
    for index, item in enumerate(states):
        if type(item) is not dict:
            return None
        if item.keys() <= _FIELDS:
            quick = _well_formed(item)
            if quick is not None:
                accepted.append(quick)
                continue
        for key, value in item.items():
            kind = type(value)
            if type(key) is not str or kind not in _PLAIN:
                return None
            if (kind is float and not math.isfinite(value)) or (kind is str and "\x00" in value):
                return None
        try:
            accepted.append(_row_of(_state_of(item)))
        except ValueError as error:
            name, reason = error.args
            rejected.append(TrackRejection(index, name, reason))
    return accepted, rejected


def _well_formed(record: dict[str, Any]) -> Row | None:
    """The state of a record of the parser's keys only that passes every check, tested inline; ``None``
    for any doubt, and then the caller looks closer. Every value is checked here, so a state returned is
    plain too: texts without NUL, numbers finite (a NaN fails the range tests or ``isfinite``)."""
    get = record.get
    track_id, owner, callsign, source = get("id"), get("party"), get("callsign"), get("source")
    if type(track_id) is not str or not track_id.strip() or "\x00" in track_id:
        return None
    # null or missing: the parser's defaults
    owner = UNKNOWN_PARTY if owner is None else owner
    callsign = "" if callsign is None else callsign
    source = "" if source is None else source
    if type(owner) is not str or type(callsign) is not str or type(source) is not str:
        return None
    if "\x00" in owner or "\x00" in callsign or "\x00" in source:
        return None
    numbers: list[Any] = [get(name) for name in _NUMERIC]
    if any(type(v) is not float and type(v) is not int for v in numbers):
        return None
    when = record.get("time")
    if type(when) is float and not math.isfinite(when):
        return None
    try:
        lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm = (float(v) for v in numbers)
        time_s = _parse_time(when)
    except (ValueError, OverflowError):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and gs_kt >= 0.0 and 0.0 <= trk_deg < 360.0):
        return None
    if not math.isfinite(lat + lon + alt_ft + gs_kt + trk_deg + vs_fpm):
        return None  # a NaN or an infinity somewhere (or a sum too large: then the caller looks closer)
    return (track_id, owner, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign, source)


def _state_of(record: dict[str, Any]) -> TrackState:
    """``_parse_record`` of ``airparley.tactical`` on a decoded object: the same checks in the same order,
    each failure a ``ValueError(field, reason)``."""
    name = "id"
    try:
        track_id = _text(record, "id", required=True)
        name = "party"
        owner = _text(record, "party", required=False)
        name = "time"
        time_s = _parse_time(record["time"])
        numbers = []
        for name in _NUMERIC:
            numbers.append(_number(record, name))
        name = "callsign"
        callsign = _text(record, "callsign", required=False)
        name = "source"
        source = _text(record, "source", required=False)
    except KeyError:
        raise ValueError(name, "is missing") from None
    except ValueError as error:
        raise ValueError(name, str(error)) from None
    lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm = numbers
    return TrackState(track_id, owner, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign, source)


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
