"""An incremental conflict index over notices: spatial (STRtree) + altitude and time filters.

Volumes live in NumPy columns (one row a *slot*). Most slots sit in a shapely ``STRtree``; slots added
since the tree was built sit in a short *recent* list scanned with vectorised box tests, and the tree is
rebuilt when that list grows past a fraction of the whole, so adding, revising or cancelling one notice
costs a query, not a recompute. Removed slots are tombstoned (``alive`` false).

Candidate pairs go through, in order and all vectorised: lon/lat boxes grown by the lateral buffer
(conservatively, in degrees), different parties, vertical gap, time gap, bounding circles (geodesic
centre distance minus both radii), then the exact test: footprints that intersect conflict; the others
are projected into a frame centred on each pair and their planar distance is compared with the buffer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree

from airparley.geo import M_PER_NM, aeqd_xy, aeqd_xy_grouped
from airparley.strategic._conflict import Conflict, VolumePair, conflict_id
from airparley.strategic._model import Buffers, Notice

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
#: Query volumes per batch of the full check, to bound the memory of candidate pairs.
_QUERY_BATCH: Final = 4096
#: Pairs evaluated exactly per batch, to bound memory at theatre scale.
_CHUNK: Final = 50_000
#: Bounding circles are padded by this much so rounding never rejects a real conflict.
_CIRCLE_SLACK_NM: Final = 0.01


def _project_pairs(geoms: npt.NDArray[np.object_], lon0: FloatArray, lat0: FloatArray) -> npt.NDArray[np.object_]:
    """Each lon/lat geometry in the azimuthal-equidistant frame of its own centre (metres)."""
    _, owner = shapely.get_coordinates(geoms, return_index=True)

    def to_xy(coords: FloatArray) -> FloatArray:
        x, y = aeqd_xy_grouped(coords[:, 0], coords[:, 1], owner, lon0, lat0)
        return np.column_stack([x, y])

    projected: npt.NDArray[np.object_] = shapely.transform(geoms, to_xy)
    return projected


def _max_abs_lat(bounds_a: FloatArray, bounds_b: FloatArray) -> FloatArray:
    extremes: FloatArray = np.abs(np.column_stack([bounds_a[:, 1], bounds_a[:, 3], bounds_b[:, 1], bounds_b[:, 3]]))
    widest: FloatArray = extremes.max(axis=1)
    return widest


def lateral_within(geoms_a: npt.NDArray[np.object_], geoms_b: npt.NDArray[np.object_], lateral_nm: float) -> BoolArray:
    """For each pair of lon/lat footprints: is the horizontal distance between them < ``lateral_nm``?

    Vectorised over pairs. Footprints that intersect are at distance 0. For the others, the planar
    distance in degrees brackets the true one: one degree is at most :data:`_NM_PER_DEG_MAX` NM in any
    direction and at least ``_NM_PER_DEG_LAT_MIN * cos(latitude)``, so most pairs are decided at once;
    only those whose bracket straddles the buffer are measured exactly, each in a frame centred on the
    middle of its bounding box.
    """
    result = np.asarray(shapely.intersects(geoms_a, geoms_b), dtype=bool)
    rest = np.flatnonzero(~result)
    if rest.size == 0:
        return result
    a, b = geoms_a[rest], geoms_b[rest]
    bounds_a, bounds_b = shapely.bounds(a), shapely.bounds(b)
    degrees = shapely.distance(a, b)
    shortest_nm = degrees * _NM_PER_DEG_LAT_MIN * np.cos(np.radians(np.minimum(_max_abs_lat(bounds_a, bounds_b), 89.9)))
    longest_nm = degrees * _NM_PER_DEG_MAX
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
        self._geoms = np.zeros(0, dtype=object)
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
        geoms = np.empty(capacity, dtype=object)
        geoms[: self._size] = self._geoms[: self._size]
        self._geoms = geoms
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
        x, y = aeqd_xy(coords[:, 0], coords[:, 1], centre[owner, 0], centre[owner, 1])
        reach = np.hypot(x, y) / M_PER_NM
        radius = np.zeros(count)
        np.maximum.at(radius, owner, reach)
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
        self._radius_nm[slots] = radius
        self._geoms[slots] = geoms
        self._size = first + count
        cursor = first
        for notice in notices:
            count_of = len(notice.volumes)
            self._slots_of[notice.notice_id] = np.arange(cursor, cursor + count_of, dtype=np.int64)
            cursor += count_of
        return slots

    def _retire(self, notice_id: str) -> None:
        slots = self._slots_of.pop(notice_id, None)
        if slots is not None:
            self._alive[slots] = False
            self._notice_list[self._notice_slot.pop(notice_id)] = None
        self._notices.pop(notice_id, None)

    def rebuild(self) -> None:
        """Rebuild the tree over all live slots (compacting away removed ones first if many)."""
        self._tree = STRtree(self._geoms[: self._size])
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
    def _grown_boxes(self, slots: IntArray) -> FloatArray:
        lateral = self.buffers.lateral_nm
        bounds = self._bounds[slots]
        dlat = lateral / _NM_PER_DEG_LAT_MIN
        worst_lat = np.minimum(np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])) + dlat, 90.0)
        cos_lat = np.cos(np.radians(worst_lat))
        with np.errstate(divide="ignore"):
            dlon = np.where(cos_lat > 1e-6, lateral / (_NM_PER_DEG_LON_EQ * cos_lat), 360.0)
        return np.column_stack([bounds[:, 0] - dlon, bounds[:, 1] - dlat, bounds[:, 2] + dlon, bounds[:, 3] + dlat])

    def _candidates(self, slots: IntArray) -> tuple[IntArray, IntArray]:
        """Pairs (query slot, other slot) whose grown boxes touch, from the tree and the recent list."""
        boxes = self._grown_boxes(slots)
        firsts: list[IntArray] = []
        seconds: list[IntArray] = []
        if self._tree is not None and self._tree_size:
            hits = self._tree.query(shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]))
            firsts.append(slots[hits[0]])
            seconds.append(hits[1].astype(np.int64))
        if self._size > self._tree_size:
            recent = np.arange(self._tree_size, self._size)
            rb = self._bounds[recent]
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

    def _filter(self, a: IntArray, b: IntArray) -> tuple[IntArray, IntArray]:
        """Keep the candidate pairs that conflict under the exact criterion."""
        buffers = self.buffers
        keep = self._alive[a] & self._alive[b] & (self._party[a] != self._party[b])
        a, b = a[keep], b[keep]
        vertical_gap = np.maximum(
            0.0, np.maximum(self._lower[a], self._lower[b]) - np.minimum(self._upper[a], self._upper[b])
        )
        time_gap = np.maximum(0.0, np.maximum(self._start[a], self._start[b]) - np.minimum(self._end[a], self._end[b]))
        keep = (vertical_gap < buffers.vertical_ft) & (time_gap < buffers.time_s)
        a, b = a[keep], b[keep]
        if a.size == 0:
            return a, b
        x, y = aeqd_xy(self._centre[b, 0], self._centre[b, 1], self._centre[a, 0], self._centre[a, 1])
        centres = np.hypot(x, y) / M_PER_NM
        reach = self._radius_nm[a] + self._radius_nm[b] + buffers.lateral_nm + _CIRCLE_SLACK_NM
        keep = centres < reach
        a, b = a[keep], b[keep]
        keep = lateral_within(self._geoms[a], self._geoms[b], buffers.lateral_nm)
        return a[keep], b[keep]

    def volume_pairs(self) -> VolumePairs:
        """Every conflicting volume pair in the index (the full check), as slot columns."""
        if self._size > self._tree_size:
            self.rebuild()
        slots = np.flatnonzero(self._alive[: self._size]).astype(np.int64)
        found_a: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        found_b: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        for start in range(0, slots.size, _QUERY_BATCH):
            a, b = self._candidates(slots[start : start + _QUERY_BATCH])
            keep = a < b
            a, b = self._filter(a[keep], b[keep])
            found_a.append(a)
            found_b.append(b)
        return VolumePairs(np.concatenate(found_a), np.concatenate(found_b))

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
