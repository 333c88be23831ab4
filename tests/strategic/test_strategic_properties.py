"""Properties of the conflict detector, and its agreement with a brute-force pairwise check."""

from __future__ import annotations

import hashlib
import itertools
import random
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import rfc8785
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry
from strategic_builders import T0, circle_volume, corridor_volume, notice, polygon_volume

from airparley.strategic import (
    Buffers,
    Conflict,
    ConflictIndex,
    Notice,
    NoticeRef,
    VolumePair,
    conflict_id,
    draw_overlaps,
    geojson_of,
    smallest_gaps_nm,
    volume_conflict,
)

PARTIES = ("USA", "RUS", "TUR", "SYR")


def _random_volume(rng: random.Random, shift: timedelta = timedelta(0), dlon: float = 0.0):  # type: ignore[no-untyped-def]
    lon, lat = rng.uniform(37.0, 39.0) + dlon, rng.uniform(34.0, 35.5)
    lower = rng.choice([0, 5000, 10000, 15000, 20000])
    upper = lower + rng.choice([2000, 5000, 10000])
    start = T0 + timedelta(minutes=rng.randrange(0, 600, 5)) + shift
    minutes = rng.choice([30, 60, 120])
    shape = rng.choice(["circle", "polygon", "corridor"])
    if shape == "circle":
        return circle_volume((lon, lat), rng.uniform(2, 15), lower, upper, start, minutes)
    if shape == "polygon":
        w, h = rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.3)
        return polygon_volume(
            [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h]], lower, upper, start, minutes
        )
    end = [lon + rng.uniform(-0.5, 0.5), lat + rng.uniform(-0.5, 0.5)]
    return corridor_volume([[lon, lat], end], rng.uniform(1, 6), lower, upper, start, minutes)


def _random_notices(seed: int, count: int, shift: timedelta = timedelta(0), dlon: float = 0.0) -> list[Notice]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        volumes = [_random_volume(rng, shift, dlon) for _ in range(rng.randint(1, 2))]
        out.append(notice(f"N{i:03d}", rng.choice(PARTIES), *volumes))
    return out


def _pairs(notices: list[Notice], buffers: Buffers) -> set[tuple[str, str]]:
    return {(c.a.notice_id, c.b.notice_id) for c in ConflictIndex.build(notices, buffers).conflicts()}


def _brute_force(notices: list[Notice], buffers: Buffers) -> set[tuple[str, str]]:
    found = set()
    for x, y in itertools.combinations(notices, 2):
        if x.party == y.party:
            continue
        if any(volume_conflict(v, w, buffers) for v in x.volumes for w in y.volumes):
            found.add(tuple(sorted((x.notice_id, y.notice_id))))
    return found  # type: ignore[return-value]


buffer_values = st.builds(Buffers, st.floats(0.5, 20), st.floats(100, 5000), st.floats(1, 120))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), buffers=buffer_values)
def test_the_index_agrees_with_a_brute_force_pairwise_check(seed: int, buffers: Buffers) -> None:
    notices = _random_notices(seed, 30)
    assert _pairs(notices, buffers) == _brute_force(notices, buffers)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_conflicts_do_not_depend_on_the_order_of_the_notices(seed: int) -> None:
    notices = _random_notices(seed, 25)
    shuffled = notices[:]
    random.Random(seed).shuffle(shuffled)
    first = ConflictIndex.build(notices).conflicts()
    second = ConflictIndex.build(shuffled).conflicts()
    assert [c.id for c in first] == [c.id for c in second]
    assert all(c.a.notice_id < c.b.notice_id for c in first)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    small=buffer_values,
    grow=st.tuples(st.floats(0, 10), st.floats(0, 2000), st.floats(0, 60)),
)
def test_conflicts_only_grow_when_any_buffer_grows(seed: int, small: Buffers, grow: tuple[float, float, float]) -> None:
    notices = _random_notices(seed, 25)
    large = Buffers(small.lateral_nm + grow[0], small.vertical_ft + grow[1], small.time_min + grow[2])
    assert _pairs(notices, small) <= _pairs(notices, large)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), hours=st.integers(-1000, 1000))
def test_shifting_every_notice_in_time_changes_nothing(seed: int, hours: int) -> None:
    before = _pairs(_random_notices(seed, 25), Buffers())
    after = _pairs(_random_notices(seed, 25, shift=timedelta(hours=hours)), Buffers())
    assert before == after


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), gap_min=st.floats(10, 3000))
def test_windows_further_apart_than_the_time_buffer_never_conflict(seed: int, gap_min: float) -> None:
    early = _random_notices(seed, 15)
    last_end = max(v.end for n in early for v in n.volumes)
    first_start = min(v.start for n in early for v in n.volumes)
    shift = last_end - first_start + timedelta(minutes=gap_min)
    late = [
        Notice(f"L{n.notice_id}", n.party + "-LATE", 1, n.kind, n.volumes) for n in _random_notices(seed, 15, shift)
    ]
    pairs = _pairs(early + late, Buffers(time_min=10))
    assert all(a.startswith("L") == b.startswith("L") for a, b in pairs)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    ops=st.lists(st.tuples(st.integers(0, 19), st.sampled_from(["add", "drop"])), max_size=30),
)
def test_incremental_changes_match_a_fresh_full_check(seed: int, ops: list[tuple[int, str]]) -> None:
    pool = _random_notices(seed, 20)
    index = ConflictIndex.build(pool[:10])
    live = {n.notice_id: n for n in pool[:10]}
    for version, (k, op) in enumerate(ops, start=2):
        base = pool[k]
        if op == "add":
            revised = Notice(base.notice_id, base.party, version, base.kind, base.volumes)
            index.add(revised)
            live[base.notice_id] = revised
        else:
            index.remove(base.notice_id)
            live.pop(base.notice_id, None)
    fresh = ConflictIndex.build(live.values()).conflicts()
    assert [c.id for c in index.conflicts()] == [c.id for c in fresh]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), buffers=buffer_values)
def test_drawing_many_overlaps_at_once_gives_each_what_it_draws_alone(seed: int, buffers: Buffers) -> None:
    notices = _random_notices(seed, 40)
    alone = ConflictIndex.build(notices, buffers).conflicts()
    together = ConflictIndex.build(notices, buffers).conflicts()
    draw_overlaps(together[: len(together) // 2])  # some drawn together, the rest on first read
    draw_overlaps(together)
    for one, other in zip(alone, together, strict=True):
        assert len(one.volumes) == len(other.volumes)
        for v, w in zip(one.volumes, other.volumes, strict=True):
            assert (v.a_volume, v.b_volume) == (w.a_volume, w.b_volume)
            assert shapely.equals_exact(v.footprint_a, w.footprint_a, 0)
            assert shapely.equals_exact(v.footprint_b, w.footprint_b, 0)
            assert shapely.equals_exact(v.footprint, w.footprint, 0)
            gaps = (v.lateral_gap_nm, v.vertical_gap_ft, v.time_gap_min, v.lower_ft, v.upper_ft, v.start_s, v.end_s)
            assert gaps == (
                w.lateral_gap_nm,
                w.vertical_gap_ft,
                w.time_gap_min,
                w.lower_ft,
                w.upper_ft,
                w.start_s,
                w.end_s,
            )
        assert one.footprint().wkb == other.footprint().wkb  # united together, the same to the bit
        assert one.as_dict() == other.as_dict()


def _smallest_drawn(conflict: Conflict) -> float | None:
    return min((v.lateral_gap_nm for v in conflict.volumes), default=None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), buffers=buffer_values)
def test_the_smallest_gaps_measured_without_drawing_are_the_drawn_ones(seed: int, buffers: Buffers) -> None:
    notices = _random_notices(seed, 40)
    drawn = ConflictIndex.build(notices, buffers).conflicts()
    measured = ConflictIndex.build(notices, buffers).conflicts()
    draw_overlaps(measured[: len(measured) // 3])  # some drawn already: read, not measured again
    assert smallest_gaps_nm(measured) == [_smallest_drawn(c) for c in drawn]  # to the bit
    assert all("volumes" not in c.__dict__ for c in measured[len(measured) // 3 :])  # nothing drawn for it


def test_a_pair_at_the_very_edge_of_the_buffer_is_measured_as_the_drawing_measures_it() -> None:
    """A pair the index found at the edge (touching in lon/lat, a hair apart once projected) is measured
    with the edge allowance, as ``Conflict.volumes`` measures it; one beyond that allowance has no gap."""
    a = circle_volume((38.3, 34.5), 5, 10000, 20000, T0, 60)
    b = circle_volume((38.0, 34.5), 5, 10000, 20000, T0, 60)
    touching = volume_conflict(a, b, Buffers(lateral_nm=100))
    assert touching is not None
    gap = touching.lateral_gap_nm
    ref_a, ref_b = NoticeRef("A-1", "USA", 1), NoticeRef("B-1", "RUS", 1)
    for lateral_nm, expected in ((gap + 1.0, gap), (gap - 5e-7, gap), (gap - 1e-3, None)):
        buffers = Buffers(lateral_nm=lateral_nm)
        conflicts = [Conflict("c", ref_a, ref_b, buffers, (VolumePair(0, 0, a, b),)) for _ in range(2)]
        assert smallest_gaps_nm(conflicts[:1]) == [expected]
        assert _smallest_drawn(conflicts[1]) == expected


def _shapely_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """What ``geojson_of`` gave before it read polygons itself: shapely's own mapping of the rounded shape."""
    mapping: dict[str, Any] = shapely.geometry.mapping(shapely.transform(geometry, lambda c: np.round(c, 6)))
    return mapping


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_geojson_of_is_shapelys_mapping_of_the_rounded_shape(seed: int) -> None:
    rng = random.Random(seed)
    shapes = [v.footprint for v in _random_volume_list(rng, 3)]
    holed = shapely.difference(shapes[0], shapely.buffer(shapely.centroid(shapes[0]), 0.01))
    split = shapely.difference(
        shapes[1], shapely.box(-180, 34.0 + rng.uniform(0, 1.5), 180, 34.01 + rng.uniform(0, 1.5))
    )
    for geometry in [
        *shapes,
        holed,
        split,
        shapely.union_all(shapes),
        shapely.Point(38.1234567, 34.7654321),
        shapely.LineString([(38, 34), (38.5, 34.5)]),
        shapely.Polygon(),
        shapely.MultiPolygon(),
    ]:
        assert geojson_of(geometry) == _shapely_geojson(geometry)


def _random_volume_list(rng: random.Random, count: int) -> list[Any]:
    return [_random_volume(rng) for _ in range(count)]


@given(
    ids=st.tuples(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
        st.from_regex(r"[A-Za-z0-9._-]{1,8}", fullmatch=True),
    ),
    versions=st.tuples(st.integers(-3, 2**53 + 3), st.integers(0, 2**53 - 1)),
)
def test_a_conflict_id_is_the_sha256_of_the_rfc8785_pairs(ids: tuple[str, str], versions: tuple[int, int]) -> None:
    """The plain-text path of ``conflict_id`` writes what RFC 8785 writes (or, out of its domain, refuses)."""
    a, b = NoticeRef(ids[0], "USA", versions[0]), NoticeRef(ids[1], "RUS", versions[1])
    pairs = sorted([[a.notice_id, a.version], [b.notice_id, b.version]], key=lambda p: (str(p[0]), int(p[1])))
    try:
        expected = hashlib.sha256(rfc8785.dumps(pairs)).hexdigest()
    except rfc8785.IntegerDomainError:
        with pytest.raises(rfc8785.IntegerDomainError):
            conflict_id(a, b)
        return
    assert conflict_id(a, b) == expected == conflict_id(b, a)
