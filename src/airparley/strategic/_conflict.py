"""Conflicts between two notices of different parties, and the overlap each one discloses.

Criterion (exact): two volumes of notices of different parties conflict iff the horizontal distance
between their footprints is < the lateral buffer, AND the vertical gap between their altitude bands is
< the vertical buffer, AND the gap between their time windows is < the time buffer; a gap is 0 where
they overlap. Two notices conflict when any pair of their volumes does.

Minimal disclosure: a conflict carries only the *overlap*. Footprint, band and window follow one rule:
the part of each volume that lies within the buffer of the other. So a desk learns where, at which
altitudes and when the other side's activity comes within the agreed buffers of its own, and nothing
about the rest of the other side's volume.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import rfc8785
import shapely
from shapely.geometry.base import BaseGeometry

from airparley._time import iso_z_at
from airparley.geo import M_PER_NM, LocalFrame
from airparley.strategic._model import Buffers, NoticeRef, Volume4D

__all__ = [
    "Conflict",
    "VolumeConflict",
    "VolumePair",
    "conflict_id",
    "footprint_distance_nm",
    "geojson_of",
    "iso_utc",
    "volume_conflict",
]

#: How far past the lateral buffer a pair the index found may measure (touching in lon/lat, apart in metres).
_EDGE_NM = 1e-6
#: Quarter-circle segments when buffering for the overlap footprint: at 5 NM the arc error is 0.006 NM.
_QUAD_SEGS = 16


def conflict_id(a: NoticeRef, b: NoticeRef) -> str:
    """SHA-256 (hex) of the RFC 8785 JSON of the two ``[notice_id, version]`` pairs, sorted.

    Order-free, so every node derives the same id for the same two notice versions:

    >>> x, y = NoticeRef("USA-1", "USA", 2), NoticeRef("RUS-7", "RUS", 1)
    >>> conflict_id(x, y) == conflict_id(y, x)
    True
    """
    pairs: list[list[str | int]] = sorted(
        [[a.notice_id, a.version], [b.notice_id, b.version]], key=lambda p: (str(p[0]), int(p[1]))
    )
    return hashlib.sha256(rfc8785.dumps(pairs)).hexdigest()


def _pair_frame(a: BaseGeometry, b: BaseGeometry) -> LocalFrame:
    return LocalFrame.around([a, b])


def footprint_distance_nm(a: BaseGeometry, b: BaseGeometry) -> float:
    """Horizontal distance (NM) between two lon/lat footprints, 0 where they touch or overlap."""
    frame = _pair_frame(a, b)
    return float(shapely.distance(frame.project(a), frame.project(b))) / M_PER_NM


def geojson_of(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON of a lon/lat geometry, rounded to 1e-6 degree (about 0.1 m): more digits are noise."""
    mapping: dict[str, Any] = shapely.geometry.mapping(shapely.transform(geometry, lambda c: np.round(c, 6)))
    return mapping


def iso_utc(seconds: float) -> str:
    return iso_z_at(seconds)


def _within(lo_a: float, hi_a: float, lo_b: float, hi_b: float, buffer: float) -> tuple[float, float]:
    """The envelope of the part of each interval that lies within ``buffer`` of the other."""
    a_part = (max(lo_a, lo_b - buffer), min(hi_a, hi_b + buffer))
    b_part = (max(lo_b, lo_a - buffer), min(hi_b, hi_a + buffer))
    return min(a_part[0], b_part[0]), max(a_part[1], b_part[1])


@dataclass(frozen=True)
class VolumeConflict:
    """One pair of conflicting volumes (``a_volume``/``b_volume`` index each notice's ``volumes``).

    ``footprint_a`` is the part of A's footprint within the lateral buffer of B's, ``footprint_b`` the
    converse (lon/lat). Bands in feet MSL, window as POSIX seconds. The gaps are the measured ones.
    """

    a_volume: int
    b_volume: int
    footprint_a: BaseGeometry
    footprint_b: BaseGeometry
    lower_ft: float
    upper_ft: float
    start_s: float
    end_s: float
    lateral_gap_nm: float
    vertical_gap_ft: float
    time_gap_min: float

    @property
    def footprint(self) -> BaseGeometry:
        return shapely.union(self.footprint_a, self.footprint_b)

    def as_dict(self) -> dict[str, Any]:
        return {
            "a_volume": self.a_volume,
            "b_volume": self.b_volume,
            "footprint": geojson_of(self.footprint),
            "lower_ft": round(self.lower_ft, 1),
            "upper_ft": round(self.upper_ft, 1),
            "start": iso_utc(self.start_s),
            "end": iso_utc(self.end_s),
            "gaps": {
                "lateral_nm": round(self.lateral_gap_nm, 3),
                "vertical_ft": round(self.vertical_gap_ft, 1),
                "time_min": round(self.time_gap_min, 2),
            },
        }


def volume_conflict(
    a: Volume4D, b: Volume4D, buffers: Buffers, a_volume: int = 0, b_volume: int = 0
) -> VolumeConflict | None:
    """The conflict between two volumes under ``buffers``, or None (this is the scalar reference)."""
    vertical_gap = max(0.0, max(a.lower_ft, b.lower_ft) - min(a.upper_ft, b.upper_ft))
    time_gap_s = max(0.0, max(a.start_s, b.start_s) - min(a.end_s, b.end_s))
    if vertical_gap >= buffers.vertical_ft or time_gap_s >= buffers.time_s:
        return None
    frame = _pair_frame(a.footprint, b.footprint)
    pa, pb = frame.project(a.footprint), frame.project(b.footprint)
    lateral_gap = float(shapely.distance(pa, pb)) / M_PER_NM
    if lateral_gap >= buffers.lateral_nm:
        return None
    reach = buffers.lateral_nm * M_PER_NM
    part_a = shapely.intersection(pa, shapely.buffer(pb, reach, quad_segs=_QUAD_SEGS))
    part_b = shapely.intersection(pb, shapely.buffer(pa, reach, quad_segs=_QUAD_SEGS))
    lower, upper = _within(a.lower_ft, a.upper_ft, b.lower_ft, b.upper_ft, buffers.vertical_ft)
    start, end = _within(a.start_s, a.end_s, b.start_s, b.end_s, buffers.time_s)
    return VolumeConflict(
        a_volume,
        b_volume,
        frame.unproject(part_a),
        frame.unproject(part_b),
        lower,
        upper,
        start,
        end,
        lateral_gap,
        vertical_gap,
        time_gap_s / 60.0,
    )


@dataclass(frozen=True)
class VolumePair:
    """Two volumes found in conflict: ``a_volume``/``b_volume`` index each notice's ``volumes``."""

    a_volume: int
    b_volume: int
    a: Volume4D
    b: Volume4D


@dataclass(frozen=True)
class Conflict:
    """Two notices of different parties whose volumes conflict; derived, never stored as truth.

    ``a`` is the notice that sorts first by (notice id, version). The band and the window are cheap and
    known at once; the overlap footprints are geometry work, done on first use (:attr:`volumes`), so
    detecting conflicts never pays for drawing them.
    """

    id: str
    a: NoticeRef
    b: NoticeRef
    buffers: Buffers
    pairs: tuple[VolumePair, ...]

    @property
    def parties(self) -> frozenset[str]:
        return frozenset({self.a.party, self.b.party})

    @property
    def lower_ft(self) -> float:
        return min(
            _within(p.a.lower_ft, p.a.upper_ft, p.b.lower_ft, p.b.upper_ft, self.buffers.vertical_ft)[0]
            for p in self.pairs
        )

    @property
    def upper_ft(self) -> float:
        return max(
            _within(p.a.lower_ft, p.a.upper_ft, p.b.lower_ft, p.b.upper_ft, self.buffers.vertical_ft)[1]
            for p in self.pairs
        )

    @property
    def start_s(self) -> float:
        return min(_within(p.a.start_s, p.a.end_s, p.b.start_s, p.b.end_s, self.buffers.time_s)[0] for p in self.pairs)

    @property
    def end_s(self) -> float:
        return max(_within(p.a.start_s, p.a.end_s, p.b.start_s, p.b.end_s, self.buffers.time_s)[1] for p in self.pairs)

    @cached_property
    def volumes(self) -> tuple[VolumeConflict, ...]:
        """Each conflicting volume pair with its overlap footprints and measured gaps."""
        details = []
        for pair in self.pairs:
            found = volume_conflict(pair.a, pair.b, self.buffers, pair.a_volume, pair.b_volume)
            if found is None:
                # The index decided this pair at the very edge of the lateral buffer (footprints that
                # touch in lon/lat but are a hair apart once projected): measure it as touching.
                edge = Buffers(self.buffers.lateral_nm + _EDGE_NM, self.buffers.vertical_ft, self.buffers.time_min)
                found = volume_conflict(pair.a, pair.b, edge, pair.a_volume, pair.b_volume)
            if found is not None:
                details.append(found)
        return tuple(details)

    def footprint(self) -> BaseGeometry:
        return shapely.union_all(np.array([v.footprint for v in self.volumes], dtype=object))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``id``, ``a``, ``b``, ``overlap`` {footprint, lower_ft, upper_ft, start, end},
        ``buffers`` and the per-volume-pair detail under ``volumes``."""
        return {
            "id": self.id,
            "a": self.a.as_dict(),
            "b": self.b.as_dict(),
            "overlap": {
                "footprint": geojson_of(self.footprint()),
                "lower_ft": round(self.lower_ft, 1),
                "upper_ft": round(self.upper_ft, 1),
                "start": iso_utc(self.start_s),
                "end": iso_utc(self.end_s),
            },
            "buffers": self.buffers.as_dict(),
            "volumes": [v.as_dict() for v in self.volumes],
        }
