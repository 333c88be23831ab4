"""The pruner of the conflict scan: candidate pairs from swept boxes, without an N x N array.

The lookahead is cut into a few time slabs; in each slab an aircraft's
swept straight path lies in a box in earth-centred coordinates rotated to the scene centre, and in an
altitude band. Boxes are grown by half of the largest 3-D separation a horizontally conflicting pair can
have (``R`` plus the worst tilt of the pair frame, bounded from the earth's smallest radius of curvature)
and by ``H / 2``, so a conflict implies overlapping boxes in the same slab: pruning never drops a pair.
Overlapping boxes are found with a uniform grid over east/north and a sweep in altitude within each cell,
without building pairs that share no cell. Aircraft are first renumbered along a Z-order curve so that pairs
sit near each other in memory. The scan evaluates the candidates left exactly.

Frames and units as in :mod:`airparley.tactical._scan`: positions in NM and velocities in NM/s along
earth-centred axes rotated to the scene's mean east-north-up (:func:`_scene_axes`), altitudes in feet and
vertical speeds in feet per second.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM

if TYPE_CHECKING:
    from airparley.tactical._scan import ScanSettings

__all__: list[str] = []  # the scan's internals: airparley.tactical exports scan_conflicts, not these

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

#: The smallest radius of curvature of the WGS84 ellipsoid (meridional, at the equator), NM: bounds how far
#: apart the normals of two points a given distance apart can be.
_MIN_CURVATURE_RADIUS_NM: Final = 6378137.0 * (1.0 - 0.00669437999014) / M_PER_NM
#: Entries the pruner walks at a time: small enough for each step's arrays to stay in the processor's cache.
_BLOCK_ENTRIES: Final = 1 << 17
#: Pruning cells are this many times the median slab box (east or north extent): measured best near 1.5.
_CELL_FACTOR: Final = 1.4
#: Slabs the lookahead is cut into for pruning: shorter swept boxes, more of them (measured best at 4).
_SLABS: Final = 4
#: Pair keys made at a time when merging the slabs' pairs: bounds the temporary arrays.
_KEY_CHUNK: Final = 1 << 18


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


def candidate_pairs(
    pos: FloatArray,
    vel: FloatArray,
    vertical: FloatArray,
    settings: ScanSettings,
    allowed: BoolArray | None = None,
    exclusive: bool = False,
) -> tuple[IntArray, IntArray, IntArray]:
    """Every pair that may conflict within the lookahead, and never fewer: ``(order, cand_a, cand_b)``.

    ``pos``/``vel`` are ``(n, 3)`` positions (NM) and velocities (NM/s) in the scene's rotated earth-centred
    axes, ``vertical`` is ``(n, 2)`` altitude (ft) and vertical speed (ft/s); ``allowed``/``exclusive`` as in
    :func:`overlapping_boxes`, one flag per aircraft. ``order`` renumbers the aircraft along a Z-order curve;
    the candidates are numbered in that order, each pair once with ``cand_a < cand_b``, sorted by ``(a, b)``.
    """
    n = pos.shape[0]
    reach_3d = _reach_3d_nm(vel, settings)
    slabs = _SLABS if settings.lookahead_s > 0 else 1
    # cells about the size of a typical slab box: few cells per box, few boxes per cell
    extent = np.abs(vel[:, :2]).max(axis=1) * settings.lookahead_s / slabs + reach_3d
    cell = max(float(np.median(extent)) * _CELL_FACTOR, reach_3d)
    # aircraft renumbered along a space-filling curve: pairs are then near in memory, so gathers are cheap
    middle = pos + vel * (settings.lookahead_s / 2.0)
    order = _morton_order(middle[:, 0], middle[:, 1], cell)
    lo, hi, group, owner = _swept_boxes(pos[order], vel[order], vertical[order], settings, reach_3d, slabs)
    flags = None if allowed is None else allowed[order]
    box_a, box_b = overlapping_boxes(lo, hi, group, owner, cell, flags, exclusive)
    del lo, hi, group, owner
    # a pair whose boxes overlap in several slabs comes out of each: keep one, in (a, b) order; keys are
    # made chunk by chunk (box k * n + i belongs to aircraft i) to keep the peak memory down
    pair_keys = np.empty(box_a.size, dtype=np.int64)
    for start in range(0, box_a.size, _KEY_CHUNK):
        part = slice(start, start + _KEY_CHUNK)
        first, second = box_a[part] % n, box_b[part] % n
        pair_keys[part] = np.minimum(first, second).astype(np.int64) * n + np.maximum(first, second)
    del box_a, box_b
    pair_keys.sort()
    if pair_keys.size:
        pair_keys = pair_keys[np.concatenate([[True], pair_keys[1:] != pair_keys[:-1]])]
    cand_a, cand_b = np.divmod(pair_keys, n)
    return order, cand_a, cand_b
