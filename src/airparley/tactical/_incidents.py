"""Incidents: encounters whose actual separation fell below the incident minima.

Input is a time series of states (many per id, any order). Each track is interpolated linearly in time to a
common grid of steps (``t = k * step_s`` POSIX seconds; default every second), from its first to its last
observation; a step inside a gap longer than ``max_gap_s`` between two observations is not interpolated
(the track is unknown there). Positions are interpolated as earth-centred surface points and altitude as feet.

At each step both tracks are known, the **horizontal separation** is the chord between the two surface
points (equal to the geodesic distance to better than 1e-6 below a few NM) and the **vertical separation**
the altitude difference. A step is an intrusion when horizontal ``< h_nm`` AND vertical ``< v_ft``; an
**incident** is a maximal run of consecutive intruding steps of one pair. It reports its first and last
step (``start_s``/``end_s``), the step of minimum horizontal separation (the earlier on a tie) with the
horizontal (NM) and vertical (ft) separation there, and the observed states of both tracks from
``history_s`` before the start to the end (for replay and the incident report).

Pruning: the grid is cut into windows of :data:`WINDOW_STEPS` steps; a track's positions in a window lie in a
box (earth-centred axes rotated to the scene, plus altitude); only pairs whose boxes, grown by half the
minima, overlap in a window are evaluated there, step by step, vectorised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, ecef
from airparley.tactical._scan import _scene_axes, overlapping_boxes
from airparley.tactical._states import TrackStates

__all__ = ["WINDOW_STEPS", "Incident", "IncidentSettings", "find_incidents"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Steps per pruning window: long enough to keep boxes few, short enough to keep them tight.
WINDOW_STEPS: Final = 64


def _setting(default: float, unit: str, help_text: str) -> Any:
    return field(default=default, metadata={"unit": unit, "help": help_text})


@dataclass(frozen=True)
class IncidentSettings:
    """Incident minima and sampling: the declared table of names, defaults, units and help."""

    h_nm: float = _setting(0.5, "NM", "horizontal separation below which (with the vertical) is an incident")
    v_ft: float = _setting(500.0, "ft", "vertical separation below which (with the horizontal) is an incident")
    step_s: float = _setting(1.0, "s", "interpolation step of the common time grid")
    history_s: float = _setting(120.0, "s", "states kept from before the start of each incident")
    max_gap_s: float = _setting(60.0, "s", "a track is not interpolated across a longer gap between states")

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise InvalidInput(item.name, f"must be a finite number, got {value!r}")
            if value < 0 or (value == 0 and item.name != "history_s"):
                raise InvalidInput(item.name, f"must be positive, got {value!r}")
            object.__setattr__(self, item.name, float(value))


@dataclass(frozen=True, eq=False)
class Incident:
    """One continuous encounter below the minima between tracks ``id_a < id_b`` (see the module docstring)."""

    id_a: str
    id_b: str
    party_a: str
    party_b: str
    start_s: float
    end_s: float
    min_time_s: float
    min_h_nm: float
    min_v_ft: float
    history_a: TrackStates
    history_b: TrackStates

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class _Samples:
    """Every track on the common grid: track ``g`` holds grid steps ``k0[g] .. k0[g] + count[g] - 1``."""

    k0: IntArray
    count: IntArray
    base: IntArray  # index of each track's first sample
    position: FloatArray  # (samples, 3) scene east, north, up, NM (earth-centred surface point, rotated)
    alt_ft: FloatArray
    valid: BoolArray


def _tracks(states: TrackStates) -> tuple[TrackStates, IntArray, IntArray]:
    """States sorted by (id, time), one per (id, time) (the later row wins); track number and start of each."""
    rows = np.arange(len(states))
    order = np.lexsort((rows, states.time_s, states.id))
    ids = states.id[order]
    times = states.time_s[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = (ids[1:] != ids[:-1]) | (times[1:] != times[:-1])
    order = order[last]
    ids = ids[last]
    first = np.ones(order.size, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    track = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    return states.take(order), track, starts


def _sample(sorted_states: TrackStates, track: IntArray, starts: IntArray, settings: IncidentSettings) -> _Samples:
    times = sorted_states.time_s
    ends = np.append(starts[1:], times.size)
    step = settings.step_s
    k0 = np.ceil(times[starts] / step).astype(np.int64)
    k1 = np.floor(times[ends - 1] / step).astype(np.int64)
    count = np.maximum(k1 - k0 + 1, 0)
    base = np.cumsum(count) - count
    owner = np.repeat(np.arange(starts.size), count)
    k = k0[owner] + np.arange(int(count.sum())) - base[owner]
    t = k * step
    # the observation at or before each sample, searched per track through a composite key
    t_min = float(times.min())
    room = float(times.max()) - t_min + 2.0 * step + 1.0
    obs_key = track * room + (times - t_min)
    sample_key = owner * room + (t - t_min)
    j = np.searchsorted(obs_key, sample_key, side="right") - 1
    j = np.clip(j, starts[owner], ends[owner] - 1)
    nxt = np.minimum(j + 1, ends[owner] - 1)
    span = times[nxt] - times[j]
    frac = np.where(span > 0.0, (t - times[j]) / np.where(span > 0.0, span, 1.0), 0.0)
    on_observation = (frac == 0.0) | (frac == 1.0)
    valid = on_observation | (span <= settings.max_gap_s)
    x, y, z = ecef(sorted_states.lon, sorted_states.lat)
    surface = np.column_stack([x, y, z]) / M_PER_NM
    lat_r = np.radians(sorted_states.lat)
    lon_r = np.radians(sorted_states.lon)
    up = np.column_stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)])
    axes = _scene_axes(up)
    obs_position = surface @ axes.T
    position = obs_position[j] + frac[:, None] * (obs_position[nxt] - obs_position[j])
    alt = sorted_states.alt_ft[j] + frac * (sorted_states.alt_ft[nxt] - sorted_states.alt_ft[j])
    return _Samples(k0=k0, count=count, base=base, position=position, alt_ft=alt, valid=valid)


def _window_boxes(samples: _Samples, settings: IncidentSettings) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """One box per (track, window) holding its valid samples there, grown by half the minima."""
    tracks = samples.k0.size
    owner = np.repeat(np.arange(tracks), samples.count)
    k = samples.k0[owner] + np.arange(owner.size) - samples.base[owner]
    window = np.floor_divide(k, WINDOW_STEPS)
    run_start = np.ones(owner.size, dtype=bool)
    run_start[1:] = (owner[1:] != owner[:-1]) | (window[1:] != window[:-1])
    starts = np.flatnonzero(run_start)
    values = np.column_stack([samples.position, samples.alt_ft])
    lo = np.minimum.reduceat(np.where(samples.valid[:, None], values, np.inf), starts, axis=0)
    hi = np.maximum.reduceat(np.where(samples.valid[:, None], values, -np.inf), starts, axis=0)
    keep = np.all(np.isfinite(lo), axis=1)
    grow = np.array([settings.h_nm / 2.0] * 3 + [settings.v_ft / 2.0])
    return lo[keep] - grow, hi[keep] + grow, window[starts][keep], owner[starts][keep]


def find_incidents(states: TrackStates, settings: IncidentSettings | None = None) -> list[Incident]:
    """Every incident in a time series of states, ordered by start time then ids (see the module docstring)."""
    settings = settings or IncidentSettings()
    if len(states) == 0:
        return []
    sorted_states, track, starts = _tracks(states)
    samples = _sample(sorted_states, track, starts, settings)
    if samples.position.shape[0] == 0:
        return []
    lo, hi, window, owner = _window_boxes(samples, settings)
    if owner.size < 2:
        return []
    extent = float(np.median(np.maximum(hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1])))
    # windows counted from the first one keep the pruner's cell keys small whatever the epoch
    box_a, box_b = overlapping_boxes(lo, hi, window - window.min(), owner, max(extent * 1.4, settings.h_nm))
    ga = np.minimum(owner[box_a], owner[box_b])
    gb = np.maximum(owner[box_a], owner[box_b])
    w = window[box_a]
    # the steps of each candidate: its window, where both tracks have samples
    first = np.maximum.reduce([w * WINDOW_STEPS, samples.k0[ga], samples.k0[gb]])
    last = np.minimum.reduce(
        [
            w * WINDOW_STEPS + WINDOW_STEPS - 1,
            samples.k0[ga] + samples.count[ga] - 1,
            samples.k0[gb] + samples.count[gb] - 1,
        ]
    )
    length = np.maximum(last - first + 1, 0)
    cand = np.repeat(np.arange(ga.size), length)
    k = first[cand] + np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    ia = samples.base[ga[cand]] + k - samples.k0[ga[cand]]
    ib = samples.base[gb[cand]] + k - samples.k0[gb[cand]]
    h_nm = np.sqrt(
        np.einsum("ij,ij->i", samples.position[ib] - samples.position[ia], samples.position[ib] - samples.position[ia])
    )
    v_ft = np.abs(samples.alt_ft[ib] - samples.alt_ft[ia])
    hit = (h_nm < settings.h_nm) & (v_ft < settings.v_ft) & samples.valid[ia] & samples.valid[ib]
    if not hit.any():
        return []
    pair_a, pair_b, k, h_nm, v_ft = ga[cand[hit]], gb[cand[hit]], k[hit], h_nm[hit], v_ft[hit]
    tracks = samples.k0.size
    pair = pair_a * tracks + pair_b
    order = np.lexsort((k, pair))
    pair, k, h_nm, v_ft = pair[order], k[order], h_nm[order], v_ft[order]
    new_run = np.ones(pair.size, dtype=bool)
    new_run[1:] = (pair[1:] != pair[:-1]) | (k[1:] != k[:-1] + 1)
    run = np.cumsum(new_run) - 1
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], pair.size) - 1
    # the step of least horizontal separation in each run: lexsort puts it first, earliest on ties
    by_closeness = np.lexsort((k, h_nm, run))
    closest = by_closeness[np.flatnonzero(np.concatenate([[True], run[by_closeness][1:] != run[by_closeness][:-1]]))]
    return _report(
        sorted_states,
        starts,
        pair[run_first] // tracks,
        pair[run_first] % tracks,
        k[run_first],
        k[run_last],
        k[closest],
        h_nm[closest],
        v_ft[closest],
        settings,
    )


def _report(
    sorted_states: TrackStates,
    starts: IntArray,
    track_a: IntArray,
    track_b: IntArray,
    k_start: IntArray,
    k_end: IntArray,
    k_min: IntArray,
    h_min: FloatArray,
    v_min: FloatArray,
    settings: IncidentSettings,
) -> list[Incident]:
    ends = np.append(starts[1:], len(sorted_states))
    step = settings.step_s
    incidents = []
    for ta, tb, ks, ke, km, h, v in zip(
        track_a.tolist(),
        track_b.tolist(),
        k_start.tolist(),
        k_end.tolist(),
        k_min.tolist(),
        h_min.tolist(),
        v_min.tolist(),
        strict=True,
    ):
        start_s, end_s = ks * step, ke * step
        histories = []
        for g in (ta, tb):
            times = sorted_states.time_s[starts[g] : ends[g]]
            lo = int(np.searchsorted(times, start_s - settings.history_s, side="left"))
            hi = int(np.searchsorted(times, end_s, side="right"))
            histories.append(sorted_states.take(np.arange(starts[g] + lo, starts[g] + hi)))
        id_a, id_b = str(sorted_states.id[starts[ta]]), str(sorted_states.id[starts[tb]])
        if id_b < id_a:
            id_a, id_b = id_b, id_a
            histories.reverse()
            ta, tb = tb, ta
        incidents.append(
            Incident(
                id_a=id_a,
                id_b=id_b,
                party_a=str(sorted_states.party[starts[ta]]),
                party_b=str(sorted_states.party[starts[tb]]),
                start_s=start_s,
                end_s=end_s,
                min_time_s=km * step,
                min_h_nm=h,
                min_v_ft=v,
                history_a=histories[0],
                history_b=histories[1],
            )
        )
    incidents.sort(key=lambda i: (i.start_s, i.id_a, i.id_b))
    return incidents
