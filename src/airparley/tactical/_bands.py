"""Manoeuvre bands for one ownship, following DAIDALUS v2's kinematic bands (hysteresis and criteria off).

Frames and units as in :mod:`airparley.tactical._daidalus`: a local ENU frame in metres and metres per
second, ``z`` is altitude MSL; reports in degrees (true track, which is the heading when there is no wind,
as DAIDALUS' direction bands), feet per minute and feet.

The algorithm (nasa/daidalus ``ACCoRD/DaidalusRealBands.java``, ``DaidalusIntegerBands.java``,
``DaidalusDirBands.java``, ``DaidalusVsBands.java``, ``DaidalusAltBands.java``):

* Candidate manoeuvres form a grid (1 degree, 100 fpm, 100 ft). A candidate is flown kinematically: a turn
  at the turn rate to the candidate track, a vertical acceleration to the candidate vertical speed, or a
  climb/descent at the vertical rate (accelerating and levelling off at the vertical acceleration) to the
  candidate altitude; after that the ownship flies straight.
* A candidate is *in conflict* with an intruder when a loss of the level's volume is detected analytically
  on the straight legs (post-manoeuvre window ``[t_m, min(lookahead, T + t_m)]``), or when the ownship is in
  violation at the sampled times of the curved parts (every step of the turn or vertical acceleration, every
  second of an altitude capture). As in DAIDALUS, the first violation along a turn or acceleration
  colours every candidate beyond it. ``T`` is the lookahead for an intruder already alerting at that level
  and the level's alerting time for the others (DAIDALUS' conflict and peripheral aircraft).
* Free (``none``) ranges are runs of at least two consecutive conflict-free grid points; between grid
  points the band is taken from its ends. Each other value takes the most severe level whose free set does
  not contain it. Bands are computed from the most severe level down and stop at the first saturated level.
* Recovery (``DaidalusRealBands.compute_recovery_bands``): when the warning or corrective level saturates,
  the corrective intruders are checked against a recovery cylinder (0.66 NM / 450 ft): the earliest
  recovery time ``B`` (bisection to 0.5 s, plus a 3 s stability time) such that some manoeuvre keeps out of
  the cylinder until ``B`` and out of the corrective volume after it; the cylinder shrinks by 10 % a step
  down to the NMAC cylinder (500 ft / 100 ft) when no such manoeuvre exists. The manoeuvres found are
  reported as ``recovery``; when not even the NMAC cylinder can be avoided the bands stay saturated.

DO_365B_no_SUM gives the preventive level no bands (``alert_1_region = NONE``); ``preventive_bands`` adds
them. airparley's ``caution`` level is drawn below preventive when ``caution_bands`` is on.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from airparley.errors import InvalidInput
from airparley.geo import M_PER_FT, M_PER_NM
from airparley.tactical._daidalus import (
    MS_PER_FPM,
    AlertingSettings,
    AlertLevel,
    BoolArray,
    Cylinder,
    FlightState,
    FlightStates,
    FloatArray,
    _check_settings,
    _conflict_before,
    _Detector,
    _ieee,
    _setting,
    almost_equals,
    almost_less,
    enu_states,
)

__all__ = [
    "BandInterval",
    "BandsSettings",
    "DimensionBands",
    "ManoeuvreBands",
    "RecoveryInfo",
    "bands_geodetic",
    "manoeuvre_bands",
]

#: Standard gravity (m/s^2), DAIDALUS' unit "G".
_G0: Final = 9.80665
#: ``DaidalusAltBands.time_step``: seconds between the violation checks of an altitude capture.
_ALT_TIME_STEP_S: Final = 1.0
#: Bisection of the recovery time stops at this resolution (``compute_recovery_bands``).
_RECOVERY_RESOLUTION_S: Final = 0.5


def _flag(default: bool, help_text: str) -> bool:
    return field(default=default, metadata={"unit": "", "help": help_text})


def _signed(default: float, unit: str, help_text: str) -> float:
    return field(default=default, metadata={"unit": unit, "help": help_text, "min": -math.inf})


def _non_negative(default: float, unit: str, help_text: str) -> float:
    return field(default=default, metadata={"unit": unit, "help": help_text, "strict": False})


@dataclass(frozen=True)
class BandsSettings:
    """Kinematic and recovery parameters of the bands; defaults from DAIDALUS' ``DO_365B_no_SUM.conf``."""

    step_hdir_deg: float = _setting(1.0, "deg", "step of the heading (track) grid")
    turn_rate_deg_s: float = _setting(3.0, "deg/s", "turn rate of heading manoeuvres")
    left_hdir_deg: float = _setting(180.0, "deg", "largest turn to the left considered (<= 180)")
    right_hdir_deg: float = _setting(180.0, "deg", "largest turn to the right considered (<= 180)")
    step_vs_fpm: float = _setting(100.0, "fpm", "step of the vertical speed grid")
    min_vs_fpm: float = _signed(-6000.0, "fpm", "lowest vertical speed of the bands")
    max_vs_fpm: float = _signed(6000.0, "fpm", "highest vertical speed of the bands")
    vertical_accel_g: float = _setting(0.25, "G", "vertical acceleration of vertical speed and altitude manoeuvres")
    step_alt_ft: float = _setting(100.0, "ft", "step of the altitude grid")
    min_alt_ft: float = _non_negative(0.0, "ft", "lowest altitude of the bands (MSL)")
    max_alt_ft: float = _setting(60000.0, "ft", "highest altitude of the bands (MSL)")
    vertical_rate_fpm: float = _setting(500.0, "fpm", "climb/descent rate of altitude manoeuvres")
    range_nm: float = _setting(60.0, "NM", "intruders farther than this (horizontally) are ignored")
    preventive_bands: bool = _flag(False, "draw preventive bands (DO_365B_no_SUM: none)")
    caution_bands: bool = _flag(True, "draw airparley's caution level below the DO-365 levels")
    recovery_hdir: bool = _flag(True, "compute heading recovery bands")
    recovery_vs: bool = _flag(True, "compute vertical speed recovery bands")
    recovery_alt: bool = _flag(True, "compute altitude recovery bands")
    min_horizontal_recovery_nm: float = _setting(0.66, "NM", "radius of the recovery cylinder")
    min_vertical_recovery_ft: float = _setting(450.0, "ft", "half height of the recovery cylinder")
    horizontal_nmac_ft: float = _setting(500.0, "ft", "radius of the NMAC cylinder, the smallest recovery volume")
    vertical_nmac_ft: float = _setting(100.0, "ft", "half height of the NMAC cylinder")
    ca_bands: bool = _flag(True, "shrink the recovery cylinder towards NMAC when no recovery exists")
    ca_factor: float = _setting(0.1, "", "fraction the recovery cylinder shrinks by at each step, in (0, 1)")
    recovery_stability_time_s: float = _non_negative(3.0, "s", "added to the earliest recovery time")

    def __post_init__(self) -> None:
        _check_settings(self)
        for name, value in (("left_hdir_deg", self.left_hdir_deg), ("right_hdir_deg", self.right_hdir_deg)):
            if value > 180.0:
                raise InvalidInput(name, f"must be at most 180 deg, got {value}")
        if self.min_vs_fpm >= self.max_vs_fpm:
            raise InvalidInput("min_vs_fpm", "must be below max_vs_fpm")
        if self.min_alt_ft >= self.max_alt_ft:
            raise InvalidInput("min_alt_ft", "must be below max_alt_ft")
        if self.ca_factor >= 1.0:
            raise InvalidInput("ca_factor", f"must be below 1, got {self.ca_factor}")
        if self.min_horizontal_recovery_nm * M_PER_NM < self.horizontal_nmac_ft * M_PER_FT:
            raise InvalidInput("min_horizontal_recovery_nm", "must not be below horizontal_nmac_ft")
        if self.min_vertical_recovery_ft < self.vertical_nmac_ft:
            raise InvalidInput("min_vertical_recovery_ft", "must not be below vertical_nmac_ft")


class BandInterval(NamedTuple):
    """A range of one band dimension and its region: ``none``, a level name, or ``recovery``."""

    lo: float
    hi: float
    region: str


@dataclass(frozen=True)
class RecoveryInfo:
    """``RecoveryInformation``: ``time_s`` NaN when no recovery was needed, ``-inf`` when none exists."""

    time_s: float = math.nan
    horizontal_nm: float = math.nan
    vertical_ft: float = math.nan
    reductions: int = 0

    @property
    def computed(self) -> bool:
        return not math.isnan(self.time_s)


@dataclass(frozen=True)
class DimensionBands:
    """Bands of one dimension: ``heading`` (deg true, [0, 360]), ``vertical_speed`` (fpm), ``altitude`` (ft)."""

    dimension: str
    unit: str
    current: float
    intervals: tuple[BandInterval, ...]
    recovery: RecoveryInfo

    def region_at(self, value: float) -> str:
        """The region of ``value`` (the more severe one on a shared boundary)."""
        if self.dimension == "heading":
            value = value % 360.0
        found = [b.region for b in self.intervals if b.lo <= value <= b.hi]
        if not found:
            raise InvalidInput("value", f"{value} {self.unit} is outside the {self.dimension} bands")
        return max(found, key=_REGION_ORDER.index)


@dataclass(frozen=True)
class ManoeuvreBands:
    """Heading, vertical speed and altitude bands; ``intruders`` indexes the intruders that were considered."""

    heading: DimensionBands
    vertical_speed: DimensionBands
    altitude: DimensionBands
    intruders: tuple[int, ...]


_REGION_ORDER: Final = ("none", "recovery", "caution", "preventive", "corrective", "warning")


@dataclass(frozen=True)
class _BandLevel:
    name: str
    detector: _Detector
    alerting_time_s: float


@dataclass(frozen=True)
class _Leg:
    """A straight leg of the ownship: state at ``start_s`` (``(C, 3)``), flown until ``end_s``."""

    pos_m: FloatArray
    vel_ms: FloatArray
    start_s: FloatArray
    end_s: FloatArray


@dataclass(frozen=True)
class _Plan:
    """Candidate manoeuvres of one dimension, in grid order.

    Violations are checked at sample times held in rows (``(G, S)``); candidate ``c`` uses the samples
    ``0..sample_last[c]`` of row ``sample_row[c]`` (a turn or an acceleration is a prefix of its row).
    """

    values: FloatArray
    legs: tuple[_Leg, ...]
    sample_pos_m: FloatArray
    sample_vel_ms: FloatArray
    sample_t_s: FloatArray
    sample_valid: BoolArray
    sample_row: npt.NDArray[np.intp]
    sample_last: npt.NDArray[np.intp]


@_ieee
def _red(
    plan: _Plan,
    si: FloatArray,
    vi: FloatArray,
    horizon_s: FloatArray,
    conflict: _Detector,
    recovery: _Detector | None,
    b_s: float,
    lookahead_s: float,
) -> BoolArray:
    """``(C, M)``: candidate c is in conflict with intruder m (DAIDALUS ``CD_future_traj`` and ``LOS_at``)."""
    t = plan.sample_t_s[..., None]
    w = plan.sample_vel_ms[:, :, None, :]
    s = plan.sample_pos_m[:, :, None, :] - t[..., None] * w - si
    v = w - vi
    usable = plan.sample_valid[..., None] & (t < lookahead_s)
    los = usable & (t >= b_s) & conflict.violation_at(s, v, t)
    if recovery is not None:
        los |= usable & (t <= b_s) & recovery.violation_at(s, v, t)
    red = np.logical_or.accumulate(los, axis=1)[plan.sample_row, plan.sample_last]
    for leg in plan.legs:
        start, end = leg.start_s[:, None], leg.end_s[:, None]
        u = leg.vel_ms[:, None, :]
        s = leg.pos_m[:, None, :] - start[..., None] * u - si
        v = u - vi
        hi = np.minimum(np.minimum(lookahead_s, horizon_s[None, :] + start), end)
        lo = np.maximum(b_s, start)
        active = (start <= hi) & (lo <= hi)
        red |= active & conflict.conflict(s, v, lo, hi)
        if recovery is not None:
            hi = np.minimum(min(lookahead_s, b_s), end)
            active = (start <= hi) & (hi >= 0.0)
            red |= active & recovery.conflict(s, v, start, np.broadcast_to(hi, red.shape))
    return np.asarray(red, dtype=np.bool_)


def _free(
    plan: _Plan,
    si: FloatArray,
    vi: FloatArray,
    horizon_s: FloatArray,
    conflict: _Detector,
    recovery: _Detector | None,
    b_s: float,
    lookahead_s: float,
) -> BoolArray:
    """Candidates free of every intruder (``DaidalusRealBands.compute_none_bands``)."""
    free = np.ones(len(plan.values), dtype=np.bool_)
    late = horizon_s < b_s
    if (~late).any():
        free &= ~_red(plan, si[~late], vi[~late], horizon_s[~late], conflict, recovery, b_s, lookahead_s).any(axis=1)
    if late.any() and recovery is not None:
        # A recovery time beyond an intruder's horizon: only its recovery cylinder counts, until the horizon.
        free &= ~_red(plan, si[late], vi[late], horizon_s[late], recovery, None, 0.0, lookahead_s).any(axis=1)
    return free


def _none_set(values: FloatArray, free: BoolArray, limits: tuple[float, float] | None) -> list[tuple[float, float]]:
    """Runs of at least two consecutive free grid points, as value intervals clipped to ``limits``."""
    edges = np.diff(np.concatenate([[0], free.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    out: list[tuple[float, float]] = []
    for first, last in zip(starts, stops, strict=True):
        if last == first:
            continue
        lo, hi = float(values[first]), float(values[last])
        if limits is not None:
            lo, hi = max(limits[0], lo), min(limits[1], hi)
        if almost_less(lo, hi):
            out.append((lo, hi))
    return out


def _inside(x: float, intervals: list[tuple[float, float]]) -> bool:
    return any(lo <= x <= hi for lo, hi in intervals)


def _paint(
    domain: tuple[float, float],
    processed: list[tuple[str, list[tuple[float, float]]]],
    recovery: list[tuple[float, float]] | None,
) -> list[BandInterval]:
    """Colour the domain: the most severe processed level whose free set misses a value, then recovery."""
    cuts = {domain[0], domain[1]}
    for _, intervals in processed:
        cuts.update(x for iv in intervals for x in iv)
    if recovery:
        cuts.update(x for iv in recovery for x in iv)
    points = sorted(x for x in cuts if domain[0] <= x <= domain[1])
    out: list[BandInterval] = []
    for lo, hi in itertools.pairwise(points):
        if not lo < hi:
            continue
        mid = (lo + hi) / 2.0
        region = next((name for name, none in processed if not _inside(mid, none)), "none")
        if recovery and _inside(mid, recovery):
            region = "recovery"
        if out and out[-1].region == region and out[-1].hi == lo:
            out[-1] = BandInterval(out[-1].lo, hi, region)
        else:
            out.append(BandInterval(lo, hi, region))
    return out


# --- candidate plans -----------------------------------------------------------------------------------


def _steps(extent: float, step: float, circular: bool) -> int:
    """``maxdown``/``maxup``: grid steps to cover ``extent``, without passing half a circle."""
    n = max(0, math.ceil(extent / step - 1e-12))
    if circular and n * step > 180.0 and not almost_equals(n * step, 180.0):
        n -= 1
    return n


def _two_way_plan(
    values_down: FloatArray,
    values_up: FloatArray,
    states: tuple[FloatArray, FloatArray, FloatArray],
    n_down: int,
    n_up: int,
) -> _Plan:
    """A plan whose candidates are prefixes of two trajectories, down/left (row 0) and up/right (row 1)."""
    pos, vel, t = states
    down = np.arange(n_down, 0, -1)
    up = np.arange(0, n_up + 1)
    rows = np.concatenate([np.zeros(n_down, dtype=np.intp), np.ones(n_up + 1, dtype=np.intp)])
    last = np.concatenate([down, up]).astype(np.intp)
    values = np.concatenate([values_down[down], values_up[up]])
    valid = np.zeros(t.shape, dtype=np.bool_)
    valid[0, : n_down + 1] = True
    valid[1, : n_up + 1] = True
    leg = _Leg(pos[rows, last], vel[rows, last], t[rows, last], np.full(len(values), np.inf))
    return _Plan(values, (leg,), pos, vel, t, valid, rows, last)


def _turn_plan(p0: FloatArray, v0: FloatArray, settings: BandsSettings) -> _Plan:
    """``DaidalusDirBands``: turn at the turn rate (``ProjectedKinematics.turn``), then straight."""
    step = math.radians(settings.step_hdir_deg)
    omega = math.radians(settings.turn_rate_deg_s)
    n_left = _steps(settings.left_hdir_deg, settings.step_hdir_deg, True)
    n_right = _steps(settings.right_hdir_deg, settings.step_hdir_deg, True)
    k = np.arange(max(n_left, n_right) + 1, dtype=np.float64)
    gs = math.hypot(v0[0], v0[1])
    trk0 = math.atan2(v0[0], v0[1])
    radius = gs / omega
    t = np.stack([k * step / omega] * 2)
    theta = np.stack([trk0 - k * step, trk0 + k * step])
    direction = np.array([[-1.0], [1.0]])
    x = p0[0] + direction * radius * (math.cos(trk0) - np.cos(theta))
    y = p0[1] + direction * radius * (np.sin(theta) - math.sin(trk0))
    z = p0[2] + v0[2] * t
    pos = np.stack([x, y, z], axis=-1)
    vel = np.stack([gs * np.sin(theta), gs * np.cos(theta), np.full_like(t, v0[2])], axis=-1)
    offsets = k * settings.step_hdir_deg
    return _two_way_plan(-offsets, offsets, (pos, vel, t), n_left, n_right)


def _vs_plan(p0: FloatArray, v0: FloatArray, settings: BandsSettings) -> _Plan:
    """``DaidalusVsBands``: constant vertical acceleration to the candidate speed (``vsAccel``), then straight."""
    accel = settings.vertical_accel_g * _G0
    step = settings.step_vs_fpm * MS_PER_FPM
    vs0 = float(v0[2])
    n_down = _steps(vs0 - settings.min_vs_fpm * MS_PER_FPM, step, False)
    n_up = _steps(settings.max_vs_fpm * MS_PER_FPM - vs0, step, False)
    k = np.arange(max(n_down, n_up) + 1, dtype=np.float64)
    t = np.stack([k * step / accel] * 2)
    direction = np.array([[-1.0], [1.0]])
    x = p0[0] + v0[0] * t
    y = p0[1] + v0[1] * t
    z = p0[2] + vs0 * t + 0.5 * direction * accel * t * t
    pos = np.stack([x, y, z], axis=-1)
    vel = np.stack([np.full_like(t, v0[0]), np.full_like(t, v0[1]), vs0 + direction * accel * t], axis=-1)
    vs0_fpm = vs0 / MS_PER_FPM
    return _two_way_plan(
        vs0_fpm - k * settings.step_vs_fpm, vs0_fpm + k * settings.step_vs_fpm, (pos, vel, t), n_down, n_up
    )


def _level_out(z0: float, u0: float, target: FloatArray, rate: float, accel: float) -> tuple[FloatArray, FloatArray]:
    """Phases (durations, accelerations), shape ``(C, 4)``, that take altitude ``z0`` at speed ``u0`` to rest
    at ``target``: stop first if the target cannot be reached without overshooting, accelerate towards it up to
    ``rate``, coast, and decelerate to level exactly at the target."""
    delta = target - z0
    toward = np.sign(delta) * u0 > 0.0
    overshoot = (u0 != 0.0) & ((delta == 0.0) | (toward & (u0 * u0 / (2.0 * accel) > np.abs(delta))))
    stop = np.where(overshoot, abs(u0) / accel, 0.0)
    z1 = z0 + np.where(overshoot, u0 * abs(u0) / (2.0 * accel), 0.0)
    u1 = np.where(overshoot, 0.0, u0)
    sigma = np.where(target - z1 >= 0.0, 1.0, -1.0)
    distance = np.abs(target - z1)
    speed0 = sigma * u1
    peak = np.where(speed0 > rate, rate, np.minimum(rate, np.sqrt(accel * distance + speed0 * speed0 / 2.0)))
    a1 = np.sign(peak - speed0) * accel
    with np.errstate(all="ignore"):
        d1 = np.where(a1 != 0.0, (peak * peak - speed0 * speed0) / (2.0 * a1), 0.0)
        coast = np.where(peak > 0.0, np.maximum(0.0, distance - d1 - peak * peak / (2.0 * accel)) / peak, 0.0)
    durations = np.stack([stop, np.abs(peak - speed0) / accel, coast, peak / accel], axis=-1)
    accels = np.stack(
        [np.where(overshoot, -np.sign(u0) * accel, 0.0), sigma * a1, np.zeros_like(peak), -sigma * accel], axis=-1
    )
    return durations, accels


def _profile(
    z0: float, u0: float, durations: FloatArray, accels: FloatArray, target: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Altitude and vertical speed at times ``t`` (``(C, ...)``) along the phases, level after the last."""
    extra = (slice(None),) + (None,) * (t.ndim - 1)
    z = np.full(t.shape, z0)
    u = np.full(t.shape, u0)
    start = np.zeros(t.shape)
    speed = np.full(durations.shape[0], u0)
    for phase in range(durations.shape[1]):
        length, accel = durations[:, phase][extra], accels[:, phase][extra]
        dt = np.clip(t - start, 0.0, length)
        z = z + speed[extra] * dt + 0.5 * accel * dt * dt
        u = u + accel * dt
        start = start + length
        speed = speed + durations[:, phase] * accels[:, phase]
    level = t >= start
    return np.where(level, np.broadcast_to(target[extra], t.shape), z), np.where(level, 0.0, u)


def _alt_plan(p0: FloatArray, v0: FloatArray, settings: BandsSettings) -> _Plan:
    """``DaidalusAltBands``: capture each candidate altitude (``vsLevelOut``), then level flight."""
    step = settings.step_alt_ft * M_PER_FT
    low = settings.min_alt_ft * M_PER_FT
    count = math.floor((settings.max_alt_ft - settings.min_alt_ft) / settings.step_alt_ft) + 2
    target = low + np.arange(count, dtype=np.float64) * step
    accel = settings.vertical_accel_g * _G0
    z0, u0 = float(p0[2]), float(v0[2])
    durations, accels = _level_out(z0, u0, target, settings.vertical_rate_fpm * MS_PER_FPM, accel)
    ends = np.cumsum(durations, axis=1)
    coast_start, coast_end, level_at = ends[:, 1], ends[:, 2], ends[:, 3]
    settled = level_at + _ALT_TIME_STEP_S
    # Violation checks every second while accelerating and while levelling off, as DaidalusAltBands.
    first = np.floor(coast_start / _ALT_TIME_STEP_S).astype(np.intp) + 1
    resume = np.ceil(coast_end / _ALT_TIME_STEP_S).astype(np.intp)
    second = np.floor(settled / _ALT_TIME_STEP_S).astype(np.intp) - resume + 1
    j = np.arange(int((first + second).max()))[None, :]
    sample_t = np.where(j < first[:, None], j, resume[:, None] + j - first[:, None]) * _ALT_TIME_STEP_S
    valid = j < (first + second)[:, None]
    z, u = _profile(z0, u0, durations, accels, target, sample_t)
    horizontal = p0[None, None, :2] + v0[None, None, :2] * sample_t[..., None]
    sample_pos = np.concatenate([horizontal, z[..., None]], axis=-1)
    sample_vel = np.concatenate([np.broadcast_to(v0[:2], horizontal.shape), u[..., None]], axis=-1)
    legs = []
    for start, end in ((coast_start, coast_end), (settled, np.full(count, np.inf))):
        zs, us = _profile(z0, u0, durations, accels, target, start)
        pos = np.column_stack([p0[0] + v0[0] * start, p0[1] + v0[1] * start, zs])
        vel = np.column_stack([np.full(count, v0[0]), np.full(count, v0[1]), us])
        legs.append(_Leg(pos, vel, start, end))
    rows = np.arange(count, dtype=np.intp)
    values = settings.min_alt_ft + np.arange(count, dtype=np.float64) * settings.step_alt_ft
    return _Plan(
        values,
        tuple(legs),
        sample_pos,
        sample_vel,
        sample_t,
        valid,
        rows,
        np.full(count, sample_t.shape[1] - 1, dtype=np.intp),
    )


# --- recovery and levels --------------------------------------------------------------------------------


def _recovery(
    plan: _Plan,
    si: FloatArray,
    vi: FloatArray,
    horizon_s: FloatArray,
    corrective: _Detector,
    limits: tuple[float, float] | None,
    settings: BandsSettings,
    lookahead_s: float,
) -> tuple[list[tuple[float, float]], RecoveryInfo]:
    """``DaidalusRealBands.compute_recovery_bands``."""

    def none(conflict: _Detector, recovery: _Detector | None, b_s: float) -> list[tuple[float, float]]:
        return _none_set(plan.values, _free(plan, si, vi, horizon_s, conflict, recovery, b_s, lookahead_s), limits)

    nmac = Cylinder(settings.horizontal_nmac_ft * M_PER_FT, settings.vertical_nmac_ft * M_PER_FT)
    failed = RecoveryInfo(-math.inf, -math.inf, -math.inf, 0)
    if not none(nmac, None, 0.0):
        return [], failed
    cylinder = Cylinder(settings.min_horizontal_recovery_nm * M_PER_NM, settings.min_vertical_recovery_ft * M_PER_FT)
    reductions = 0
    while cylinder.horizontal_m > nmac.horizontal_m or cylinder.vertical_m > nmac.vertical_m:
        solid_red = not none(cylinder, None, 0.0)
        if solid_red and not settings.ca_bands:
            break
        if not solid_red:
            red, green = 0.0, lookahead_s + 1.0
            pivot = green - 1.0
            while green - red > _RECOVERY_RESOLUTION_S:
                if none(corrective, cylinder, pivot):
                    green = pivot
                else:
                    red = pivot
                pivot = (red + green) / 2.0
            time_s = min(lookahead_s, green + settings.recovery_stability_time_s) if green <= lookahead_s else red
            found = none(corrective, cylinder, time_s)
            if found:
                return found, RecoveryInfo(
                    time_s, cylinder.horizontal_m / M_PER_NM, cylinder.vertical_m / M_PER_FT, reductions
                )
            if not settings.ca_bands:
                break
        reductions += 1
        factor = 1.0 - settings.ca_factor
        cylinder = Cylinder(
            max(nmac.horizontal_m, cylinder.horizontal_m * factor), max(nmac.vertical_m, cylinder.vertical_m * factor)
        )
    return [], RecoveryInfo(-math.inf, -math.inf, -math.inf, reductions)


def _levels(settings: BandsSettings, alerting: AlertingSettings) -> list[_BandLevel]:
    """Levels that draw bands, most severe first."""
    levels = [
        _BandLevel(lvl.label, alerting.detector(lvl), alerting.alerting_time_s(lvl))
        for lvl in (AlertLevel.WARNING, AlertLevel.CORRECTIVE)
    ]
    if settings.preventive_bands:
        levels.append(
            _BandLevel("preventive", alerting.detector(AlertLevel.PREVENTIVE), alerting.alerting_time_preventive_s)
        )
    if settings.caution_bands:
        levels.append(_BandLevel("caution", alerting.caution_detector(), alerting.caution_time_s))
    return levels


def _dimension(
    name: str,
    unit: str,
    current: float,
    plan: _Plan,
    limits: tuple[float, float] | None,
    domain: tuple[float, float],
    recovery_enabled: bool,
    si: FloatArray,
    vi: FloatArray,
    horizons: dict[str, FloatArray],
    levels: list[_BandLevel],
    settings: BandsSettings,
    alerting: AlertingSettings,
) -> DimensionBands:
    """``DaidalusRealBands.compute``: levels from the most severe down, recovery when corrective saturates."""
    processed: list[tuple[str, list[tuple[float, float]]]] = []
    recovery: list[tuple[float, float]] | None = None
    info = RecoveryInfo()
    for level in levels:
        none = _none_set(
            plan.values,
            _free(plan, si, vi, horizons[level.name], level.detector, None, 0.0, alerting.lookahead_s),
            limits,
        )
        if not none and recovery_enabled and level.name in ("warning", "corrective"):
            recovery, info = _recovery(
                plan,
                si,
                vi,
                horizons["corrective"],
                alerting.detector(AlertLevel.CORRECTIVE),
                limits,
                settings,
                alerting.lookahead_s,
            )
            processed.append((level.name, none if level.name == "warning" else recovery))
            break
        processed.append((level.name, none))
        if not none:
            break
    intervals = _paint(domain, processed, recovery)
    if name == "heading":
        intervals = _absolute_heading(intervals, current)
    return DimensionBands(name, unit, current, tuple(intervals), info)


def _absolute_heading(intervals: list[BandInterval], trk0_deg: float) -> list[BandInterval]:
    """Offsets from the current track to true degrees in [0, 360], split where they wrap."""
    pieces: list[BandInterval] = []
    for lo, hi, region in intervals:
        a = lo + trk0_deg
        shift = math.floor(a / 360.0) * 360.0
        a, b = a - shift, hi + trk0_deg - shift
        if b <= 360.0:
            pieces.append(BandInterval(a, b, region))
        else:
            pieces.extend([BandInterval(a, 360.0, region), BandInterval(0.0, b - 360.0, region)])
    pieces.sort(key=lambda p: (p.lo, p.hi))
    merged: list[BandInterval] = []
    for piece in pieces:
        if merged and merged[-1].region == piece.region and almost_equals(merged[-1].hi, piece.lo):
            merged[-1] = BandInterval(merged[-1].lo, piece.hi, piece.region)
        else:
            merged.append(piece)
    return merged


def manoeuvre_bands(
    own_pos_m: npt.ArrayLike,
    own_vel_ms: npt.ArrayLike,
    intruder_pos_m: npt.ArrayLike,
    intruder_vel_ms: npt.ArrayLike,
    settings: BandsSettings | None = None,
    alerting: AlertingSettings | None = None,
) -> ManoeuvreBands:
    """Heading, vertical speed and altitude bands of one ownship against intruders, in one ENU frame.

    ``own_pos_m``/``own_vel_ms`` have shape ``(3,)``, the intruders' ``(M, 3)`` (metres, metres per second,
    ``z`` altitude MSL). Every intruder given is used; :func:`bands_geodetic` applies ``range_nm``.
    Vectorised over candidate manoeuvres x intruders.
    """
    settings = settings or BandsSettings()
    alerting = alerting or AlertingSettings()
    p0 = np.asarray(own_pos_m, dtype=np.float64).reshape(3)
    v0 = np.asarray(own_vel_ms, dtype=np.float64).reshape(3)
    si = np.asarray(intruder_pos_m, dtype=np.float64).reshape(-1, 3)
    vi = np.asarray(intruder_vel_ms, dtype=np.float64).reshape(-1, 3)
    if si.shape != vi.shape:
        raise InvalidInput("intruder_vel_ms", f"{vi.shape} velocities for {si.shape} positions")
    if not (np.isfinite(p0).all() and np.isfinite(v0).all() and np.isfinite(si).all() and np.isfinite(vi).all()):
        raise InvalidInput("states", "positions and velocities must be finite")
    lookahead = alerting.lookahead_s
    levels = _levels(settings, alerting)
    horizons: dict[str, FloatArray] = {}
    zero, full = np.zeros(len(si)), np.full(len(si), lookahead)
    for level in [
        *levels,
        _BandLevel("corrective", alerting.detector(AlertLevel.CORRECTIVE), alerting.alerting_time_corrective_s),
    ]:
        t_in, t_out = level.detector.interval(p0 - si, v0 - vi, zero, full)
        alerting_now = _conflict_before(t_in, t_out, level.alerting_time_s)
        horizons[level.name] = np.where(alerting_now, lookahead, min(lookahead, level.alerting_time_s))
    trk0 = math.degrees(math.atan2(v0[0], v0[1])) % 360.0
    heading = _dimension(
        "heading",
        "deg",
        trk0,
        _turn_plan(p0, v0, settings),
        None,
        (-settings.left_hdir_deg, settings.right_hdir_deg),
        settings.recovery_hdir,
        si,
        vi,
        horizons,
        levels,
        settings,
        alerting,
    )
    vs_limits = (settings.min_vs_fpm, settings.max_vs_fpm)
    vertical = _dimension(
        "vertical_speed",
        "fpm",
        float(v0[2]) / MS_PER_FPM,
        _vs_plan(p0, v0, settings),
        vs_limits,
        vs_limits,
        settings.recovery_vs,
        si,
        vi,
        horizons,
        levels,
        settings,
        alerting,
    )
    alt_limits = (settings.min_alt_ft, settings.max_alt_ft)
    altitude = _dimension(
        "altitude",
        "ft",
        float(p0[2]) / M_PER_FT,
        _alt_plan(p0, v0, settings),
        alt_limits,
        alt_limits,
        settings.recovery_alt,
        si,
        vi,
        horizons,
        levels,
        settings,
        alerting,
    )
    return ManoeuvreBands(heading, vertical, altitude, tuple(range(len(si))))


def bands_geodetic(
    own: FlightState,
    intruders: FlightStates,
    intruder_age_s: npt.ArrayLike | None = None,
    settings: BandsSettings | None = None,
    alerting: AlertingSettings | None = None,
) -> ManoeuvreBands:
    """Bands of a geodetic ownship against the intruders within ``range_nm``.

    The frame is azimuthal equidistant around the ownship. ``intruder_age_s`` (ownship time minus each
    intruder's state time) moves each intruder along its velocity to the ownship's time, forwards or
    backwards, as DAIDALUS' ``addTrafficState`` does. ``intruders`` of the result index ``intruders``.
    """
    settings = settings or BandsSettings()
    own_states = FlightStates.of([own])
    p0 = np.array([0.0, 0.0, own.alt_ft * M_PER_FT])
    v0 = enu_states(own_states, own_states)[1][0]
    if len(intruders) == 0:
        return manoeuvre_bands(p0, v0, np.zeros((0, 3)), np.zeros((0, 3)), settings, alerting)
    broadcast_own = FlightStates(
        *(np.full(len(intruders), getattr(own, n)) for n in ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm"))
    )
    _, _, si, vi = enu_states(broadcast_own, intruders)
    if intruder_age_s is not None:
        age = np.broadcast_to(np.asarray(intruder_age_s, dtype=np.float64), (len(intruders),))
        if not np.isfinite(age).all():
            raise InvalidInput("intruder_age_s", "ages must be finite")
        si = si + vi * age[:, None]
    near = np.hypot(si[:, 0], si[:, 1]) <= settings.range_nm * M_PER_NM
    bands = manoeuvre_bands(p0, v0, si[near], vi[near], settings, alerting)
    return ManoeuvreBands(
        bands.heading, bands.vertical_speed, bands.altitude, tuple(int(i) for i in np.flatnonzero(near))
    )
