"""Track states as NumPy columns, the JSON-lines track format, and straight-line extrapolation.

Frames and units: positions are WGS84 degrees (``lat`` north, ``lon`` east), altitudes feet MSL
(``alt_ft``), ground speed knots (``gs_kt``), track degrees clockwise from true north at the aircraft
(``trk_deg``), vertical speed feet per minute (``vs_fpm``, positive up), times POSIX seconds UTC (``time_s``).

A track file has one JSON object per line::

    {"id": "RUS-SU35-1", "party": "RUS", "time": "2026-11-25T10:00:00Z", "lat": 34.6, "lon": 38.3,
     "alt_ft": 24000, "gs_kt": 420, "trk_deg": 275, "vs_fpm": 0, "callsign": "FALCON11", "source": "AWACS-2"}

``time`` is ISO 8601 with a UTC offset (``Z`` or ``+03:00``) or POSIX seconds; ``callsign`` and ``source``
may be left out; ``party`` may be left out or null for an unidentified track (it becomes ``UNKNOWN``).
Other keys are ignored, so feeds may carry more. :func:`parse_track_lines` takes lines (the caller opens
files), skips each bad line with an :class:`~airparley.errors.IngestError` naming its line and field,
and returns the good states: never a crash, never a NaN.

Every field has a sanity bound (:data:`NUMBER_BOUNDS`, :data:`TEXT_MAX_CHARS`, :class:`TimeWindow`): a
state outside them is not a real aircraft, and a hostile or broken feed must not be able to put into a
picture a value the rest of the engine cannot compute with (a speed of ``1e308`` kt overflows every
extrapolation; a time a day ahead keeps a track "fresh" for a day; a lone surrogate cannot be written out
as UTF-8). Texts must be printable (``str.isprintable``: no control characters, no bidirectional override
or other format characters, no lone surrogates, no separators but the space). A node passes its own clock
(:meth:`TimeWindow.around`); a file read without one takes any time a UTC datetime can hold, 1970-9999.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Final, overload

import numpy as np
import numpy.typing as npt

from airparley.errors import IngestError, InvalidInput
from airparley.geo import M_PER_NM, WGS84

__all__ = [
    "ANY_TIME",
    "MAX_AHEAD_S",
    "NUMBER_BOUNDS",
    "TEXT_MAX_CHARS",
    "UNKNOWN_PARTY",
    "TimeWindow",
    "TrackFile",
    "TrackState",
    "TrackStates",
    "extrapolate_to",
    "latest_per_id",
    "parse_track_lines",
]

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]

#: The party of a track whose owner is not known (``party`` missing or null in a track file).
UNKNOWN_PARTY: Final = "UNKNOWN"

_NUMERIC = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")
_TEXT = ("id", "party", "callsign", "source")

#: The range each number of a track state must lie in, inclusive (but ``trk_deg`` up to 360 exclusive, and
#: ``lat`` with the poles excluded: there a track has no direction, and the alerting cannot turn it into a
#: velocity), with its unit as the reasons name it. Beyond them no aircraft flies: the Dead Sea shore is at
#: -1,400 ft and no aeroplane cruises above 100,000 ft; 3,000 kt is Mach 5 at altitude (hypersonic, faster than
#: any aircraft flown; SR-71: about 1,900 kt); 60,000 ft/min is beyond the time-to-climb records (about 50,000).
NUMBER_BOUNDS: Final[dict[str, tuple[float, float, str]]] = {
    "lat": (-90.0, 90.0, "degrees"),
    "lon": (-180.0, 180.0, "degrees"),
    "alt_ft": (-2_000.0, 100_000.0, "ft"),
    "gs_kt": (0.0, 3_000.0, "kt"),
    "trk_deg": (0.0, 360.0, "degrees"),
    "vs_fpm": (-60_000.0, 60_000.0, "ft/min"),
}
#: The longest text each field may hold, in characters (a track id of an ADS-B or radar feed is a few).
TEXT_MAX_CHARS: Final[dict[str, int]] = {"id": 64, "party": 16, "callsign": 16, "source": 64}
#: How far ahead of the clock a state's time may be: the skew of a sensor's clock, not a forecast.
MAX_AHEAD_S: Final = 60.0
#: 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times a UTC datetime can hold, as POSIX seconds.
_EARLIEST_S: Final = 0.0
_INSIDE_POLE_DEG: Final = float(np.nextafter(90.0, 0.0))
_LATEST_S: Final = 253_402_300_799.0


@dataclass(frozen=True)
class TimeWindow:
    """The times (POSIX seconds, inclusive) a state may carry; ``now_s`` is the clock they are judged by.

    >>> TimeWindow.around(1795662000.0, behind_s=180.0).latest_s
    1795662060.0
    """

    earliest_s: float = _EARLIEST_S
    latest_s: float = _LATEST_S
    now_s: float | None = None

    @classmethod
    def around(cls, now_s: float, *, behind_s: float, ahead_s: float = MAX_AHEAD_S) -> TimeWindow:
        """What a live picture at ``now_s`` takes: from ``behind_s`` before now to ``ahead_s`` after."""
        return cls(max(_EARLIEST_S, now_s - behind_s), min(_LATEST_S, now_s + ahead_s), now_s)

    def check(self, time_s: float) -> float:
        """``time_s`` if it lies in the window, else ``ValueError`` saying by how much it misses."""
        if self.earliest_s <= time_s <= self.latest_s:
            return time_s
        if self.now_s is None:
            raise ValueError(f"{_seconds(time_s)} is outside 1970-01-01 to 9999-12-31 (POSIX seconds)")
        if time_s > self.latest_s:
            raise ValueError(
                f"is {_seconds(time_s - self.now_s)} ahead of the node's clock; at most"
                f" {_seconds(self.latest_s - self.now_s)} ahead is taken"
            )
        raise ValueError(
            f"is {_seconds(self.now_s - time_s)} behind the node's clock; the picture keeps"
            f" {_seconds(self.now_s - self.earliest_s)}"
        )


#: Any time a UTC datetime can hold (a file read without a clock).
ANY_TIME: Final = TimeWindow()


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if abs(value) < 1e15 else f"{value:.3g} s"


@dataclass(frozen=True)
class TrackState:
    """One aircraft's state at one time (scalar view of a :class:`TrackStates` row; same units)."""

    id: str
    party: str
    time_s: float
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float
    vs_fpm: float
    callsign: str = ""
    source: str = ""


def _text_column(values: Any, name: str, size: int | None = None) -> StrArray:
    array = np.asarray(values if values is not None else [], dtype=np.str_)
    if size is not None and array.ndim == 1 and array.size == 0 and size > 0:
        array = np.full(size, "", dtype=np.str_)
    if array.ndim != 1:
        raise InvalidInput(name, f"must be a one-dimensional column, got shape {array.shape}")
    return array


def _float_column(values: Any, name: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(name, f"must be numbers ({error})") from None
    if array.ndim != 1:
        raise InvalidInput(name, f"must be a one-dimensional column, got shape {array.shape}")
    return array


def _first_bad(mask: npt.NDArray[np.bool_], ids: StrArray, name: str, reason: str, values: FloatArray) -> None:
    if mask.any():
        k = int(np.flatnonzero(mask)[0])
        raise InvalidInput(name, f"{reason}, got {values[k]!r}", f"state {k} (id {ids[k]})")


@dataclass(frozen=True, eq=False)
class TrackStates:
    """Many aircraft states as equal-length NumPy columns, validated when built and read-only.

    WGS84 degrees, feet MSL, knots, degrees true, feet per minute, POSIX seconds (see the module docstring).
    ``callsign`` and ``source`` hold ``""`` where a state has none. Rows are not required to be unique per
    ``id``: a time series holds many states per aircraft (:func:`latest_per_id` keeps the newest).

    >>> s = TrackStates.from_states([TrackState("A", "USA", 0.0, 34.5, 38.2, 20000.0, 400.0, 90.0, 0.0)])
    >>> len(s), s[0].id
    (1, 'A')
    """

    id: StrArray
    party: StrArray
    time_s: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_ft: FloatArray
    gs_kt: FloatArray
    trk_deg: FloatArray
    vs_fpm: FloatArray
    callsign: StrArray = field(default_factory=lambda: np.empty(0, dtype=np.str_))
    source: StrArray = field(default_factory=lambda: np.empty(0, dtype=np.str_))

    def __post_init__(self) -> None:
        ids = _text_column(self.id, "id")
        size = ids.size
        columns: dict[str, Any] = {"id": ids}
        for name in ("party", "callsign", "source"):
            columns[name] = _text_column(getattr(self, name), name, size if name != "party" else None)
        for name in ("time_s", *_NUMERIC):
            columns[name] = _float_column(getattr(self, name), name)
        for name, column in columns.items():
            if column.shape != (size,):
                raise InvalidInput(name, f"has {column.shape[0]} values but id has {size}")
        if size and np.any(np.char.str_len(ids) == 0):
            raise InvalidInput("id", "must not be empty", f"state {int(np.flatnonzero(np.char.str_len(ids) == 0)[0])}")
        for name in ("time_s", *_NUMERIC):
            values = columns[name]
            _first_bad(~np.isfinite(values), ids, name, "must be a finite number", values)
        lat, lon = columns["lat"], columns["lon"]
        _first_bad((lat < -90.0) | (lat > 90.0), ids, "lat", "must be within [-90, 90] degrees", lat)
        _first_bad((lon < -180.0) | (lon > 180.0), ids, "lon", "must be within [-180, 180] degrees", lon)
        _first_bad(columns["gs_kt"] < 0.0, ids, "gs_kt", "must not be negative", columns["gs_kt"])
        trk = columns["trk_deg"]
        _first_bad((trk < 0.0) | (trk >= 360.0), ids, "trk_deg", "must be within [0, 360) degrees", trk)
        for name, column in columns.items():
            owned = np.array(column, copy=True)
            owned.setflags(write=False)
            object.__setattr__(self, name, owned)

    # -- construction -------------------------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> TrackStates:
        return cls.from_states([])

    @classmethod
    def from_states(cls, states: Iterable[TrackState]) -> TrackStates:
        rows = list(states)
        columns: dict[str, Any] = {f.name: np.asarray([getattr(r, f.name) for r in rows]) for f in fields(TrackState)}
        for name in ("id", "party", "callsign", "source"):
            columns[name] = columns[name].astype(np.str_)
        for name in ("time_s", *_NUMERIC):
            columns[name] = columns[name].astype(np.float64)
        return cls(**columns)

    def replace(self, **columns: Any) -> TrackStates:
        """A copy with some columns replaced (validated again)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(columns)
        return TrackStates(**current)

    def take(self, indices: npt.ArrayLike) -> TrackStates:
        """The rows at ``indices`` (integer positions or a boolean mask), in that order."""
        index = np.asarray(indices)
        return TrackStates(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    # -- sequence protocol ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.id.size)

    @overload
    def __getitem__(self, key: int) -> TrackState: ...

    @overload
    def __getitem__(self, key: slice | Sequence[int] | npt.NDArray[Any]) -> TrackStates: ...

    def __getitem__(self, key: int | slice | Sequence[int] | npt.NDArray[Any]) -> TrackState | TrackStates:
        if isinstance(key, int | np.integer):
            k = int(key)
            return TrackState(
                id=str(self.id[k]),
                party=str(self.party[k]),
                time_s=float(self.time_s[k]),
                lat=float(self.lat[k]),
                lon=float(self.lon[k]),
                alt_ft=float(self.alt_ft[k]),
                gs_kt=float(self.gs_kt[k]),
                trk_deg=float(self.trk_deg[k]),
                vs_fpm=float(self.vs_fpm[k]),
                callsign=str(self.callsign[k]),
                source=str(self.source[k]),
            )
        if isinstance(key, slice):
            return self.take(np.arange(len(self))[key])
        return self.take(key)

    def __iter__(self) -> Iterator[TrackState]:
        return (self[k] for k in range(len(self)))


@dataclass(frozen=True)
class TrackFile:
    """What a track file held: the valid states (in line order) and one error per skipped line."""

    states: TrackStates
    errors: list[IngestError]
    lines: int

    @property
    def ok(self) -> bool:
        return not self.errors


def _shown(value: Any) -> str:
    """A bad value as a reason quotes it: short, and never a container's whole (or too deep) repr."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    try:
        text = repr(value)
    except ValueError:  # an integer of more digits than Python will print
        return "an integer too long to print"
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_time(value: Any, window: TimeWindow = ANY_TIME) -> float:
    return window.check(_time_s(value))


def _time_s(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"must be ISO 8601 text or POSIX seconds, got {_shown(value)}")
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            raise ValueError("must be finite POSIX seconds, got an integer too large for a double") from None
        if not math.isfinite(seconds):
            raise ValueError(f"must be a finite number of POSIX seconds, got {_shown(value)}")
        return seconds
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {_shown(value)}") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{_shown(value)} has no UTC offset; write it with Z or +HH:MM")
        return moment.timestamp()
    raise ValueError(f"must be ISO 8601 text or POSIX seconds, got {_shown(value)}")


def _number(record: dict[str, Any], name: str) -> float:
    if name not in record:
        raise KeyError(name)
    value = record[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any double: not a coordinate, and not worth echoing whole
        raise ValueError("must be a finite number, got an integer too large for a double") from None
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    low, high, unit = NUMBER_BOUNDS[name]
    if name == "trk_deg":
        if not low <= number < high:
            raise ValueError(f"{number} is outside [0, 360) degrees")
    elif name == "lat":
        if not low < number < high:
            raise ValueError(f"{number} is outside (-90, 90) degrees (the poles excluded)")
    elif name == "gs_kt" and number < low:
        raise ValueError(f"must not be negative, got {number}")
    elif not low <= number <= high:
        raise ValueError(f"{number} is outside [{low:g}, {high:g}] {unit}")
    return number


def _text(record: dict[str, Any], name: str, required: bool) -> str:
    value = record.get(name)
    if value is None:
        if required:
            raise KeyError(name)
        return UNKNOWN_PARTY if name == "party" else ""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {_shown(value)}")
    if required and not value.strip():
        raise ValueError("must not be empty")
    limit = TEXT_MAX_CHARS[name]
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters, got {len(value)}")
    if not value.isprintable():
        raise ValueError(_unprintable(value))
    return value


def _unprintable(value: str) -> str:
    """Why a text that ``str.isprintable`` refuses is refused: its first such character, named."""
    k, char = next((k, c) for k, c in enumerate(value) if not c.isprintable())
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate, which UTF-8 cannot encode"
    elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C):
        kind = "a bidirectional control character"
    elif code < 0x20 or 0x7F <= code < 0xA0:
        kind = "a control character"
    else:
        kind = "a character that is not printable"
    return f"holds {kind} (U+{code:04X}) at position {k}"


def _parse_record(text: str, window: TimeWindow = ANY_TIME) -> dict[str, Any]:
    """The columns of one line, or ``KeyError``/``ValueError`` whose first argument names the field."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError("(line)", f"not valid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise ValueError("(line)", "nested too deeply to be a track state") from None
    if not isinstance(record, dict):
        raise ValueError("(line)", f"must be a JSON object, got {type(record).__name__}")
    row: dict[str, Any] = {}
    for name in ("id", "party", "time", *_NUMERIC, "callsign", "source"):
        try:
            if name == "time":
                row["time_s"] = _parse_time(record["time"], window)
            elif name in _NUMERIC:
                row[name] = _number(record, name)
            else:
                row[name] = _text(record, name, required=name == "id")
        except KeyError:
            raise ValueError(name, "is missing") from None
        except ValueError as error:
            raise ValueError(name, str(error)) from None
    return row


def parse_track_lines(lines: Iterable[str], source: str = "", window: TimeWindow = ANY_TIME) -> TrackFile:
    """States from JSON lines (see the module docstring); each bad line is skipped and reported.

    Blank lines are ignored. Line numbers are 1-based. No file I/O: pass an open file or a list of str.
    ``window``: the times taken (a live picture: :meth:`TimeWindow.around` its clock; a file: any time).

    >>> parsed = parse_track_lines(['{"id": "A", "party": "USA", "time": 0, "lat": 34, "lon": 38,'
    ...     ' "alt_ft": 20000, "gs_kt": 400, "trk_deg": 90, "vs_fpm": 0}', '{"id": "B"}'])
    >>> len(parsed.states), parsed.errors[0].describe()
    (1, 'line 2: time: is missing')
    """
    rows: dict[str, list[Any]] = {name: [] for name in ("id", "party", "time_s", *_NUMERIC, "callsign", "source")}
    errors: list[IngestError] = []
    count = 0
    for number, raw in enumerate(lines, start=1):
        count = number
        text = raw.strip()
        if not text:
            continue
        try:
            row = _parse_record(text, window)
        except ValueError as error:
            name, reason = error.args
            errors.append(IngestError(name, reason, source, number))
            continue
        for name, value in row.items():
            rows[name].append(value)
    columns: dict[str, Any] = {
        name: np.asarray(values, dtype=np.str_ if name in _TEXT else np.float64) for name, values in rows.items()
    }
    states = TrackStates(**columns)
    return TrackFile(states=states, errors=errors, lines=count)


def latest_per_id(states: TrackStates) -> TrackStates:
    """The newest state of each id (ties in time: the later row wins), ordered by id.

    A track file may hold a whole time series; the conflict scan and the intrusion check want one state per
    aircraft, so they work on this.
    """
    if len(states) == 0:
        return states
    rows = np.arange(len(states))
    order = np.lexsort((rows, states.time_s, states.id))
    ids = states.id[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = ids[1:] != ids[:-1]
    return states.take(order[last])


def extrapolate_to(states: TrackStates, time_s: float) -> TrackStates:
    """Every state flown straight on to ``time_s`` (backwards for states newer than that).

    Straight means a straight line in the local east-north-up frame centred on the state itself: in that
    azimuthal-equidistant frame (:func:`airparley.geo.aeqd_xy`) a line from the centre is the geodesic that
    leaves along ``trk_deg``, so the new position is ``gs_kt * dt`` along that geodesic, the new ``trk_deg``
    is the geodesic's azimuth on arrival, and ``alt_ft`` changes by ``vs_fpm * dt``.
    """
    try:
        target = float(time_s)
    except (TypeError, ValueError):
        target = math.nan
    if isinstance(time_s, bool) or not math.isfinite(target):
        raise InvalidInput("time_s", f"must be a finite number of POSIX seconds, got {time_s!r}")
    return fly_to(states, np.full(len(states), target))


def fly_to(states: TrackStates, times_s: FloatArray) -> TrackStates:
    """:func:`extrapolate_to` with one target time per row (the array kernel under it)."""
    dt_s = times_s - states.time_s
    if len(states) == 0 or not np.any(dt_s):
        return states.replace(time_s=times_s)
    backwards = dt_s < 0.0
    azimuth = np.where(backwards, states.trk_deg + 180.0, states.trk_deg)
    dist_m = states.gs_kt * np.abs(dt_s) / 3600.0 * M_PER_NM
    lon, lat, back = WGS84.fwd(states.lon, states.lat, azimuth, dist_m)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    back = np.asarray(back, dtype=np.float64)
    # the back azimuth points to where the aircraft came from when flying forwards, to where it goes backwards
    trk = np.mod(np.where(backwards, back, back + 180.0), 360.0)
    moved = dist_m > 0.0
    trk = np.where(moved & (trk < 360.0), trk, np.where(moved, 0.0, states.trk_deg))
    lon = np.where(moved, np.clip(lon, -180.0, 180.0), states.lon)
    # Just inside the poles: a state there has no direction, and the alerting refuses it.
    lat = np.where(moved, np.clip(lat, -_INSIDE_POLE_DEG, _INSIDE_POLE_DEG), states.lat)
    return states.replace(
        time_s=times_s,
        lat=lat,
        lon=lon,
        trk_deg=trk,
        alt_ft=states.alt_ft + states.vs_fpm * dt_s / 60.0,
    )
