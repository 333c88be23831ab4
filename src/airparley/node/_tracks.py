"""Each party's live air picture: track states posted by its sensors, private to it.

States arrive in batches (``POST /api/v1/tracks`` by a ``sensor`` officer), are validated line by line
with the tactical engine's parser (a bad state is rejected with its index, field and reason; the others
are kept), and are held in memory: a track picture is live data, refreshed every second, so it is not
worth a database write per state. Each track keeps its last ``history_s`` seconds for incident records.

At 20,000 tracks a second the validation is the node's hottest path, so a state that came as plain JSON
(a ``dict`` of strings, numbers and null) is checked directly with the parser's own field checks, in the
parser's order, instead of being written back to a JSON line and parsed again. Anything else in a batch
(a nested value, NaN, a non-``dict`` item) sends the whole batch down the parser itself, so the accepted
states and the rejections (index, field, reason) are exactly the parser's.

Both paths hold a state to the parser's sanity bounds (``tactical.NUMBER_BOUNDS``, ``TEXT_MAX_CHARS``: ranges
for every number, lengths and printable characters for every text) and take only times from ``history_s``
before the node's clock to ``tactical.MAX_AHEAD_S`` after it: a state a day ahead would stay "fresh" for a
day and make every extrapolation of the picture fly it a day, and one older than the history is no news.
The direct path's extra tests are comparisons and ``str.isprintable`` (C, a few tens of nanoseconds each).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from airparley.errors import InvalidInput
from airparley.tactical import (
    NUMBER_BOUNDS,
    TEXT_MAX_CHARS,
    UNKNOWN_PARTY,
    TimeWindow,
    TrackState,
    TrackStates,
    parse_track_lines,
)
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

    def __init__(self, history_s: float = 180.0, stale_s: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        """``clock``: the node's time, POSIX seconds; states are taken from ``history_s`` before it to
        ``tactical.MAX_AHEAD_S`` after it."""
        self.history_s = history_s
        self.stale_s = stale_s
        self.clock_s = clock
        self._pictures: dict[str, _Picture] = {}
        self._lock = threading.Lock()

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
        window = self.window(now_s)
        checked = _check_plain(states, window)
        if checked is None:
            checked = _check_by_parser(states, party, window)
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


def _check_by_parser(states: Sequence[Any], party: str, window: TimeWindow) -> tuple[list[Row], list[TrackRejection]]:
    """The reference path: each state written as a JSON line and read back by ``parse_track_lines``.

    NaN and infinities are written as the ``NaN`` and ``Infinity`` the parser's JSON reader takes back, so its
    rejection names the field. A value nested too deeply to be written out stands in as a one-element list,
    which the parser refuses by name wherever it reads one and ignores elsewhere, as it would the original."""
    lines = []
    for item in states:
        try:
            lines.append(json.dumps(item))
        except (RecursionError, ValueError, TypeError):
            lines.append(_flattened(item))
    parsed = parse_track_lines(lines, source=f"{party} sensors", window=window)
    rejected = [TrackRejection(e.line - 1 if e.line else 0, e.field, e.reason) for e in parsed.errors]
    return [_row_of(state) for state in parsed.states], rejected


def _flattened(item: Any) -> str:
    """A JSON line for an item ``json.dumps`` could not write: each value it cannot write made ``["..."]``."""
    if not isinstance(item, dict):
        return "[]" if isinstance(item, list) else json.dumps(None)
    record: dict[str, Any] = {}
    for key, value in item.items():
        try:
            json.dumps(value)
            record[str(key)] = value
        except (RecursionError, ValueError, TypeError):
            record[str(key)] = ["nested too deeply"]
    return json.dumps(record)


_SURROGATE: Final = re.compile("[\ud800-\udfff]")
#: Value types a JSON line reads back as themselves (a float only when finite; checked below).
_PLAIN: Final = (str, int, float, bool, type(None))
_NUMERIC: Final = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")
#: The keys the parser reads; a record with no others is checked in full by :func:`_well_formed`.
_FIELDS: Final = frozenset({"id", "party", "time", *_NUMERIC, "callsign", "source"})


def _check_plain(states: Sequence[Any], window: TimeWindow) -> tuple[list[Row], list[TrackRejection]] | None:
    """The direct path, or ``None`` when some item would not survive a JSON round trip unchanged.

    The conditions are those under which ``json.loads(json.dumps(item))`` equals ``item``: then checking the
    dict itself with the parser's field checks, in its order, gives the parser's answer. (A text the parser
    takes is printable, so it holds no NUL, which NumPy's string columns would drop from its end.)
    """
    accepted: list[Row] = []
    rejected: list[TrackRejection] = []
    for index, item in enumerate(states):
        if type(item) is not dict:
            return None
        if item.keys() <= _FIELDS:
            quick = _well_formed(item, window)
            if quick is not None:
                accepted.append(quick)
                continue
        for key, value in item.items():
            kind = type(value)
            if type(key) is not str or kind not in _PLAIN or _SURROGATE.search(key):
                return None
            if kind is float and not math.isfinite(value):
                return None
            if kind is str and not value.isascii() and _SURROGATE.search(value):
                return None  # a JSON round trip joins a surrogate pair into one character
        try:
            accepted.append(_row_of(_state_of(item, window)))
        except ValueError as error:
            name, reason = error.args
            rejected.append(TrackRejection(index, name, reason))
    return accepted, rejected


_LAT_LO, _LAT_HI, _ = NUMBER_BOUNDS["lat"]
_LON_LO, _LON_HI, _ = NUMBER_BOUNDS["lon"]
_ALT_LO, _ALT_HI, _ = NUMBER_BOUNDS["alt_ft"]
_GS_LO, _GS_HI, _ = NUMBER_BOUNDS["gs_kt"]
_TRK_LO, _TRK_HI, _ = NUMBER_BOUNDS["trk_deg"]
_VS_LO, _VS_HI, _ = NUMBER_BOUNDS["vs_fpm"]
_ID_MAX, _PARTY_MAX = TEXT_MAX_CHARS["id"], TEXT_MAX_CHARS["party"]
_CALLSIGN_MAX, _SOURCE_MAX = TEXT_MAX_CHARS["callsign"], TEXT_MAX_CHARS["source"]


def _well_formed(record: dict[str, Any], window: TimeWindow) -> Row | None:
    """The state of a record of the parser's keys only that passes every check, tested inline; ``None``
    for any doubt, and then the caller looks closer. Every value is checked here, so a state returned is
    plain too: texts printable (so without NUL), numbers finite (a NaN fails the range tests)."""
    get = record.get
    track_id, owner, callsign, source = get("id"), get("party"), get("callsign"), get("source")
    if type(track_id) is not str or not track_id.strip() or len(track_id) > _ID_MAX or not track_id.isprintable():
        return None
    # null or missing: the parser's defaults
    owner = UNKNOWN_PARTY if owner is None else owner
    callsign = "" if callsign is None else callsign
    source = "" if source is None else source
    if type(owner) is not str or type(callsign) is not str or type(source) is not str:
        return None
    if len(owner) > _PARTY_MAX or len(callsign) > _CALLSIGN_MAX or len(source) > _SOURCE_MAX:
        return None
    if not (owner.isprintable() and callsign.isprintable() and source.isprintable()):
        return None
    numbers: list[Any] = [get(name) for name in _NUMERIC]
    if any(type(v) is not float and type(v) is not int for v in numbers):
        return None
    when = record.get("time")
    if type(when) is float and not math.isfinite(when):
        return None
    try:
        lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm = (float(v) for v in numbers)
        time_s = _parse_time(when, window)
    except (ValueError, OverflowError):
        return None
    # Every comparison is False for a NaN, so a NaN anywhere fails here.
    if not (
        _LAT_LO < lat < _LAT_HI
        and _LON_LO <= lon <= _LON_HI
        and _ALT_LO <= alt_ft <= _ALT_HI
        and _GS_LO <= gs_kt <= _GS_HI
        and _TRK_LO <= trk_deg < _TRK_HI
        and _VS_LO <= vs_fpm <= _VS_HI
    ):
        return None
    return (track_id, owner, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign, source)


def _state_of(record: dict[str, Any], window: TimeWindow) -> TrackState:
    """``_parse_record`` of ``airparley.tactical`` on a decoded object: the same checks in the same order,
    each failure a ``ValueError(field, reason)``."""
    name = "id"
    try:
        track_id = _text(record, "id", required=True)
        name = "party"
        owner = _text(record, "party", required=False)
        name = "time"
        time_s = _parse_time(record["time"], window)
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
