"""The conflict scan: hand-computed encounters, frame accuracy, properties, pruned == brute force."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.geo import M_PER_NM, aeqd_xy, destination, distance_nm
from airparley.tactical import (
    Conflicts,
    PairPrediction,
    ScanSettings,
    TrackState,
    TrackStates,
    predict_pair,
    predict_pairs,
    scan_conflicts,
)

KT = 1.0 / 3600.0  # NM per second per knot
Builder = Callable[..., Any]


def one(p: PairPrediction) -> dict[str, float]:
    return {name: float(getattr(p, name)[0]) for name in ("tin_s", "tout_s", "tcpa_s", "dcpa_nm", "dist_nm", "dalt_ft")}


# -- hand-computed encounters --------------------------------------------------------------------------------


def test_head_on(head_on_pair: tuple[TrackState, TrackState]) -> None:
    a, b = head_on_pair
    closing = 800.0 * KT  # NM/s
    p = predict_pair(a, b)
    got = one(p)
    assert bool(p.conflict[0])
    assert got["dist_nm"] == pytest.approx(40.0, rel=1e-5)
    assert got["tcpa_s"] == pytest.approx(40.0 / closing, rel=1e-4)
    assert got["dcpa_nm"] == pytest.approx(0.0, abs=1e-3)
    assert got["tin_s"] == pytest.approx((40.0 - 5.0) / closing, rel=1e-4)
    assert got["tout_s"] == pytest.approx((40.0 + 5.0) / closing, rel=1e-4)


def test_head_on_out_of_lookahead(head_on_pair: tuple[TrackState, TrackState]) -> None:
    a, b = head_on_pair
    # the horizontal intrusion starts at 157.5 s: a 150 s lookahead does not reach it, 160 s does
    assert not predict_pair(a, b, ScanSettings(lookahead_s=150.0)).conflict[0]
    assert predict_pair(a, b, ScanSettings(lookahead_s=160.0)).conflict[0]


def test_crossing_90(crossing_90: tuple[TrackState, TrackState]) -> None:
    north, east = crossing_90
    v = 480.0 * KT
    a_nm, b_nm, r = 30.0, 26.0, 5.0
    # relative position (east - north) = (-b + v t, a - v t): a quadratic in t
    tcpa = (a_nm + b_nm) / (2.0 * v)
    dcpa = abs(a_nm - b_nm) / math.sqrt(2.0)
    root = math.sqrt((a_nm + b_nm) ** 2 - 2.0 * (a_nm * a_nm + b_nm * b_nm - r * r))
    tin, tout = (a_nm + b_nm - root) / (2.0 * v), (a_nm + b_nm + root) / (2.0 * v)
    p = predict_pair(north, east)
    got = one(p)
    assert bool(p.conflict[0])
    assert got["dist_nm"] == pytest.approx(math.hypot(a_nm, b_nm), rel=1e-3)
    assert got["tcpa_s"] == pytest.approx(tcpa, abs=0.2)
    assert got["dcpa_nm"] == pytest.approx(dcpa, abs=0.01)
    assert got["tin_s"] == pytest.approx(tin, abs=0.2)
    assert got["tout_s"] == pytest.approx(tout, abs=0.2)


def test_overtaking(make_state: Builder, make_place: Builder) -> None:
    behind = make_state("A", *make_place(38.27, 34.56, 180.0, 4.0), gs_kt=500.0, trk_deg=0.0)
    ahead = make_state("B", *make_place(38.27, 34.56, 0.0, 4.0), gs_kt=300.0, trk_deg=0.0, party="RUS")
    closing = 200.0 * KT
    got = one(predict_pair(behind, ahead))
    assert got["tcpa_s"] == pytest.approx(8.0 / closing, rel=1e-4)
    assert got["tin_s"] == pytest.approx(3.0 / closing, rel=1e-4)
    assert got["tout_s"] == pytest.approx(13.0 / closing, rel=1e-4)
    assert got["dcpa_nm"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    ("climb_fpm", "tin_s", "tout_s"),
    [
        (1000.0, 157.5, 202.5),  # the vertical window (120, 240) holds the horizontal one
        (600.0, 200.0, 202.5),  # the climb reaches the band just before the horizontal intrusion ends
        (500.0, None, None),  # the band is reached at 240 s, after the aircraft have passed
        (0.0, None, None),  # level 3,000 ft below: never
    ],
)
def test_climb_into_a_head_on(
    head_on_pair: tuple[TrackState, TrackState], climb_fpm: float, tin_s: float | None, tout_s: float | None
) -> None:
    a, b = head_on_pair
    climber = TrackState(b.id, b.party, b.time_s, b.lat, b.lon, a.alt_ft - 3000.0, b.gs_kt, b.trk_deg, climb_fpm)
    p = predict_pair(a, climber)
    if tin_s is None:
        assert not p.conflict[0]
        return
    assert bool(p.conflict[0])
    assert float(p.tin_s[0]) == pytest.approx(tin_s, rel=1e-4)
    assert float(p.tout_s[0]) == pytest.approx(tout_s, rel=1e-4)
    assert float(p.dalt_ft[0]) == 3000.0


def test_vertical_only(make_state: Builder) -> None:
    level = make_state("A", 34.0, 38.0, alt_ft=20000.0, gs_kt=400.0, trk_deg=90.0)
    above = make_state("B", 34.0, 38.0, alt_ft=23000.0, gs_kt=400.0, trk_deg=90.0, vs_fpm=-1500.0, party="RUS")
    p = predict_pair(level, above)
    got = one(p)
    assert bool(p.conflict[0])
    # |3000 - 25 t| < 1000 ft: from 80 s to 160 s; the horizontal distance never changes
    assert (got["tin_s"], got["tout_s"]) == pytest.approx((80.0, 160.0))
    assert (got["tcpa_s"], got["dcpa_nm"], got["dist_nm"]) == (0.0, 0.0, 0.0)
    slow = make_state("B", 34.0, 38.0, alt_ft=23000.0, gs_kt=400.0, trk_deg=90.0, vs_fpm=-500.0)
    assert predict_pair(level, slow).conflict[0]  # in at 240 s, within 300 s
    assert not predict_pair(level, slow, ScanSettings(lookahead_s=200.0)).conflict[0]


@pytest.mark.parametrize(
    ("apart_nm", "dalt_ft", "conflict"),
    [(4.0, 0.0, True), (6.0, 0.0, False), (4.0, 999.0, True), (4.0, 1000.0, False)],
)
def test_parallel_same_speed(
    make_state: Builder, make_place: Builder, apart_nm: float, dalt_ft: float, conflict: bool
) -> None:
    # side by side on one meridian at the equator, both eastbound: exactly zero relative velocity
    left = make_state("A", 0.0, 40.0, alt_ft=20000.0, gs_kt=450.0, trk_deg=90.0)
    right = make_state("B", *make_place(40.0, 0.0, 0.0, apart_nm), alt_ft=20000.0 + dalt_ft, gs_kt=450.0, trk_deg=90.0)
    p = predict_pair(left, right)
    assert bool(p.conflict[0]) is conflict
    assert float(p.tcpa_s[0]) == 0.0
    assert float(p.dcpa_nm[0]) == pytest.approx(apart_nm, rel=1e-6)
    if conflict:
        assert (float(p.tin_s[0]), float(p.tout_s[0])) == (-math.inf, math.inf)


def test_diverging_pair_inside_now_is_a_loss_of_separation(make_state: Builder, make_place: Builder) -> None:
    a = make_state("A", *make_place(38.0, 34.0, 180.0, 1.0), gs_kt=300.0, trk_deg=180.0)
    b = make_state("B", *make_place(38.0, 34.0, 0.0, 1.0), gs_kt=300.0, trk_deg=0.0)
    p = predict_pair(a, b)
    assert bool(p.conflict[0])
    assert float(p.tin_s[0]) < 0.0 < float(p.tout_s[0])
    assert float(p.tcpa_s[0]) < 0.0  # closest in the past
    assert float(p.tout_s[0]) == pytest.approx(3.0 / (600.0 * KT), rel=1e-4)
    states = TrackStates.from_states([a, b])
    assert scan_conflicts(states).los.tolist() == [True]


def test_states_of_different_times_are_brought_together(head_on_pair: tuple[TrackState, TrackState]) -> None:
    a, b = head_on_pair
    lon, lat = destination(a.lon, a.lat, 180.0, 400.0 * KT * 30.0)
    earlier = TrackState(
        a.id,
        a.party,
        a.time_s - 30.0,
        float(lat),
        float(lon),
        a.alt_ft,
        a.gs_kt,
        a.trk_deg,
        a.vs_fpm,
    )
    together = one(predict_pair(a, b))
    apart = one(predict_pair(earlier, b))
    assert apart["tin_s"] == pytest.approx(together["tin_s"], abs=1e-3)
    result = scan_conflicts(TrackStates.from_states([earlier, b]))
    assert result.time_s == b.time_s
    assert float(result.tin_s[0]) == pytest.approx(together["tin_s"], abs=1e-3)


# -- the pair frame against the geodesic and against aeqd_xy ---------------------------------------------------


def test_current_distance_is_the_geodesic_well_within_a_tenth_of_a_percent() -> None:
    rng = np.random.default_rng(7)
    n = 400
    lat = rng.uniform(-75.0, 75.0, n)
    lon = rng.uniform(-180.0, 180.0, n)
    lon2, lat2 = destination(lon, lat, rng.uniform(0.0, 360.0, n), rng.uniform(0.1, 250.0, n))
    a = TrackStates(**_columns(lat, lon))
    b = TrackStates(**_columns(lat2, lon2))
    got = predict_pairs(a, b).dist_nm
    truth = distance_nm(lon, lat, lon2, lat2)
    error = np.abs(got / truth - 1.0)
    # the pair frame measures the chord, short of the arc by about (d / R)^2 / 24
    assert np.max(error) < 3e-4
    assert np.max(error[truth < 50.0]) < 1e-5


def _columns(lat: Any, lon: Any, **more: Any) -> dict[str, Any]:
    n = np.asarray(lat).size
    base = {
        "id": np.array([f"X{i}" for i in range(n)]),
        "party": np.full(n, "USA"),
        "time_s": np.zeros(n),
        "lat": lat,
        "lon": lon,
        "alt_ft": np.full(n, 20000.0),
        "gs_kt": np.full(n, 450.0),
        "trk_deg": np.zeros(n),
        "vs_fpm": np.zeros(n),
    }
    base.update(more)
    return base


def _aeqd_reference(a: TrackStates, b: TrackStates, rpz_nm: float) -> dict[str, np.ndarray]:
    """Horizontal CPA in one aeqd frame per pair centred at the pair's midpoint (the reference definition).

    Positions from :func:`aeqd_xy`; each velocity from the frame image of one second flown along its track.
    """
    lon0, lat0 = destination(a.lon, a.lat, *_azimuth_half(a, b))
    pa = np.stack(aeqd_xy(a.lon, a.lat, lon0, lat0), axis=-1) / M_PER_NM
    pb = np.stack(aeqd_xy(b.lon, b.lat, lon0, lat0), axis=-1) / M_PER_NM
    va = (np.stack(aeqd_xy(*destination(a.lon, a.lat, a.trk_deg, a.gs_kt * KT), lon0, lat0), axis=-1) / M_PER_NM) - pa
    vb = (np.stack(aeqd_xy(*destination(b.lon, b.lat, b.trk_deg, b.gs_kt * KT), lon0, lat0), axis=-1) / M_PER_NM) - pb
    d, w = pb - pa, vb - va
    ww = np.sum(w * w, axis=1)
    tcpa = -np.sum(d * w, axis=1) / ww
    dcpa = np.linalg.norm(d + w * tcpa[:, None], axis=1)
    half = np.sqrt(np.maximum(rpz_nm**2 - dcpa**2, 0.0) / ww)
    return {"tcpa_s": tcpa, "dcpa_nm": dcpa, "tin_s": tcpa - half, "tout_s": tcpa + half}


def _azimuth_half(a: TrackStates, b: TrackStates) -> tuple[np.ndarray, np.ndarray]:
    from airparley.geo import inverse

    azimuth, dist = inverse(a.lon, a.lat, b.lon, b.lat)
    return azimuth, dist / 2.0


def test_pair_frame_agrees_with_per_pair_aeqd_frames() -> None:
    rng = np.random.default_rng(11)
    n = 300
    lat = rng.uniform(-70.0, 70.0, n)
    lon = rng.uniform(-180.0, 180.0, n)
    # pairs set up to pass within a few NM within the lookahead: b is where a will be, displaced, flying back
    lon_c, lat_c = destination(lon, lat, rng.uniform(0.0, 360.0, n), rng.uniform(0.0, 4.0, n))
    trk_a = rng.uniform(0.0, 360.0, n)
    lon_b, lat_b = destination(lon_c, lat_c, trk_a, rng.uniform(20.0, 45.0, n))
    a = TrackStates(**_columns(lat, lon, trk_deg=trk_a, gs_kt=rng.uniform(200.0, 550.0, n)))
    b = TrackStates(**_columns(lat_b, lon_b, trk_deg=(trk_a + 180.0 + rng.uniform(-60, 60, n)) % 360.0))
    got = predict_pairs(a, b)
    ref = _aeqd_reference(a, b, 5.0)
    assert np.max(np.abs(got.dcpa_nm - ref["dcpa_nm"])) < 0.02
    assert np.max(np.abs(got.tcpa_s - ref["tcpa_s"])) < 0.5
    inside = ref["dcpa_nm"] < 4.9
    assert np.max(np.abs(got.tin_s - ref["tin_s"])[inside]) < 1.0
    assert np.max(np.abs(got.tout_s - ref["tout_s"])[inside]) < 1.0


# -- properties ----------------------------------------------------------------------------------------------

finite_lat = st.floats(-70.0, 70.0)
finite_lon = st.floats(-179.0, 179.0)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[TrackState, TrackState]:
    lat, lon = draw(finite_lat), draw(finite_lon)
    lon2, lat2 = destination(lon, lat, draw(st.floats(0.0, 359.9)), draw(st.floats(0.0, 60.0)))

    def aircraft(name: str, la: float, lo: float) -> TrackState:
        return TrackState(
            name,
            "USA",
            0.0,
            la,
            lo,
            draw(st.floats(0.0, 45000.0)),
            draw(st.floats(0.0, 600.0)),
            draw(st.floats(0.0, 359.99)),
            draw(st.floats(-4000.0, 4000.0)),
        )

    return aircraft("A", lat, lon), aircraft("B", float(lat2), float(lon2))


@given(pairs())
@settings(max_examples=150, deadline=None)
def test_prediction_is_symmetric(pair: tuple[TrackState, TrackState]) -> None:
    a, b = pair
    ab, ba = predict_pair(a, b), predict_pair(b, a)
    assert ab.conflict.tolist() == ba.conflict.tolist()
    for name in ("tin_s", "tout_s", "tcpa_s", "dcpa_nm", "dist_nm", "dalt_ft"):
        x, y = float(getattr(ab, name)[0]), float(getattr(ba, name)[0])
        assert x == y or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), name


def _dense_scene(seed: int, n: int, span_deg: float = 1.0) -> TrackStates:
    rng = np.random.default_rng(seed)
    return TrackStates(
        id=np.array([f"T{i:03d}" for i in range(n)]),
        party=rng.choice(np.array(["USA", "RUS", "TUR"]), n),
        time_s=np.full(n, 1.0e9) - rng.choice([0.0, 0.0, 5.0, 17.0], n),
        lat=34.0 + rng.uniform(0.0, span_deg, n),
        lon=38.0 + rng.uniform(0.0, span_deg, n),
        alt_ft=rng.choice([20000.0, 21000.0, 25000.0], n) + rng.uniform(-800.0, 800.0, n),
        gs_kt=rng.uniform(0.0, 600.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n) % 360.0,
        vs_fpm=np.where(rng.random(n) < 0.4, rng.uniform(-3000.0, 3000.0, n), 0.0),
    )


def _same(a: Conflicts, b: Conflicts) -> None:
    assert a.pairs() == b.pairs()
    assert a.a.tolist() == b.a.tolist()
    assert a.b.tolist() == b.b.tolist()
    for name in ("tin_s", "tout_s", "tcpa_s", "dcpa_nm", "dist_nm", "dalt_ft"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-6, atol=1e-6, err_msg=name)


@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-3.0, 3.0))
@settings(max_examples=25, deadline=None)
def test_scan_is_invariant_to_a_longitude_shift(seed: int, shift: float) -> None:
    scene = _dense_scene(seed, 40)
    _same(scan_conflicts(scene), scan_conflicts(scene.replace(lon=scene.lon + shift)))


@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-0.5, 0.5))
@settings(max_examples=25, deadline=None)
def test_scan_barely_moves_with_a_small_latitude_shift(seed: int, shift: float) -> None:
    # the ellipsoid's curvature changes with latitude, so only pairs clear of every threshold must agree
    scene = _dense_scene(seed, 40)
    base, moved = scan_conflicts(scene), scan_conflicts(scene.replace(lat=scene.lat + shift))
    s = base.settings

    def clear(c: Conflicts) -> set[tuple[str, str]]:
        ok = (c.dcpa_nm < 0.98 * s.rpz_nm) & (c.tin_s < 0.98 * s.lookahead_s) & (c.tout_s - c.tin_s > 5.0)
        ok &= (c.tout_s > 5.0) & (np.abs(c.dalt_ft - s.hpz_ft) > 20.0)
        return {(str(x), str(y)) for x, y in zip(c.id_a[ok], c.id_b[ok], strict=True)}

    assert clear(base) <= moved.pairs()
    assert clear(moved) <= base.pairs()


@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-1e8, 1e8))
@settings(max_examples=25, deadline=None)
def test_scan_is_invariant_to_shifting_all_times(seed: int, shift: float) -> None:
    scene = _dense_scene(seed, 40)
    base = scan_conflicts(scene)
    moved = scan_conflicts(scene.replace(time_s=scene.time_s + shift))
    assert moved.time_s == pytest.approx(base.time_s + shift)
    _same(base, moved)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 60),
    span=st.sampled_from([0.2, 1.0, 6.0, 40.0]),
    rpz=st.floats(0.5, 20.0),
    hpz=st.floats(100.0, 3000.0),
    lookahead=st.sampled_from([0.0, 60.0, 300.0, 1200.0]),
    party=st.sampled_from([None, "USA", "RUS"]),
    own_pairs=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pruned_scan_equals_brute_force(
    seed: int, n: int, span: float, rpz: float, hpz: float, lookahead: float, party: str | None, own_pairs: bool
) -> None:
    scene = _dense_scene(seed, n, span)
    chosen = ScanSettings(rpz_nm=rpz, hpz_ft=hpz, lookahead_s=lookahead)
    pruned = scan_conflicts(scene, chosen, party=party, own_pairs=own_pairs)
    brute = scan_conflicts(scene, chosen, party=party, own_pairs=own_pairs, prune=False)
    _same(pruned, brute)
    assert pruned.candidates <= brute.candidates
    if party is not None:
        parties = dict(zip(scene.id.tolist(), scene.party.tolist(), strict=True))
        for x, y in pruned.pairs():
            assert party in (parties[x], parties[y])
            if not own_pairs:
                assert parties[x] != parties[y]


def test_pruning_keeps_pairs_that_graze_the_zone_far_from_the_scene_centre() -> None:
    # a wide scene (the pruning boxes live in axes centred on it) with head-on pairs placed to pass at
    # 0.999 R and 1.001 R near its edges, at high closing speed and long lookahead
    rng = np.random.default_rng(5)
    rows: list[TrackState] = []
    for k, (lon, lat) in enumerate([(-20.0, 60.0), (30.0, -50.0), (90.0, 10.0), (170.0, 65.0), (0.0, 0.0)]):
        for j, miss in enumerate((0.999, 1.001, 0.5)):
            trk = float(rng.uniform(0, 360))
            lon_a, lat_a = destination(lon, lat, trk + 90.0, miss * 5.0 / 2.0)
            lon_b, lat_b = destination(lon, lat, trk - 90.0, miss * 5.0 / 2.0)
            lon_a, lat_a = destination(lon_a, lat_a, trk + 180.0, 90.0)
            lon_b, lat_b = destination(lon_b, lat_b, trk, 90.0)
            rows.append(TrackState(f"P{k}{j}a", "USA", 0.0, float(lat_a), float(lon_a), 30000.0, 550.0, trk % 360, 0))
            rows.append(
                TrackState(f"P{k}{j}b", "RUS", 0.0, float(lat_b), float(lon_b), 30000.0, 550.0, (trk + 180.0) % 360, 0)
            )
    scene = TrackStates.from_states(rows)
    chosen = ScanSettings(lookahead_s=600.0)
    _same(scan_conflicts(scene, chosen), scan_conflicts(scene, chosen, prune=False))
    assert len(scan_conflicts(scene, chosen)) >= 5


def test_antimeridian_and_pole(make_state: Builder) -> None:
    west = make_state("W", 10.0, 179.98, gs_kt=300.0, trk_deg=90.0)
    east = make_state("E", 10.0, -179.98, gs_kt=300.0, trk_deg=270.0)
    polar_a = make_state("PA", 89.99, 0.0, gs_kt=300.0, trk_deg=0.0)
    polar_b = make_state("PB", 89.99, 180.0, gs_kt=300.0, trk_deg=0.0)
    result = scan_conflicts(TrackStates.from_states([west, east, polar_a, polar_b]))
    assert result.pairs() == {("E", "W"), ("PA", "PB")}


def test_result_columns_and_large_random_scene(make_scene: Builder) -> None:
    scene = make_scene(np.random.default_rng(3), 3000)
    result = scan_conflicts(scene)
    assert len(result) > 0
    assert result.a.dtype == np.int64
    assert result.tin_s.dtype == np.float64
    assert np.all(result.a < result.b)
    assert np.all(np.diff(result.a * len(scene) + result.b) > 0)  # sorted by (a, b), unique
    assert result.id_a.tolist() == scene.id[result.a].tolist()
    assert np.all(result.tin_s < result.tout_s)
    assert np.all(result.tout_s > 0)
    assert np.all(result.tin_s < result.settings.lookahead_s)
    assert result.candidates < len(scene) * (len(scene) - 1) // 20


def test_duplicate_ids_and_bad_settings_are_refused(make_state: Builder) -> None:
    twice = TrackStates.from_states([make_state("A", 34.0, 38.0), make_state("A", 34.1, 38.0)])
    with pytest.raises(InvalidInput) as caught:
        scan_conflicts(twice)
    assert caught.value.field == "id"
    for bad in ({"rpz_nm": 0.0}, {"hpz_ft": -1.0}, {"lookahead_s": math.inf}, {"rpz_nm": math.nan}):
        with pytest.raises(InvalidInput):
            ScanSettings(**bad)
    assert len(scan_conflicts(TrackStates.empty())) == 0
