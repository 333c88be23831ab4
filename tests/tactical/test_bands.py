"""Manoeuvre bands: structure, agreement with the alert, and free bands that really are free when flown.

"Flown" means an independent simulation: the turn or vertical acceleration is integrated numerically
(not with the closed forms of the module), then the DO-365 definitions, re-implemented here from the
standard text, are checked along the path: at the sample times DAIDALUS checks during the manoeuvre and
every 0.25 s on the straight leg that follows it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.tactical import (
    AlertingSettings,
    BandsSettings,
    DimensionBands,
    FlightState,
    FlightStates,
    ManoeuvreBands,
    alert_enu,
    bands_geodetic,
    manoeuvre_bands,
    settings_doc,
)
from airparley.tactical._bands import _level_out, _profile

NM = 1852.0
KT = NM / 3600.0
FT = 0.3048
FPM = FT / 60.0
G0 = 9.80665
ALERTING = AlertingSettings()
BANDS = BandsSettings()


# --- canonical encounters ------------------------------------------------------------------------------------

OWN_P = np.array([0.0, 0.0, 20000 * FT])
OWN_V = np.array([0.0, 400 * KT, 0.0])  # north at 400 kt, level


def crossing_90() -> tuple[np.ndarray, np.ndarray]:
    """An intruder from the east on a collision course, 8 NM east and 8 NM north, flying west at 400 kt."""
    return np.array([[8 * NM, 8 * NM, 20000 * FT]]), np.array([[-400 * KT, 0.0, 0.0]])


def head_on(range_nm: float) -> tuple[np.ndarray, np.ndarray]:
    return np.array([[0.0, range_nm * NM, 20000 * FT]]), np.array([[0.0, -400 * KT, 0.0]])


# --- the DO-365 definitions, written out again for the checks -------------------------------------------------


def wcv_violated(s: np.ndarray, v: np.ndarray, zthr_ft: float) -> np.ndarray:
    """DO-365 well clear violation (DMOD = HMD* = 0.66 NM, modified tau 35 s, TCOA 0) at the given states."""
    d = 0.66 * NM
    sx, sy, sz = s[..., 0], s[..., 1], s[..., 2]
    vx, vy = v[..., 0], v[..., 1]
    r2 = sx * sx + sy * sy
    sdotv = sx * vx + sy * vy
    v2 = vx * vx + vy * vy
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(sdotv < 0, (d * d - r2) / sdotv, np.inf)
        dcpa = np.sqrt(np.maximum(r2 - np.where(v2 > 0, sdotv * sdotv / v2, 0.0), 0.0))
    horizontal = (r2 <= d * d) | ((sdotv < 0) & (dcpa <= d) & (tau <= 35.0))
    return np.asarray(horizontal & (np.abs(sz) <= zthr_ft * FT))


def cylinder_violated(s: np.ndarray, horizontal_m: float, vertical_m: float) -> np.ndarray:
    return np.asarray((np.hypot(s[..., 0], s[..., 1]) < horizontal_m) & (np.abs(s[..., 2]) < vertical_m))


def simulate_turn(
    p0: np.ndarray, v0: np.ndarray, offset_deg: float, rate_deg_s: float, times: np.ndarray, dt: float = 0.002
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate a turn of ``offset_deg`` at ``rate_deg_s`` then straight flight; states at ``times``."""
    gs = math.hypot(v0[0], v0[1])
    trk0 = math.atan2(v0[0], v0[1])
    t_turn = abs(offset_deg) / rate_deg_s
    grid = np.arange(0.0, times.max() + 2 * dt, dt)
    heading = trk0 + math.radians(math.copysign(rate_deg_s, offset_deg)) * np.minimum(grid, t_turn)
    vx, vy = gs * np.sin(heading), gs * np.cos(heading)
    x = p0[0] + np.concatenate([[0.0], np.cumsum((vx[1:] + vx[:-1]) / 2.0 * dt)])
    y = p0[1] + np.concatenate([[0.0], np.cumsum((vy[1:] + vy[:-1]) / 2.0 * dt)])
    pos = np.column_stack([np.interp(times, grid, x), np.interp(times, grid, y), p0[2] + v0[2] * times])
    heading_t = trk0 + math.radians(math.copysign(rate_deg_s, offset_deg)) * np.minimum(times, t_turn)
    vel = np.column_stack([gs * np.sin(heading_t), gs * np.cos(heading_t), np.full(len(times), v0[2])])
    return pos, vel


def simulate_vs(
    p0: np.ndarray, v0: np.ndarray, target_ms: float, accel: float, times: np.ndarray, dt: float = 0.001
) -> tuple[np.ndarray, np.ndarray]:
    grid = np.arange(0.0, times.max() + 2 * dt, dt)
    t_acc = abs(target_ms - v0[2]) / accel
    vz = v0[2] + math.copysign(accel, target_ms - v0[2]) * np.minimum(grid, t_acc)
    z = p0[2] + np.concatenate([[0.0], np.cumsum((vz[1:] + vz[:-1]) / 2.0 * dt)])
    pos = np.column_stack([p0[0] + v0[0] * times, p0[1] + v0[1] * times, np.interp(times, grid, z)])
    vel = np.column_stack([np.full(len(times), v0[0]), np.full(len(times), v0[1]), np.interp(times, grid, vz)])
    return pos, vel


def grid_values(dimension: DimensionBands, step: float, region: str) -> list[float]:
    """Grid values (current + k step) strictly inside intervals of ``region``."""
    out = []
    for k in range(-400, 401):
        value = dimension.current + k * step
        for band in dimension.intervals:
            inner = band.lo < (value % 360.0 if dimension.dimension == "heading" else value) < band.hi
            if band.region == region and inner:
                out.append(value)
    return out


def assert_free_along(
    pos: np.ndarray, vel: np.ndarray, times: np.ndarray, si: np.ndarray, vi: np.ndarray, t_manoeuvre: float
) -> None:
    """No corrective/warning loss within the alerting time after the manoeuvre, no caution within 120 s."""
    for i in range(len(si)):
        s = pos - (si[i] + np.outer(times, vi[i]))
        v = vel - vi[i]
        lowc = wcv_violated(s, v, 450.0) & (times <= t_manoeuvre + 55.0)
        caution = cylinder_violated(s, 3 * NM, 1000 * FT) & (times <= t_manoeuvre + 120.0)
        assert not lowc.any(), f"loss of well clear at t={times[lowc][0]:.2f} s"
        assert not caution.any(), f"caution cylinder entered at t={times[caution][0]:.2f} s"


# --- structure ---------------------------------------------------------------------------------------------


def covers(dimension: DimensionBands, lo: float, hi: float) -> None:
    bands = dimension.intervals
    assert bands[0].lo == pytest.approx(lo)
    assert bands[-1].hi == pytest.approx(hi)
    for a, b in itertools.pairwise(bands):
        assert a.hi == pytest.approx(b.lo)
        assert a.lo < a.hi
    assert all(b.region in ("none", "recovery", "caution", "preventive", "corrective", "warning") for b in bands)


def test_no_traffic_means_everything_is_free() -> None:
    bands = manoeuvre_bands(OWN_P, OWN_V, np.zeros((0, 3)), np.zeros((0, 3)))
    assert [b.region for b in bands.heading.intervals] == ["none"]
    covers(bands.heading, 0.0, 360.0)
    covers(bands.vertical_speed, -6000.0, 6000.0)
    covers(bands.altitude, 0.0, 60000.0)
    assert not bands.heading.recovery.computed


def test_bands_cover_their_ranges_and_agree_with_the_alert() -> None:
    si, vi = crossing_90()
    alert = alert_enu(OWN_P, OWN_V, si[0], vi[0])
    assert alert.level_name.item() == "corrective"
    bands = manoeuvre_bands(OWN_P, OWN_V, si, vi)
    covers(bands.heading, 0.0, 360.0)
    covers(bands.vertical_speed, -6000.0, 6000.0)
    covers(bands.altitude, 0.0, 60000.0)
    # DAIDALUS' consistency: the current trajectory sits in the band of the alert it raises.
    assert bands.heading.region_at(0.0) == "corrective"
    assert bands.vertical_speed.region_at(0.0) == "corrective"
    # Altitude captures take time (500 fpm), and the check window runs from the capture's end: the current
    # altitude is a lone free grid point between red neighbours, so DAIDALUS draws no free band there.
    assert bands.altitude.region_at(20000.0) in ("warning", "recovery")
    assert any(b.region == "none" for b in bands.heading.intervals)
    assert bands.intruders == (0,)


def test_head_on_heading_bands_are_mirror_symmetric() -> None:
    si, vi = head_on(12.0)
    heading = manoeuvre_bands(OWN_P, OWN_V, si, vi).heading
    for offset in range(1, 180):
        left, right = heading.region_at(-offset + 0.5), heading.region_at(offset - 0.5)
        assert left == right, offset


def test_free_headings_are_conflict_free_when_flown() -> None:
    si, vi = crossing_90()
    heading = manoeuvre_bands(OWN_P, OWN_V, si, vi).heading
    free = [h for h in grid_values(heading, 1.0, "none") if abs(((h + 180) % 360) - 180) < 180]
    assert len(free) > 20
    ts = 1.0 / 3.0  # DAIDALUS checks the turn every step: 1 degree at 3 degrees per second
    for value in free[::7]:
        offset = ((value + 180.0) % 360.0) - 180.0
        t_turn = abs(offset) / 3.0
        during = np.arange(0, round(t_turn / ts) + 1) * ts
        after = t_turn + np.arange(0.0, 180.0 - t_turn, 0.25)
        times = np.concatenate([during, after])
        pos, vel = simulate_turn(OWN_P, OWN_V, offset, 3.0, times)
        assert_free_along(pos, vel, times, si, vi, t_turn)


def test_coloured_headings_really_conflict() -> None:
    """The other way round: the current heading of the crossing is predicted to lose well clear."""
    si, vi = crossing_90()
    times = np.arange(0.0, 60.0, 0.1)
    pos, vel = simulate_turn(OWN_P, OWN_V, 0.0, 3.0, times)
    s = pos - (si[0] + np.outer(times, vi[0]))
    assert wcv_violated(s, vel - vi[0], 450.0).any()


def test_free_vertical_speeds_are_conflict_free_when_flown() -> None:
    si, vi = crossing_90()
    vs = manoeuvre_bands(OWN_P, OWN_V, si, vi).vertical_speed
    free = grid_values(vs, 100.0, "none")
    assert free
    assert min(abs(f) for f in free) >= 100
    accel = 0.25 * G0
    for value in free[::6]:
        t_acc = abs(value * FPM - OWN_V[2]) / accel
        ts = 100 * FPM / accel
        during = np.arange(0, round(t_acc / ts) + 1) * ts
        times = np.concatenate([during, t_acc + np.arange(0.0, 180.0 - t_acc, 0.25)])
        pos, vel = simulate_vs(OWN_P, OWN_V, value * FPM, accel, times)
        assert_free_along(pos, vel, times, si, vi, t_acc)


def test_free_altitudes_are_conflict_free_along_the_capture() -> None:
    si, vi = crossing_90()
    si[:, 2] += 1500 * FT  # crossing 1,500 ft above
    alt = manoeuvre_bands(OWN_P, OWN_V, si, vi).altitude
    free = [a for a in grid_values(alt, 100.0, "none") if 17000 <= a <= 23000]
    assert free
    for value in free[::5]:
        target = np.array([value * FT])
        durations, accels = _level_out(OWN_P[2], OWN_V[2], target, 500 * FPM, 0.25 * G0)
        ends = np.cumsum(durations[0])
        sampled = np.concatenate(
            [np.arange(0, math.floor(ends[1]) + 1), np.arange(math.ceil(ends[2]), math.floor(ends[3] + 1) + 1)]
        )
        dense = np.concatenate([np.arange(ends[1], ends[2], 0.25), ends[3] + 1 + np.arange(0.0, 180.0, 0.25)])
        times = np.sort(np.concatenate([sampled, dense]))
        times = times[times < 180.0]
        z, u = _profile(OWN_P[2], OWN_V[2], durations, accels, target, times[None, :])
        pos = np.column_stack([OWN_P[0] + OWN_V[0] * times, OWN_P[1] + OWN_V[1] * times, z[0]])
        vel = np.column_stack([np.full(len(times), OWN_V[0]), np.full(len(times), OWN_V[1]), u[0]])
        assert_free_along(pos, vel, times, si, vi, float(ends[3]))


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 40000), st.floats(-6000, 6000), st.floats(0, 40000))
def test_altitude_capture_kinematics(z0_ft: float, u0_fpm: float, target_ft: float) -> None:
    """Integrated numerically, the phases reach the target at rest, within the rate and the acceleration."""
    accel, rate = 0.25 * G0, 500 * FPM
    z0, u0 = z0_ft * FT, u0_fpm * FPM
    durations, accels = _level_out(z0, u0, np.array([target_ft * FT]), rate, accel)
    assert (durations >= 0).all()
    assert (np.abs(accels) <= accel + 1e-12).all()
    z, u = z0, u0
    for length, a in zip(durations[0], accels[0], strict=True):
        z += u * length + 0.5 * a * length * length
        u += a * length
        assert abs(u) <= max(rate, abs(u0)) + 1e-9
    assert z == pytest.approx(target_ft * FT, abs=1e-6)
    assert u == pytest.approx(0.0, abs=1e-9)
    level_z, level_u = _profile(z0, u0, durations, accels, np.array([target_ft * FT]), np.array([[1e6]]))
    assert level_z[0, 0] == target_ft * FT
    assert level_u[0, 0] == 0.0


# --- recovery ----------------------------------------------------------------------------------------------


def test_recovery_when_every_heading_loses_well_clear() -> None:
    si, vi = head_on(6.0)
    assert alert_enu(OWN_P, OWN_V, si[0], vi[0]).level_name.item() == "warning"
    heading = manoeuvre_bands(OWN_P, OWN_V, si, vi).heading
    assert not any(b.region == "none" for b in heading.intervals)
    info = heading.recovery
    assert info.computed
    assert 0.0 < info.time_s <= 180.0
    assert info.horizontal_nm == pytest.approx(0.66)
    assert info.vertical_ft == pytest.approx(450.0)
    recovery = grid_values(heading, 1.0, "recovery")
    assert recovery
    for value in recovery[::15]:
        offset = ((value + 180.0) % 360.0) - 180.0
        t_turn = abs(offset) / 3.0
        times = np.concatenate(
            [np.arange(0, round(t_turn * 3) + 1) / 3.0, t_turn + np.arange(0.0, 180.0 - t_turn, 0.25)]
        )
        pos, vel = simulate_turn(OWN_P, OWN_V, offset, 3.0, times)
        s = pos - (si[0] + np.outer(times, vi[0]))
        # DAIDALUS' recovery: out of the recovery cylinder until the recovery time, well clear after it.
        assert not (cylinder_violated(s, info.horizontal_nm * NM, info.vertical_ft * FT) & (times <= info.time_s)).any()
        assert not (wcv_violated(s, vel - vi[0], 450.0) & (times >= max(info.time_s, t_turn))).any()


def test_no_recovery_inside_nmac() -> None:
    si = np.array([[50.0, 0.0, 20000 * FT + 10.0]])
    vi = OWN_V[None, :].copy()
    bands = manoeuvre_bands(OWN_P, OWN_V, si, vi)
    assert bands.heading.recovery.time_s == -math.inf
    assert [b.region for b in bands.heading.intervals] == ["warning"]


# --- options and geodetic input ---------------------------------------------------------------------------


def test_preventive_and_caution_bands_are_options() -> None:
    si = np.array([[0.0, 12 * NM, 20000 * FT + 600 * FT]])
    vi = np.array([[0.0, -400 * KT, 0.0]])
    default = manoeuvre_bands(OWN_P, OWN_V, si, vi)
    assert {b.region for b in default.heading.intervals} == {"none", "caution"}
    with_preventive = manoeuvre_bands(OWN_P, OWN_V, si, vi, BandsSettings(preventive_bands=True))
    assert with_preventive.heading.region_at(0.0) == "preventive"
    plain = manoeuvre_bands(OWN_P, OWN_V, si, vi, BandsSettings(caution_bands=False))
    assert {b.region for b in plain.heading.intervals} == {"none"}


def _geo_scene() -> tuple[FlightState, list[FlightState]]:
    own = FlightState(lat=34.5, lon=38.5, alt_ft=20000, gs_kt=400, trk_deg=0, vs_fpm=0)
    near = FlightState(
        lat=34.5 + 8 / 60,
        lon=38.5 + 8 / 60 / math.cos(math.radians(34.6)),
        alt_ft=20000,
        gs_kt=400,
        trk_deg=270,
        vs_fpm=0,
    )
    far = FlightState(lat=36.5, lon=38.5, alt_ft=20000, gs_kt=400, trk_deg=180, vs_fpm=0)
    return own, [near, far]


def test_geodetic_bands_skip_far_traffic_and_extrapolate_old_states() -> None:
    own, others = _geo_scene()
    bands = bands_geodetic(own, FlightStates.of(others))
    assert bands.intruders == (0,)
    assert bands.heading.region_at(0.0) in ("corrective", "warning")
    # A state 10 s old, flown on, gives the bands of the state 10 s later.
    from airparley.geo import destination

    near = others[0]
    lon0, lat0 = destination(near.lon, near.lat, 90.0, 400 * 10 / 3600)  # where it was 10 s ago
    old = FlightState(
        lat=float(lat0), lon=float(lon0), alt_ft=near.alt_ft, gs_kt=near.gs_kt, trk_deg=near.trk_deg, vs_fpm=near.vs_fpm
    )
    aged = bands_geodetic(own, FlightStates.of([old]), intruder_age_s=[10.0])
    fresh = bands_geodetic(own, FlightStates.of([near]))
    for a, b in ((aged.heading, fresh.heading), (aged.vertical_speed, fresh.vertical_speed)):
        assert [x.region for x in a.intervals] == [x.region for x in b.intervals]
        assert [x.lo for x in a.intervals] == pytest.approx([x.lo for x in b.intervals], abs=1.0)


def test_geodetic_bands_without_traffic() -> None:
    own, _ = _geo_scene()
    empty = FlightStates.of([])
    assert bands_geodetic(own, empty).intruders == ()


def test_bands_settings_are_declared_and_validated() -> None:
    names = {row.name for row in settings_doc(BandsSettings)}
    assert {"turn_rate_deg_s", "step_hdir_deg", "min_vs_fpm", "max_alt_ft", "vertical_rate_fpm"} <= names
    with pytest.raises(InvalidInput) as error:
        BandsSettings(left_hdir_deg=200.0)
    assert error.value.field == "left_hdir_deg"
    with pytest.raises(InvalidInput):
        BandsSettings(min_vs_fpm=100.0, max_vs_fpm=0.0)
    with pytest.raises(InvalidInput):
        BandsSettings(turn_rate_deg_s=0.0)


def test_bad_arrays_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        manoeuvre_bands(OWN_P, OWN_V, np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(InvalidInput):
        manoeuvre_bands(OWN_P, [0.0, math.nan, 0.0], np.zeros((1, 3)), np.zeros((1, 3)))


def test_result_types() -> None:
    bands = manoeuvre_bands(OWN_P, OWN_V, *crossing_90())
    assert isinstance(bands, ManoeuvreBands)
    band = bands.heading.intervals[0]
    lo, hi, region = band
    assert (lo, hi, region) == (band.lo, band.hi, band.region)
    with pytest.raises(InvalidInput):
        bands.vertical_speed.region_at(9000.0)
