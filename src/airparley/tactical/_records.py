"""Track-state records as a live feed posts them (decoded JSON objects), checked as the track parser checks lines.

:func:`check_track_records` answers exactly as :func:`~airparley.tactical.parse_track_lines` would on each
record written as a JSON line: the same states accepted, the same rejections (index, field, reason). At
20,000 tracks a second this is a node's hottest path, so a record that came as plain JSON (a ``dict`` of
strings, numbers and null) is checked directly with the parser's own field checks, in the parser's order,
instead of being written back to a JSON line and parsed again. Anything else in a batch (a nested value,
NaN, a non-``dict`` item) sends the whole batch down the parser itself.

Both paths hold a state to the parser's sanity bounds (:data:`~airparley.tactical.NUMBER_BOUNDS`,
:data:`~airparley.tactical.TEXT_MAX_CHARS`) and to the caller's :class:`~airparley.tactical.TimeWindow`.
The direct path's extra tests are comparisons and ``str.isprintable`` (C, a few tens of nanoseconds each).

Accepted states come back as :data:`StateRow` tuples in :class:`~airparley.tactical.TrackState`'s field
order: a caller that holds many (a live picture's history) keeps tuples of strings and floats, which the
garbage collector stops tracking, rather than objects every full collection walks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from airparley.tactical._states import (
    NUMBER_BOUNDS,
    TEXT_MAX_CHARS,
    UNKNOWN_PARTY,
    TimeWindow,
    TrackState,
    _number,
    _parse_time,
    _text,
    parse_track_lines,
)

__all__ = ["StateRow", "TrackRejection", "check_track_records", "state_row"]

#: A track state as a plain tuple in :class:`~airparley.tactical.TrackState`'s field order
#: (``TrackState(*row)`` builds one).
StateRow = tuple[str, str, float, float, float, float, float, float, float, str, str]


@dataclass(frozen=True)
class TrackRejection:
    """A record refused: its index in the batch (0-based), the field at fault and why."""

    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


def state_row(state: TrackState) -> StateRow:
    """``state`` as a :data:`StateRow`."""
    s = state
    return (s.id, s.party, s.time_s, s.lat, s.lon, s.alt_ft, s.gs_kt, s.trk_deg, s.vs_fpm, s.callsign, s.source)


def check_track_records(
    records: Sequence[Any], window: TimeWindow, source: str = ""
) -> tuple[list[StateRow], list[TrackRejection]]:
    """The states among ``records`` that the track parser takes, in order, and a rejection for each other.

    ``window``: the times a state may carry (a live picture: :meth:`TimeWindow.around` its clock);
    ``source``: the feed, as the parser's errors name it."""
    checked = _check_plain(records, window)
    return checked if checked is not None else _check_by_parser(records, window, source)


def _check_by_parser(
    records: Sequence[Any], window: TimeWindow, source: str = ""
) -> tuple[list[StateRow], list[TrackRejection]]:
    """The reference path: each record written as a JSON line and read back by ``parse_track_lines``.

    NaN and infinities are written as the ``NaN`` and ``Infinity`` the parser's JSON reader takes back, so its
    rejection names the field. A value nested too deeply to be written out stands in as a one-element list,
    which the parser refuses by name wherever it reads one and ignores elsewhere, as it would the original."""
    lines = []
    for item in records:
        try:
            lines.append(json.dumps(item))
        except (RecursionError, ValueError, TypeError):
            lines.append(_flattened(item))
    parsed = parse_track_lines(lines, source=source, window=window)
    rejected = [TrackRejection(e.line - 1 if e.line else 0, e.field, e.reason) for e in parsed.errors]
    return [state_row(state) for state in parsed.states], rejected


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


def _check_plain(records: Sequence[Any], window: TimeWindow) -> tuple[list[StateRow], list[TrackRejection]] | None:
    """The direct path, or ``None`` when some item would not survive a JSON round trip unchanged.

    The conditions are those under which ``json.loads(json.dumps(item))`` equals ``item``: then checking the
    dict itself with the parser's field checks, in its order, gives the parser's answer. (A text the parser
    takes is printable, so it holds no NUL, which NumPy's string columns would drop from its end.)
    """
    accepted: list[StateRow] = []
    rejected: list[TrackRejection] = []
    for index, item in enumerate(records):
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
            accepted.append(state_row(_state_of(item, window)))
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


def _well_formed(record: dict[str, Any], window: TimeWindow) -> StateRow | None:
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
    """The parser's record check (``_parse_record``) on a decoded object: the same checks in the same order,
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
