"""DO-365 alerting checked against values derived by hand from DAIDALUS' definitions.

Hand derivations use one dimension where possible: two aircraft on a line closing at ``c`` NM/s with a lateral
offset ``h`` NM have ``s = (x, h)``, ``s.v = x c`` and modified tau ``(D^2 - x^2 - h^2) / (x c)`` (``x < 0``
while closing). ``tau_mod <= TTHR`` is then ``x^2 + TTHR c x + h^2 - D^2 <= 0``, whose lower root is where the
horizontal well-clear violation starts (``WCV_TAUMOD.horizontal_WCV_interval``) provided ``h <= D`` (the HMD
filter); it ends where ``|s|`` leaves ``D`` on the far side.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.tactical import (
    ALERT_LEVEL_NAMES,
    AlertingSettings,
    AlertLevel,
    Alerts,
    Cylinder,
    EncounterAlert,
    FlightState,
    FlightStates,
    alert_enu,
    alert_pair,
    alert_relative,
    settings_doc,
)
from airparley.tactical._daidalus import _conflict_before, almost_equals

NM = 1852.0
KT = NM / 3600.0
FT = 0.3048
FPM = FT / 60.0
D = 0.66  # DTHR, NM
TTHR = 35.0


def entry_time_s(x0_nm: float, closing_kt: float, offset_nm: float = 0.0) -> float:
    """Time until modified tau drops to TTHR on a straight approach (x0 < 0 closing along +x)."""
    c = closing_kt / 3600.0
    b = TTHR * c
    root = (-b - math.sqrt(b * b - 4.0 * (offset_nm**2 - D**2))) / 2.0
    return (root - x0_nm) / c


def relative(x_nm: float, y_nm: float, z_ft: float, vx_kt: float, vy_kt: float, vz_fpm: float) -> Alerts:
    return alert_relative(
        np.array([[x_nm * NM, y_nm * NM, z_ft * FT]]), np.array([[vx_kt * KT, vy_kt * KT, vz_fpm * FPM]])
    )


def level_of(alerts: Alerts) -> str:
    return str(alerts.level_name[0])


# --- hand-derived encounters ------------------------------------------------------------------------------


def test_head_on_is_a_warning_with_hand_derived_time() -> None:
    alerts = relative(-10.0, 0.0, 0.0, 600.0, 0.0, 0.0)  # 10 NM apart, closing at 600 kt
    expected = entry_time_s(-10.0, 600.0)
    assert expected == pytest.approx(24.5575, abs=1e-4)
    alert = alerts.at(0)
    assert alert.level == AlertLevel.WARNING
    assert alert.level_name == "warning"
    assert alert.time_to_lowc_s == pytest.approx(expected, abs=1e-9)
    assert alert.time_to_lowc_preventive_s == alert.time_to_lowc_corrective_s == alert.time_to_lowc_warning_s
    assert alert.tcpa_s == pytest.approx(60.0)
    assert alert.dcpa_nm == pytest.approx(0.0, abs=1e-12)
    assert alert.tau_mod_s == pytest.approx((10.0**2 - D**2) / (10.0 * 600.0 / 3600.0))
    assert alert.horizontal_closure_rate_kt == pytest.approx(600.0)
    assert alert.range_rate_kt == pytest.approx(-600.0)
    assert alert.caution
    assert alert.time_to_caution_s == pytest.approx((10.0 - 3.0) * 6.0)
    assert alert.hmd_nm == pytest.approx(0.0, abs=1e-12)
    assert alert.vmd_ft == 0.0


@pytest.mark.parametrize(
    ("margin_s", "level"),
    [(-0.01, "warning"), (0.01, "corrective")],
    ids=["just-inside-25s", "just-outside-25s"],
)
def test_warning_boundary_at_its_alerting_time(margin_s: float, level: str) -> None:
    c = 600.0 / 3600.0
    r_star = -entry_time_s(0.0, 600.0) * c  # range at which tau_mod = TTHR
    x0 = -(r_star + c * (25.0 + margin_s))
    alerts = relative(x0, 0.0, 0.0, 600.0, 0.0, 0.0)
    assert alerts.time_to_lowc_warning_s[0] == pytest.approx(25.0 + margin_s, abs=1e-9)
    assert level_of(alerts) == level


@pytest.mark.parametrize(("margin_s", "level"), [(-0.01, "corrective"), (0.01, "none")])
def test_corrective_boundary_at_55s(margin_s: float, level: str) -> None:
    c = 480.0 / 3600.0
    r_star = -entry_time_s(0.0, 480.0) * c
    alerts = relative(-(r_star + c * (55.0 + margin_s)), 0.0, 0.0, 480.0, 0.0, 0.0)
    assert level_of(alerts) == level
    # The loss of well clear is still predicted within the lookahead: only the alert waits.
    assert alerts.time_to_lowc_corrective_s[0] == pytest.approx(55.0 + margin_s, abs=1e-9)


def test_conflict_before_is_strict_and_zero_is_special() -> None:
    """``LossData.conflictBefore``: a loss at exactly the alerting time is not before it; a loss now is."""
    assert not _conflict_before(np.array([25.0]), np.array([40.0]), 25.0)[0]
    assert not _conflict_before(np.array([25.0 - 1e-14]), np.array([40.0]), 25.0)[0]  # almost equal
    assert _conflict_before(np.array([24.999]), np.array([40.0]), 25.0)[0]
    assert _conflict_before(np.array([0.0]), np.array([1.0]), 0.0)[0]
    assert not _conflict_before(np.array([10.0]), np.array([10.0]), 25.0)[0]  # empty interval


@pytest.mark.parametrize(("offset_nm", "alerted"), [(0.65, True), (0.67, False)])
def test_crossing_hmd_filter_at_dthr(offset_nm: float, alerted: bool) -> None:
    """Tau alone would alert; DAIDALUS' HMD filter (dcpa <= DTHR) decides."""
    alerts = relative(-6.0, offset_nm, 0.0, 540.0, 0.0, 0.0)
    assert alerts.dcpa_nm[0] == pytest.approx(offset_nm)
    if alerted:
        assert level_of(alerts) == "warning"
        assert alerts.time_to_lowc_s[0] == pytest.approx(entry_time_s(-6.0, 540.0, offset_nm), abs=1e-9)
    else:
        assert level_of(alerts) == "none"
        assert alerts.time_to_lowc_preventive_s[0] == math.inf
        assert alerts.caution[0]  # the 3 NM cylinder still sees it


def test_crossing_at_right_angles() -> None:
    """Own north at 420 kt from 5 NM south, intruder west at 420 kt from 5 NM east: collision course."""
    own = np.array([0.0, -5.0 * NM, 0.0]), np.array([0.0, 420 * KT, 0.0])
    intruder = np.array([5.0 * NM, 0.0, 0.0]), np.array([-420 * KT, 0.0, 0.0])
    alerts = alert_enu(own[0], own[1], intruder[0], intruder[1])
    closing = 420.0 * math.sqrt(2.0)
    expected = entry_time_s(-5.0 * math.sqrt(2.0), closing)
    assert alerts.time_to_lowc_s.item() == pytest.approx(expected, abs=1e-9)
    assert alerts.level.item() == (AlertLevel.WARNING if expected < 25 else AlertLevel.CORRECTIVE)
    assert alerts.horizontal_closure_rate_kt.item() == pytest.approx(closing)


@pytest.mark.parametrize(("gap_nm", "level"), [(2.0, "none"), (1.5, "corrective"), (1.0, "warning")])
def test_overtaking(gap_nm: float, level: str) -> None:
    """Own at 450 kt catching up an intruder at 400 kt on the same track and altitude."""
    alerts = alert_enu([0, 0, 0], [0, 450 * KT, 0], [0, gap_nm * NM, 0], [0, 400 * KT, 0])
    expected = entry_time_s(-gap_nm, 50.0)
    assert alerts.time_to_lowc_s.item() == (pytest.approx(expected, abs=1e-9) if level != "none" else math.inf)
    assert alerts.time_to_lowc_corrective_s.item() == pytest.approx(expected, abs=1e-9)
    assert str(alerts.level_name.item()) == level


def test_vertical_only_levels_follow_each_zthr() -> None:
    """Same horizontal position and velocity, own 1,000 ft above descending at 1,000 fpm relative."""
    alerts = relative(0.0, 0.0, 1000.0, 0.0, 0.0, -1000.0)
    # Vertical entry (ZTHR - sz) / vz: 700 ft after 18 s, 450 ft after 33 s.
    assert alerts.time_to_lowc_preventive_s[0] == pytest.approx(18.0)
    assert alerts.time_to_lowc_corrective_s[0] == pytest.approx(33.0)
    assert alerts.time_to_lowc_warning_s[0] == pytest.approx(33.0)
    assert level_of(alerts) == "corrective"
    assert alerts.tcoa_s[0] == pytest.approx(60.0)
    assert alerts.vmd_ft[0] == 0.0


def test_preventive_only_between_450_and_700_ft() -> None:
    alerts = relative(-8.0, 0.0, 600.0, 500.0, 0.0, 0.0)
    assert level_of(alerts) == "preventive"
    assert alerts.time_to_lowc_s[0] == pytest.approx(entry_time_s(-8.0, 500.0), abs=1e-9)
    assert alerts.time_to_lowc_corrective_s[0] == math.inf


@pytest.mark.parametrize(
    ("sz_ft", "level"), [(450.0, "warning"), (450.001, "preventive"), (700.0, "preventive"), (700.001, "none")]
)
def test_zthr_boundaries_are_closed(sz_ft: float, level: str) -> None:
    alerts = relative(0.3, 0.0, sz_ft, 0.0, 0.0, 0.0)  # static, inside DTHR
    assert level_of(alerts) == level


@pytest.mark.parametrize(("scale", "level"), [(1.0, "warning"), (1.0 + 1e-9, "none")])
def test_dthr_boundary_is_closed(scale: float, level: str) -> None:
    alerts = alert_relative(np.array([[D * NM * scale, 0.0, 0.0]]), np.zeros((1, 3)))
    assert level_of(alerts) == level


@pytest.mark.parametrize(("tau_s", "violated"), [(34.99, True), (35.0, True), (35.01, False)])
def test_tthr_boundary_decides_the_violation_now(tau_s: float, violated: bool) -> None:
    """Head-on at the range where modified tau is ``tau_s``: a violation now only when ``tau_mod <= 35 s``."""
    c = 600.0 / 3600.0
    r = (tau_s * c + math.sqrt((tau_s * c) ** 2 + 4 * D**2)) / 2.0  # solves (r^2 - D^2) / (r c) = tau_s
    detector = AlertingSettings().detector(AlertLevel.WARNING)
    s, v = np.array([-r * NM, 0.0, 0.0]), np.array([600 * KT, 0.0, 0.0])
    assert float(detector.tau_mod(s[:1], s[1:2], v[:1], v[1:2])[0]) == pytest.approx(tau_s)
    assert bool(detector.violation_at(s, v, 0.0)) is violated
    t_in = relative(-r, 0.0, 0.0, 600.0, 0.0, 0.0).time_to_lowc_warning_s[0]
    assert bool(t_in == 0.0) is violated
    if not violated:
        assert t_in == pytest.approx((tau_s - 35.0) * 1.0, abs=0.05)


@pytest.mark.parametrize(("coalt_s", "violated"), [(19.95, True), (20.0, True), (20.05, False)])
def test_tcoa_boundary(coalt_s: float, violated: bool) -> None:
    """With TCOA 20 s (the buffered volumes), 1,000 ft apart closing so that co-altitude is ``coalt_s`` away."""
    vz_fpm = -1000.0 / coalt_s * 60.0
    alerts = alert_relative(
        np.array([[0.0, 0.0, 1000 * FT]]), np.array([[0.0, 0.0, vz_fpm * FPM]]), AlertingSettings(tcoa_s=20.0)
    )
    assert bool(alerts.time_to_lowc_warning_s[0] == 0.0) is violated
    assert alerts.tcoa_s[0] == pytest.approx(coalt_s)


def test_diverging_traffic_is_not_alerted() -> None:
    alerts = relative(0.8, 0.0, 0.0, 500.0, 0.0, 0.0)  # just passed, 0.8 NM apart and opening
    alert = alerts.at(0)
    assert alert.level_name == "none"
    assert alert.time_to_lowc_s == math.inf
    assert alert.tau_mod_s == math.inf
    assert alert.tcpa_s == 0.0
    assert alert.dcpa_nm == pytest.approx(0.8)
    assert alert.range_rate_kt == pytest.approx(500.0)


def test_tcoa_widens_the_vertical_volume() -> None:
    """WCV_TCOA: with TCOA 20 s a 3,000 fpm closure 1,000 ft apart is already in violation (DAIDALUS
    ``act_H = max(ZTHR, |vz| TCOA)``); with TCOA 0 (DO-365) it starts when 450 ft remain, after 11 s."""
    s, v = np.array([[0.0, 0.0, 1000 * FT]]), np.array([[0.0, 0.0, -3000 * FPM]])
    assert alert_relative(s, v).time_to_lowc_corrective_s[0] == pytest.approx(11.0)
    buffered = AlertingSettings(tcoa_s=20.0)
    assert alert_relative(s, v, buffered).time_to_lowc_corrective_s[0] == pytest.approx(0.0, abs=1e-12)
    assert level_of(alert_relative(s, v, buffered)) == "warning"


def test_co_altitude_time() -> None:
    alerts = relative(-20.0, 0.0, 0.0, 300.0, 0.0, 0.0)
    assert alerts.tcoa_s[0] == 0.0
    climbing_away = relative(-20.0, 0.0, 500.0, 300.0, 0.0, 600.0)
    assert climbing_away.tcoa_s[0] == math.inf
    assert climbing_away.vmd_ft[0] == pytest.approx(500.0)


@pytest.mark.parametrize(
    ("range_nm", "sz_ft", "caution"), [(2.99, 999.0, True), (3.0, 0.0, False), (1.0, 1000.0, False)]
)
def test_caution_cylinder_is_strict(range_nm: float, sz_ft: float, caution: bool) -> None:
    alerts = relative(range_nm, 0.0, sz_ft, 0.0, 0.0, 0.0)
    assert bool(alerts.caution[0]) is caution


def test_caution_for_fast_traffic_beyond_the_do365_levels() -> None:
    """Mach 1.6 closure 26 NM out: no DO-365 alert yet, a caution (3 NM in under 120 s)."""
    alerts = relative(-26.0, 2.0, 0.0, 1000.0, 0.0, 0.0)
    assert level_of(alerts) == "none"
    assert alerts.caution[0]
    assert alerts.time_to_caution_s[0] == pytest.approx((26.0 - math.sqrt(9.0 - 4.0)) * 3.6, rel=1e-9)


# --- DAIDALUS primitives -----------------------------------------------------------------------------------


def test_almost_equals_follows_daidalus_ulps() -> None:
    assert almost_equals(1.0, 1.0 + 1e-15)
    assert not almost_equals(1.0, 1.0 + 1e-10)
    assert almost_equals(0.0, 1e-14)
    assert not almost_equals(0.0, 1e-12)
    assert almost_equals(-5e-324, 5e-324)  # adjacent in DAIDALUS' lexicographic ordering
    assert not almost_equals(-1e-300, 1e-300)
    assert almost_equals(1.0, 1.0).shape == ()
    assert not almost_equals(-3.0, 3.0)
    assert not almost_equals(1e300, -1e300)
    assert not almost_equals(np.nan, np.nan)


def test_cylinder_interval_matches_hand_values() -> None:
    cyl = Cylinder(1.0 * NM, 500 * FT)
    t_in, t_out = cyl.interval(np.array([-5 * NM, 0.0, 0.0]), np.array([360 * KT, 0.0, 0.0]), 0.0, 180.0)
    assert (float(t_in), float(t_out)) == pytest.approx((40.0, 60.0))


# --- shapes, settings and geodetic input -------------------------------------------------------------------


def test_array_kernel_shapes_and_dtypes() -> None:
    rng = np.random.default_rng(3)
    s = rng.normal(0, 5 * NM, (4, 5, 3))
    v = rng.normal(0, 200 * KT, (4, 5, 3))
    alerts = alert_relative(s, v)
    assert alerts.level.shape == (4, 5)
    assert alerts.level.dtype == np.int8
    assert alerts.tcpa_s.shape == (4, 5)
    assert alerts.tcpa_s.dtype == np.float64
    assert alerts.caution.dtype == np.bool_
    assert len(alert_relative(np.zeros((0, 3)), np.zeros((0, 3)))) == 0
    with pytest.raises(ValueError, match="read-only"):
        alerts.level[0, 0] = 1
    assert {f.name for f in fields(EncounterAlert)} - {"level_name"} == {f.name for f in fields(Alerts)}


def test_chunked_kernel_matches_single_pass() -> None:
    rng = np.random.default_rng(4)
    n = (1 << 16) + 17
    s = rng.normal(0, 8 * NM, (n, 3)) * [1, 1, 0.05]
    v = rng.normal(0, 300 * KT, (n, 3)) * [1, 1, 0.05]
    whole = alert_relative(s, v)
    tail = alert_relative(s[-100:], v[-100:])
    assert np.array_equal(whole.level[-100:], tail.level)
    assert np.array_equal(whole.time_to_lowc_s[-100:], tail.time_to_lowc_s)


def test_settings_table_and_validation() -> None:
    table = {row.name: row for row in settings_doc(AlertingSettings)}
    assert table["dthr_nm"].default == 0.66
    assert table["dthr_nm"].unit == "NM"
    assert table["alerting_time_warning_s"].default == 25.0
    assert all(row.help for row in table.values())
    with pytest.raises(InvalidInput) as error:
        AlertingSettings(zthr_corrective_ft=-1.0)
    assert error.value.field == "zthr_corrective_ft"
    with pytest.raises(InvalidInput):
        AlertingSettings(lookahead_s=math.nan)


def test_flight_state_validation_names_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        FlightState(lat=91.0, lon=0.0, alt_ft=0.0, gs_kt=0.0, trk_deg=0.0, vs_fpm=0.0)
    assert error.value.field == "lat"
    with pytest.raises(InvalidInput) as error:
        FlightState(lat=0.0, lon=0.0, alt_ft=0.0, gs_kt=-1.0, trk_deg=0.0, vs_fpm=0.0)
    assert error.value.field == "gs_kt"
    with pytest.raises(InvalidInput) as error:
        FlightStates(np.zeros(2), np.zeros(2), np.zeros(2), np.array([1.0, math.inf]), np.zeros(2), np.zeros(2))
    assert error.value.field == "gs_kt"
    assert "index 1" in error.value.where


def test_geodetic_head_on_matches_the_flat_derivation() -> None:
    """Head-on along the equator: the geodesic range and the frame give the hand value to the metre."""
    lon_gap = 10.0 * NM / (6378137.0 * math.pi / 180.0)
    own = FlightState(lat=0.0, lon=40.0, alt_ft=25000, gs_kt=300, trk_deg=90, vs_fpm=0)
    intruder = FlightState(lat=0.0, lon=40.0 + lon_gap, alt_ft=25000, gs_kt=300, trk_deg=270, vs_fpm=0)
    alert = alert_pair(own, intruder)
    assert alert.horizontal_sep_nm == pytest.approx(10.0, abs=1e-6)
    assert alert.time_to_lowc_s == pytest.approx(entry_time_s(-10.0, 600.0), abs=1e-4)
    assert alert.level_name == "warning"


def test_geodetic_velocity_follows_meridian_convergence() -> None:
    """At 60N, an intruder 60 NM east flying its own true north is not flying grid north in the ownship frame."""
    from airparley.geo import aeqd_xy, destination
    from airparley.tactical import enu_states

    own = FlightStates.of([FlightState(lat=60.0, lon=20.0, alt_ft=30000, gs_kt=0, trk_deg=0, vs_fpm=0)])
    lon_east, lat_east = destination(20.0, 60.0, 90.0, 60.0)
    intruder = FlightStates.of(
        [FlightState(lat=float(lat_east), lon=float(lon_east), alt_ft=30000, gs_kt=400, trk_deg=0, vs_fpm=0)]
    )
    _, _, pos, vel = enu_states(own, intruder)
    # Independent direction: the geodesic 0.1 NM north of the intruder, through the same projection.
    lon_n, lat_n = destination(lon_east, lat_east, 0.0, 0.1)
    x1, y1 = aeqd_xy(lon_n, lat_n, 20.0, 60.0)
    expected = math.degrees(math.atan2(float(x1) - pos[0, 0], float(y1) - pos[0, 1]))
    assert math.degrees(math.atan2(vel[0, 0], vel[0, 1])) == pytest.approx(expected, abs=0.01)
    assert expected < -1.0  # about 1.7 degrees west of grid north: a real effect, not rounding
    assert math.hypot(vel[0, 0], vel[0, 1]) == pytest.approx(400 * KT, rel=1e-3)


# --- properties --------------------------------------------------------------------------------------------


def _random_encounter(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    f = st.floats
    own = np.array([draw(f(-15, 15)) * NM, draw(f(-15, 15)) * NM, draw(f(0, 40000)) * FT])
    intruder = own + np.array([draw(f(-12, 12)) * NM, draw(f(-12, 12)) * NM, draw(f(-2000, 2000)) * FT])
    own_v = np.array([draw(f(-500, 500)) * KT, draw(f(-500, 500)) * KT, draw(f(-4000, 4000)) * FPM])
    intr_v = np.array([draw(f(-500, 500)) * KT, draw(f(-500, 500)) * KT, draw(f(-4000, 4000)) * FPM])
    return own, own_v, intruder, intr_v


encounters = st.composite(_random_encounter)


@settings(max_examples=300, deadline=None)
@given(encounters())
def test_level_is_symmetric_in_own_and_intruder(encounter: tuple[np.ndarray, ...]) -> None:
    own, own_v, intruder, intr_v = encounter
    forward = alert_enu(own, own_v, intruder, intr_v)
    backward = alert_enu(intruder, intr_v, own, own_v)
    assert forward.level.item() == backward.level.item()
    assert forward.caution.item() == backward.caution.item()
    for name in (
        "time_to_lowc_preventive_s",
        "time_to_lowc_corrective_s",
        "time_to_lowc_warning_s",
        "hmd_nm",
        "tcpa_s",
        "dcpa_nm",
        "tau_mod_s",
    ):
        assert getattr(forward, name).item() == getattr(backward, name).item(), name


def _robust_levels(s: np.ndarray, v: np.ndarray) -> set[int]:
    """Levels under thresholds nudged by a few parts per million: a level near a boundary may be either."""
    out = set()
    for k in (1.0 - 1e-6, 1.0, 1.0 + 1e-6):
        nudged = AlertingSettings(
            dthr_nm=0.66 * k,
            tthr_s=35.0 * k,
            zthr_preventive_ft=700 * k,
            zthr_corrective_ft=450 * k,
            zthr_warning_ft=450 * k,
            alerting_time_preventive_s=55 * k,
            alerting_time_corrective_s=55 * k,
            alerting_time_warning_s=25 * k,
        )
        out.add(alert_relative(s, v, nudged).level.item())
        out.add(
            alert_relative(
                s,
                v,
                AlertingSettings(
                    dthr_nm=0.66 / k,
                    tthr_s=35.0 / k,
                    zthr_preventive_ft=700 / k,
                    zthr_corrective_ft=450 / k,
                    zthr_warning_ft=450 / k,
                    alerting_time_preventive_s=55 / k,
                    alerting_time_corrective_s=55 / k,
                    alerting_time_warning_s=25 / k,
                ),
            ).level.item()
        )
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(encounters(), st.floats(-np.pi, np.pi), st.floats(-500, 500), st.floats(-500, 500), st.floats(-30000, 30000))
def test_level_is_invariant_under_rotation_and_translation(
    encounter: tuple[np.ndarray, ...], angle: float, dx_nm: float, dy_nm: float, dz_ft: float
) -> None:
    own, own_v, intruder, intr_v = encounter
    c, s_ = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s_, 0.0], [s_, c, 0.0], [0.0, 0.0, 1.0]])
    shift = np.array([dx_nm * NM, dy_nm * NM, dz_ft * FT])
    moved = alert_enu(rot @ own + shift, rot @ own_v, rot @ intruder + shift, rot @ intr_v)
    assert moved.level.item() in _robust_levels(own - intruder, own_v - intr_v)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-70, 70),
    st.floats(-180, 180),
    st.floats(0, 359),
    st.floats(2, 12),
    st.floats(0, 359),
    st.floats(200, 600),
)
def test_geodetic_level_is_invariant_under_rotation_about_the_pole(
    lat: float, shift_deg: float, bearing: float, range_nm: float, trk: float, gs_kt: float
) -> None:
    """Turning the whole scene about the Earth's axis is a symmetry of the ellipsoid: same level."""
    from airparley.geo import destination

    def scene(lon0: float) -> EncounterAlert:
        lon1, lat1 = destination(lon0, lat, bearing, range_nm)
        own = FlightState(lat=lat, lon=lon0, alt_ft=20000, gs_kt=420, trk_deg=bearing, vs_fpm=0)
        intr = FlightState(lat=float(lat1), lon=float(lon1), alt_ft=20200, gs_kt=gs_kt, trk_deg=trk, vs_fpm=0)
        return alert_pair(own, intr)

    here = scene(0.0)
    there = scene(shift_deg * 0.99)
    if here.level != there.level:
        times = [here.time_to_lowc_preventive_s, here.time_to_lowc_corrective_s, here.time_to_lowc_warning_s]
        assert any(abs(t - b) < 1e-3 for t in times for b in (25.0, 55.0) if math.isfinite(t))
    for name in ("time_to_lowc_corrective_s", "horizontal_sep_nm", "tcpa_s"):
        a, b = getattr(here, name), getattr(there, name)
        assert a == b or a == pytest.approx(b, abs=1e-4), name


def test_level_names_and_enum_agree() -> None:
    assert [lvl.label for lvl in AlertLevel] == list(ALERT_LEVEL_NAMES)
