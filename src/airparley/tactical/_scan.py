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

Pruning (never an N x N array) is :mod:`airparley.tactical._prune`'s: swept boxes per time slab, grown so
that a conflict implies overlapping boxes, found on a grid with a sweep in altitude. The candidates it
leaves are evaluated exactly in cache-sized chunks, after a cheap test that is necessary for a conflict
(within ``R`` somewhere in the lookahead, and within ``H`` somewhere in it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, ecef

# _scene_axes and overlapping_boxes are also re-exported: airparley.tactical._incidents imports them from here
from airparley.tactical._prune import _scene_axes as _scene_axes
from airparley.tactical._prune import candidate_pairs
from airparley.tactical._prune import overlapping_boxes as overlapping_boxes
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

#: Relative ground speeds below this (NM/s, about 2 micrometres per second) are the rounding noise of
#: turning two equal velocities into earth-centred vectors: the pair is treated as not moving apart at all.
_STILL_NM_S: Final = 1e-9
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

    # Cached: each is a gather over every pair, and callers index them row by row.
    @cached_property
    def id_a(self) -> npt.NDArray[np.str_]:
        return self.ids[self.a]

    @cached_property
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


def _scene_plane(scene: _Scene) -> tuple[FloatArray, FloatArray]:
    """Positions (NM) and velocities (NM/s) in earth-centred axes rotated to the scene's mean east-north-up."""
    axes = _scene_axes(scene.columns[6:9].T)
    return (axes @ scene.columns[0:3]).T, (axes @ scene.columns[3:6]).T


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
        order, cand_a, cand_b = candidate_pairs(pos, vel, scene.columns[9:11].T, settings, allowed, exclusive)
        scene = scene.take(order)
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
