"""The simulated truth of the Syria/Iraq scene: the close pass, determinism, kinematic limits, sensors."""

from __future__ import annotations

import doctest
from dataclasses import replace

import numpy as np
import pytest
import shapely

from airparley.geo import LocalFrame, distance_nm
from airparley.sim import (
    Orbit,
    Scenario,
    Truth,
    _kinematics,
    closest_approaches,
    orbit_waypoints,
    sensor_reports,
    simulate,
    step_count,
)
from airparley.strategic import parse_notices_data
from airparley.tactical import UNKNOWN_PARTY


def _column(truth: Truth, scenario: Scenario, aircraft_id: str) -> int:
    return scenario.aircraft_index(aircraft_id)


def _separation(truth: Truth, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    h = distance_nm(truth.lon[:, i], truth.lat[:, i], truth.lon[:, j], truth.lat[:, j])
    return h, np.abs(truth.alt_ft[:, i] - truth.alt_ft[:, j])


def _closest_within_1000_ft(truth: Truth, i: int, j: int) -> float:
    h, v = _separation(truth, i, j)
    return float(np.nanmin(np.where(v < 1000.0, h, np.inf)))


def test_the_su35_passes_within_half_a_mile_and_500_ft_of_the_e3_at_t300(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    truth = syria_iraq_truth
    e3, su35 = _column(truth, syria_iraq, "USA-E3-1"), _column(truth, syria_iraq, "RUS-SU35-1")
    h, v = _separation(truth, e3, su35)
    k = truth.step_at(300.0)
    assert truth.t_s[k] == 300.0
    assert h[k] < 0.5
    assert h[k] == pytest.approx(0.30, abs=0.01)
    assert v[k] < 500.0
    assert v[k] == pytest.approx(300.0, abs=1.0)
    closest = int(np.argmin(h))
    assert 295 <= truth.t_s[closest] <= 305
    assert h[closest] < 0.2
    # only this pass comes that close: nowhere else are two aircraft within 0.5 NM and 500 ft
    incidents = [a for a in closest_approaches(truth, 0.5, 500.0) if a.dist_nm < 0.5]
    assert [(a.a, a.b) for a in incidents] == [("USA-E3-1", "RUS-SU35-1")]


def test_the_su35_pilot_ignores_the_call_and_the_su34_pilot_turns(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    truth = syria_iraq_truth
    su35 = _column(truth, syria_iraq, "RUS-SU35-1")
    call = truth.step_at(255.0)
    track = truth.trk_deg[call : truth.step_at(400.0), su35]
    assert np.ptp(track) < 1.0  # straight on: the call was ignored
    su34 = _column(truth, syria_iraq, "RUS-SU34-1")
    before, after = truth.trk_deg[truth.step_at(354.0), su34], truth.trk_deg[truth.step_at(365.0), su34]
    assert (after - before) % 360.0 == pytest.approx(40.0, abs=1.0)  # 340 + 15 s: 40 degrees right
    viper = _column(truth, syria_iraq, "USA-F16-1")
    complied = _closest_within_1000_ft(truth, su34, viper)
    kept = tuple(e for e in syria_iraq.events if getattr(e, "about", "") != "RUS-SU34-1")
    unanswered = replace(syria_iraq, events=kept)
    untouched = simulate(unanswered)
    assert complied > 3.0
    assert _closest_within_1000_ft(untouched, su34, viper) < 1.5  # had GRACH31 not turned


def test_a_scripted_deviation_and_the_return_to_the_route(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    truth = syria_iraq_truth
    turk = _column(truth, syria_iraq, "TUR-F16-1")
    assert truth.alt_ft[truth.step_at(279.0), turk] == pytest.approx(20000.0)
    assert truth.alt_ft[truth.step_at(400.0), turk] == pytest.approx(23000.0, abs=5.0)
    assert truth.alt_ft[truth.step_at(900.0), turk] == pytest.approx(20000.0, abs=5.0)  # after for_s: 180 s


def test_the_same_seed_gives_the_same_reports_and_the_truth_has_no_randomness(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    again = simulate(syria_iraq)
    for name in ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "active"):
        np.testing.assert_array_equal(getattr(again, name), getattr(syria_iraq_truth, name))
    one = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    two = sensor_reports(syria_iraq, again, seed=1)
    assert [(r.t_s, r.sensor, len(r.states)) for r in one] == [(r.t_s, r.sensor, len(r.states)) for r in two]
    for a, b in zip(one, two, strict=True):
        for column in ("id", "party", "time_s", "lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "source"):
            np.testing.assert_array_equal(getattr(a.states, column), getattr(b.states, column))
    other = sensor_reports(syria_iraq, syria_iraq_truth, seed=2)
    assert not all(np.array_equal(a.states.lat, b.states.lat) for a, b in zip(one, other, strict=True))


def test_no_aircraft_turns_climbs_or_accelerates_faster_than_its_limits(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    truth = syria_iraq_truth
    dt = float(truth.t_s[1] - truth.t_s[0])
    for i, aircraft in enumerate(syria_iraq.aircraft):
        flying = truth.active[:, i]
        both = flying[1:] & flying[:-1]
        turn = np.abs(np.mod(np.diff(truth.trk_deg[:, i]) + 180.0, 360.0) - 180.0)[both] / dt
        limits = aircraft.limits
        # a geodesic's azimuth drifts a little as it crosses meridians: allow 0.01 deg/s for that
        assert turn.max() <= limits.turn_rate_deg_s + 0.01, aircraft.id
        vs = truth.vs_fpm[flying, i]
        assert vs.max() <= limits.climb_fpm + 1e-6, aircraft.id
        assert vs.min() >= -limits.descent_fpm - 1e-6, aircraft.id
        accel = np.abs(np.diff(truth.gs_kt[:, i]))[both] / dt
        assert accel.max() <= limits.accel_kt_s + 1e-9, aircraft.id
        climb = np.diff(truth.alt_ft[:, i])[both] / dt * 60.0
        assert climb.max() <= limits.climb_fpm + 1e-6, aircraft.id
    fighters_turned = [
        np.abs(np.mod(np.diff(truth.trk_deg[:, i]) + 180.0, 360.0) - 180.0).max()
        for i, a in enumerate(syria_iraq.aircraft)
        if a.limits.turn_rate_deg_s == 8.0
    ]
    assert max(fighters_turned) == pytest.approx(8.0, abs=0.01)  # the limit is reached, so it is what binds


def test_the_e3_flies_inside_its_announced_orbit(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    notices = {n.notice_id: n for n in parse_notices_data(syria_iraq.notices).notices}
    volume = notices["USA-0103"].volumes[0]
    e3 = syria_iraq.aircraft_index("USA-E3-1")
    truth = simulate(syria_iraq, duration_s=1800.0)  # more than one lap
    points = shapely.points(truth.lon[:, e3], truth.lat[:, e3])
    assert shapely.contains(volume.footprint, points).all()
    assert (truth.alt_ft[:, e3] >= volume.lower_ft).all()
    assert (truth.alt_ft[:, e3] <= volume.upper_ft).all()
    headings = truth.trk_deg[:, e3]
    assert np.ptp(headings) > 300  # it came all the way round


def test_racetrack_and_circle_waypoints() -> None:
    racetrack = orbit_waypoints(Orbit(((35.2, 40.0), (35.6, 40.8)), 8.0, 30000.0, 360.0))
    frame = LocalFrame(40.4, 35.4)
    x, y = frame.to_xy([p[1] for p in racetrack], [p[0] for p in racetrack])
    a = np.array(frame.to_xy(40.0, 35.2))
    b = np.array(frame.to_xy(40.8, 35.6))
    centreline = shapely.LineString([a, b])
    offsets = shapely.distance(centreline, shapely.points(x, y)) / 1852.0
    np.testing.assert_allclose(offsets, 8.0, atol=0.01)
    start = np.array([x[0], y[0]])
    cross = (b - a)[0] * (start - a)[1] - (b - a)[1] * (start - a)[0]
    assert cross > 0  # a right-hand pattern starts on the left of the centreline
    circle = orbit_waypoints(Orbit(((34.6, 38.35),), 10.0, 38000.0, 420.0), entry=(34.3, 38.35))
    assert len(circle) == 24
    assert circle[0][0] < 34.6  # entered from the south
    assert distance_nm(38.35, 34.6, circle[5][1], circle[5][0]) == pytest.approx(10.0, abs=0.01)


def test_sensors_see_within_coverage_identify_and_add_noise(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    truth = syria_iraq_truth
    reports = sensor_reports(syria_iraq, truth, seed=1)
    khmeimim = [r for r in reports if r.sensor == "KHMEIMIM"]
    assert [r.t_s for r in khmeimim[:3]] == [0.0, 6.0, 12.0]
    for report in khmeimim:
        states = report.states
        assert (distance_nm(35.95, 35.41, states.lon, states.lat) <= 252.0).all()
        other = states.party != "RUS"
        assert (states.party[other] == UNKNOWN_PARTY).all()
        assert all(i.startswith("KHMEIMIM-T") for i in states.id[other])
        assert (states.callsign[other] == "").all()
    sentry = [r for r in reports if r.sensor == "SENTRY60"]
    e3 = syria_iraq.aircraft_index("USA-E3-1")
    errors = []
    for report in sentry:
        k = truth.step_at(report.t_s)
        assert set(report.states.source) == {"SENTRY60"}
        assert set(report.states.party) <= {"USA", "RUS", "TUR", "SYR"}  # identify: all
        own = list(report.states.id).index("USA-E3-1")
        assert report.states.lat[own] == truth.lat[k, e3]  # the carrier's own state has no noise
        ids = list(truth.ids)
        rows = [ids.index(i) for i in report.states.id]
        errors.extend(distance_nm(report.states.lon, report.states.lat, truth.lon[k, rows], truth.lat[k, rows]))
    errors_nm = np.asarray(errors)
    assert 0.05 < float(np.mean(errors_nm[errors_nm > 0])) < 0.25  # sigma 0.1 NM east and north
    bombers = [r for r in sentry if "RUS-TU95-1" in set(r.states.id)]
    assert bombers  # 200 NM around the E-3 reaches the corridor east of it


def test_doctests() -> None:
    assert doctest.testmod(_kinematics).failed == 0


def test_simulate_reports_each_step_flown_and_the_report_changes_nothing(syria_iraq: Scenario) -> None:
    heard: list[int] = []
    truth = simulate(syria_iraq, 600.0, heard.append)
    assert heard == [1] * step_count(syria_iraq, 600.0)
    assert truth.t_s.size == step_count(syria_iraq, 600.0)
    np.testing.assert_array_equal(truth.lat, simulate(syria_iraq, 600.0).lat)
