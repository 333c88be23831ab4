"""Tracks against announced volumes: inside now, or predicted to enter within the lookahead.

A track flies straight on from its state: along the geodesic that leaves its position at ``trk_deg`` (the
straight line of its own east-north-up frame, as in :func:`airparley.tactical.extrapolate_to`) at ``gs_kt``,
its altitude changing at ``vs_fpm``. A volume of a notice of **another party** is entered at the first time
``t`` in ``[0, lookahead_s]`` at which the track is inside the footprint (boundary included) AND between
``lower_ft`` and ``upper_ft`` (inclusive) AND inside the volume's time window ``[start_s, end_s]``.
``entry_s = 0`` means it is inside now. Tracks of party ``UNKNOWN`` are another party to everyone.

Exact geometry, not sampling: each candidate volume's footprint is projected once into an
azimuthal-equidistant frame centred on it (:class:`airparley.geo.LocalFrame`), the track's path (its geodesic
sampled at :data:`PATH_POINTS` points, which stay within metres of the curve over a lookahead) is projected
into the same frame, and shapely intersects the two; each piece of the intersection maps back to a time
interval along the path. Candidates come from an STRtree over the footprints queried with each path's box.

The kernel reads only what :class:`NoticeLike` and :class:`VolumeLike` declare (notice id, party and
volumes; footprint, altitude band and time window), so any notice model with those attributes works; the
caller decides which notices are active (for example, not cancelled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
import shapely

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, WGS84, LocalFrame
from airparley.tactical._states import TrackStates, extrapolate_to

__all__ = ["PATH_POINTS", "IntrusionSettings", "Intrusions", "NoticeLike", "VolumeLike", "find_intrusions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Points the predicted path is sampled at (both ends included) before projection.
PATH_POINTS: Final = 17
#: Added around each path's lon/lat box before querying the tree: the geodesic between samples may bulge.
_BOX_MARGIN_DEG: Final = 1e-3


class VolumeLike(Protocol):
    """What the intrusion check reads of a volume: lon/lat footprint, feet MSL band, POSIX-second window."""

    @property
    def footprint(self) -> Any: ...

    @property
    def lower_ft(self) -> float: ...

    @property
    def upper_ft(self) -> float: ...

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


class NoticeLike(Protocol):
    """What the intrusion check reads of a notice."""

    @property
    def notice_id(self) -> str: ...

    @property
    def party(self) -> str: ...

    @property
    def volumes(self) -> Sequence[VolumeLike]: ...


@dataclass(frozen=True)
class IntrusionSettings:
    """The intrusion check's settings: the declared table of names, defaults, units and help."""

    lookahead_s: float = field(
        default=300.0, metadata={"unit": "s", "help": "how far ahead a track's straight path is followed"}
    )

    def __post_init__(self) -> None:
        value = self.lookahead_s
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise InvalidInput("lookahead_s", f"must be a finite number of seconds >= 0, got {value!r}")
        object.__setattr__(self, "lookahead_s", float(value))


@dataclass(frozen=True, eq=False)
class Intrusions:
    """One row per (track, notice of another party) the track is inside or will enter, earliest first.

    ``track`` indexes the checked states; ``volume`` is the index, within its notice, of the volume entered
    first; ``entry_s`` is seconds after ``time_s`` (0: inside now) and ``entry_time_s`` the POSIX time.
    ``candidates`` counts the (track, volume) pairs that survived pruning and were intersected exactly.
    """

    track: IntArray
    id: npt.NDArray[np.str_]
    party: npt.NDArray[np.str_]
    notice_id: npt.NDArray[np.str_]
    notice_party: npt.NDArray[np.str_]
    volume: IntArray
    entry_s: FloatArray
    candidates: int
    time_s: float
    settings: IntrusionSettings

    def __len__(self) -> int:
        return int(self.track.size)

    @property
    def inside_now(self) -> BoolArray:
        inside: BoolArray = self.entry_s == 0.0
        return inside

    @property
    def entry_time_s(self) -> FloatArray:
        return self.time_s + self.entry_s


def _closed_band(
    start: FloatArray, rate: FloatArray, low: FloatArray, high: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Times with ``low <= start + rate * t <= high``, closed; empty is ``(+inf, -inf)``."""
    moving = rate != 0.0
    safe = np.where(moving, rate, 1.0)
    a = (low - start) / safe
    b = (high - start) / safe
    inside = (start >= low) & (start <= high)
    t0 = np.where(moving, np.minimum(a, b), np.where(inside, -np.inf, np.inf))
    t1 = np.where(moving, np.maximum(a, b), np.where(inside, np.inf, -np.inf))
    return t0, t1


def find_intrusions(
    states: TrackStates,
    notices: Sequence[NoticeLike],
    settings: IntrusionSettings | None = None,
    *,
    at_s: float | None = None,
) -> Intrusions:
    """Every (track, notice of another party) pair per the module docstring; one state per id.

    States of different times are first flown on to ``at_s`` (default: the newest state time), ``t = 0``.
    """
    settings = settings or IntrusionSettings()
    n = len(states)
    if n:
        ids, counts = np.unique(states.id, return_counts=True)
        if counts.max() > 1:
            raise InvalidInput("id", f"{str(ids[np.argmax(counts)])!r} appears more than once; keep one state per id")
    time_s = float(at_s) if at_s is not None else (float(states.time_s.max()) if n else 0.0)
    if n and np.any(states.time_s != time_s):
        states = extrapolate_to(states, time_s)
    lookahead = settings.lookahead_s

    owner_notice: list[int] = []
    owner_volume: list[int] = []
    volumes: list[VolumeLike] = []
    for i, notice in enumerate(notices):
        for j, volume in enumerate(notice.volumes):
            owner_notice.append(i)
            owner_volume.append(j)
            volumes.append(volume)
    empty = _result(states, notices, [], [], [], [], 0, time_s, settings)
    if n == 0 or not volumes:
        return empty
    v_notice = np.asarray(owner_notice, dtype=np.int64)
    v_index = np.asarray(owner_volume, dtype=np.int64)
    v_party = np.asarray([notices[i].party for i in owner_notice], dtype=np.str_)
    v_lower = np.asarray([v.lower_ft for v in volumes], dtype=np.float64)
    v_upper = np.asarray([v.upper_ft for v in volumes], dtype=np.float64)
    v_start = np.asarray([v.start_s for v in volumes], dtype=np.float64) - time_s
    v_end = np.asarray([v.end_s for v in volumes], dtype=np.float64) - time_s
    footprints = np.asarray([v.footprint for v in volumes], dtype=object)

    # each path sampled along its geodesic: (n, PATH_POINTS) lon/lat and the time of each sample
    fraction = np.linspace(0.0, 1.0, PATH_POINTS)
    reach_m = states.gs_kt * lookahead / 3600.0 * M_PER_NM
    lons = np.empty((n, PATH_POINTS))
    lats = np.empty((n, PATH_POINTS))
    for p, f in enumerate(fraction):
        lon, lat, _ = WGS84.fwd(states.lon, states.lat, states.trk_deg, reach_m * f)
        lons[:, p], lats[:, p] = lon, lat
    boxes = shapely.box(
        lons.min(axis=1) - _BOX_MARGIN_DEG,
        lats.min(axis=1) - _BOX_MARGIN_DEG,
        lons.max(axis=1) + _BOX_MARGIN_DEG,
        lats.max(axis=1) + _BOX_MARGIN_DEG,
    )
    track, vol = shapely.STRtree(footprints).query(boxes)
    track = track.astype(np.int64)
    vol = vol.astype(np.int64)
    end_alt = states.alt_ft + states.vs_fpm * lookahead / 60.0
    keep = v_party[vol] != states.party[track]
    keep &= (v_start[vol] <= lookahead) & (v_end[vol] >= 0.0)
    keep &= np.minimum(states.alt_ft[track], end_alt[track]) <= v_upper[vol]
    keep &= np.maximum(states.alt_ft[track], end_alt[track]) >= v_lower[vol]
    track, vol = track[keep], vol[keep]
    candidates = int(track.size)

    # times inside the band and the window, both closed, clipped to the lookahead
    z0, z1 = _closed_band(states.alt_ft[track], states.vs_fpm[track] / 60.0, v_lower[vol], v_upper[vol])
    open_from = np.maximum.reduce([z0, v_start[vol], np.zeros(track.size)])
    open_until = np.minimum.reduce([z1, v_end[vol], np.full(track.size, lookahead)])
    usable = open_from <= open_until
    track, vol, open_from, open_until = track[usable], vol[usable], open_from[usable], open_until[usable]

    piece_pair, piece_t0, piece_t1 = _inside_intervals(lons, lats, states.gs_kt, footprints, track, vol, lookahead)
    entry = np.maximum(piece_t0, open_from[piece_pair])
    ok = entry <= np.minimum(piece_t1, open_until[piece_pair])
    piece_pair, entry = piece_pair[ok], entry[ok]
    # earliest entry per (track, notice): the volume entered first stands for its notice
    key_track, key_notice = track[piece_pair], v_notice[vol[piece_pair]]
    order = np.lexsort((v_index[vol[piece_pair]], entry, key_notice, key_track))
    first = np.ones(order.size, dtype=bool)
    first[1:] = (key_track[order][1:] != key_track[order][:-1]) | (key_notice[order][1:] != key_notice[order][:-1])
    chosen = order[first]
    return _result(
        states,
        notices,
        key_track[chosen].tolist(),
        key_notice[chosen].tolist(),
        v_index[vol[piece_pair[chosen]]].tolist(),
        entry[chosen].tolist(),
        candidates,
        time_s,
        settings,
    )


def _inside_intervals(
    lons: FloatArray,
    lats: FloatArray,
    gs_kt: FloatArray,
    footprints: npt.NDArray[Any],
    track: IntArray,
    vol: IntArray,
    lookahead: float,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """For pairs ``(track[k], vol[k])``, the closed time intervals the path spends inside the footprint.

    Returns ``(k, t0, t1)`` per piece of path inside (several per pair when it leaves and comes back).
    """
    pairs: list[IntArray] = []
    starts: list[FloatArray] = []
    ends: list[FloatArray] = []
    for v in np.unique(vol).tolist():
        rows = np.flatnonzero(vol == v)
        tracks = track[rows]
        frame = LocalFrame.around([footprints[v]])
        area = frame.project(footprints[v])
        x, y = frame.to_xy(lons[tracks], lats[tracks])
        moving = gs_kt[tracks] * lookahead > 0.0
        # a track that does not move is a point: inside for the whole lookahead, or never
        still = rows[~moving]
        if still.size:
            inside = shapely.intersects(shapely.points(x[~moving, 0], y[~moving, 0]), area)
            pairs.append(still[inside])
            starts.append(np.zeros(int(inside.sum())))
            ends.append(np.full(int(inside.sum()), lookahead))
        if not moving.any():
            continue
        coords = np.stack([x[moving], y[moving]], axis=-1)
        paths = shapely.linestrings(coords)
        pieces = shapely.intersection(paths, area)
        parts, part_of = shapely.get_parts(pieces, return_index=True)
        nonempty = ~shapely.is_empty(parts)
        parts, part_of = parts[nonempty], part_of[nonempty]
        if parts.size == 0:
            continue
        coords_xy, point_of = shapely.get_coordinates(parts, return_index=True)
        # the path is flown at constant speed: the fraction of its length is the fraction of the lookahead
        along = shapely.line_locate_point(paths[part_of[point_of]], shapely.points(coords_xy), normalized=True)
        t = along * lookahead
        t0 = np.full(parts.size, np.inf)
        t1 = np.full(parts.size, -np.inf)
        np.minimum.at(t0, point_of, t)
        np.maximum.at(t1, point_of, t)
        pairs.append(rows[moving][part_of])
        starts.append(t0)
        ends.append(t1)
    if not pairs:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    return np.concatenate(pairs).astype(np.int64), np.concatenate(starts), np.concatenate(ends)


def _result(
    states: TrackStates,
    notices: Sequence[NoticeLike],
    track: list[int],
    notice: list[int],
    volume: list[int],
    entry: list[float],
    candidates: int,
    time_s: float,
    settings: IntrusionSettings,
) -> Intrusions:
    index = np.asarray(track, dtype=np.int64)
    ids = states.id[index] if len(states) else np.empty(0, dtype=np.str_)
    notice_ids = np.asarray([notices[i].notice_id for i in notice], dtype=np.str_)
    order = np.lexsort((notice_ids, ids, np.asarray(entry, dtype=np.float64))) if index.size else index
    return Intrusions(
        track=index[order],
        id=np.asarray(ids, dtype=np.str_)[order],
        party=(states.party[index] if len(states) else np.empty(0, dtype=np.str_))[order],
        notice_id=notice_ids[order],
        notice_party=np.asarray([notices[i].party for i in notice], dtype=np.str_)[order],
        volume=np.asarray(volume, dtype=np.int64)[order],
        entry_s=np.asarray(entry, dtype=np.float64)[order],
        candidates=candidates,
        time_s=time_s,
        settings=settings,
    )
