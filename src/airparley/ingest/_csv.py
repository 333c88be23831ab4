"""CSV recordings -> track states, through a column mapping and unit options.

The first row is the header. A mapping names, for each field of a track state, the column that holds it
(``id=hex,lat=latitude,lon=longitude,alt_ft=altitude,...``); a field left out of the mapping is read from
the column of its own name when there is one. ``vs_fpm``, ``callsign``, ``party`` and ``source`` may be
absent (vertical speed 0, no callsign, unknown party, the feed's name).

Units are the mapped columns' own: altitude in ``ft``, ``m`` or flight levels (``fl``: hundreds of feet),
speed in ``kt``, ``ms`` (m/s) or ``kmh``, vertical speed in ``fpm`` or ``ms``. Times are ISO 8601 or POSIX
seconds (``epoch``) or milliseconds (``epoch_ms``); ``auto`` takes a number as seconds (as milliseconds when
greater than 10^11) and anything else as ISO 8601; an ISO time without a zone is in ``tz`` (UTC unless said).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Final

from airparley.errors import InvalidInput
from airparley.geo import FT_PER_M, MS_PER_KT, ms_to_fpm
from airparley.ingest._common import Rejected, Tally, checked_state, number
from airparley.tactical import TrackState

__all__ = ["ALT_UNITS", "CSV_FIELDS", "SPEED_UNITS", "TIME_FORMATS", "VS_UNITS", "CsvMapping", "parse_csv"]

CSV_FIELDS: Final = ("id", "time", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "callsign", "party", "source")
_REQUIRED: Final = ("id", "time", "lat", "lon", "alt_ft", "gs_kt", "trk_deg")
#: Feet per unit of altitude.
ALT_UNITS: Final = {"ft": 1.0, "m": FT_PER_M, "fl": 100.0}
#: Knots per unit of speed.
SPEED_UNITS: Final = {"kt": 1.0, "ms": 1.0 / MS_PER_KT, "kmh": 1000.0 / 3600.0 / MS_PER_KT}
#: Feet per minute per unit of vertical speed.
VS_UNITS: Final = {"fpm": 1.0, "ms": ms_to_fpm(1.0)}
TIME_FORMATS: Final = ("auto", "iso", "epoch", "epoch_ms")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds which field, and in which units (validated when built)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    alt_unit: str = "ft"
    speed_unit: str = "kt"
    vs_unit: str = "fpm"
    time_format: str = "auto"
    tz: tzinfo = UTC
    delimiter: str = ","

    def __post_init__(self) -> None:
        for target in self.columns:
            if target not in CSV_FIELDS:
                raise InvalidInput("map", f"unknown field {target!r}; map any of {', '.join(CSV_FIELDS)}")
        for name, value, allowed in (
            ("alt_unit", self.alt_unit, ALT_UNITS),
            ("speed_unit", self.speed_unit, SPEED_UNITS),
            ("vs_unit", self.vs_unit, VS_UNITS),
            ("time_format", self.time_format, TIME_FORMATS),
        ):
            if value not in allowed:
                raise InvalidInput(name, f"unknown {value!r}; use one of {', '.join(allowed)}")
        if len(self.delimiter) != 1:
            raise InvalidInput("delimiter", f"must be one character, got {self.delimiter!r}")

    @staticmethod
    def parse_map(text: str) -> dict[str, str]:
        """``id=hex,lat=latitude`` -> ``{"id": "hex", "lat": "latitude"}``.

        >>> CsvMapping.parse_map("id=hex, lat=latitude")
        {'id': 'hex', 'lat': 'latitude'}
        """
        columns: dict[str, str] = {}
        for pair in text.split(","):
            if not pair.strip():
                continue
            target, sep, column = pair.partition("=")
            if not sep or not target.strip() or not column.strip():
                raise InvalidInput("map", f"wants field=column pairs separated by commas, got {pair.strip()!r}")
            columns[target.strip()] = column.strip()
        return columns

    def resolve(self, header: list[str]) -> dict[str, int]:
        """Field -> column index for this header; :class:`InvalidInput` naming a missing column."""
        names = [h.strip() for h in header]
        for target, column in self.columns.items():
            if column not in names:
                raise InvalidInput(
                    "map", f"{target}={column}: the header has no column {column!r} ({', '.join(names)})"
                )
        where: dict[str, int] = {}
        for target in CSV_FIELDS:
            column = self.columns.get(target, target)
            if column in names:
                where[target] = names.index(column)
            elif target in _REQUIRED:
                raise InvalidInput(
                    "map", f"no column for {target}: map it with --map {target}=COLUMN (header: {', '.join(names)})"
                )
        return where


def _time(text: str, mapping: CsvMapping) -> float:
    value = text.strip()
    form = mapping.time_format
    if form == "auto":
        form = "epoch" if _NUMBER.match(value) else "iso"
        if form == "epoch" and float(value) > 1e11:
            form = "epoch_ms"
    if form in ("epoch", "epoch_ms"):
        seconds = number(value, "time", lo=0.0)
        return seconds / 1000.0 if form == "epoch_ms" else seconds
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Rejected("time", f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=mapping.tz)
    return moment.timestamp()


def _row_state(row: list[str], where: dict[str, int], mapping: CsvMapping, source: str) -> TrackState:
    def cell(target: str) -> str:
        index = where.get(target)
        if index is None or index >= len(row):
            return ""
        return row[index].strip()

    for target in _REQUIRED:
        if not cell(target):
            raise Rejected(target, f"is empty (column {mapping.columns.get(target, target)!r})")
    vs = cell("vs_fpm")
    return checked_state(
        cell("id"),
        _time(cell("time"), mapping),
        number(cell("lat"), "lat", lo=-90.0, hi=90.0),
        number(cell("lon"), "lon", lo=-180.0, hi=180.0),
        number(cell("alt_ft"), "alt_ft") * ALT_UNITS[mapping.alt_unit],
        number(cell("gs_kt"), "gs_kt", lo=0.0) * SPEED_UNITS[mapping.speed_unit],
        number(cell("trk_deg"), "trk_deg", lo=-360.0, hi=720.0),
        number(vs, "vs_fpm") * VS_UNITS[mapping.vs_unit] if vs else 0.0,
        party=cell("party"),
        callsign=cell("callsign"),
        source=cell("source") or source,
    )


def parse_csv(lines: Iterable[str], mapping: CsvMapping, tally: Tally, *, source: str = "") -> Iterator[TrackState]:
    """The states of a CSV recording, in file order, as they are read (a generator: replay can pace them).

    A header that lacks a mapped or required column raises :class:`InvalidInput` before any state; a bad
    row goes to the tally with its line number. A record is one line: a quoted field cannot span lines, so a
    stray quote costs its own row only.

    >>> tally = Tally("demo.csv")
    >>> rows = ["hex,t,latitude,longitude,alt_m,spd,hdg", "4ca2d6,1795662000,34.5,38.2,3048,100,90", "x,,1,1,1,1,1"]
    >>> mapping = CsvMapping(CsvMapping.parse_map("id=hex,time=t,lat=latitude,lon=longitude,alt_ft=alt_m,"
    ...                                           "gs_kt=spd,trk_deg=hdg"), alt_unit="m", speed_unit="ms")
    >>> [(round(s.alt_ft, 3), round(s.gs_kt, 1)) for s in parse_csv(rows, mapping, tally)]
    [(10000.0, 194.4)]
    >>> tally.errors[0].describe()
    "demo.csv, line 3: time: is empty (column 't')"
    """
    source = source or tally.source
    where: dict[str, int] | None = None
    for line_no, line in enumerate(lines, start=1):
        # One reader per line: a recording has one record per line, and a single reader over the whole
        # file would let one stray quote swallow every row after it into one field (and misnumber them).
        try:
            row = next(csv.reader([line], delimiter=mapping.delimiter), [])
        except csv.Error as error:
            tally.records += 1
            tally.error("(line)", f"not CSV: {error}", line_no)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if where is None:
            if row:
                row[0] = row[0].lstrip("\ufeff")
            where = mapping.resolve(row)
            continue
        tally.records += 1
        try:
            state = _row_state(row, where, mapping, source)
        except Rejected as error:
            tally.error(error.field, error.reason, line_no)
            continue
        tally.states += 1
        yield state
