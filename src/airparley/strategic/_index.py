"""An incremental conflict index over notices: spatial (STRtree) + altitude and time filters.

Volumes live in NumPy columns (one row a *slot*). Most slots sit in a shapely ``STRtree``; slots added
since the tree was built sit in a short *recent* list scanned with vectorised box tests, and the tree is
rebuilt when that list grows past a fraction of the whole, so adding, revising or cancelling one notice
costs a query, not a recompute. Removed slots are tombstoned (``alive`` false).

Candidate pairs go through, in order and all vectorised: lon/lat boxes grown by the lateral buffer and
by each footprint's edge margin (the exact test draws edges straight in the pair's frame, and those bow
out of the vertices' box; conservatively, in degrees), different parties, vertical gap, time gap, then
*capsules*: each footprint carries a segment with an inner radius (the segment grown by it lies inside)
and an outer one (the footprint lies inside the segment grown by it), so a segment-to-segment distance
in NumPy, with a margin for frame distortion, decides most pairs at once. Only the pairs it leaves (and
footprints with no capsule: bounding circles first) take the exact test: footprints that intersect conflict; the
others are bracketed by their distance in degrees, and the rest are projected into a frame centred on
each pair and their planar distance compared with the buffer. The full check queries one STRtree per
slab of start times, so pairs far apart in time are never produced (:meth:`ConflictIndex.volume_pairs`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree

from airparley.geo import M_PER_NM, aeqd_xy, aeqd_xy_grouped, ecef
from airparley.strategic._conflict import Conflict, VolumePair, conflict_id
from airparley.strategic._frames import FRAME_COLUMNS, frame_params, frame_xy
from airparley.strategic._model import Buffers, Notice, Shape, Volume4D
from airparley.strategic._outline import outline_distance, point_segment_distance, segment_distance

__all__ = ["ConflictIndex", "VolumePairs", "lateral_within"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ArrayT = TypeVar("ArrayT", bound=np.ndarray[Any, Any])

#: Shortest length of one degree of latitude (at the equator), NM: growing a box by buffer/this is safe.
_NM_PER_DEG_LAT_MIN: Final = 59.7
#: One degree of longitude is at least this many NM times cos(latitude) on WGS84.
_NM_PER_DEG_LON_EQ: Final = 60.0
#: One degree, in any direction, is never longer than this many NM on WGS84 (1 deg of latitude at the pole).
_NM_PER_DEG_MAX: Final = 60.5
#: Relative margin kept around the degree bracket so rounding never decides a pair wrongly.
_BRACKET_SLACK: Final = 1e-3
#: The full check cuts the span of start times into about this many slabs (each no shorter than the
#: time buffer), with one STRtree each.
_TIME_SLABS: Final = 64
#: Within a time slab, volumes are binned by the floor of their band in layers this thick. Thinner layers
#: (5,000 ft) and a tree per party cut the candidates by 2.4 times at 20,000 notices, but the extra tree
#: queries cost more than they saved: 9.8 s against 7.6 s at 100,000 (20,000 ft: 7.5 s, within noise).
_LAYER_FT: Final = 20000.0
#: Candidate pairs gathered before they are filtered together (amortises the per-call overhead).
_FILTER_BATCH: Final = 262_144
#: Query volumes per batch of the full check, to bound the memory of candidate pairs.
_QUERY_BATCH: Final = 4096
#: Pairs evaluated exactly per batch, to bound memory at theatre scale.
_CHUNK: Final = 50_000
#: Bounding circles are padded by this much so rounding never rejects a real conflict.
_CIRCLE_SLACK_NM: Final = 0.01


#: Footprints reaching further than this from their centre get no capsule (frame distortion grows).
_CAPSULE_MAX_REACH_NM: Final = 100.0
#: Capsule bounds are trusted to this much (NM) plus this fraction of the pair's extent.
_CAPSULE_SLACK_NM: Final = 0.05
_CAPSULE_SLACK_REL: Final = 2e-3
#: Footprints fitted per batch.
_CAPSULE_BATCH: Final = 8192
#: Inserts of fewer volumes leave their capsules to the next full check.
_CAPSULE_MIN_INSERT: Final = 64
#: Polygons of one ring with at most this many coordinates (the closing one included) are compared
#: exactly, vertex by vertex, where the capsules leave a pair unsure (boxes: their capsules are loose).
_POLY_MAX_VERTICES: Final = 9
#: In the exact test's frame: two rings are measured as GEOS measures them, to this much (NM)...
_RING_SLACK_NM: Final = 1e-6
#: ...and a capsule's side keeps this much (NM) plus this fraction of its size, plus the frames'
#: distortion (twice (rho / R)^2, some six times the largest stretch between two such frames).
_PAIR_SLACK_NM: Final = 1e-4
_PAIR_SLACK_REL: Final = 1e-4
#: Unsure pairs compared outline to outline per batch (the temporaries are pairs x vertices^2).
_OUTLINE_BATCH: Final = 32_768
#: The edge margin's least value, NM (2 cm): more than the projections' rounding at theatre scale.
_EDGE_FLOOR_NM: Final = 1e-5
_WGS84_A: Final = 6378137.0
_EARTH_RADIUS_NM: Final = 6371000.0 / 1852.0
_WGS84_E2: Final = (1.0 / 298.257223563) * (2.0 - 1.0 / 298.257223563)


@dataclass(frozen=True)
class _Capsules:
    """Per footprint: a segment (lon/lat ends) and two radii, NM: the footprint holds the segment grown
    by ``inner`` (when ``inner`` >= 0) and lies within the segment grown by ``outer``."""

    ends: FloatArray  # (n, 4): lon0, lat0, lon1, lat1
    xy: FloatArray  # (n, 4): the same ends in the footprint's own frame, metres
    inner: FloatArray
    outer: FloatArray
    usable: BoolArray


def _capsules(
    geoms: npt.NDArray[np.object_],
    centre: FloatArray,
    x: FloatArray,
    y: FloatArray,
    owner: IntArray,
    reach: FloatArray,
    axis: FloatArray | None = None,
) -> _Capsules:
    """Fit a capsule in and around each footprint, in the footprint's own frame (``x``/``y``, metres).

    The segment runs along the principal axis of the vertices; ``outer`` is the largest distance from a
    vertex to it (a polygon lies in the convex hull of its vertices); ``inner`` is, for a polygon of one
    ring that holds the segment, the distance from the segment to the ring (the segment grown by it
    then lies inside, concave or not), else -1. Footprints reaching further than
    :data:`_CAPSULE_MAX_REACH_NM` are not ``usable``. Vectorised over footprints.
    """
    count = geoms.size
    sizes = np.bincount(owner, minlength=count)
    ends = np.zeros((count, 4))
    inner = np.full(count, -1.0)
    outer = np.full(count, np.inf)
    if count == 0 or np.any(sizes < 2):
        return _Capsules(ends, np.zeros((count, 4)), inner, outer, np.zeros(count, dtype=bool))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    mx = np.bincount(owner, weights=x, minlength=count) / sizes
    my = np.bincount(owner, weights=y, minlength=count) / sizes
    dx, dy = x - mx[owner], y - my[owner]
    sxx = np.bincount(owner, weights=dx * dx, minlength=count)
    syy = np.bincount(owner, weights=dy * dy, minlength=count)
    sxy = np.bincount(owner, weights=dx * dy, minlength=count)
    theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    ux, uy = np.cos(theta), np.sin(theta)
    t = x * ux[owner] + y * uy[owner]
    q = -x * uy[owner] + y * ux[owner]
    t_lo, t_hi = np.minimum.reduceat(t, first), np.maximum.reduceat(t, first)
    q_lo, q_hi = np.minimum.reduceat(q, first), np.maximum.reduceat(q, first)
    half = (q_hi - q_lo) / 2.0
    q_mid = (q_hi + q_lo) / 2.0
    s0, s1 = t_lo + half, t_hi - half
    short = s0 > s1
    s0 = np.where(short, (t_lo + t_hi) / 2.0, s0)
    s1 = np.where(short, s0, s1)
    # Back to lon/lat with the local radii of curvature; the ends are then projected again, and the
    # radii measured from where they really land, so this inverse need not be exact.
    lat_c = np.radians(centre[:, 1])
    w = 1.0 - _WGS84_E2 * np.sin(lat_c) ** 2
    m_per_deg_lat = np.radians(_WGS84_A * (1.0 - _WGS84_E2) / w**1.5)
    m_per_deg_lon = np.radians(_WGS84_A / np.sqrt(w) * np.cos(lat_c))
    ex0, ey0 = s0 * ux - q_mid * uy, s0 * uy + q_mid * ux
    ex1, ey1 = s1 * ux - q_mid * uy, s1 * uy + q_mid * ux
    ends[:, 0] = centre[:, 0] + ex0 / m_per_deg_lon
    ends[:, 1] = centre[:, 1] + ey0 / m_per_deg_lat
    ends[:, 2] = centre[:, 0] + ex1 / m_per_deg_lon
    ends[:, 3] = centre[:, 1] + ey1 / m_per_deg_lat
    if axis is not None:
        # A corridor or orbit of one leg is drawn around that leg: it is a far better axis than the
        # principal one of its vertices (0.02 NM between the radii, not 0.3), and the radii below are
        # measured from whatever segment is chosen, so they hold either way.
        known = np.all(np.isfinite(axis), axis=1)
        ends[known] = axis[known]
    ax, ay = aeqd_xy(ends[:, 0], ends[:, 1], centre[:, 0], centre[:, 1])
    bx, by = aeqd_xy(ends[:, 2], ends[:, 3], centre[:, 0], centre[:, 1])
    # Outer: the largest distance from a vertex to the segment.
    segx, segy = (bx - ax)[owner], (by - ay)[owner]
    seg2 = segx * segx + segy * segy
    px, py = x - ax[owner], y - ay[owner]
    with np.errstate(invalid="ignore", divide="ignore"):
        along = np.where(seg2 > 0.0, np.clip((px * segx + py * segy) / seg2, 0.0, 1.0), 0.0)
    outer = np.maximum.reduceat(np.hypot(px - along * segx, py - along * segy), first) / M_PER_NM
    # Inner: for one ring (a Polygon without holes, whose coordinates are that closed ring) holding the
    # segment, the distance from the segment to the ring: the segment grown by it stays inside.
    single = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0) & (sizes >= 4)
    edge = np.ones(x.size, dtype=bool)
    edge[first + sizes - 1] = False  # the last (closing) vertex starts no edge
    k = np.flatnonzero(edge)
    edge_owner = owner[k]
    edge_first = np.concatenate([[0], np.cumsum(sizes - 1)[:-1]])
    x0, y0, x1, y1 = x[k], y[k], x[k + 1], y[k + 1]
    sax, say, sbx, sby = ax[edge_owner], ay[edge_owner], bx[edge_owner], by[edge_owner]
    clearance = np.minimum.reduceat(segment_distance(sax, say, sbx, sby, x0, y0, x1, y1), edge_first)
    # Is the segment's first end inside the ring? (Ray to +x, crossings counted half-open.)
    straddles = (y0 > say) != (y1 > say)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross_x = x0 + (say - y0) * (x1 - x0) / (y1 - y0)
    crossings = np.bincount(edge_owner, weights=straddles & (sax < cross_x), minlength=count)
    inside = (crossings % 2) == 1
    inner = np.where(single & inside & (clearance > 1.0), clearance / M_PER_NM, -1.0)
    usable = (reach <= _CAPSULE_MAX_REACH_NM) & np.isfinite(outer) & np.all(np.isfinite(ends), axis=1)
    return _Capsules(ends, np.column_stack([ax, ay, bx, by]), inner, outer, usable)


def _core_radii(geoms: npt.NDArray[np.object_], x: FloatArray, y: FloatArray, owner: IntArray) -> FloatArray:
    """Per footprint, NM: the radius of the disc around its frame's centre that lies inside it, else -1.

    ``x``/``y`` are the vertices in the footprint's own frame (metres), whose origin is the centre, so
    the distance from the origin to the ring is a geodesic one. For a polygon of one ring holding its
    centre (circles, boxes, straight corridors and orbits, most shapes), the full check then calls a
    pair near from the chord between the centres alone (see ``ConflictIndex._filter``).
    """
    count = geoms.size
    core = np.full(count, -1.0)
    sizes = np.bincount(owner, minlength=count)
    if count == 0 or np.any(sizes < 2):
        return core
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    single = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0) & (sizes >= 4)
    edge = np.ones(x.size, dtype=bool)
    edge[first + sizes - 1] = False  # the last (closing) vertex starts no edge
    k = np.flatnonzero(edge)
    edge_owner = owner[k]
    edge_first = np.concatenate([[0], np.cumsum(sizes - 1)[:-1]])
    x0, y0, x1, y1 = x[k], y[k], x[k + 1], y[k + 1]
    clearance = np.minimum.reduceat(point_segment_distance(0.0, 0.0, x0, y0, x1, y1), edge_first)
    # Is the origin inside the ring? (Ray to +x, crossings counted half-open, as for the capsules.)
    straddles = (y0 > 0.0) != (y1 > 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross_x = x0 - y0 * (x1 - x0) / (y1 - y0)
    crossings = np.bincount(edge_owner, weights=straddles & (cross_x > 0.0), minlength=count)
    inside = (crossings % 2) == 1
    core = np.where(single & inside & (clearance > 1.0), clearance / M_PER_NM, -1.0)
    return core


def _leg(volume: Volume4D) -> tuple[float, float, float, float]:
    """The one leg (lon0, lat0, lon1, lat1) a corridor or orbit is drawn around, else NaNs."""
    coordinates = volume.geometry.get("coordinates")
    if (
        volume.shape in (Shape.CORRIDOR, Shape.ORBIT)
        and isinstance(coordinates, list | tuple)
        and len(coordinates) == 2
    ):
        try:
            (lon0, lat0), (lon1, lat1) = coordinates
            return float(lon0), float(lat0), float(lon1), float(lat1)
        except (TypeError, ValueError):
            pass
    return (np.nan, np.nan, np.nan, np.nan)


def _edge_margin_nm(
    edge_nm: FloatArray, reach_nm: FloatArray, abs_lat_deg: FloatArray, lateral_nm: float
) -> FloatArray:
    """How far (NM) a footprint, as the exact test draws it, can stray outside the lon/lat box of its vertices.

    :func:`volume_conflict` draws each edge straight in the pair's azimuthal equidistant frame, not along
    the lon/lat segment between its ends. Such an edge lies near the geodesic between them, which bows
    poleward of a parallel by ``L^2 tan(lat) / (8 R)`` (an edge ``L`` long), and departs from that geodesic
    by about ``L^2 rho / (12 R^2)`` at ``rho`` from the frame's centre (the frame's radial stretch against
    the gnomonic one, where geodesics are straight). For a pair within the buffer, ``rho`` is at most
    ``3 r_a + 2 r_b + buffer`` (``r`` the reach from each footprint's centre); the cross term
    ``L_a^2 r_b`` is split by Young's inequality (``x^2 y <= 2 x^3 / 3 + y^3 / 3``), so each side carries
    its own share and the margin of a pair is the sum of two per-footprint margins. The bow keeps a
    factor 1.25 over its first-order value (the ellipsoid), the departure a factor 3, and the whole
    :data:`_EDGE_FLOOR_NM` for the projections' rounding.
    """
    radius = _EARTH_RADIUS_NM
    edge_sq = edge_nm * edge_nm
    tan_lat = np.tan(np.radians(np.minimum(abs_lat_deg + edge_nm / _NM_PER_DEG_LAT_MIN, 89.0)))
    bow = 1.25 * edge_sq * tan_lat / (8.0 * radius)
    departure = (edge_sq * (3.0 * reach_nm + lateral_nm) / 4.0 + edge_sq * edge_nm / 3.0 + reach_nm**3 / 6.0) / (
        radius * radius
    )
    margin: FloatArray = bow + departure + _EDGE_FLOOR_NM
    return margin


def _longest_edges(lengths: FloatArray, owner: npt.NDArray[np.intp], count: int) -> FloatArray:
    """Per geometry, the longest of its edges, from the lengths between consecutive coordinates
    (``lengths[i]`` from coordinate ``i`` to ``i + 1``; a step into the next geometry is no edge, and a
    step between two rings of one polygon only overstates)."""
    longest = np.zeros(count)
    if lengths.size:
        inside = owner[:-1] == owner[1:]
        np.maximum.at(longest, owner[:-1][inside], lengths[inside])
    return longest


def _lonlat_margins(geoms: npt.NDArray[np.object_], bounds: FloatArray, lateral_nm: float) -> FloatArray:
    """:func:`_edge_margin_nm` of lon/lat footprints (``bounds`` theirs), from their degrees (overstating, never
    understating)."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    steps = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1])) * _NM_PER_DEG_MAX
    reach = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) * (_NM_PER_DEG_MAX / 2.0)
    return _edge_margin_nm(_longest_edges(steps, owner, geoms.size), reach, _abs_lat(bounds), lateral_nm)


def _project_pairs(geoms: npt.NDArray[np.object_], lon0: FloatArray, lat0: FloatArray) -> npt.NDArray[np.object_]:
    """Each lon/lat geometry in the azimuthal-equidistant frame of its own centre (metres)."""
    _, owner = shapely.get_coordinates(geoms, return_index=True)

    def to_xy(coords: FloatArray) -> FloatArray:
        x, y = aeqd_xy_grouped(coords[:, 0], coords[:, 1], owner, lon0, lat0)
        return np.column_stack([x, y])

    projected: npt.NDArray[np.object_] = shapely.transform(geoms, to_xy)
    return projected


def _abs_lat(bounds: FloatArray) -> FloatArray:
    """Per lon/lat box (minx, miny, maxx, maxy), the largest |latitude| it reaches."""
    widest: FloatArray = np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3]))
    return widest


def _max_abs_lat(bounds_a: FloatArray, bounds_b: FloatArray) -> FloatArray:
    extremes: FloatArray = np.abs(np.column_stack([bounds_a[:, 1], bounds_a[:, 3], bounds_b[:, 1], bounds_b[:, 3]]))
    widest: FloatArray = extremes.max(axis=1)
    return widest


def lateral_within(geoms_a: npt.NDArray[np.object_], geoms_b: npt.NDArray[np.object_], lateral_nm: float) -> BoolArray:
    """For each pair of lon/lat footprints: is the horizontal distance between them < ``lateral_nm``?

    Vectorised over pairs. Footprints that intersect are at distance 0. For the others, the planar
    distance in degrees brackets the true one: one degree is at most :data:`_NM_PER_DEG_MAX` NM in any
    direction and at least ``_NM_PER_DEG_LAT_MIN * cos(latitude)``, and the exact test's straight edges
    stray from the lon/lat ones by at most :func:`_edge_margin_nm` on each side, so most pairs are
    decided at once; only those whose bracket straddles the buffer are measured exactly, each in a frame
    centred on the middle of its bounding box.
    """
    result = np.asarray(shapely.intersects(geoms_a, geoms_b), dtype=bool)
    rest = np.flatnonzero(~result)
    if rest.size == 0:
        return result
    a, b = geoms_a[rest], geoms_b[rest]
    bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)
    degrees = shapely.distance(a, b)
    margin_nm = _lonlat_margins(a, bounds_a, lateral_nm) + _lonlat_margins(b, bounds_b, lateral_nm)
    cos_lat = np.cos(np.radians(np.minimum(_max_abs_lat(bounds_a, bounds_b), 89.9)))
    shortest_nm = degrees * _NM_PER_DEG_LAT_MIN * cos_lat - margin_nm
    longest_nm = degrees * _NM_PER_DEG_MAX + margin_nm
    result[rest[longest_nm < lateral_nm * (1.0 - _BRACKET_SLACK)]] = True
    unsure = (shortest_nm < lateral_nm * (1.0 + _BRACKET_SLACK)) & (longest_nm >= lateral_nm * (1.0 - _BRACKET_SLACK))
    for start in range(0, int(unsure.sum()), _CHUNK):
        chunk = np.flatnonzero(unsure)[start : start + _CHUNK]
        ba, bb = bounds_a[chunk], bounds_b[chunk]
        lon0 = (np.minimum(ba[:, 0], bb[:, 0]) + np.maximum(ba[:, 2], bb[:, 2])) / 2.0
        lat0 = (np.minimum(ba[:, 1], bb[:, 1]) + np.maximum(ba[:, 3], bb[:, 3])) / 2.0
        pa = _project_pairs(a[chunk], lon0, lat0)
        pb = _project_pairs(b[chunk], lon0, lat0)
        result[rest[chunk]] = shapely.distance(pa, pb) < lateral_nm * M_PER_NM
    return result


@dataclass(frozen=True)
class _Bin:
    """The volumes of one time slab in one altitude layer, with their tree: ``members``
    are positions in start order; ``lowest_ft``/``highest_ft`` bound their bands."""

    members: IntArray
    tree: STRtree
    lowest_ft: float
    highest_ft: float


@dataclass(frozen=True)
class _Slabs:
    """The full check's time slabs: live slots in start order, each one's last slab, each slab's first
    position (``bounds``) and bins, each slot's box grown by the lateral buffer, its band, window and party
    (all by position in start order)."""

    slots: IntArray
    last: IntArray
    bounds: IntArray
    bins: list[list[_Bin]]
    boxes: npt.NDArray[np.object_]
    lower: FloatArray
    upper: FloatArray
    start: FloatArray
    end: FloatArray
    party: IntArray


@dataclass(frozen=True)
class VolumePairs:
    """Conflicting volume pairs as columns of slot numbers (``a`` < ``b``), before grouping by notice."""

    a: IntArray
    b: IntArray

    def __len__(self) -> int:
        return int(self.a.size)


class ConflictIndex:
    """Notices of every party, indexed so that one notice can be checked against all the others.

    >>> index = ConflictIndex(Buffers(lateral_nm=5, vertical_ft=1000, time_min=10))
    >>> len(index)
    0
    """

    def __init__(self, buffers: Buffers | None = None) -> None:
        self.buffers = buffers or Buffers()
        self._capacity = 0
        self._size = 0
        self._alive = np.zeros(0, dtype=bool)
        self._party = np.zeros(0, dtype=np.int64)
        self._notice = np.zeros(0, dtype=np.int64)
        self._volume_number = np.zeros(0, dtype=np.int64)
        self._lower = np.zeros(0)
        self._upper = np.zeros(0)
        self._start = np.zeros(0)
        self._end = np.zeros(0)
        self._bounds = np.zeros((0, 4))
        self._centre = np.zeros((0, 2))
        self._radius_nm = np.zeros(0)
        self._core_nm = np.zeros(0)
        self._edge_nm = np.zeros(0)
        self._geoms = np.zeros(0, dtype=object)
        self._boxes = np.zeros(0, dtype=object)
        self._tree_boxes = np.zeros(0, dtype=object)
        self._boxes_buffers = self.buffers
        self._cap_ends = np.zeros((0, 4))
        self._cap_xy = np.zeros((0, 4))
        self._cap_inner = np.zeros(0)
        self._cap_outer = np.zeros(0)
        self._cap_usable = np.zeros(0, dtype=bool)
        self._poly = np.zeros((0, _POLY_MAX_VERTICES, 2))
        self._poly_ecef = np.zeros((0, _POLY_MAX_VERTICES, 3))
        self._frame = np.zeros((0, FRAME_COLUMNS))
        self._cap_ecef = np.zeros((0, 6))
        self._axis = np.zeros((0, 4))
        self._poly_count = np.zeros(0, dtype=np.int64)
        self._cap_pending: list[int] = []
        self._parties: dict[str, int] = {}
        self._notices: dict[str, Notice] = {}
        self._notice_slot: dict[str, int] = {}
        self._notice_list: list[Notice | None] = []
        self._slots_of: dict[str, IntArray] = {}
        self._tree: STRtree | None = None
        self._tree_size = 0

    # -- bookkeeping -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._notices)

    def __contains__(self, notice_id: object) -> bool:
        return notice_id in self._notices

    def notices(self) -> list[Notice]:
        return list(self._notices.values())

    def get(self, notice_id: str) -> Notice | None:
        return self._notices.get(notice_id)

    def _grow(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        capacity = max(needed, 2 * self._capacity, 1024)

        def resize(array: ArrayT) -> ArrayT:
            grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            grown[: self._size] = array[: self._size]
            return grown  # type: ignore[return-value]

        self._alive = resize(self._alive)
        self._party = resize(self._party)
        self._notice = resize(self._notice)
        self._volume_number = resize(self._volume_number)
        self._lower = resize(self._lower)
        self._upper = resize(self._upper)
        self._start = resize(self._start)
        self._end = resize(self._end)
        self._bounds = resize(self._bounds)
        self._centre = resize(self._centre)
        self._radius_nm = resize(self._radius_nm)
        self._core_nm = resize(self._core_nm)
        self._edge_nm = resize(self._edge_nm)
        self._cap_ends = resize(self._cap_ends)
        self._cap_xy = resize(self._cap_xy)
        self._cap_inner = resize(self._cap_inner)
        self._cap_outer = resize(self._cap_outer)
        self._cap_usable = resize(self._cap_usable)
        self._poly = resize(self._poly)
        self._poly_ecef = resize(self._poly_ecef)
        self._frame = resize(self._frame)
        self._cap_ecef = resize(self._cap_ecef)
        self._axis = resize(self._axis)
        self._poly_count = resize(self._poly_count)
        geoms = np.empty(capacity, dtype=object)
        geoms[: self._size] = self._geoms[: self._size]
        self._geoms = geoms
        boxes = np.empty(capacity, dtype=object)
        boxes[: self._size] = self._boxes[: self._size]
        self._boxes = boxes
        tree_boxes = np.empty(capacity, dtype=object)
        tree_boxes[: self._size] = self._tree_boxes[: self._size]
        self._tree_boxes = tree_boxes
        self._capacity = capacity

    def _insert(self, notices: list[Notice]) -> IntArray:
        volumes = [(n, i, v) for n in notices for i, v in enumerate(n.volumes)]
        count = len(volumes)
        first = self._size
        self._grow(first + count)
        slots = np.arange(first, first + count, dtype=np.int64)
        geoms = np.array([v.footprint for _, _, v in volumes], dtype=object)
        # Each footprint meets many others: prepared geometries make those predicates much cheaper.
        # (Preparing caches an index inside the geometry; it changes no coordinate or answer.)
        shapely.prepare(geoms)
        bounds = shapely.bounds(geoms)
        centre = np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0])
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        # Distances from a frame's centre are the geodesic ones, and the kernel is cheaper than Geod.
        x, y = aeqd_xy_grouped(coords[:, 0], coords[:, 1], owner, centre[:, 0], centre[:, 1])
        reach = np.hypot(x, y) / M_PER_NM
        radius = np.zeros(count)
        np.maximum.at(radius, owner, reach)
        edge_nm = _longest_edges(np.hypot(np.diff(x), np.diff(y)) / M_PER_NM, owner, count)
        for notice in notices:
            self._notice_slot[notice.notice_id] = len(self._notice_list)
            self._notice_list.append(notice)
            self._notices[notice.notice_id] = notice
            self._parties.setdefault(notice.party, len(self._parties))
        self._alive[slots] = True
        self._party[slots] = [self._parties[n.party] for n, _, _ in volumes]
        self._notice[slots] = [self._notice_slot[n.notice_id] for n, _, _ in volumes]
        self._volume_number[slots] = [i for _, i, _ in volumes]
        self._lower[slots] = [v.lower_ft for _, _, v in volumes]
        self._upper[slots] = [v.upper_ft for _, _, v in volumes]
        self._start[slots] = [v.start_s for _, _, v in volumes]
        self._end[slots] = [v.end_s for _, _, v in volumes]
        self._bounds[slots] = bounds
        self._centre[slots] = centre
        self._axis[slots] = [_leg(v) for _, _, v in volumes]
        self._frame[slots] = frame_params(centre[:, 0], centre[:, 1])
        self._radius_nm[slots] = radius
        self._core_nm[slots] = _core_radii(geoms, x, y, owner)
        self._edge_nm[slots] = edge_nm
        self._geoms[slots] = geoms
        # The boxes are made once per volume: making them per full check costs as much as a tenth of
        # it (each new geometry is a Python object, and enough of them wake the collector).
        self._boxes[slots] = self._box_geoms(slots, self.buffers.lateral_nm)
        self._tree_boxes[slots] = self._box_geoms(slots, 0.0)
        self._store_polygons(slots, geoms, coords, owner, radius)
        if count >= _CAPSULE_MIN_INSERT:
            self._fit_capsules(slots, x, y, owner)
        else:
            # One notice at a time (add-and-check): fitting costs more than it saves on its few pairs,
            # so its slots go through the bounding circles and the exact test until the next full check.
            self._cap_pending.extend(slots.tolist())
        self._size = first + count
        cursor = first
        for notice in notices:
            count_of = len(notice.volumes)
            self._slots_of[notice.notice_id] = np.arange(cursor, cursor + count_of, dtype=np.int64)
            cursor += count_of
        return slots

    def _store_polygons(
        self, slots: IntArray, geoms: npt.NDArray[np.object_], coords: FloatArray, owner: IntArray, reach: FloatArray
    ) -> None:
        """Keep the lon/lat ring of each small polygon (one ring, few vertices), padded with its last one."""
        sizes = np.bincount(owner, minlength=slots.size)
        small = (
            (shapely.get_type_id(geoms) == 3)
            & (shapely.get_num_interior_rings(geoms) == 0)
            & (sizes >= 4)
            & (sizes <= _POLY_MAX_VERTICES)
            & (reach <= _CAPSULE_MAX_REACH_NM)
        )
        self._poly_count[slots] = np.where(small, sizes, 0)
        if not small.any():
            return
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rows = np.flatnonzero(small)
        column = np.minimum(np.arange(_POLY_MAX_VERTICES)[None, :], sizes[rows, None] - 1)
        ring = coords[first[rows, None] + column]
        self._poly[slots[rows]] = ring
        self._poly_ecef[slots[rows]] = np.stack(ecef(ring[:, :, 0], ring[:, :, 1]), axis=-1)

    def _fit_capsules(self, slots: IntArray, x: FloatArray, y: FloatArray, owner: IntArray) -> None:
        """Fit the capsules of ``slots`` (consecutive rows of ``owner``; ``x``/``y`` in their own frames)."""
        # In batches of footprints, so the per-edge temporaries stay small at theatre scale.
        for low in range(0, slots.size, _CAPSULE_BATCH):
            high = min(low + _CAPSULE_BATCH, slots.size)
            rows = slice(*np.searchsorted(owner, [low, high]))
            part = slots[low:high]
            capsules = _capsules(
                self._geoms[part],
                self._centre[part],
                x[rows],
                y[rows],
                owner[rows] - low,
                self._radius_nm[part],
                self._axis[part],
            )
            self._cap_ends[part] = capsules.ends
            ends = capsules.ends
            self._cap_ecef[part] = np.column_stack([*ecef(ends[:, 0], ends[:, 1]), *ecef(ends[:, 2], ends[:, 3])])
            self._cap_xy[part] = capsules.xy
            self._cap_inner[part] = capsules.inner
            self._cap_outer[part] = capsules.outer
            self._cap_usable[part] = capsules.usable

    def _fit_pending_capsules(self) -> None:
        pending = np.asarray(self._cap_pending, dtype=np.int64)
        self._cap_pending = []
        pending = pending[self._alive[pending]]
        if pending.size == 0:
            return
        coords, owner = shapely.get_coordinates(self._geoms[pending], return_index=True)
        centre = self._centre[pending]
        x, y = aeqd_xy_grouped(coords[:, 0], coords[:, 1], owner, centre[:, 0], centre[:, 1])
        self._fit_capsules(pending, x, y, owner)

    def _retire(self, notice_id: str) -> None:
        slots = self._slots_of.pop(notice_id, None)
        if slots is not None:
            self._alive[slots] = False
            self._notice_list[self._notice_slot.pop(notice_id)] = None
        self._notices.pop(notice_id, None)

    def rebuild(self) -> None:
        """Rebuild the tree over all live slots (compacting away removed ones first if many)."""
        self._refresh_boxes()
        self._tree = STRtree(self._tree_boxes[: self._size])
        self._tree_size = self._size

    def _maybe_rebuild(self) -> None:
        recent = self._size - self._tree_size
        if recent > max(4096, self._tree_size // 4):
            self.rebuild()

    # -- changes -----------------------------------------------------------------------------------
    def add(self, notice: Notice) -> list[Conflict]:
        """Add a notice, or replace the indexed revision of the same id, and return its conflicts.

        A notice that does not take part (draft, closed, cancelled) is removed from the index instead.
        """
        self._retire(notice.notice_id)
        if not notice.takes_part:
            return []
        self._insert([notice])
        self._maybe_rebuild()
        return self.conflicts_of(notice.notice_id)

    def remove(self, notice_id: str) -> None:
        """Take a notice out (cancelled or closed); its conflicts disappear with it."""
        self._retire(notice_id)

    def extend(self, notices: Iterable[Notice]) -> None:
        """Bulk load (replacing any indexed revisions), then rebuild the tree once."""
        fresh: dict[str, Notice] = {}
        for notice in notices:
            self._retire(notice.notice_id)
            fresh.pop(notice.notice_id, None)
            if notice.takes_part:
                fresh[notice.notice_id] = notice
        if fresh:
            self._insert(list(fresh.values()))
        self.rebuild()

    @classmethod
    def build(cls, notices: Iterable[Notice], buffers: Buffers | None = None) -> ConflictIndex:
        index = cls(buffers)
        index.extend(notices)
        return index

    # -- queries -----------------------------------------------------------------------------------
    def _margins(self, slots: IntArray) -> FloatArray:
        """Each slot's :func:`_edge_margin_nm` under the current buffers."""
        abs_lat = _abs_lat(self._bounds[slots])
        return _edge_margin_nm(self._edge_nm[slots], self._radius_nm[slots], abs_lat, self.buffers.lateral_nm)

    def _grown_boxes(self, slots: IntArray, lateral: float) -> FloatArray:
        """Each slot's lon/lat box grown by ``lateral`` plus its edge margin (NM), conservatively in degrees.

        A pair within the buffer has its query box (grown by the buffer) meet the other's tree box (grown
        by nothing): both carry their own margin, since the exact test's edges leave the vertices' box.
        """
        bounds = self._bounds[slots]
        reach = lateral + self._margins(slots)
        dlat = reach / _NM_PER_DEG_LAT_MIN
        worst_lat = np.minimum(_abs_lat(bounds) + dlat, 90.0)
        cos_lat = np.cos(np.radians(worst_lat))
        with np.errstate(divide="ignore"):
            dlon = np.where(cos_lat > 1e-6, reach / (_NM_PER_DEG_LON_EQ * cos_lat), 360.0)
        return np.column_stack([bounds[:, 0] - dlon, bounds[:, 1] - dlat, bounds[:, 2] + dlon, bounds[:, 3] + dlat])

    def _box_geoms(self, slots: IntArray, lateral: float) -> npt.NDArray[np.object_]:
        grown = self._grown_boxes(slots, lateral)
        made: npt.NDArray[np.object_] = shapely.box(grown[:, 0], grown[:, 1], grown[:, 2], grown[:, 3])
        return made

    def _refresh_boxes(self) -> None:
        """Remake the boxes (and so the tree) when the buffers changed since they were made."""
        if self._boxes_buffers == self.buffers:
            return
        every = np.arange(self._size)
        self._boxes[: self._size] = self._box_geoms(every, self.buffers.lateral_nm)
        self._tree_boxes[: self._size] = self._box_geoms(every, 0.0)
        self._boxes_buffers = self.buffers
        if self._tree is not None:
            self._tree = STRtree(self._tree_boxes[: self._tree_size])

    def _query_boxes(self, slots: IntArray) -> npt.NDArray[np.object_]:
        """Each slot's footprint box grown by the lateral buffer, as a geometry (made on insert)."""
        self._refresh_boxes()
        boxes: npt.NDArray[np.object_] = self._boxes[slots]
        return boxes

    def _candidates(self, slots: IntArray) -> tuple[IntArray, IntArray]:
        """Pairs (query slot, other slot) whose grown boxes touch, from the tree and the recent list."""
        self._refresh_boxes()
        boxes = self._grown_boxes(slots, self.buffers.lateral_nm)
        firsts: list[IntArray] = []
        seconds: list[IntArray] = []
        if self._tree is not None and self._tree_size:
            hits = self._tree.query(self._query_boxes(slots))
            firsts.append(slots[hits[0]])
            seconds.append(hits[1].astype(np.int64))
        if self._size > self._tree_size:
            recent = np.arange(self._tree_size, self._size)
            rb = self._grown_boxes(recent, 0.0)
            touch = (
                (boxes[:, None, 0] <= rb[None, :, 2])
                & (boxes[:, None, 2] >= rb[None, :, 0])
                & (boxes[:, None, 1] <= rb[None, :, 3])
                & (boxes[:, None, 3] >= rb[None, :, 1])
            )
            qi, ri = np.nonzero(touch)
            firsts.append(slots[qi])
            seconds.append(recent[ri])
        if not firsts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(firsts), np.concatenate(seconds)

    def _filter(
        self, a: IntArray, b: IntArray, lock: threading.Lock | None = None, screened: bool = False
    ) -> tuple[IntArray, IntArray]:
        """Keep the candidate pairs that conflict under the exact criterion (``screened``: live pairs of
        different parties whose bands and windows are already known to be within the buffers)."""
        buffers = self.buffers
        if not screened:
            keep = self._alive[a] & self._alive[b] & (self._party[a] != self._party[b])
            a, b = a[keep], b[keep]
            vertical_gap = np.maximum(
                0.0, np.maximum(self._lower[a], self._lower[b]) - np.minimum(self._upper[a], self._upper[b])
            )
            time_gap = np.maximum(
                0.0, np.maximum(self._start[a], self._start[b]) - np.minimum(self._end[a], self._end[b])
            )
            keep = (vertical_gap < buffers.vertical_ft) & (time_gap < buffers.time_s)
            a, b = a[keep], b[keep]
        if a.size == 0:
            return a, b
        # Centre chords: a chord is never longer than the geodesic between the centres, and each
        # footprint lies within its radius of its centre, so a chord longer than both radii plus the
        # buffer (and the capsules' margin) puts the pair apart; a few flops a pair, before the capsules.
        radius_a, radius_b = self._radius_nm[a], self._radius_nm[b]
        delta = self._frame[a, :3] - self._frame[b, :3]
        chord = np.sqrt(np.einsum("ij,ij->i", delta, delta)) / M_PER_NM
        spread = chord + radius_a + radius_b
        # The exact test's frame stretches by well under (spread / R)^2 over the pair's extent.
        relative = _CAPSULE_SLACK_REL + (spread / _EARTH_RADIUS_NM) ** 2
        apart = (
            (radius_a <= _CAPSULE_MAX_REACH_NM)
            & (radius_b <= _CAPSULE_MAX_REACH_NM)
            & (chord - radius_a - radius_b - _CAPSULE_SLACK_NM - relative * spread >= buffers.lateral_nm)
        )
        # Core discs, the same chord the other way: each footprint holds the disc of its core radius
        # around its centre, and a geodesic is longer than its chord by far less than (spread / R)^2, so
        # a chord shorter than the buffer plus both core radii (less the same margins) puts the pair
        # within the buffer. Most overlapping pairs end here, a few flops each, before the capsules.
        core_a, core_b = self._core_nm[a], self._core_nm[b]
        sure = (
            (radius_a <= _CAPSULE_MAX_REACH_NM)
            & (radius_b <= _CAPSULE_MAX_REACH_NM)
            & (core_a >= 0.0)
            & (core_b >= 0.0)
            & (chord - core_a - core_b + _CAPSULE_SLACK_NM + relative * spread < buffers.lateral_nm)
        )
        near = sure[~apart]
        a, b = a[~apart], b[~apart]
        rest = np.flatnonzero(~near)
        if rest.size:
            near[rest] = self._bracket(a[rest], b[rest], lock)
        return a[near], b[near]

    def _bracket(self, a: IntArray, b: IntArray, lock: threading.Lock | None) -> BoolArray:
        """Which of the pairs (already through the party, band, time and chord tests) conflict: bounding
        circles where there are no capsules, then the capsules, the outlines and the exact test."""
        buffers = self.buffers
        near = np.zeros(a.size, dtype=bool)
        rows = np.arange(a.size)
        # Bounding circles, for the pairs the capsules (which hold that test too) cannot judge.
        bare = np.flatnonzero(~(self._cap_usable[a] & self._cap_usable[b]))
        if bare.size:
            ca, cb = a[bare], b[bare]
            x, y = aeqd_xy(self._centre[cb, 0], self._centre[cb, 1], self._centre[ca, 0], self._centre[ca, 1])
            centres = np.hypot(x, y) / M_PER_NM
            # Radii are measured to the vertices; the exact test's edges may stray by the edge margins.
            edges = self._margins(ca) + self._margins(cb)
            reach = self._radius_nm[ca] + self._radius_nm[cb] + edges + buffers.lateral_nm + _CIRCLE_SLACK_NM
            keep = np.ones(a.size, dtype=bool)
            keep[bare] = centres < reach
            a, b, rows = a[keep], b[keep], rows[keep]
        if a.size == 0:
            return near
        within, far = self._capsule_bracket(a, b)
        unsure = np.flatnonzero(~within & ~far)
        if unsure.size:
            sure_near, sure_far = self._outline_bracket(a[unsure], b[unsure])
            within[unsure[sure_near]] = True
            unsure = unsure[~sure_near & ~sure_far]
        if lock is None:
            within[unsure] = lateral_within(self._geoms[a[unsure]], self._geoms[b[unsure]], buffers.lateral_nm)
        else:
            with lock:
                within[unsure] = lateral_within(self._geoms[a[unsure]], self._geoms[b[unsure]], buffers.lateral_nm)
        near[rows] = within
        return near

    def _capsule_bracket(self, a: IntArray, b: IntArray) -> tuple[BoolArray, BoolArray]:
        """Pairs the capsules decide: surely within the lateral buffer, surely not (NumPy only)."""
        lateral = self.buffers.lateral_nm
        usable = np.flatnonzero(self._cap_usable[a] & self._cap_usable[b])
        near = np.zeros(a.size, dtype=bool)
        far = np.zeros(a.size, dtype=bool)
        if usable.size == 0:
            return near, far
        a, b = a[usable], b[usable]
        # In A's own frame, where A's capsule was fitted: only B's two ends need projecting (their
        # ECEF points and A's frame are kept, so this is the kernel without its trigonometry).
        eb = self._cap_ecef[b]
        bx, by = frame_xy(eb[:, 0::3], eb[:, 1::3], eb[:, 2::3], self._frame[a][:, None, :])
        bx /= M_PER_NM
        by /= M_PER_NM
        axy = self._cap_xy[a] / M_PER_NM
        gap = segment_distance(axy[:, 0], axy[:, 1], axy[:, 2], axy[:, 3], bx[:, 0], by[:, 0], bx[:, 1], by[:, 1])
        outer_a, outer_b = self._cap_outer[a], self._cap_outer[b]
        extent = np.hypot(axy[:, 2] - axy[:, 0], axy[:, 3] - axy[:, 1]) + np.hypot(
            bx[:, 1] - bx[:, 0], by[:, 1] - by[:, 0]
        )
        # This frame and the exact test's (centred between A and B) each stretch distances by up to
        # (rho / R)^2 / 6 at rho from their centre; rho here bounds both (twice over for the other's).
        rho = np.maximum(
            np.hypot(bx, by).max(axis=1) + outer_b, np.hypot(axy[:, 0::2], axy[:, 1::2]).max(axis=1) + outer_a
        )
        relative = _CAPSULE_SLACK_REL + (rho / _EARTH_RADIUS_NM) ** 2
        slack = _CAPSULE_SLACK_NM + relative * (extent + outer_a + outer_b + gap)
        inner_a, inner_b = self._cap_inner[a], self._cap_inner[b]
        near[usable] = (inner_a >= 0.0) & (inner_b >= 0.0) & (gap - inner_a - inner_b + slack < lateral)
        far[usable] = gap - outer_a - outer_b - slack >= lateral
        return near, far

    def _outline_bracket(self, a: IntArray, b: IntArray) -> tuple[BoolArray, BoolArray]:
        """The pairs the capsules left, decided again in the exact test's own frame (NumPy only).

        Each side is its ring when it is a small polygon (then it *is* the footprint), else its capsule
        (segment and radii). Both are drawn in the frame :func:`lateral_within` measures in (centred on
        the middle of the pair's bounds, the same kernel), so a pair of rings is measured as GEOS
        measures it, to rounding. A capsule's radii were measured in its own frame: its side keeps a
        margin for the difference between the two frames over its size.
        """
        lateral = self.buffers.lateral_nm
        near = np.zeros(a.size, dtype=bool)
        far = np.zeros(a.size, dtype=bool)
        poly_a, poly_b = self._poly_count[a] > 0, self._poly_count[b] > 0
        chosen = np.flatnonzero((poly_a | self._cap_usable[a]) & (poly_b | self._cap_usable[b]))
        # The distance is symmetric: the side with more vertices goes first, so that a ring against a
        # capsule (most of these pairs) pads only the ring's side to its size, not the capsule's too.
        swap = self._poly_count[b] > self._poly_count[a]
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        # Batches of pairs with the same padded widths: most are capsule against capsule (two vertices),
        # and a few rings in a batch must not pad every row to their size.
        widths = np.maximum(self._poly_count[a[chosen]], 2) * (_POLY_MAX_VERTICES + 1) + np.maximum(
            self._poly_count[b[chosen]], 2
        )
        chosen = chosen[np.argsort(widths, kind="stable")]
        widths = np.sort(widths, kind="stable")
        cuts = np.flatnonzero(np.diff(widths)) + 1
        batches = [
            part[low : low + _OUTLINE_BATCH]
            for part in np.split(chosen, cuts)
            for low in range(0, part.size, _OUTLINE_BATCH)
        ]
        for rows in batches:
            sa, sb = a[rows], b[rows]
            ba, bb = self._bounds[sa], self._bounds[sb]
            lon0 = (np.minimum(ba[:, 0], bb[:, 0]) + np.maximum(ba[:, 2], bb[:, 2])) / 2.0
            lat0 = (np.minimum(ba[:, 1], bb[:, 1]) + np.maximum(ba[:, 3], bb[:, 3])) / 2.0
            params = frame_params(lon0, lat0)[:, None, :]
            sides = []
            for s in (sa, sb):
                filled = self._poly_count[s] > 0
                width = max(2, int(self._poly_count[s].max()))
                points = self._poly_ecef[s, :width]
                ends = self._cap_ecef[s[~filled]]
                points[~filled, 0] = ends[:, 0:3]
                points[~filled, 1:] = ends[:, None, 3:6]
                x, y = frame_xy(points[:, :, 0], points[:, :, 1], points[:, :, 2], params)
                x /= M_PER_NM
                y /= M_PER_NM
                inner = np.where(filled, 0.0, self._cap_inner[s])
                outer = np.where(filled, 0.0, self._cap_outer[s])
                extent = np.hypot(x.max(axis=1) - x.min(axis=1), y.max(axis=1) - y.min(axis=1))
                # Furthest any of its points lies from either frame's centre (its own, the pair's).
                rho = np.maximum(np.hypot(x, y).max(axis=1) + outer, self._radius_nm[s])
                relative = _PAIR_SLACK_REL + 2.0 * (rho / _EARTH_RADIUS_NM) ** 2
                slack = np.where(filled, 0.0, _PAIR_SLACK_NM + relative * (extent + outer))
                sides.append((x, y, filled, inner, outer, slack))
            (ax, ay, fa, inner_a, outer_a, slack_a), (bx, by, fb, inner_b, outer_b, slack_b) = sides
            gap = outline_distance(ax, ay, fa, bx, by, fb)
            slack = _RING_SLACK_NM + slack_a + slack_b
            near[rows] = (inner_a >= 0.0) & (inner_b >= 0.0) & (gap - inner_a - inner_b + slack < lateral)
            far[rows] = gap - outer_a - outer_b - slack >= lateral
        return near, far

    def volume_pairs(self, workers: int = 1) -> VolumePairs:
        """Every conflicting volume pair in the index (the full check), as slot columns.

        Time first: live volumes are sorted by start and cut into slabs of at least the time buffer,
        one STRtree per slab. Each volume queries, with its grown box, only the slabs from its own to the
        one holding ``end + time buffer``, and keeps the partners that start after it (ties broken by
        slot), so each pair is met once and pairs far apart in time are never produced.

        The slabs are independent: with ``workers`` > 1 they are shared out to that many threads (NumPy
        and GEOS release the GIL in their loops). The answer is the same, in the same order, either way.
        """
        self._fit_pending_capsules()
        self._refresh_boxes()
        slots = np.flatnonzero(self._alive[: self._size]).astype(np.int64)
        if slots.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return VolumePairs(empty, empty)
        slots = slots[np.lexsort((slots, self._start[slots]))]
        start = self._start[slots]
        first_start = float(start[0])
        width = max(self.buffers.time_s, (float(start[-1]) - first_start) / _TIME_SLABS, 1.0)
        home = np.floor((start - first_start) / width).astype(np.int64)
        last = np.floor((self._end[slots] + self.buffers.time_s - first_start) / width).astype(np.int64)
        last = np.clip(last, home, int(home[-1]))
        bounds = np.searchsorted(home, np.arange(int(home[-1]) + 2))
        count = int(home[-1]) + 1
        lower, upper = self._lower[slots], self._upper[slots]
        # Within a slab, one tree per altitude layer (by the band's floor): a volume asks only
        # the trees whose bands can come within the vertical buffer of its own.
        code = np.floor(lower / _LAYER_FT).astype(np.int64)
        bins: list[list[_Bin]] = []
        for k in range(count):
            positions = np.arange(bounds[k], bounds[k + 1])
            order = positions[np.argsort(code[positions], kind="stable")]
            cuts = np.flatnonzero(np.diff(code[order])) + 1
            bins.append(
                [
                    _Bin(
                        members,
                        STRtree(self._tree_boxes[slots[members]]),
                        float(lower[members].min()),
                        float(upper[members].max()),
                    )
                    for members in np.split(order, cuts)
                    if members.size
                ]
            )
        slabs = _Slabs(
            slots,
            last,
            bounds,
            bins,
            self._query_boxes(slots),
            lower,
            upper,
            start,
            self._end[slots],
            self._party[slots],
        )
        if workers <= 1:
            found = [self._slab_pairs(slabs, range(count), None)]
        else:
            # A few runs of consecutive slabs per thread, of about equal numbers of volumes, so that
            # the threads finish together and each run's candidates are still filtered in large blocks.
            runs = np.unique(np.searchsorted(bounds, np.linspace(0, slots.size, 4 * workers + 1), side="right") - 1)
            runs = np.clip(runs, 0, count)
            tasks = [range(int(lo), int(hi)) for lo, hi in itertools.pairwise(runs)]
            # GEOS builds a prepared geometry's inner indexes on first use, unguarded: the few pairs
            # that reach GEOS predicates take this lock; everything else runs in parallel.
            lock = threading.Lock()
            with ThreadPoolExecutor(max_workers=workers) as pool:
                found = list(pool.map(lambda ks: self._slab_pairs(slabs, ks, lock), tasks))
        return VolumePairs(
            np.concatenate([np.zeros(0, dtype=np.int64)] + [a for a, _ in found]),
            np.concatenate([np.zeros(0, dtype=np.int64)] + [b for _, b in found]),
        )

    def _slab_pairs(self, slabs: _Slabs, ks: range, lock: threading.Lock | None) -> tuple[IntArray, IntArray]:
        """The conflicting pairs whose earlier-starting volume lives in slabs ``ks`` (smaller slot first)."""
        slots, last, bounds = slabs.slots, slabs.last, slabs.bounds
        found_a: list[IntArray] = []
        found_b: list[IntArray] = []
        pending_a: list[IntArray] = []
        pending_b: list[IntArray] = []
        pending = 0

        def flush() -> None:
            nonlocal pending
            qa, qb = np.concatenate(pending_a), np.concatenate(pending_b)
            # The party, band and time tests first, on the columns in start order: the candidates of a
            # batch are near one another there, not spread over the slots (the gathers are the cost).
            keep = slabs.party[qa] != slabs.party[qb]
            vertical_gap = np.maximum(
                0.0,
                np.maximum(slabs.lower[qa], slabs.lower[qb]) - np.minimum(slabs.upper[qa], slabs.upper[qb]),
            )
            time_gap = np.maximum(
                0.0, np.maximum(slabs.start[qa], slabs.start[qb]) - np.minimum(slabs.end[qa], slabs.end[qb])
            )
            keep &= (vertical_gap < self.buffers.vertical_ft) & (time_gap < self.buffers.time_s)
            a, b = self._filter(slots[qa[keep]], slots[qb[keep]], lock, screened=True)
            found_a.append(np.minimum(a, b))
            found_b.append(np.maximum(a, b))
            pending_a.clear()
            pending_b.clear()
            pending = 0

        vertical = self.buffers.vertical_ft
        for k in ks:
            if bounds[k + 1] == bounds[k]:
                continue
            queries = np.arange(bounds[k], bounds[k + 1])
            low_q, high_q = slabs.lower[queries] - vertical, slabs.upper[queries] + vertical
            for j in range(k, int(last[queries].max()) + 1):
                reaching = last[queries] >= j
                for group in slabs.bins[j]:
                    # Bands strictly within the vertical buffer: floor below the asker's top plus buffer,
                    # top above its floor minus buffer (the exact test repeats it pair by pair).
                    asks = reaching & (group.lowest_ft < high_q) & (group.highest_ft > low_q)
                    asking = queries[asks]
                    for low in range(0, asking.size, _QUERY_BATCH):
                        batch = asking[low : low + _QUERY_BATCH]
                        hits = group.tree.query(slabs.boxes[batch])
                        qa = batch[hits[0]]
                        qb = group.members[hits[1]]
                        if j == k:
                            # Both in this slab: the pair belongs to whichever comes first in start order.
                            keep = qb > qa
                            qa, qb = qa[keep], qb[keep]
                        pending_a.append(qa)
                        pending_b.append(qb)
                        pending += qa.size
                        if pending >= _FILTER_BATCH:
                            flush()
        if pending:
            flush()
        if not found_a:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(found_a), np.concatenate(found_b)

    def _pairs_of(self, notice_id: str) -> VolumePairs:
        slots = self._slots_of.get(notice_id)
        if slots is None:
            empty = np.zeros(0, dtype=np.int64)
            return VolumePairs(empty, empty)
        a, b = self._candidates(slots)
        a, b = self._filter(a, b)
        return VolumePairs(a, b)

    def _conflicts(self, pairs: VolumePairs) -> list[Conflict]:
        """Group volume pairs by notice pair and build each conflict with its overlap."""
        if len(pairs) == 0:
            return []
        na, nb = self._notice[pairs.a], self._notice[pairs.b]
        low, high = np.minimum(na, nb), np.maximum(na, nb)
        order = np.lexsort((high, low))
        grouped: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for k in order:
            grouped.setdefault((int(low[k]), int(high[k])), []).append((int(pairs.a[k]), int(pairs.b[k])))
        conflicts = []
        for (first, second), slot_pairs in grouped.items():
            notice_x, notice_y = self._notice_list[first], self._notice_list[second]
            # live slots always point at live notices
            assert notice_x is not None
            assert notice_y is not None
            if (notice_y.notice_id, notice_y.version) < (notice_x.notice_id, notice_x.version):
                notice_x, notice_y = notice_y, notice_x
            conflicts.append(self._conflict(notice_x, notice_y, slot_pairs))
        conflicts.sort(key=lambda c: (c.a.notice_id, c.b.notice_id))
        return conflicts

    def _conflict(self, a: Notice, b: Notice, slot_pairs: list[tuple[int, int]]) -> Conflict:
        pairs = []
        for s, t in slot_pairs:
            first, second = (s, t) if self._notice_list[int(self._notice[s])] is a else (t, s)
            i, j = int(self._volume_number[first]), int(self._volume_number[second])
            pairs.append(VolumePair(i, j, a.volumes[i], b.volumes[j]))
        pairs.sort(key=lambda p: (p.a_volume, p.b_volume))
        return Conflict(conflict_id(a.ref, b.ref), a.ref, b.ref, self.buffers, tuple(pairs))

    def conflicts_of(self, notice_id: str) -> list[Conflict]:
        """Every conflict of one indexed notice with the notices of other parties."""
        return self._conflicts(self._pairs_of(notice_id))

    def conflicts(self) -> list[Conflict]:
        """Every conflict in the index (the full check), sorted by notice ids."""
        return self._conflicts(self.volume_pairs())
