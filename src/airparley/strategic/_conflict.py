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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import rfc8785
import shapely
from shapely.geometry.base import BaseGeometry

from airparley._time import iso_z_at
from airparley.geo import M_PER_NM, LocalFrame, frames_around, project_each, unproject_each
from airparley.strategic._model import Buffers, NoticeRef, Volume4D

__all__ = [
    "Conflict",
    "VolumeConflict",
    "VolumePair",
    "conflict_id",
    "draw_overlaps",
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
    (first, first_version), (second, second_version) = pairs
    if (
        type(first_version) is int
        and type(second_version) is int
        and 0 <= first_version <= _EXACT_INT
        and 0 <= second_version <= _EXACT_INT
        and _PLAIN_TEXT.fullmatch(f"{first}{second}")
    ):
        # What RFC 8785 writes for these values, spelled out: the full check names a conflict this way
        # millions of times, and the general encoder was two thirds of building the conflicts.
        canonical = f'[["{first}",{first_version}],["{second}",{second_version}]]'.encode("ascii")
    else:
        canonical = rfc8785.dumps(pairs)
    return hashlib.sha256(canonical).hexdigest()


#: Text that RFC 8785 writes as it is between quotes: printable ASCII but for the quote and the backslash.
_PLAIN_TEXT = re.compile(r"[ !#-\[\]-~]*")
#: The largest integer that RFC 8785 (ES6 number form) writes as plain digits, exactly.
_EXACT_INT = 2**53 - 1


def _pair_frame(a: BaseGeometry, b: BaseGeometry) -> LocalFrame:
    return LocalFrame.around([a, b])


def footprint_distance_nm(a: BaseGeometry, b: BaseGeometry) -> float:
    """Horizontal distance (NM) between two lon/lat footprints, 0 where they touch or overlap."""
    frame = _pair_frame(a, b)
    return float(shapely.distance(frame.project(a), frame.project(b))) / M_PER_NM


def geojson_of(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON of a lon/lat geometry, rounded to 1e-6 degree (about 0.1 m): more digits are noise.

    Polygons and multipolygons (what overlaps are) are read with one coordinate call per polygon rather
    than shapely's ``__geo_interface__``, which builds each position in Python; the mapping is the same,
    down to its tuples and lists (tests/strategic holds the two equal).
    """
    kind = geometry.geom_type
    if kind == "Polygon" and not geometry.is_empty:
        return {"type": "Polygon", "coordinates": _rounded_rings(geometry)}
    if kind == "MultiPolygon" and not any(part.is_empty for part in geometry.geoms):
        parts = [_rounded_rings(part) for part in geometry.geoms]
        return {"type": "MultiPolygon", "coordinates": parts}
    mapping: dict[str, Any] = shapely.geometry.mapping(shapely.transform(geometry, lambda c: np.round(c, 6)))
    return mapping


def _rounded_rings(polygon: BaseGeometry) -> tuple[tuple[tuple[float, ...], ...], ...]:
    if shapely.get_num_interior_rings(polygon) == 0:  # most overlaps: the exterior is every coordinate
        return (tuple(map(tuple, np.round(shapely.get_coordinates(polygon), 6).tolist())),)
    rings = shapely.get_rings(polygon)
    ends = np.cumsum(shapely.get_num_coordinates(rings))[:-1]
    positions = np.round(shapely.get_coordinates(rings), 6)
    return tuple(tuple(map(tuple, part.tolist())) for part in np.split(positions, ends))


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

    @cached_property
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


_Measured = tuple[list[tuple[int, float, float]], Any, Any, Any, Any, Any]


def _measured(pairs: Sequence[VolumePair], buffers: Buffers) -> _Measured | None:
    """What :func:`volume_conflict` measures before it draws, for many pairs at once: the pairs within the
    vertical and time buffers (index, vertical gap, time gap), each one's footprints projected into its own
    frame (and that frame's centre), and their lateral gap in NM; None when no pair is within those buffers."""
    gaps: list[tuple[int, float, float]] = []
    for i, pair in enumerate(pairs):
        a, b = pair.a, pair.b
        vertical_gap = max(0.0, max(a.lower_ft, b.lower_ft) - min(a.upper_ft, b.upper_ft))
        time_gap_s = max(0.0, max(a.start_s, b.start_s) - min(a.end_s, b.end_s))
        if vertical_gap < buffers.vertical_ft and time_gap_s < buffers.time_s:
            gaps.append((i, vertical_gap, time_gap_s))
    if not gaps:
        return None
    fa = np.array([pairs[i].a.footprint for i, _, _ in gaps], dtype=object)
    fb = np.array([pairs[i].b.footprint for i, _, _ in gaps], dtype=object)
    lon0, lat0 = frames_around(fa, fb)
    pa, pb = project_each(fa, lon0, lat0), project_each(fb, lon0, lat0)
    lateral = shapely.distance(pa, pb) / M_PER_NM
    return gaps, pa, pb, lon0, lat0, lateral


def smallest_gaps_nm(conflicts: Sequence[Conflict]) -> list[float | None]:
    """Each conflict's smallest lateral gap, ``min(v.lateral_gap_nm for v in conflict.volumes)`` to the bit
    (None if it has no volume pair), measured without drawing the overlaps: a table of conflicts shows only
    this, and the drawing (buffers, intersections, back to lon/lat) is most of the work of measuring."""
    smallest: list[float | None] = [None] * len(conflicts)
    waiting: dict[Buffers, list[int]] = {}
    for k, conflict in enumerate(conflicts):
        if "volumes" in conflict.__dict__:  # drawn already: read it
            smallest[k] = min((v.lateral_gap_nm for v in conflict.volumes), default=None)
        else:
            waiting.setdefault(conflict.buffers, []).append(k)
    for buffers, group in waiting.items():
        pairs = [pair for k in group for pair in conflicts[k].pairs]
        owner = [k for k in group for _ in conflicts[k].pairs]
        measured = _measured(pairs, buffers)
        if measured is None:
            continue
        gaps, _, _, _, _, lateral = measured
        edge: Buffers | None = None
        for (i, _, _), gap in zip(gaps, lateral.tolist(), strict=True):
            if gap >= buffers.lateral_nm:
                # Not drawn, so measured as _completed measures it: at the edge of the buffer, or not at all.
                edge = edge or Buffers(buffers.lateral_nm + _EDGE_NM, buffers.vertical_ft, buffers.time_min)
                pair = pairs[i]
                at_edge = volume_conflict(pair.a, pair.b, edge, pair.a_volume, pair.b_volume)
                if at_edge is None:
                    continue
                gap = at_edge.lateral_gap_nm
            k = owner[i]
            held = smallest[k]
            if held is None or gap < held:
                smallest[k] = gap
    return smallest


def _volume_conflicts(pairs: Sequence[VolumePair], buffers: Buffers) -> list[VolumeConflict | None]:
    """:func:`volume_conflict` of many pairs in one vectorised pass: the same result for each, bit for bit.

    Each pair keeps its own frame (centred on the pair, as the scalar reference centres it); what is
    shared is the call: one projection, one distance, one buffer and one intersection for all pairs.
    """
    found: list[VolumeConflict | None] = [None] * len(pairs)
    measured = _measured(pairs, buffers)
    if measured is None:
        return found
    gaps, pa, pb, lon0, lat0, lateral = measured
    near = np.flatnonzero(lateral < buffers.lateral_nm)
    if near.size == 0:
        return found
    reach = buffers.lateral_nm * M_PER_NM
    pa, pb, lon0, lat0 = pa[near], pb[near], lon0[near], lat0[near]
    part_a = shapely.intersection(pa, shapely.buffer(pb, reach, quad_segs=_QUAD_SEGS))
    part_b = shapely.intersection(pb, shapely.buffer(pa, reach, quad_segs=_QUAD_SEGS))
    drawn_a, drawn_b = unproject_each(part_a, lon0, lat0), unproject_each(part_b, lon0, lat0)
    for k, g in enumerate(near.tolist()):
        i, vertical_gap, time_gap_s = gaps[g]
        pair = pairs[i]
        a, b = pair.a, pair.b
        lower, upper = _within(a.lower_ft, a.upper_ft, b.lower_ft, b.upper_ft, buffers.vertical_ft)
        start, end = _within(a.start_s, a.end_s, b.start_s, b.end_s, buffers.time_s)
        found[i] = VolumeConflict(
            pair.a_volume,
            pair.b_volume,
            drawn_a[k],
            drawn_b[k],
            lower,
            upper,
            start,
            end,
            float(lateral[g]),
            vertical_gap,
            time_gap_s / 60.0,
        )
    return found


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
        drawn = [volume_conflict(p.a, p.b, self.buffers, p.a_volume, p.b_volume) for p in self.pairs]
        return _completed(self.pairs, drawn, self.buffers)

    def footprint(self) -> BaseGeometry:
        """The union of the volume pairs' overlap footprints (drawn once; ``draw_overlaps`` draws many)."""
        drawn: BaseGeometry | None = self.__dict__.get("_footprint")
        if drawn is None:
            drawn = self.__dict__["_footprint"] = shapely.union_all(
                np.array([v.footprint for v in self.volumes], dtype=object)
            )
        return drawn

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


def _completed(
    pairs: Sequence[VolumePair], drawn: Sequence[VolumeConflict | None], buffers: Buffers
) -> tuple[VolumeConflict, ...]:
    details = []
    for pair, found in zip(pairs, drawn, strict=True):
        if found is None:
            # The index decided this pair at the very edge of the lateral buffer (footprints that
            # touch in lon/lat but are a hair apart once projected): measure it as touching.
            edge = Buffers(buffers.lateral_nm + _EDGE_NM, buffers.vertical_ft, buffers.time_min)
            found = volume_conflict(pair.a, pair.b, edge, pair.a_volume, pair.b_volume)
        if found is not None:
            details.append(found)
    return tuple(details)


def draw_overlaps(conflicts: Sequence[Conflict]) -> None:
    """Draw the overlaps of many conflicts at once, so that each one's :attr:`Conflict.volumes` is ready.

    It gives what each conflict would draw alone, bit for bit, in one vectorised pass over all their volume
    pairs (about twice as fast as one conflict at a time): for writing many conflicts out. Each
    volume pair's union footprint is drawn in the same pass. Conflicts already drawn are left as they are.
    """
    waiting: dict[Buffers, list[Conflict]] = {}
    for conflict in conflicts:
        if "volumes" not in conflict.__dict__:
            waiting.setdefault(conflict.buffers, []).append(conflict)
    for buffers, group in waiting.items():
        pairs = [pair for conflict in group for pair in conflict.pairs]
        drawn = _volume_conflicts(pairs, buffers)
        ready = [v for v in drawn if v is not None]
        if ready:
            unions = shapely.union(
                np.array([v.footprint_a for v in ready], dtype=object),
                np.array([v.footprint_b for v in ready], dtype=object),
            )
            for volume, union in zip(ready, unions, strict=True):
                volume.__dict__["footprint"] = union  # what the cached property computes, computed together
        start = 0
        for conflict in group:
            stop = start + len(conflict.pairs)
            # cached_property stores in the instance's __dict__: filling it is what the first read would do.
            conflict.__dict__["volumes"] = _completed(conflict.pairs, drawn[start:stop], buffers)
            start = stop
    _draw_footprints([conflict for group in waiting.values() for conflict in group])


def _draw_footprints(conflicts: Sequence[Conflict]) -> None:
    """Each conflict's :meth:`Conflict.footprint`, drawn together: conflicts with the same number of volume
    pairs make the rows of one array, and ``union_all`` along its rows makes the collection of each row and
    unites it, as it does for one conflict's array, so each footprint is the same to the bit."""
    rows: dict[int, list[Conflict]] = {}
    for conflict in conflicts:
        rows.setdefault(len(conflict.volumes), []).append(conflict)
    for width, same in rows.items():
        if width == 0:
            continue  # nothing to unite; footprint() draws the empty collection if ever asked
        table = np.empty((len(same), width), dtype=object)
        for row, conflict in enumerate(same):
            table[row, :] = [v.footprint for v in conflict.volumes]
        for conflict, footprint in zip(same, shapely.union_all(table, axis=1), strict=True):
            conflict.__dict__["_footprint"] = footprint
