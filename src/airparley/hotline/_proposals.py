"""Structured proposals for a negotiation case, and the obligations an accepted one places on each party.

Five kinds of terms, each validated when built and each naming the parties it binds:

- ``shift_time``: ``party`` moves its activity by ``minutes`` (negative: earlier);
- ``altitude_split``: at ``at_ft`` feet MSL, ``above`` stays above and ``below`` stays below;
- ``reroute``: ``party`` replaces its volume's footprint with ``geometry`` (GeoJSON Polygon/MultiPolygon);
- ``yield``: ``party`` stands down;
- ``time_share``: each party flies only in its ``slots`` (non-overlapping, in time order).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Final

from airparley import bounds
from airparley.errors import GeometryError, InvalidInput
from airparley.geo import polygon_from_rings
from airparley.hotline._common import (
    Officer,
    enum_value,
    iso,
    mapping,
    party_code,
    sequence,
    text,
    utc_instant,
)

__all__ = [
    "AltitudeSplit",
    "Obligation",
    "Proposal",
    "Reroute",
    "Revision",
    "ShiftTime",
    "Terms",
    "TimeShare",
    "TimeSlot",
    "Yield",
    "terms_from_dict",
]

# Declared in the one table of bounds (airparley/bounds.py, docs/security.md).
MAX_SHIFT_MINUTES: Final = int(bounds.BOUNDS["shift_minutes"].high)
MAX_ALTITUDE_FT: Final = int(bounds.BOUNDS["split_ft"].high)
MAX_PROPOSAL_TEXT: Final = int(bounds.BOUNDS["proposal_text"].high)

# Nested tuples mirror GeoJSON's nested arrays so a geometry can live in a frozen, hashable value.
Ring = tuple[tuple[float, float], ...]
PolygonRings = tuple[Ring, ...]


class Revision(StrEnum):
    """What an obliged party must change in its notice."""

    SHIFT_TIMES = "shift_times"
    KEEP_ABOVE = "keep_above"
    KEEP_BELOW = "keep_below"
    REPLACE_VOLUME = "replace_volume"
    STAND_DOWN = "stand_down"
    KEEP_TO_SLOTS = "keep_to_slots"


@dataclass(frozen=True)
class Obligation:
    """``party`` must revise its notice as ``revision`` says (the terms carry the numbers)."""

    party: str
    revision: Revision

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "revision": self.revision.value}

    @classmethod
    def from_dict(cls, data: Any) -> Obligation:
        fields = mapping(data, "obligation", {"party", "revision"})
        return cls(party_code(fields["party"], "party"), enum_value(Revision, fields["revision"], "revision"))


@dataclass(frozen=True)
class ShiftTime:
    kind: ClassVar[str] = "shift_time"
    party: str
    minutes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "terms.party"))
        minutes = self.minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes == 0:
            raise InvalidInput("terms.minutes", f"must be a non-zero whole number of minutes, got {minutes!r}")
        if abs(minutes) > MAX_SHIFT_MINUTES:
            raise InvalidInput("terms.minutes", f"must be within ±{MAX_SHIFT_MINUTES} minutes, got {minutes}")

    def party_fields(self) -> tuple[tuple[str, str], ...]:
        return (("terms.party", self.party),)

    def obligations(self) -> tuple[Obligation, ...]:
        return (Obligation(self.party, Revision.SHIFT_TIMES),)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "party": self.party, "minutes": self.minutes}


@dataclass(frozen=True)
class AltitudeSplit:
    kind: ClassVar[str] = "altitude_split"
    at_ft: int
    above: str
    below: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "above", party_code(self.above, "terms.above"))
        object.__setattr__(self, "below", party_code(self.below, "terms.below"))
        if self.above == self.below:
            raise InvalidInput("terms.below", "the parties above and below the split must differ")
        at_ft = self.at_ft
        if isinstance(at_ft, bool) or not isinstance(at_ft, int) or not 0 < at_ft <= MAX_ALTITUDE_FT:
            raise InvalidInput("terms.at_ft", f"must be whole feet MSL in 1-{MAX_ALTITUDE_FT}, got {at_ft!r}")

    def party_fields(self) -> tuple[tuple[str, str], ...]:
        return (("terms.above", self.above), ("terms.below", self.below))

    def obligations(self) -> tuple[Obligation, ...]:
        return (Obligation(self.above, Revision.KEEP_ABOVE), Obligation(self.below, Revision.KEEP_BELOW))

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at_ft": self.at_ft, "above": self.above, "below": self.below}


@dataclass(frozen=True)
class Reroute:
    """``party`` moves to a new footprint, given as a GeoJSON ``Polygon`` or ``MultiPolygon`` (lon, lat)."""

    kind: ClassVar[str] = "reroute"
    party: str
    geometry_type: str
    polygons: tuple[PolygonRings, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "terms.party"))
        if self.geometry_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput("terms.geometry.type", f"must be Polygon or MultiPolygon, got {self.geometry_type!r}")
        if self.geometry_type == "Polygon" and len(self.polygons) != 1:
            raise InvalidInput("terms.geometry.coordinates", "a Polygon has exactly one set of rings")
        if not self.polygons:
            raise InvalidInput("terms.geometry.coordinates", "a MultiPolygon needs at least one polygon")
        for index, rings in enumerate(self.polygons):
            where = "terms.geometry" if self.geometry_type == "Polygon" else f"terms.geometry.{index}"
            polygon_from_rings([list(ring) for ring in rings], where)

    @property
    def geometry(self) -> dict[str, Any]:
        """The new footprint as a GeoJSON geometry dict."""
        as_lists = [[[list(position) for position in ring] for ring in rings] for rings in self.polygons]
        return {"type": self.geometry_type, "coordinates": as_lists[0] if self.geometry_type == "Polygon" else as_lists}

    @classmethod
    def from_geometry(cls, party: str, geometry: Any) -> Reroute:
        fields = mapping(geometry, "terms.geometry", {"type", "coordinates"})
        kind = fields["type"]
        if kind not in ("Polygon", "MultiPolygon"):
            raise InvalidInput("terms.geometry.type", f"must be Polygon or MultiPolygon, got {kind!r}")
        coordinates = sequence(fields["coordinates"], "terms.geometry.coordinates")
        polygons = [coordinates] if kind == "Polygon" else coordinates
        return cls(party=party, geometry_type=kind, polygons=tuple(_rings(polygon) for polygon in polygons))

    def party_fields(self) -> tuple[tuple[str, str], ...]:
        return (("terms.party", self.party),)

    def obligations(self) -> tuple[Obligation, ...]:
        return (Obligation(self.party, Revision.REPLACE_VOLUME),)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "party": self.party, "geometry": self.geometry}


@dataclass(frozen=True)
class Yield:
    kind: ClassVar[str] = "yield"
    party: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "terms.party"))

    def party_fields(self) -> tuple[tuple[str, str], ...]:
        return (("terms.party", self.party),)

    def obligations(self) -> tuple[Obligation, ...]:
        return (Obligation(self.party, Revision.STAND_DOWN),)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "party": self.party}


@dataclass(frozen=True)
class TimeSlot:
    """``party`` may fly from ``start`` (inclusive) to ``end`` (exclusive), UTC."""

    party: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "party", party_code(self.party, "party"))
        object.__setattr__(self, "start", bounds.time_within(utc_instant(self.start, "start"), "start", "slot_time"))
        object.__setattr__(self, "end", bounds.time_within(utc_instant(self.end, "end"), "end", "slot_time"))
        if self.end <= self.start:
            raise InvalidInput("end", "must be after start")

    def as_dict(self) -> dict[str, Any]:
        return {"party": self.party, "start": iso(self.start), "end": iso(self.end)}

    @classmethod
    def from_dict(cls, data: Any) -> TimeSlot:
        fields = mapping(data, "slot", {"party", "start", "end"})
        return cls(party=fields["party"], start=fields["start"], end=fields["end"])


@dataclass(frozen=True)
class TimeShare:
    kind: ClassVar[str] = "time_share"
    slots: tuple[TimeSlot, ...]

    def __post_init__(self) -> None:
        slots = tuple(self.slots)
        if len(slots) < 2:
            raise InvalidInput("terms.slots", "a time share needs at least two slots")
        bounds.count(slots, "terms.slots", "time_slots")
        for index, slot in enumerate(slots):
            if not isinstance(slot, TimeSlot):
                raise InvalidInput(f"terms.slots.{index}", "must be a TimeSlot")
        for index, (earlier, later) in enumerate(itertools.pairwise(slots), start=1):
            if later.start < earlier.end:
                raise InvalidInput(f"terms.slots.{index}.start", "slots must be in time order and must not overlap")
        if len({slot.party for slot in slots}) < 2:
            raise InvalidInput("terms.slots", "a time share gives slots to at least two parties")
        object.__setattr__(self, "slots", slots)

    def party_fields(self) -> tuple[tuple[str, str], ...]:
        return tuple((f"terms.slots.{index}.party", slot.party) for index, slot in enumerate(self.slots))

    def obligations(self) -> tuple[Obligation, ...]:
        parties = dict.fromkeys(slot.party for slot in self.slots)
        return tuple(Obligation(party, Revision.KEEP_TO_SLOTS) for party in parties)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "slots": [slot.as_dict() for slot in self.slots]}


Terms = ShiftTime | AltitudeSplit | Reroute | Yield | TimeShare


def terms_from_dict(data: Any) -> Terms:
    """Terms from their ``as_dict`` form, dispatched on ``kind``."""
    if not isinstance(data, Mapping) or "kind" not in data:
        raise InvalidInput("terms.kind", "missing (one of shift_time, altitude_split, reroute, yield, time_share)")
    match data["kind"]:
        case ShiftTime.kind:
            fields = mapping(data, "terms", {"kind", "party", "minutes"})
            return ShiftTime(party=fields["party"], minutes=fields["minutes"])
        case AltitudeSplit.kind:
            fields = mapping(data, "terms", {"kind", "at_ft", "above", "below"})
            return AltitudeSplit(at_ft=fields["at_ft"], above=fields["above"], below=fields["below"])
        case Reroute.kind:
            fields = mapping(data, "terms", {"kind", "party", "geometry"})
            return Reroute.from_geometry(fields["party"], fields["geometry"])
        case Yield.kind:
            fields = mapping(data, "terms", {"kind", "party"})
            return Yield(party=fields["party"])
        case TimeShare.kind:
            fields = mapping(data, "terms", {"kind", "slots"})
            slots = []
            for index, slot in enumerate(sequence(fields["slots"], "terms.slots")):
                try:
                    slots.append(TimeSlot.from_dict(slot))
                except InvalidInput as error:
                    raise InvalidInput(f"terms.slots.{index}.{error.field}", error.reason) from None
            return TimeShare(slots=tuple(slots))
        case other:
            raise InvalidInput(
                "terms.kind", f"unknown kind {other!r} (one of shift_time, altitude_split, reroute, yield, time_share)"
            )


@dataclass(frozen=True)
class Proposal:
    """Terms put forward by an officer, with optional explanatory text (shown untranslated)."""

    terms: Terms
    proposed_by: Officer
    proposed_at: datetime
    text: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.terms, ShiftTime | AltitudeSplit | Reroute | Yield | TimeShare):
            raise InvalidInput("terms", "must be shift_time, altitude_split, reroute, yield or time_share terms")
        object.__setattr__(self, "proposed_at", utc_instant(self.proposed_at, "proposed_at"))
        object.__setattr__(self, "text", text(self.text, "text", max_chars=MAX_PROPOSAL_TEXT))

    def obligations(self) -> tuple[Obligation, ...]:
        return self.terms.obligations()

    def as_dict(self) -> dict[str, Any]:
        return {
            "terms": self.terms.as_dict(),
            "proposed_by": self.proposed_by.as_dict(),
            "proposed_at": iso(self.proposed_at),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Proposal:
        required = {"terms", "proposed_by", "proposed_at"}
        fields = mapping(data, "proposal", required | {"text"}, required)
        return cls(
            terms=terms_from_dict(fields["terms"]),
            proposed_by=Officer.from_dict(fields["proposed_by"]),
            proposed_at=fields["proposed_at"],
            text=fields.get("text", ""),
        )


def _rings(polygon: Any) -> PolygonRings:
    rings = sequence(polygon, "terms.geometry.coordinates")
    out: list[Ring] = []
    total = 0
    for r, ring in enumerate(rings):
        positions = sequence(ring, f"terms.geometry.coordinates.{r}")
        checked: list[tuple[float, float]] = []
        for i, position in enumerate(positions):
            if not isinstance(position, list | tuple) or len(position) != 2:
                raise InvalidInput(f"terms.geometry.coordinates.{r}.{i}", f"must be [lon, lat], got {position!r}")
            lon, lat = position
            where = f"terms.geometry.coordinates.{r}.{i}"
            # Bounded before float(): an integer too large for a double is a field error, not an OverflowError.
            try:
                checked.append((bounds.number(lon, where, "longitude"), bounds.number(lat, where, "latitude")))
            except InvalidInput as error:
                raise GeometryError(error.field, error.reason) from None
            total += 1
            if total > bounds.BOUNDS["positions"].high:
                raise InvalidInput("terms.geometry.coordinates", f"at most {bounds.BOUNDS['positions'].most()}")
        out.append(tuple(checked))
    return tuple(out)
