"""Operation notices and their 4D volumes, as frozen values validated when built.

Frames and units: footprints are WGS84 lon/lat polygons (degrees); altitudes are feet MSL (flight levels
converted under the standard atmosphere, see :func:`airparley.geo.flight_level_to_ft`); times are
timezone-aware UTC datetimes, mirrored as POSIX seconds (``start_s``) for the vectorised kernels.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from shapely.geometry import MultiPolygon, Polygon

from airparley import bounds
from airparley.errors import GeometryError, InvalidInput
from airparley.geo import (
    altitude_to_ft_msl,
    circle_polygon,
    corridor_polygon,
    orbit_polygon,
    polygon_from_rings,
)

__all__ = [
    "ACTIVE_STATES",
    "Altitude",
    "Buffers",
    "Notice",
    "NoticeKind",
    "NoticeRef",
    "NoticeState",
    "Priority",
    "Shape",
    "Volume4D",
    "parse_time",
]


class NoticeKind(enum.StrEnum):
    STRIKE = "strike"
    CAP = "cap"
    ORBIT = "orbit"
    TRANSIT = "transit"
    ISR = "isr"
    TANKER = "tanker"
    AIRLIFT = "airlift"
    UAV = "uav"
    TRAINING = "training"
    UNDISCLOSED = "undisclosed"


class Priority(enum.StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class NoticeState(enum.StrEnum):
    DRAFT = "draft"
    FILED = "filed"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


#: Only these states take part in conflict detection: a draft is not announced yet, and a closed or
#: cancelled notice no longer claims its airspace.
ACTIVE_STATES: Final = frozenset({NoticeState.FILED, NoticeState.ACTIVE})


class Shape(enum.StrEnum):
    POLYGON = "polygon"
    CIRCLE = "circle"
    CORRIDOR = "corridor"
    ORBIT = "orbit"


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 instant with a timezone (``Z`` or an offset), as a UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, f"not an ISO 8601 time: {value!r} (e.g. 2026-11-26T04:00:00Z)") from None
    else:
        raise InvalidInput(field, f"must be an ISO 8601 time string, got {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(field, f"{value!r} has no timezone; write UTC times with a trailing Z")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Altitude:
    """An altitude as written (``value``, ``unit`` ``ft``|``m``, ``ref`` ``MSL``|``FL``) and in feet MSL."""

    value: float
    unit: str = "ft"
    ref: str = "MSL"
    ft_msl: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ft_msl", altitude_to_ft_msl(self.value, self.unit, self.ref))

    @classmethod
    def parse(cls, value: Any, field_name: str) -> Altitude:
        """From ``{"value": n, "unit": "ft", "ref": "MSL"}`` or a plain number of feet MSL."""
        try:
            if isinstance(value, Mapping):
                unknown = set(value) - {"value", "unit", "ref"}
                if unknown:
                    raise InvalidInput("", f"unknown keys {sorted(unknown)}; expected value, unit, ref")
                if "value" not in value:
                    raise InvalidInput("value", "missing")
                return cls(value["value"], value.get("unit", "ft"), value.get("ref", "MSL"))
            return cls(value)
        except InvalidInput as error:
            path = f"{field_name}.{error.field}" if error.field else field_name
            raise InvalidInput(path, error.reason) from None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "ref": self.ref}


@dataclass(frozen=True)
class Buffers:
    """The separation buffers of a strategic check: lateral NM, vertical ft, time minutes.

    Two volumes conflict when the gaps between them are all *strictly* below these buffers, so a buffer
    must be positive: with a zero buffer even overlapping volumes would never conflict.
    """

    lateral_nm: float = 5.0
    vertical_ft: float = 1000.0
    time_min: float = 10.0

    def __post_init__(self) -> None:
        for name in ("lateral_nm", "vertical_ft", "time_min"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise InvalidInput(name, f"must be a finite number, got {number!r}")
            if number <= 0:
                raise InvalidInput(name, f"must be positive, got {number}")
            object.__setattr__(self, name, float(number))

    @property
    def time_s(self) -> float:
        return self.time_min * 60.0

    def as_dict(self) -> dict[str, float]:
        return {"lateral_nm": self.lateral_nm, "vertical_ft": self.vertical_ft, "time_min": self.time_min}


def _footprint(shape: Shape, geometry: Mapping[str, Any], radius_nm: float | None) -> Polygon | MultiPolygon:
    geometry_type = geometry.get("type")
    coordinates = geometry.get("coordinates")
    expected = {
        Shape.POLYGON: "Polygon",
        Shape.CIRCLE: "Point",
        Shape.CORRIDOR: "LineString",
        Shape.ORBIT: "LineString",
    }[shape]
    if geometry_type != expected:
        raise GeometryError("geometry.type", f"a {shape} is given as a {expected}, got {geometry_type!r}")
    if shape is Shape.POLYGON:
        return polygon_from_rings(coordinates)
    if radius_nm is None:
        name = "half_width_nm" if shape is Shape.CORRIDOR else "radius_nm"
        raise GeometryError(name, f"a {shape} needs {name}")
    if shape is Shape.CIRCLE:
        return circle_polygon(coordinates, radius_nm)
    if shape is Shape.CORRIDOR:
        return corridor_polygon(coordinates, radius_nm)
    return orbit_polygon(coordinates, radius_nm)


@dataclass(frozen=True)
class Volume4D:
    """A footprint extruded between two altitudes over a time window.

    ``geometry`` is the GeoJSON geometry as written (a Polygon, or the Point/LineString of a circle,
    corridor or orbit), ``radius_nm`` the circle/orbit radius or corridor half-width. ``footprint`` is the
    derived lon/lat polygon (see :mod:`airparley.geo._shapes` for each shape's definition).
    """

    shape: Shape
    geometry: Mapping[str, Any]
    lower: Altitude
    upper: Altitude
    start: datetime
    end: datetime
    radius_nm: float | None = None
    footprint: Polygon | MultiPolygon = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", Shape(self.shape))
        object.__setattr__(self, "footprint", _footprint(self.shape, self.geometry, self.radius_nm))
        if self.lower.ft_msl > self.upper.ft_msl:
            raise InvalidInput(
                "lower", f"lower ({self.lower.ft_msl:.0f} ft MSL) is above upper ({self.upper.ft_msl:.0f} ft MSL)"
            )
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("start", "times must be timezone-aware UTC")
        if self.end <= self.start:
            raise InvalidInput("end", f"end {self.end.isoformat()} is not after start {self.start.isoformat()}")

    @property
    def lower_ft(self) -> float:
        return self.lower.ft_msl

    @property
    def upper_ft(self) -> float:
        return self.upper.ft_msl

    @property
    def start_s(self) -> float:
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        return self.end.timestamp()


@dataclass(frozen=True)
class NoticeRef:
    """Which notice, by whom, in which revision: enough to name it to another party."""

    notice_id: str
    party: str
    version: int

    def as_dict(self) -> dict[str, Any]:
        return {"notice_id": self.notice_id, "party": self.party, "version": self.version}


@dataclass(frozen=True)
class Notice:
    """The *shared* part of an operation notice: what may be shown to another party.

    The private part (mission, targets, tail numbers...) is deliberately not a field here; it travels
    beside the notice (:class:`airparley.strategic.NoticeFile.private`) and only to its own party.
    """

    notice_id: str
    party: str
    version: int
    kind: NoticeKind
    volumes: tuple[Volume4D, ...]
    callsigns: tuple[str, ...] = ()
    frequency_mhz: float | None = None
    priority: Priority = Priority.ROUTINE
    remarks: str = ""
    state: NoticeState = NoticeState.FILED

    def __post_init__(self) -> None:
        if not isinstance(self.notice_id, str) or not self.notice_id.strip():
            raise InvalidInput("notice_id", "missing or empty")
        if not isinstance(self.party, str) or not self.party.strip():
            raise InvalidInput("party", "missing party")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise InvalidInput("version", f"must be a whole number >= 1, got {self.version!r}")
        try:
            object.__setattr__(self, "kind", NoticeKind(self.kind))
        except ValueError:
            kinds = ", ".join(k.value for k in NoticeKind)
            raise InvalidInput("kind", f"unknown kind {self.kind!r}; use one of {kinds}") from None
        try:
            object.__setattr__(self, "priority", Priority(self.priority))
        except ValueError:
            raise InvalidInput("priority", f"unknown priority {self.priority!r}") from None
        try:
            object.__setattr__(self, "state", NoticeState(self.state))
        except ValueError:
            raise InvalidInput("state", f"unknown state {self.state!r}") from None
        if not self.volumes:
            raise InvalidInput("volumes", "a notice needs at least one volume")
        if len(self.volumes) > bounds.BOUNDS["volumes"].high:
            raise InvalidInput("volumes", f"a notice has at most {bounds.BOUNDS['volumes'].most()}")
        if self.frequency_mhz is not None:
            bounds.number(self.frequency_mhz, "frequency_mhz", "frequency_mhz")

    def check_filed_at(self, now: datetime) -> None:
        """The rules of filing (or revising) this notice at ``now`` on its party's node (airparley/bounds.py):
        its id is scoped by its party (``USA-...``), and each volume ends within ``notice_past`` before now
        and starts within ``notice_future`` after it. Replicated versions are held to the id rule only (a
        peer's node checked the window when its party filed; replication may lag)."""
        bounds.notice_id_of(self.party, self.notice_id)
        earliest, latest = now - bounds.days("notice_past"), now + bounds.days("notice_future")
        for index, volume in enumerate(self.volumes):
            where = f"volume {index}" if len(self.volumes) > 1 else ""
            if volume.end < earliest:
                past = bounds.BOUNDS["notice_past"].high
                raise InvalidInput("end", f"ended more than {past:.0f} days before now ({now.isoformat()})", where)
            if volume.start > latest:
                future = bounds.BOUNDS["notice_future"].high
                raise InvalidInput("start", f"starts more than {future:.0f} days after now ({now.isoformat()})", where)

    @property
    def ref(self) -> NoticeRef:
        return NoticeRef(self.notice_id, self.party, self.version)

    @property
    def takes_part(self) -> bool:
        """Whether this notice claims airspace now (filed or active)."""
        return self.state in ACTIVE_STATES
