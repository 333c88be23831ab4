"""Phrase parameter kinds: how each value is validated and how it is written in each reader's language.

Numbers always use Western (ASCII) digits, in Arabic too. Eastern Arabic digits (٠١٢٣...) are what an
Arabic text would normally use, but the numbers on this line are typed into radios, flight management
systems and maps that only show Western digits, and a desk reading back "243.0" must see the very
characters the other desk sees; a transliteration slip on a frequency or a flight level is a safety
risk no style gain is worth. For the same reason the *aviation* formats are identical in every
language: frequencies (``243.0``, point as decimal mark, as on radio panels), flight levels (``FL090``),
headings (``270°``), times (``14:30Z``) and positions (``34°33.6'N 038°16.2'E``). Ordinary quantities
(distances, minutes, feet) follow each language's conventions: decimal comma in Russian and Turkish,
thousands grouped with ``,`` (en, ar), a no-break space (ru) or ``.`` (tr), and a unit word that agrees
with the number (``1 minute``/``15 minutes``; Arabic ``5 دقائق``/``15 دقيقة``).

In right-to-left text every left-to-right token (numbers, callsigns, area names, ids) is wrapped in
Unicode directional isolates (U+2066 ... U+2069), so a callsign such as ``DUKE 21`` or ``FL090`` next to
Arabic words keeps its own order instead of being reordered by the bidi algorithm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from airparley import bounds
from airparley.errors import InvalidInput
from airparley.geo import parse_position
from airparley.hotline._common import Language, record_id, text

__all__ = [
    "ParamKind",
    "ParamValue",
]

ParamValue = str | int | float | tuple[float, float]

_LTR_ISOLATE = "\u2066"
_POP_ISOLATE = "\u2069"
_NO_BREAK_SPACE = "\u00a0"

_CALLSIGN = re.compile(r"[A-Z0-9](?:[A-Z0-9 -]{0,14}[A-Z0-9])")
# A callsign (which may hold spaces) or a track id (which may hold . _ :), whichever the picture has.
_AIRCRAFT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ._:-]{0,126}[A-Za-z0-9])?")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]Z")

# (decimal mark, thousands separator) per language, following CLDR for Western-digit numbering.
_NUMBER_MARKS: Mapping[Language, tuple[str, str]] = {
    Language.EN: (".", ","),
    Language.RU: (",", _NO_BREAK_SPACE),
    Language.TR: (",", "."),
    Language.AR: (".", ","),
}


class ParamKind(StrEnum):
    """The kinds of value a phrase parameter may take (enumerations such as ``direction`` live in the catalogue)."""

    AREA = "area"
    CALLSIGN = "callsign"
    MINUTES = "minutes"
    DISTANCE_NM = "distance_nm"
    FREQUENCY = "frequency"
    FL = "fl"
    ALTITUDE_FT = "altitude_ft"
    HEADING = "heading"
    TIME = "time"
    POSITION = "position"
    CASE_ID = "case_id"
    CONFLICT_ID = "conflict_id"
    NOTICE_ID = "notice_id"
    TRACK_ID = "track_id"
    AIRCRAFT = "aircraft"

    @property
    def help(self) -> str:
        return _HELP[self]

    @property
    def has_unit(self) -> bool:
        return self in _UNIT_KINDS


_HELP: Mapping[ParamKind, str] = {
    ParamKind.AREA: "name of an announced area as both desks know it, 1-64 characters, shown as written",
    ParamKind.CALLSIGN: "aircraft callsign, 2-16 letters, digits, spaces or hyphens (upper-cased)",
    ParamKind.MINUTES: "whole minutes, 1-1440",
    ParamKind.DISTANCE_NM: "distance in nautical miles, 0-1000",
    ParamKind.FREQUENCY: "radio frequency in MHz, 118-400, at most 3 decimals (e.g. 243.0)",
    ParamKind.FL: "flight level, whole number 0-999 (shown as FL090)",
    ParamKind.ALTITUDE_FT: "altitude in feet, whole number 0-100000",
    ParamKind.HEADING: "magnetic heading in whole degrees, 0-360 (shown as 270°)",
    ParamKind.TIME: "UTC time of day as HH:MMZ (e.g. 14:30Z)",
    ParamKind.POSITION: "[lon, lat] in WGS84 degrees (shown as degrees and decimal minutes)",
    ParamKind.CASE_ID: "id of a negotiation case",
    ParamKind.CONFLICT_ID: "id of a conflict",
    ParamKind.NOTICE_ID: "id of an operation notice",
    ParamKind.TRACK_ID: "id of a track",
    ParamKind.AIRCRAFT: "an aircraft as the caller's picture names it: its callsign, or its track id when it has none"
    " (1-128 letters, digits, spaces and . _ : -), shown as written",
}

_UNIT_KINDS = frozenset({ParamKind.MINUTES, ParamKind.DISTANCE_NM, ParamKind.FREQUENCY, ParamKind.ALTITUDE_FT})


def check_param(kind: ParamKind, value: Any, field: str) -> ParamValue:
    """``value`` validated for ``kind`` and put in canonical form (callsigns upper-cased, positions as tuples)."""
    match kind:
        case ParamKind.AREA:
            area = text(value, field, max_chars=int(bounds.BOUNDS["param_area"].high), allow_empty=False)
            if "\n" in area or "\t" in area:
                raise InvalidInput(field, "an area name must be on one line")
            return bounds.free_text(area, field, "param_area", one_line=True)
        case ParamKind.CALLSIGN:
            if not isinstance(value, str) or _CALLSIGN.fullmatch(value.strip().upper()) is None:
                raise InvalidInput(
                    field, f"must be a callsign (2-16 letters, digits, spaces or hyphens), got {value!r}"
                )
            return value.strip().upper()
        case ParamKind.MINUTES:
            return _whole(value, field, "param_minutes", "minutes")
        case ParamKind.DISTANCE_NM:
            return _number(value, field, "param_distance_nm", "a distance in NM")
        case ParamKind.FREQUENCY:
            frequency = _number(value, field, "param_frequency_mhz", "a frequency in MHz")
            if abs(round(frequency, 3) - frequency) > 1e-9:
                raise InvalidInput(field, f"a frequency has at most 3 decimals (kHz), got {value!r}")
            return frequency
        case ParamKind.FL:
            return _whole(value, field, "param_fl", "a flight level")
        case ParamKind.ALTITUDE_FT:
            return _whole(value, field, "param_altitude_ft", "an altitude in ft")
        case ParamKind.HEADING:
            return _whole(value, field, "param_heading", "a heading in degrees")
        case ParamKind.TIME:
            if not isinstance(value, str) or _TIME.fullmatch(value) is None:
                raise InvalidInput(field, f"must be a UTC time of day as HH:MMZ (e.g. 14:30Z), got {value!r}")
            return value
        case ParamKind.POSITION:
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise InvalidInput(field, f"must be [lon, lat], got {bounds.shown(value)}")
            bounds.number(value[0], field, "longitude")  # before geo: an int too large for a double stops here
            bounds.number(value[1], field, "latitude")
            return parse_position(value, field)
        case ParamKind.AIRCRAFT:
            if not isinstance(value, str) or _AIRCRAFT.fullmatch(value.strip()) is None:
                raise InvalidInput(field, f"must be a callsign or a track id, got {value!r}")
            return value.strip()
        case ParamKind.CASE_ID | ParamKind.CONFLICT_ID | ParamKind.NOTICE_ID | ParamKind.TRACK_ID:
            return record_id(value, field)


def wire_value(value: ParamValue) -> Any:
    """A parameter value as JSON-ready plain data."""
    return list(value) if isinstance(value, tuple) else value


def format_param(kind: ParamKind, value: ParamValue, language: Language, unit_words: Mapping[str, str]) -> str:
    """``value`` written for a reader of ``language``; ``unit_words`` maps plural categories to the unit."""
    if isinstance(value, tuple):
        return _ltr(_position(value), language)
    if isinstance(value, str):
        return _ltr(value, language)
    match kind:
        case ParamKind.FL:
            return _ltr(f"FL{value:03d}", language)
        case ParamKind.HEADING:
            return _ltr(f"{value:03d}°", language)
        case ParamKind.FREQUENCY:
            return _ltr(_frequency(value), language) + _NO_BREAK_SPACE + _unit(unit_words, value, language)
        case _:
            number = format_number(value, language, max_decimals=2)
            return _ltr(number, language) + _NO_BREAK_SPACE + _unit(unit_words, value, language)


def format_number(value: int | float, language: Language, max_decimals: int) -> str:
    """Western digits with the language's decimal mark and thousands separator; trailing zeros dropped."""
    decimal_mark, group_mark = _NUMBER_MARKS[language]
    digits = f"{abs(value):.{max_decimals}f}".rstrip("0").rstrip(".") if max_decimals else f"{abs(value):.0f}"
    whole, _, fraction = digits.partition(".")
    grouped = f"{int(whole):,}".replace(",", group_mark)
    sign = "-" if value < 0 and digits.strip("0.") else ""
    return sign + grouped + (decimal_mark + fraction if fraction else "")


def plural_category(value: int | float, language: Language) -> str:
    """The CLDR plural category of a number shown in digits (integers only; fractions are ``other``)."""
    if isinstance(value, float) and not value.is_integer():
        return "other"
    n = abs(int(value))
    match language:
        case Language.EN | Language.TR:
            return "one" if n == 1 else "other"
        case Language.RU:
            if n % 10 == 1 and n % 100 != 11:
                return "one"
            if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
                return "few"
            return "many"
        case Language.AR:
            if n in (0, 1, 2):
                return ("zero", "one", "two")[n]
            if 3 <= n % 100 <= 10:
                return "few"
            if 11 <= n % 100 <= 99:
                return "many"
            return "other"


def _unit(unit_words: Mapping[str, str], value: int | float, language: Language) -> str:
    return unit_words.get(plural_category(value, language), unit_words["other"])


def _ltr(token: str, language: Language) -> str:
    return f"{_LTR_ISOLATE}{token}{_POP_ISOLATE}" if language.direction == "rtl" else token


def _frequency(value: int | float) -> str:
    digits = f"{value:.3f}".rstrip("0")
    return digits + "0" if digits.endswith(".") else digits


def _position(lon_lat: tuple[float, float]) -> str:
    lon, lat = lon_lat
    return f"{_degrees_minutes(lat, 2, 'NS')} {_degrees_minutes(lon, 3, 'EW')}"


def _degrees_minutes(angle: float, degree_digits: int, hemispheres: str) -> str:
    # Rounding in tenths of a minute first keeps 59.96' from printing as 60.0'.
    tenths = round(abs(angle) * 600)
    degrees, minute_tenths = divmod(tenths, 600)
    hemisphere = hemispheres[0] if angle >= 0 else hemispheres[1]
    return f"{degrees:0{degree_digits}d}°{minute_tenths // 10:02d}.{minute_tenths % 10}'{hemisphere}"


def _whole(value: Any, field: str, bound: str, what: str) -> int:
    """A whole number within ``bound`` of the one table (airparley/bounds.py)."""
    low, high = int(bounds.BOUNDS[bound].low), int(bounds.BOUNDS[bound].high)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be {what} as a whole number, got {bounds.shown(value)}")
    if not low <= value <= high:
        raise InvalidInput(field, f"must be {what} in {low}-{high}, got {bounds.shown(value)}")
    return value


def _number(value: Any, field: str, bound: str, what: str) -> float:
    """A finite number within ``bound``; compared before any float conversion (an int may exceed a double)."""
    low, high = bounds.BOUNDS[bound].low, bounds.BOUNDS[bound].high
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise InvalidInput(field, f"must be {what} (a finite number), got {bounds.shown(value)}")
    if not low <= value <= high:
        raise InvalidInput(field, f"must be {what} in {low:g}-{high:g}, got {bounds.shown(value)}")
    return float(value)
