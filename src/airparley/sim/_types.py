"""Kinematic limits per aircraft type: one declared table, the source for defaults and for the docs.

The figures are round numbers for a plausible simulation, not performance data: a heavy aircraft turns at
1.5 deg/s (a 25-degree bank at 360 kt), anything unknown at the standard rate of 3 deg/s, a fighter at
8 deg/s (a sustained turn well below its limits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from airparley.errors import InvalidInput

__all__ = ["AIRCRAFT_CLASSES", "AIRCRAFT_TYPES", "DEFAULT_CLASS", "Limits", "limits_for_type"]


@dataclass(frozen=True)
class Limits:
    """How fast an aircraft may turn (deg/s), climb and descend (ft/min) and change speed (kt/s)."""

    turn_rate_deg_s: float
    climb_fpm: float
    descent_fpm: float
    accel_kt_s: float

    def __post_init__(self) -> None:
        for name in ("turn_rate_deg_s", "climb_fpm", "descent_fpm", "accel_kt_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise InvalidInput(name, f"must be a positive number, got {value!r}")


#: Limits per class of aircraft.
AIRCRAFT_CLASSES: Final = {
    "heavy": Limits(turn_rate_deg_s=1.5, climb_fpm=2000.0, descent_fpm=3000.0, accel_kt_s=1.0),
    "standard": Limits(turn_rate_deg_s=3.0, climb_fpm=3000.0, descent_fpm=3000.0, accel_kt_s=2.0),
    "fighter": Limits(turn_rate_deg_s=8.0, climb_fpm=15000.0, descent_fpm=15000.0, accel_kt_s=8.0),
    "uav": Limits(turn_rate_deg_s=3.0, climb_fpm=1000.0, descent_fpm=1500.0, accel_kt_s=1.0),
}
DEFAULT_CLASS: Final = "standard"

#: Known types and their class; names are compared without case, spaces or dashes (``Su-35`` = ``SU35``).
AIRCRAFT_TYPES: Final = {
    "E-3": "heavy",
    "KC-135": "heavy",
    "KC-46": "heavy",
    "C-17": "heavy",
    "C-130": "heavy",
    "A400M": "heavy",
    "B-52": "heavy",
    "Tu-95MS": "heavy",
    "Tu-160": "heavy",
    "Tu-22M3": "heavy",
    "Il-76": "heavy",
    "A-50": "heavy",
    "F-15E": "fighter",
    "F-16": "fighter",
    "F-22": "fighter",
    "F-35": "fighter",
    "F/A-18": "fighter",
    "Su-24": "fighter",
    "Su-27": "fighter",
    "Su-30": "fighter",
    "Su-34": "fighter",
    "Su-35": "fighter",
    "MiG-23": "fighter",
    "MiG-29": "fighter",
    "L-39": "standard",
    "MQ-9": "uav",
    "TB2": "uav",
    "Orion": "uav",
}


def _key(name: str) -> str:
    return "".join(ch for ch in name.upper() if ch.isalnum())


_BY_KEY: Final = {_key(name): cls for name, cls in AIRCRAFT_TYPES.items()}


def limits_for_type(type_name: str) -> Limits:
    """The limits of a type's class (``standard`` for a type not in the table).

    >>> limits_for_type("su35").turn_rate_deg_s, limits_for_type("Cessna 172").turn_rate_deg_s
    (8.0, 3.0)
    """
    return AIRCRAFT_CLASSES[_BY_KEY.get(_key(type_name), DEFAULT_CLASS)]
