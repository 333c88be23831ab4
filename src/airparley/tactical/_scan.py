"""Predicted conflicts between every pair of aircraft: straight-line, state-based, pruned, vectorised.

Model. Each aircraft flies straight on from its state: its position on the WGS84 surface moves along the
tangent line ``p + v t`` (earth-centred metres, ``v`` its ground velocity in its own east-north-up frame)
and its altitude by ``vs_fpm``. A pair is judged in **one east-north-up frame per pair, centred between
the two aircraft** (the up axis is the bisector of their two geodetic normals): the horizontal separation
is the part of ``p_b - p_a + (v_b - v_a) t`` in that frame's horizontal plane. This is the construction of
:func:`airparley.geo.aeqd_xy` (earth-centred, then east-north-up at the centre) applied to the pair; it
omits only the chord-to-arc step, which changes distances by less than 0.004% below 100 NM, and it takes
each aircraft's track from true north *at the aircraft*, so meridian convergence across a pair is honoured.

Criterion (BlueSky's state-based detection, ``bluesky/traffic/asas/statebased.py``). With ``R = rpz_nm``
and ``H = hpz_ft``:

* horizontal intrusion interval ``(tin_h, tout_h)``: the open interval of times with distance ``< R``;
* vertical intrusion interval ``(tin_v, tout_v)``: the times with altitude difference ``< H``;
* ``tin_s = max(tin_h, tin_v)``, ``tout_s = min(tout_h, tout_v)``;
* the pair **conflicts iff** ``tin_s < tout_s`` and ``tout_s > 0`` and ``tin_s < lookahead_s``: some time in
  ``[0, lookahead_s]`` has distance ``< R`` and altitude difference ``< H``.

``tin_s``/``tout_s`` are not clipped: ``tin_s < 0`` means the pair is inside both zones now (a loss of
separation); an interval that never ends (zero relative speed, or level flight in the same band) is
``-inf``/``+inf``. An empty interval is ``(+inf, -inf)``, so the intersection test needs no special case.
``tcpa_s``/``dcpa_nm`` are the horizontal closest point of approach over all time (``tcpa_s < 0`` when
diverging); with zero relative ground velocity (below :data:`_STILL_NM_S`, rounding noise) the distance
never changes and ``tcpa_s = 0``.

Pruning (never an N x N array). The lookahead is cut into a few time slabs; in each slab an aircraft's
swept straight path lies in a box in earth-centred coordinates rotated to the scene centre, and in an
altitude band. Boxes are grown by half of the largest 3-D separation a horizontally conflicting pair can
have (``R`` plus the worst tilt of the pair frame, bounded from the earth's smallest radius of curvature)
and by ``H / 2``, so a conflict implies overlapping boxes in the same slab: pruning never drops a pair.
Overlapping boxes are found with a uniform grid over east/north and a sweep in altitude within each cell,
without building pairs that share no cell. Aircraft are first renumbered along a Z-order curve so that pairs
sit near each other in memory; survivors are evaluated exactly in cache-sized chunks, after a cheap test
that is necessary for a conflict (within ``R`` somewhere in the lookahead, and within ``H`` somewhere in it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, ecef
from airparley.tactical._states import TrackState, TrackStates, extrapolate_to, fly_to

__all__ = [
    "Conflicts",
    "PairPrediction",
    "ScanSettings",
    "predict_pair",
    "predict_pairs",
    "scan_conflicts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

#: The smallest radius of curvature of the WGS84 ellipsoid (meridional, at the equator), NM: bounds how far
#: apart the normals of two points a given distance apart can be.
_MIN_CURVATURE_RADIUS_NM: Final = 6378137.0 * (1.0 - 0.00669437999014) / M_PER_NM
#: Entries the pruner walks at a time: small enough for each step's arrays to stay in the processor's cache.
_BLOCK_ENTRIES: Final = 1 << 17
#: Relative ground speeds below this (NM/s, about 2 micrometres per second) are the rounding noise of
#: turning two equal velocities into earth-centred vectors: the pair is treated as not moving apart at all.
_STILL_NM_S: Final = 1e-9
#: Pruning cells are this many times the median slab box (east or north extent): measured best near 1.5.
_CELL_FACTOR: Final = 1.4
#: Slabs the lookahead is cut into for pruning: shorter swept boxes, more of them (measured best at 4).
_SLABS: Final = 4
#: Candidate pairs evaluated per chunk: small enough for the chunk's arrays to stay in the processor's cache.
_CHUNK_PAIRS: Final = 1 << 14


def _setting(default: float, unit: str, help_text: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help_text})


@dataclass(frozen=True)
class ScanSettings:
    """The conflict scan's thresholds: the declared table of names, defaults, units and help.

    >>> ScanSettings().rpz_nm, ScanSettings().hpz_ft, ScanSettings().lookahead_s
    (5.0, 1000.0, 300.0)
    """

    rpz_nm: float = _setting(5.0, "NM", "horizontal protected radius: closer than this is an intrusion")
    hpz_ft: float = _setting(1000.0, "ft", "vertical protected half-height: nearer in altitude is an intrusion")
    lookahead_s: float = _setting(300.0, "s", "how far ahead straight-line predictions look")

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidInput(item.name, f"must be a finite number, got {value!r}")
            if value < 0 or (value == 0 and item.name != "lookahead_s"):
                raise InvalidInput(item.name, f"must be positive, got {value!r}")
            object.__setattr__(self, item.name, float(value))


@dataclass(frozen=True, eq=False)
class PairPrediction:
    """Element-wise predictions for pairs ``(a[k], b[k])`` (see the module docstring for each quantity)."""

    conflict: BoolArray
    tin_s: FloatArray
    tout_s: FloatArray
    tcpa_s: FloatArray
    dcpa_nm: FloatArray
    dist_nm: FloatArray
    dalt_ft: FloatArray


@dataclass(frozen=True, eq=False)
class Conflicts:
    """Conflicting pairs from :func:`scan_conflicts`, as columns sorted by ``(a, b)``.

    ``a < b`` are row indices into the scanned states' ``ids`` (``id_a``/``id_b`` their ids); ``dalt_ft`` is the
    absolute altitude difference now and ``dist_nm`` the horizontal distance now. ``candidates`` counts the
    pairs that survived pruning and were evaluated exactly; ``time_s`` is the common time ``t = 0``.
    """

    a: IntArray
    b: IntArray
    ids: npt.NDArray[np.str_]
    tin_s: FloatArray
    tout_s: FloatArray
    tcpa_s: FloatArray
    dcpa_nm: FloatArray
    dist_nm: FloatArray
    dalt_ft: FloatArray
    candidates: int
    time_s: float
    settings: ScanSettings

    def __len__(self) -> int:
        return int(self.a.size)

    @property
    def id_a(self) -> npt.NDArray[np.str_]:
        return self.ids[self.a]

    @property
    def id_b(self) -> npt.NDArray[np.str_]:
        return self.ids[self.b]

    @property
    def los(self) -> BoolArray:
        """Pairs inside both protected zones now (loss of separation)."""
        return self.tin_s < 0.0

    def pairs(self) -> set[tuple[str, str]]:
        """The conflicting pairs as ``(smaller id, larger id)``."""
        return {(min(x, y), max(x, y)) for x, y in zip(self.id_a.tolist(), self.id_b.tolist(), strict=True)}


# -- kinematics and the exact pair kernel ------------------------------------------------------------------------


def _kinematics(
    lat: npt.ArrayLike, lon: npt.ArrayLike, gs_kt: npt.ArrayLike, trk_deg: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Earth-centred surface position (NM), ground velocity (NM/s) and geodetic up unit vector, each (n, 3)."""
    lat_d = np.asarray(lat, dtype=np.float64)
    lon_d = np.asarray(lon, dtype=np.float64)
    lat_r, lon_r = np.radians(lat_d), np.radians(lon_d)
    x, y, z = ecef(lon_d, lat_d)
    position = np.stack([x, y, z], axis=-1) / M_PER_NM
    sin_lat, cos_lat = np.sin(lat_r), np.cos(lat_r)
    sin_lon, cos_lon = np.sin(lon_r), np.cos(lon_r)
    trk = np.radians(np.asarray(trk_deg, dtype=np.float64))
    speed = np.asarray(gs_kt, dtype=np.float64) / 3600.0
    v_east = speed * np.sin(trk)
    v_north = speed * np.cos(trk)
    velocity = np.stack(
        [
            -v_east * sin_lon - v_north * sin_lat * cos_lon,
            v_east * cos_lon - v_north * sin_lat * sin_lon,
            v_north * cos_lat,
        ],
        axis=-1,
    )
    up = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat], axis=-1)
    return position, velocity, up


def _dot(x: FloatArray, y: FloatArray) -> FloatArray:
    """Column-wise dot products of two ``(3, m)`` arrays (contiguous rows: faster than einsum on rows of 3)."""
    result: FloatArray = x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
    return result


def _horizontal(dp: FloatArray, dv: FloatArray, up_sum: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``|d|^2``, ``d.w`` and ``|w|^2`` of the horizontal parts of ``d = dp`` and ``w = dv`` (``(3, m)`` arrays).

    Horizontal in the pair's frame, whose up axis is ``up_sum`` (the sum of the two normals, not normalised):
    symmetric in the pair.
    """
    uu = _dot(up_sum, up_sum)
    du = _dot(dp, up_sum)
    wu = _dot(dv, up_sum)
    dd = _dot(dp, dp) - du * du / uu
    dw = _dot(dp, dv) - du * wu / uu
    ww = _dot(dv, dv) - wu * wu / uu
    return np.maximum(dd, 0.0), dw, np.maximum(ww, 0.0)


def _vertical(dz_ft: FloatArray, wz_fps: FloatArray, hpz_ft: float) -> tuple[FloatArray, FloatArray]:
    """The open interval of times with altitude difference below ``hpz_ft``; empty is ``(+inf, -inf)``."""
    climbing = wz_fps != 0.0
    safe_wz = np.where(climbing, wz_fps, 1.0)
    # a vanishing but non-zero rate overflows to an infinite crossing time, which is the right limit
    with np.errstate(over="ignore"):
        cross_lo = (-hpz_ft - dz_ft) / safe_wz
        cross_hi = (hpz_ft - dz_ft) / safe_wz
    level_inside = np.abs(dz_ft) < hpz_ft
    tin_v = np.where(climbing, np.minimum(cross_lo, cross_hi), np.where(level_inside, -np.inf, np.inf))
    tout_v = np.where(climbing, np.maximum(cross_lo, cross_hi), np.where(level_inside, np.inf, -np.inf))
    return tin_v, tout_v


def _predict(
    dd: FloatArray,
    dw: FloatArray,
    ww: FloatArray,
    dz_ft: FloatArray,
    wz_fps: FloatArray,
    settings: ScanSettings,
) -> PairPrediction:
    """Intervals, CPA and verdict from the pair quantities (NM, NM/s, ft, ft/s); fully element-wise."""
    r2 = settings.rpz_nm * settings.rpz_nm
    moving = ww > _STILL_NM_S * _STILL_NM_S
    safe_ww = np.where(moving, ww, 1.0)
    tcpa = np.where(moving, -dw / safe_ww, 0.0)
    # |d x w|^2 / |w|^2, written so that a tiny relative speed loses no precision
    dcpa2 = np.where(moving, np.maximum(dd * ww - dw * dw, 0.0) / safe_ww, dd)
    inside_h = dcpa2 < r2
    c = dd - r2
    disc = np.maximum(dw * dw - ww * c, 0.0)
    # the numerically stable pair of roots of ww t^2 + 2 dw t + c = 0 (Vieta for the second)
    q = -(dw + np.copysign(np.sqrt(disc), dw))
    safe_q = np.where(q != 0.0, q, 1.0)
    with np.errstate(over="ignore"):
        root1 = np.where(moving, q / safe_ww, 0.0)
        root2 = np.where(q != 0.0, c / safe_q, root1)
    tin_h = np.where(moving, np.minimum(root1, root2), -np.inf)
    tout_h = np.where(moving, np.maximum(root1, root2), np.inf)
    tin_h = np.where(inside_h, tin_h, np.inf)
    tout_h = np.where(inside_h, tout_h, -np.inf)

    tin_v, tout_v = _vertical(dz_ft, wz_fps, settings.hpz_ft)
    tin = np.maximum(tin_h, tin_v)
    tout = np.minimum(tout_h, tout_v)
    conflict = (tin < tout) & (tout > 0.0) & (tin < settings.lookahead_s)
    return PairPrediction(
        conflict=conflict,
        tin_s=tin,
        tout_s=tout,
        tcpa_s=tcpa,
        dcpa_nm=np.sqrt(dcpa2),
        dist_nm=np.sqrt(dd),
        dalt_ft=np.abs(dz_ft),
    )


@dataclass(frozen=True)
class _Scene:
    """Per-aircraft quantities the kernel gathers from, at the common time, as rows of one ``(11, n)`` array.

    Rows 0-2: earth-centred surface position (NM); 3-5: ground velocity (NM/s); 6-8: geodetic up;
    9: altitude (ft); 10: vertical speed (ft/s). Gathering whole columns at once and computing on contiguous
    rows keeps the kernel memory-friendly.
    """

    columns: FloatArray

    @classmethod
    def of(cls, states: TrackStates) -> _Scene:
        position, velocity, up = _kinematics(states.lat, states.lon, states.gs_kt, states.trk_deg)
        return cls(np.vstack([position.T, velocity.T, up.T, states.alt_ft, states.vs_fpm / 60.0]))

    @property
    def size(self) -> int:
        return int(self.columns.shape[1])

    def take(self, order: IntArray) -> _Scene:
        return _Scene(np.take(self.columns, order, axis=1))

    def terms(self, a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """``dd``, ``dw``, ``ww`` (horizontal, NM and NM/s) and ``dz_ft``, ``wz_fps`` of pairs ``(a, b)``."""
        ca = np.take(self.columns, a, axis=1)
        cb = np.take(self.columns, b, axis=1)
        diff = cb - ca
        dd, dw, ww = _horizontal(diff[0:3], diff[3:6], ca[6:9] + cb[6:9])
        return dd, dw, ww, diff[9], diff[10]

    def predict(self, a: IntArray, b: IntArray, settings: ScanSettings) -> PairPrediction:
        return _predict(*self.terms(a, b), settings)


def predict_pairs(a: TrackStates, b: TrackStates, settings: ScanSettings | None = None) -> PairPrediction:
    """Element-wise predictions for ``a[k]`` against ``b[k]``, each flown straight on from its own time.

    Both sides are first brought to the later of the two times of each pair (:func:`extrapolate_to`).
    """
    settings = settings or ScanSettings()
    if len(a) != len(b):
        raise InvalidInput("b", f"has {len(b)} states but a has {len(a)}")
    if len(a) and np.any(a.time_s != b.time_s):
        common = np.maximum(a.time_s, b.time_s)
        a = fly_to(a, common)
        b = fly_to(b, common)
    both = _Scene.of(_concat(a, b))
    n = len(a)
    return both.predict(np.arange(n), np.arange(n, 2 * n), settings)


def predict_pair(a: TrackState, b: TrackState, settings: ScanSettings | None = None) -> PairPrediction:
    """:func:`predict_pairs` for one pair (arrays of length one).

    >>> east = TrackState("A", "USA", 0.0, 34.0, 38.0, 20000.0, 480.0, 90.0, 0.0)
    >>> west = TrackState("B", "RUS", 0.0, 34.0, 38.5, 20000.0, 480.0, 270.0, 0.0)
    >>> p = predict_pair(east, west)
    >>> bool(p.conflict[0]), round(float(p.tcpa_s[0]))  # 24.9 NM apart, closing at 960 kt
    (True, 94)
    """
    return predict_pairs(TrackStates.from_states([a]), TrackStates.from_states([b]), settings)


def _concat(a: TrackStates, b: TrackStates) -> TrackStates:
    return TrackStates(**{f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)})


# -- pruning: boxes that overlap in the same slab ----------------------------------------------------------------


def _scene_axes(up: FloatArray) -> FloatArray:
    """East, north, up unit vectors (rows) at the mean normal of the scene: a rotation of earth-centred axes."""
    mean = up.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    centre = mean / norm if norm > 1e-9 else np.array([1.0, 0.0, 0.0])
    pole = np.array([0.0, 0.0, 1.0])
    east = np.cross(pole, centre)
    if np.linalg.norm(east) < 1e-9:  # a scene centred on a pole: any east will do
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)
    return np.stack([east, north, centre])


def _float32_down(values: FloatArray) -> npt.NDArray[np.float32]:
    out = values.astype(np.float32)
    return np.where(out > values, np.nextafter(out, np.float32(-np.inf)), out)


def _float32_up(values: FloatArray) -> npt.NDArray[np.float32]:
    out = values.astype(np.float32)
    return np.where(out < values, np.nextafter(out, np.float32(np.inf)), out)


def overlapping_boxes(
    lo: FloatArray,
    hi: FloatArray,
    group: IntArray,
    owner: IntArray,
    cell: float,
    allowed: BoolArray | None = None,
    exclusive: bool = False,
) -> tuple[IndexArray, IndexArray]:
    """Pairs of boxes that overlap (strictly) in every dimension, within the same group.

    ``lo``/``hi`` are ``(n, 4)`` with ``hi > lo`` in dimension 3: dimensions 0 and 1 are gridded with square
    cells of side ``cell``, dimension 3 is swept (sorted) within each cell, dimension 2 is only compared.
    An owner has at most one box per group; two owners whose boxes overlap in several groups come out once per
    group. With ``allowed`` (one flag per owner) a pair needs at least one allowed owner, or, with ``exclusive``,
    exactly one. Returns the box indices ``(i, j)`` of each pair, in no particular order either way. Memory is
    linear in the boxes' cell entries and in the pairs found, never quadratic. Dimensions 0-2 are first rounded
    outwards to float32 (for faster gathers), so a pair that merely touches may come out, never one that
    overlaps be lost.
    """
    n = lo.shape[0]
    empty = np.empty(0, dtype=np.int32)
    if n < 2:
        return empty, empty
    lo32 = _float32_down(lo[:, :3])
    hi32 = _float32_up(hi[:, :3])
    plane_lo = lo32[:, :2].astype(np.float64)
    plane_hi = hi32[:, :2].astype(np.float64)
    origin = plane_lo.min(axis=0)
    c_lo = np.floor((plane_lo - origin) / cell).astype(np.int64)
    c_hi = np.floor((plane_hi - origin) / cell).astype(np.int64)
    span = c_hi - c_lo + 1
    per_item = span[:, 0] * span[:, 1]
    ny = int(c_hi[:, 1].max()) + 1
    nx = int(c_hi[:, 0].max()) + 1
    # rank items by the swept low edge; sorting entries by (cell, rank) then sorts each cell by it, and an
    # item's partners in a cell are exactly the entries ranked below the count of lows under its high edge
    z_lo = np.ascontiguousarray(lo[:, 3])
    z_hi = np.ascontiguousarray(hi[:, 3])
    z_order = np.argsort(z_lo)
    rank = np.empty(n, dtype=np.int64)
    rank[z_order] = np.arange(n)
    hi_order = np.argsort(z_hi)
    rank_limit = np.empty(n, dtype=np.int64)
    rank_limit[hi_order] = np.searchsorted(z_lo[z_order], z_hi[hi_order], side="left")
    item = np.repeat(np.arange(n), per_item)
    k = np.arange(item.size) - np.repeat(np.cumsum(per_item) - per_item, per_item)
    k_x = k % span[item, 0]
    k_y = k // span[item, 0]
    cell_key = (group[item] * nx + c_lo[item, 0] + k_x) * ny + c_lo[item, 1] + k_y
    # an entry in its item's first column (1) and first row (2) of cells: a pair is kept only in the cell that
    # holds the low corner of the overlap, the one where each coordinate is some item's first
    corner = (k_x == 0) + 2 * (k_y == 0)
    low_bits = int(n).bit_length() + 2
    if int(cell_key.max()) >= 1 << (62 - low_bits):
        raise InvalidInput("lat/lon", "the scene is too large for the pruning grid; scan regions separately")
    # sorting plain int64 keys is several times faster than an argsort; ranks are unique within a cell, so
    # the corner flags riding in the lowest bits never change the order
    keys = np.sort((cell_key << low_bits) | (rank[item] << 2) | corner)
    del item, k, k_x, k_y, cell_key, corner  # the loop below holds per-entry arrays; drop the rest first
    entry = z_order[(keys >> 2) & ((1 << (low_bits - 2)) - 1)]
    corner_of = (keys & 3).astype(np.int8)
    count = keys.size
    ends = np.searchsorted(keys, (((keys >> low_bits) << (low_bits - 2)) | rank_limit[entry]) << 2, side="left")
    partners = np.maximum(ends - np.arange(count) - 1, 0)
    del ends
    # dimensions 0 and 1 as four float32 per entry, gathered as one 16-byte item; dimension 2 as 8 bytes
    plane = np.empty((n, 4), dtype=np.float32)
    plane[:, 0::2] = lo32[:, :2]
    plane[:, 1::2] = hi32[:, :2]
    plane_rows = plane.view(np.complex128).ravel()
    third_rows = np.ascontiguousarray(np.column_stack([lo32[:, 2], hi32[:, 2]])).view(np.int64).ravel()
    rows = np.take(plane_rows, entry)
    e_third = np.take(third_rows, entry)

    found_a: list[IndexArray] = []
    found_b: list[IndexArray] = []
    # walk the partner offsets block by block: each step's arrays then stay in the processor's cache, and the
    # entries still having partners stay in position order, so the gathers walk forwards
    for block in range(0, count, _BLOCK_ENTRIES):
        active = block + np.flatnonzero(partners[block : block + _BLOCK_ENTRIES] >= 1)
        step = 1
        while active.size:
            partner = active + step
            pa = np.take(rows, active).view(np.float32).reshape(-1, 4)
            pb = np.take(rows, partner).view(np.float32).reshape(-1, 4)
            hit = (pb[:, 0] < pa[:, 1]) & (pa[:, 0] < pb[:, 1]) & (pb[:, 2] < pa[:, 3]) & (pa[:, 2] < pb[:, 3])
            a_hit = active[hit]
            p_hit = a_hit + step
            ta = np.take(e_third, a_hit).view(np.float32).reshape(-1, 2)
            tb = np.take(e_third, p_hit).view(np.float32).reshape(-1, 2)
            keep = ((corner_of[a_hit] | corner_of[p_hit]) == 3) & (tb[:, 0] < ta[:, 1]) & (ta[:, 0] < tb[:, 1])
            a_item = entry[a_hit[keep]]
            p_item = entry[p_hit[keep]]
            if allowed is not None:
                fa, fb = allowed[owner[a_item]], allowed[owner[p_item]]
                ok = (fa != fb) if exclusive else (fa | fb)
                a_item, p_item = a_item[ok], p_item[ok]
            found_a.append(a_item.astype(np.int32))
            found_b.append(p_item.astype(np.int32))
            active = active[partners[active] > step]
            step += 1
    if not found_a:
        return empty, empty
    return np.concatenate(found_a), np.concatenate(found_b)


def _scene_plane(scene: _Scene) -> tuple[FloatArray, FloatArray]:
    """Positions (NM) and velocities (NM/s) in earth-centred axes rotated to the scene's mean east-north-up."""
    axes = _scene_axes(scene.columns[6:9].T)
    return (axes @ scene.columns[0:3]).T, (axes @ scene.columns[3:6]).T


def _morton_order(x: FloatArray, y: FloatArray, cell: float) -> IntArray:
    """Indices that sort points along a Z-order curve over cells of side ``cell``: near in space, near in memory."""
    codes = np.zeros(x.size, dtype=np.uint64)
    for shift, values in ((0, x), (1, y)):
        grid = np.floor((values - values.min()) / cell).astype(np.uint64) & np.uint64(0xFFFF)
        grid = (grid | (grid << np.uint64(8))) & np.uint64(0x00FF00FF)
        grid = (grid | (grid << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        grid = (grid | (grid << np.uint64(2))) & np.uint64(0x33333333)
        grid = (grid | (grid << np.uint64(1))) & np.uint64(0x55555555)
        codes |= grid << np.uint64(shift)
    return np.argsort(codes, kind="stable")


def _reach_3d_nm(vel: FloatArray, settings: ScanSettings) -> float:
    """Half of this bounds how far apart, per axis, two boxes' aircraft can be at a conflict (see the module)."""
    speed_max = float(np.sqrt(np.einsum("ij,ij->i", vel, vel)).max(initial=0.0))
    lookahead = settings.lookahead_s
    # a conflicting pair starts at most this far apart, so its normals differ by at most this angle...
    reach_nm = settings.rpz_nm + 2.0 * speed_max * lookahead
    tilt = min(reach_nm / _MIN_CURVATURE_RADIUS_NM, math.pi)
    # ...and its 3-D separation exceeds the horizontal one by at most this much in the pair's up direction
    rise_nm = 2.0 * speed_max * lookahead * math.sin(tilt / 2.0) + reach_nm * reach_nm / (4 * _MIN_CURVATURE_RADIUS_NM)
    return math.hypot(settings.rpz_nm, rise_nm) * (1.0 + 1e-9) + 1e-9


def _swept_boxes(
    pos: FloatArray, vel: FloatArray, vertical: FloatArray, settings: ScanSettings, reach_3d: float, slabs: int
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Per (aircraft, slab) boxes: scene east, north, up (NM) and altitude (ft), grown to be safe.

    Box ``k * n + i`` is aircraft ``i`` in slab ``k``.
    """
    n = pos.shape[0]
    alt_ft, vs_fps = vertical[:, 0], vertical[:, 1]
    lookahead = settings.lookahead_s
    slabs = slabs if lookahead > 0 else 1
    edges = np.linspace(0.0, lookahead, slabs + 1)
    grow = np.array([reach_3d / 2.0] * 3 + [settings.hpz_ft / 2.0])
    lo_parts, hi_parts = [], []
    start = np.column_stack([pos, alt_ft])
    rate = np.column_stack([vel, vs_fps])
    for t0, t1 in itertools.pairwise(edges):
        first, last = start + rate * t0, start + rate * t1
        lo_parts.append(np.minimum(first, last) - grow)
        hi_parts.append(np.maximum(first, last) + grow)
    lo = np.concatenate(lo_parts)
    hi = np.concatenate(hi_parts)
    group = np.repeat(np.arange(slabs, dtype=np.int64), n)
    owner = np.tile(np.arange(n, dtype=np.int64), slabs)
    return lo, hi, group, owner


def _all_pairs(n: int, allowed: BoolArray | None, exclusive: bool) -> tuple[IntArray, IntArray]:
    a, b = np.triu_indices(n, k=1)
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    if allowed is not None:
        keep = (allowed[a] != allowed[b]) if exclusive else (allowed[a] | allowed[b])
        a, b = a[keep], b[keep]
    return a, b


def scan_conflicts(
    states: TrackStates,
    settings: ScanSettings | None = None,
    *,
    party: str | None = None,
    own_pairs: bool = True,
    at_s: float | None = None,
    prune: bool = True,
) -> Conflicts:
    """Every conflicting pair among ``states`` (one state per id), per the module docstring.

    States of different times are first flown on to ``at_s`` (default: the newest time), which is ``t = 0``.
    With ``party``, only pairs with at least one aircraft of that party are scanned (own x others and, unless
    ``own_pairs`` is false, own x own). ``prune=False`` evaluates every pair: the O(N^2) reference.

    >>> from airparley.tactical import TrackState, TrackStates
    >>> s = TrackStates.from_states([
    ...     TrackState("A", "USA", 0.0, 34.0, 38.0, 20000.0, 480.0, 90.0, 0.0),
    ...     TrackState("B", "RUS", 0.0, 34.0, 38.5, 20000.0, 480.0, 270.0, 0.0),
    ...     TrackState("C", "TUR", 0.0, 36.0, 38.0, 20000.0, 480.0, 270.0, 0.0)])
    >>> c = scan_conflicts(s)
    >>> c.pairs(), round(float(c.dcpa_nm[0]), 3)
    ({('A', 'B')}, 0.0)
    """
    settings = settings or ScanSettings()
    n = len(states)
    if n and len(set(states.id.tolist())) < n:
        ids, counts = np.unique(states.id, return_counts=True)
        dup = str(ids[np.argmax(counts)])
        raise InvalidInput("id", f"{dup!r} appears {int(counts.max())} times; keep one state per id first")
    time_s = float(states.time_s.max()) if at_s is None and n else float(at_s or 0.0)
    if n and np.any(states.time_s != time_s):
        states = extrapolate_to(states, time_s)
    allowed = None if party is None else np.asarray(states.party == party)
    exclusive = party is not None and not own_pairs
    scene = _Scene.of(states)
    order = np.arange(n)
    if prune and n > 1:
        pos, vel = _scene_plane(scene)
        reach_3d = _reach_3d_nm(vel, settings)
        slabs = _SLABS if settings.lookahead_s > 0 else 1
        # cells about the size of a typical slab box: few cells per box, few boxes per cell
        extent = np.abs(vel[:, :2]).max(axis=1) * settings.lookahead_s / slabs + reach_3d
        cell = max(float(np.median(extent)) * _CELL_FACTOR, reach_3d)
        # aircraft renumbered along a space-filling curve: pairs are then near in memory, so gathers are cheap
        middle = pos + vel * (settings.lookahead_s / 2.0)
        order = _morton_order(middle[:, 0], middle[:, 1], cell)
        scene = scene.take(order)
        vertical = scene.columns[9:11].T
        lo, hi, group, owner = _swept_boxes(pos[order], vel[order], vertical, settings, reach_3d, slabs)
        flags = None if allowed is None else allowed[order]
        box_a, box_b = overlapping_boxes(lo, hi, group, owner, cell, flags, exclusive)
        del lo, hi, group, owner
        # a pair whose boxes overlap in several slabs comes out of each: keep one, in (a, b) order; keys are
        # made chunk by chunk (box k * n + i belongs to aircraft i) to keep the peak memory down
        pair_keys = np.empty(box_a.size, dtype=np.int64)
        for start in range(0, box_a.size, _CHUNK_PAIRS * 16):
            part = slice(start, start + _CHUNK_PAIRS * 16)
            first, second = box_a[part] % n, box_b[part] % n
            pair_keys[part] = np.minimum(first, second).astype(np.int64) * n + np.maximum(first, second)
        del box_a, box_b
        pair_keys.sort()
        if pair_keys.size:
            pair_keys = pair_keys[np.concatenate([[True], pair_keys[1:] != pair_keys[:-1]])]
        cand_a, cand_b = np.divmod(pair_keys, n)
    else:
        cand_a, cand_b = _all_pairs(n, allowed, exclusive)
    return _evaluate(states, scene, order, cand_a, cand_b, settings, time_s)


def _evaluate(
    states: TrackStates,
    scene: _Scene,
    order: IntArray,
    cand_a: IntArray,
    cand_b: IntArray,
    settings: ScanSettings,
    time_s: float,
) -> Conflicts:
    """Exact predictions for candidates (numbered as in ``scene``; ``order`` maps them back to ``states``)."""
    names = ("tin_s", "tout_s", "tcpa_s", "dcpa_nm", "dist_nm", "dalt_ft")
    kept: dict[str, list[Any]] = {k: [] for k in ("a", "b", *names)}
    r2, h, lookahead = settings.rpz_nm**2, settings.hpz_ft, settings.lookahead_s
    # candidates come sorted by (a, b): the gathers walk the (space-ordered) aircraft forwards
    for start in range(0, cand_a.size, _CHUNK_PAIRS):
        a = cand_a[start : start + _CHUNK_PAIRS]
        b = cand_b[start : start + _CHUNK_PAIRS]
        dd, dw, ww, dz, wz = scene.terms(a, b)
        # necessary and cheap: within R somewhere in [0, lookahead], and within H somewhere in it
        with np.errstate(divide="ignore", invalid="ignore"):
            t_near = np.clip(-dw / ww, 0.0, lookahead)
        t_near = np.where(ww > 0.0, t_near, 0.0)
        close = dd + t_near * (2.0 * dw + ww * t_near) < r2
        z_end = dz + wz * lookahead
        close &= (np.minimum(np.abs(dz), np.abs(z_end)) < h) | ((dz > 0.0) != (z_end > 0.0))
        keep = np.flatnonzero(close)
        a, b = a[keep], b[keep]
        p = _predict(dd[keep], dw[keep], ww[keep], dz[keep], wz[keep], settings)
        hit = p.conflict
        kept["a"].append(order[a[hit]])
        kept["b"].append(order[b[hit]])
        for name in names:
            kept[name].append(getattr(p, name)[hit])
    columns: dict[str, Any] = {}
    for name in list(kept):  # one column at a time, dropping its pieces as it goes
        pieces = kept.pop(name)
        columns[name] = (
            np.concatenate(pieces) if pieces else np.empty(0, dtype=np.int64 if name in ("a", "b") else float)
        )
        del pieces
    low = np.minimum(columns["a"], columns["b"])
    high = np.maximum(columns["a"], columns["b"])
    # sort by (a, b) with the row riding in the low bits of the key: np.sort is much faster than an argsort
    row_bits = max(1, int(low.size).bit_length())
    pair_keys = low * max(len(states), 1) + high
    if (max(len(states), 1) ** 2).bit_length() + row_bits <= 62:
        final = np.sort((pair_keys << row_bits) | np.arange(low.size)) & ((1 << row_bits) - 1)
    else:
        final = np.argsort(pair_keys)
    for name in names:  # one column at a time: never two copies of every column at once
        columns[name] = columns[name][final]
    columns["a"], columns["b"] = low[final], high[final]
    return Conflicts(
        ids=states.id,
        candidates=int(cand_a.size),
        time_s=time_s,
        settings=settings,
        **columns,
    )
