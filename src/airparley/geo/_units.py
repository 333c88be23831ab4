"""Unit conversions and altitude references.

Everything inside airparley is SI-free on purpose where users think in aviation units: distances in
nautical miles (``_nm``), altitudes in feet (``_ft``), speeds in knots (``_kt``), vertical speeds in feet
per minute (``_fpm``). Metres appear only inside local projected frames (``x_m``, ``y_m``).
"""

from __future__ import annotations

import math
from typing import Final, Literal

from airparley.errors import InvalidInput

__all__ = [
    "ALTITUDE_REFERENCES",
    "ALTITUDE_UNITS",
    "FT_PER_M",
    "MAX_FLIGHT_LEVEL",
    "MS_PER_KT",
    "M_PER_FT",
    "M_PER_NM",
    "altitude_to_ft_msl",
    "flight_level_to_ft",
    "fpm_to_ms",
    "ft_to_m",
    "kt_to_ms",
    "m_to_ft",
    "m_to_nm",
    "ms_to_fpm",
    "ms_to_kt",
    "nm_to_m",
]

M_PER_NM: Final = 1852.0
M_PER_FT: Final = 0.3048
FT_PER_M: Final = 1.0 / M_PER_FT
MS_PER_KT: Final = M_PER_NM / 3600.0
MS_PER_FPM: Final = M_PER_FT / 60.0
#: Flight levels are three digits; anything larger is almost surely feet written with ``ref: FL``.
MAX_FLIGHT_LEVEL: Final = 999

AltitudeUnit = Literal["ft", "m"]
AltitudeReference = Literal["MSL", "FL"]
ALTITUDE_UNITS: Final = ("ft", "m")
ALTITUDE_REFERENCES: Final = ("MSL", "FL")


def nm_to_m(nm: float) -> float:
    return nm * M_PER_NM


def m_to_nm(m: float) -> float:
    return m / M_PER_NM


def ft_to_m(ft: float) -> float:
    return ft * M_PER_FT


def m_to_ft(m: float) -> float:
    return m * FT_PER_M


def kt_to_ms(kt: float) -> float:
    return kt * MS_PER_KT


def ms_to_kt(ms: float) -> float:
    return ms / MS_PER_KT


def fpm_to_ms(fpm: float) -> float:
    return fpm * MS_PER_FPM


def ms_to_fpm(ms: float) -> float:
    return ms / MS_PER_FPM


def flight_level_to_ft(flight_level: float) -> float:
    """Feet MSL for a flight level, under the standard-atmosphere assumption.

    A flight level is a pressure altitude in hundreds of feet referenced to 1013.25 hPa. airparley
    compares all altitudes in feet MSL and assumes the ICAO standard atmosphere (sea-level pressure
    1013.25 hPa, 15 degC, lapse rate 6.5 K/km), under which pressure altitude equals altitude above mean
    sea level: FL250 is 25,000 ft MSL. On a day when QNH differs from 1013.25 hPa the true altitude of a
    flight level differs by about 27-30 ft per hPa; the agreed vertical buffer must absorb that, which
    is one reason the default buffer is 1,000 ft.

    >>> flight_level_to_ft(250)
    25000.0
    """
    if not math.isfinite(flight_level) or flight_level < 0 or flight_level > MAX_FLIGHT_LEVEL:
        raise InvalidInput(
            "value",
            f"flight level must be between 0 and {MAX_FLIGHT_LEVEL} (FL250 is written 250), got {flight_level}",
        )
    return float(flight_level) * 100.0


def altitude_to_ft_msl(value: float, unit: str = "ft", ref: str = "MSL") -> float:
    """Feet MSL for an altitude given as ``{value, unit, ref}``.

    ``ref`` ``MSL``: ``value`` is an altitude in ``unit`` (``ft`` or ``m``) above mean sea level.
    ``ref`` ``FL``: ``value`` is a flight level (hundreds of feet, standard atmosphere, see
    :func:`flight_level_to_ft`); ``unit`` must then be ``ft``.

    >>> altitude_to_ft_msl(3048, "m")
    10000.0
    >>> altitude_to_ft_msl(310, "ft", "FL")
    31000.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("value", f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InvalidInput("value", f"must be a finite number, got {value!r}")
    if unit not in ALTITUDE_UNITS:
        raise InvalidInput("unit", f"unknown unit {unit!r}; use one of {', '.join(ALTITUDE_UNITS)}")
    if ref not in ALTITUDE_REFERENCES:
        raise InvalidInput("ref", f"unknown reference {ref!r}; use one of {', '.join(ALTITUDE_REFERENCES)}")
    if ref == "FL":
        if unit != "ft":
            raise InvalidInput("unit", "flight levels are hundreds of feet; unit must be 'ft' with ref 'FL'")
        return flight_level_to_ft(value)
    feet = float(value) if unit == "ft" else m_to_ft(float(value))
    return round(feet, 6)
