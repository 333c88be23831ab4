"""SBS-1 / BaseStation "port 30003" lines (dump1090, readsb) -> track states.

A line is 22 comma-separated fields (0-based here; the CLI and docs number them the same way)::

    0 MSG  1 transmission type  2 session  3 aircraft  4 hex ident  5 flight id
    6 date generated  7 time generated  8 date logged  9 time logged
    10 callsign  11 altitude (ft)  12 ground speed (kt)  13 track (deg)  14 lat  15 lon
    16 vertical rate (ft/min)  17 squawk  18 alert  19 emergency  20 spi  21 is on ground

Each transmission type carries only some fields: 1 the callsign; 2 a surface position; 3 an airborne
position and altitude; 4 ground speed, track and vertical rate; 5 and 7 an altitude; 6 a squawk; 8 nothing
of use. :class:`SbsMerger` keeps what it last heard of each ``hex ident`` and makes a complete state every
time a new airborne position arrives and the aircraft's velocity and altitude are known and fresh.

Times are the "generated" date and time (the logged ones when those are empty), written without a zone:
readsb writes UTC, dump1090-fa and dump1090-mutability the receiver's local time, hence ``tz``. An altitude
or vertical rate ending in ``H`` is geometric (GNSS) rather than barometric; both are taken as feet.
Other record kinds of the format (``SEL``, ``ID``, ``AIR``, ``STA``, ``CLK``) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final

from airparley.ingest._common import Rejected, Tally, checked_state, number
from airparley.tactical import TrackState

__all__ = ["SBS_FIELDS", "SbsMerger", "SbsMessage", "parse_sbs_line", "parse_sbs_lines"]

SBS_FIELDS: Final = (
    "message_type",
    "transmission_type",
    "session_id",
    "aircraft_id",
    "hex_ident",
    "flight_id",
    "date_generated",
    "time_generated",
    "date_logged",
    "time_logged",
    "callsign",
    "altitude",
    "ground_speed",
    "track",
    "lat",
    "lon",
    "vertical_rate",
    "squawk",
    "alert",
    "emergency",
    "spi",
    "is_on_ground",
)
_OTHER_KINDS: Final = frozenset({"SEL", "ID", "AIR", "STA", "CLK"})
_HEX = re.compile(r"^~?[0-9A-Fa-f]{6}$")
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$")
#: A message more than this far in the past (relative to the newest seen) no longer completes a state.
DEFAULT_MAX_AGE_S: Final = 30.0


@dataclass(frozen=True)
class SbsMessage:
    """The fields of one ``MSG`` line that matter here; ``None`` where the line left a field empty."""

    transmission_type: int
    hex_ident: str
    time_s: float
    callsign: str | None = None
    alt_ft: float | None = None
    gs_kt: float | None = None
    trk_deg: float | None = None
    lat: float | None = None
    lon: float | None = None
    vs_fpm: float | None = None
    on_ground: bool | None = None


def _time(date_text: str, time_text: str, tz: tzinfo) -> float:
    date = _DATE.match(date_text.strip())
    if not date:
        raise Rejected("date_generated", f"not a YYYY/MM/DD date: {date_text!r}")
    clock = _TIME.match(time_text.strip())
    if not clock:
        raise Rejected("time_generated", f"not an HH:MM:SS.fff time: {time_text!r}")
    fraction = (clock.group(4) or "0").ljust(6, "0")
    try:
        moment = datetime(
            int(date.group(1)),
            int(date.group(2)),
            int(date.group(3)),
            int(clock.group(1)),
            int(clock.group(2)),
            int(clock.group(3)),
            int(fraction),
            tzinfo=tz,
        )
    except ValueError as error:
        raise Rejected("date_generated", f"not a real date and time: {date_text} {time_text} ({error})") from None
    return moment.timestamp()


def _optional(fields: list[str], index: int, *, lo: float | None = None, hi: float | None = None) -> float | None:
    text = fields[index].strip() if index < len(fields) else ""
    if not text:
        return None
    if text[-1] in "Hh":  # readsb: geometric altitude or rate
        text = text[:-1]
    return number(text, SBS_FIELDS[index], lo=lo, hi=hi)


def _flag(fields: list[str], index: int) -> bool | None:
    text = fields[index].strip() if index < len(fields) else ""
    if not text:
        return None
    if text in ("-1", "1"):
        return True
    if text == "0":
        return False
    raise Rejected(SBS_FIELDS[index], f"must be -1, 0 or empty, got {text!r}")


def parse_sbs_line(text: str, tz: tzinfo = UTC) -> SbsMessage | None:
    """One line: an :class:`SbsMessage`, ``None`` for another record kind, or :class:`Rejected`.

    >>> m = parse_sbs_line("MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:00.500,2026/11/26,03:00:00.510,,37000,,,"
    ...                    "34.5,38.2,,,0,0,0,0")
    >>> m.hex_ident, m.alt_ft, m.lat
    ('4ca2d6', 37000.0, 34.5)
    """
    fields = text.rstrip("\r\n").split(",")
    kind = fields[0].strip().upper()
    if kind in _OTHER_KINDS:
        return None
    if kind != "MSG":
        raise Rejected("message_type", f"not an SBS line: starts with {fields[0][:12]!r}")
    if not 10 <= len(fields) <= len(SBS_FIELDS):
        raise Rejected("(line)", f"has {len(fields)} fields; an SBS MSG line has {len(SBS_FIELDS)}")
    try:
        transmission = int(fields[1])
    except ValueError:
        raise Rejected("transmission_type", f"not a number: {fields[1]!r}") from None
    if not 1 <= transmission <= 8:
        raise Rejected("transmission_type", f"must be 1 to 8, got {transmission}")
    hex_ident = fields[4].strip()
    if not _HEX.match(hex_ident):
        raise Rejected("hex_ident", f"must be 6 hex digits, got {hex_ident!r}")
    if fields[6].strip() or fields[7].strip():
        time_s = _time(fields[6], fields[7], tz)
    elif fields[8].strip() or fields[9].strip():
        time_s = _time(fields[8], fields[9], tz)
    else:
        raise Rejected("date_generated", "no generated or logged date and time")
    callsign = fields[10].strip() if len(fields) > 10 and fields[10].strip() else None
    lat = _optional(fields, 14, lo=-90.0, hi=90.0)
    lon = _optional(fields, 15, lo=-180.0, hi=180.0)
    if (lat is None) != (lon is None):
        raise Rejected("lat" if lat is None else "lon", "a position needs both lat and lon")
    return SbsMessage(
        transmission_type=transmission,
        hex_ident=hex_ident.lower(),
        time_s=time_s,
        callsign=callsign,
        alt_ft=_optional(fields, 11, lo=-2000.0, hi=150000.0),
        gs_kt=_optional(fields, 12, lo=0.0, hi=5000.0),
        trk_deg=_optional(fields, 13, lo=-360.0, hi=720.0),
        lat=lat,
        lon=lon,
        vs_fpm=_optional(fields, 16, lo=-100000.0, hi=100000.0),
        on_ground=_flag(fields, 21),
    )


@dataclass
class _Heard:
    callsign: str = ""
    alt_ft: float | None = None
    alt_at: float = float("-inf")
    gs_kt: float | None = None
    trk_deg: float | None = None
    vs_fpm: float = 0.0
    velocity_at: float = float("-inf")
    on_ground: bool = False
    last_at: float = float("-inf")


class SbsMerger:
    """Merges SBS messages per aircraft into complete states (pure: feed it lines, it returns states).

    A state is made when a message with an airborne position arrives (type 3, or any type carrying lat and
    lon) and the aircraft's ground speed and track (type 4) and altitude were heard no more than
    ``max_age_s`` seconds before. Aircraft on the ground are skipped; so are positions that arrive before
    any velocity (counted as ``no velocity yet``).
    """

    def __init__(
        self, tally: Tally, *, tz: tzinfo = UTC, max_age_s: float = DEFAULT_MAX_AGE_S, source: str = ""
    ) -> None:
        self.tally = tally
        self.tz = tz
        self.max_age_s = max_age_s
        self.source = source or tally.source
        self._aircraft: dict[str, _Heard] = {}
        self._newest = float("-inf")

    def feed(self, line: str, number: int) -> list[TrackState]:
        """The states completed by one line (0 or 1); a bad line is recorded in the tally, never raised."""
        if not line.strip():
            return []
        self.tally.records += 1
        try:
            message = parse_sbs_line(line, self.tz)
        except Rejected as error:
            self.tally.error(error.field, error.reason, number)
            return []
        if message is None:
            self.tally.skip("not MSG lines")
            return []
        try:
            state = self._merge(message)
        except Rejected as error:
            self.tally.error(error.field, error.reason, number)
            return []
        if state is None:
            return []
        self.tally.states += 1
        return [state]

    def _merge(self, m: SbsMessage) -> TrackState | None:
        heard = self._aircraft.setdefault(m.hex_ident, _Heard())
        heard.last_at = max(heard.last_at, m.time_s)
        if m.time_s > self._newest:
            self._newest = m.time_s
            if len(self._aircraft) > 2000:
                self._forget(m.time_s - 10 * self.max_age_s)
        if m.callsign:
            heard.callsign = m.callsign
        if m.on_ground is not None:
            heard.on_ground = m.on_ground
        if m.transmission_type == 2:
            heard.on_ground = True
        if m.alt_ft is not None and m.time_s >= heard.alt_at:
            heard.alt_ft, heard.alt_at = m.alt_ft, m.time_s
        if m.gs_kt is not None and m.trk_deg is not None and m.time_s >= heard.velocity_at:
            heard.gs_kt, heard.trk_deg, heard.velocity_at = m.gs_kt, m.trk_deg, m.time_s
            heard.vs_fpm = m.vs_fpm if m.vs_fpm is not None else heard.vs_fpm
        if m.lat is None or m.lon is None:
            return None
        if heard.on_ground:
            self.tally.skip("on the ground")
            return None
        if heard.gs_kt is None or heard.trk_deg is None or m.time_s - heard.velocity_at > self.max_age_s:
            self.tally.skip("no velocity yet")
            return None
        if heard.alt_ft is None or m.time_s - heard.alt_at > self.max_age_s:
            self.tally.skip("no altitude yet")
            return None
        return checked_state(
            m.hex_ident,
            m.time_s,
            m.lat,
            m.lon,
            heard.alt_ft,
            heard.gs_kt,
            heard.trk_deg,
            heard.vs_fpm,
            callsign=heard.callsign,
            source=self.source,
        )

    def _forget(self, before_s: float) -> None:
        self._aircraft = {k: v for k, v in self._aircraft.items() if v.last_at >= before_s}


def parse_sbs_lines(lines: Iterable[str], source: str = "", tz: tzinfo = UTC) -> tuple[list[TrackState], Tally]:
    """Every state a sequence of SBS lines completes, and the tally (line numbers are 1-based)."""
    tally = Tally(source)
    merger = SbsMerger(tally, tz=tz, source=source)
    states: list[TrackState] = []
    for line_number, line in enumerate(lines, start=1):
        states.extend(merger.feed(line, line_number))
    return states, tally
