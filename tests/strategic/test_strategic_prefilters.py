"""The full check's shortcuts decide exactly as the scalar reference: capsules and time slabs.

The capsule bracket (a segment grown by an inner and an outer radius per footprint) decides most pairs
without GEOS; the full check queries one STRtree per slab of start times. Both are checked here against
:func:`volume_conflict` on shapes chosen to stress them: concave rings (a U whose principal axis runs
outside it), bent corridors, long thin boxes, circles, and windows spread over days.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategic_builders import T0, circle_volume, corridor_volume, notice, polygon_volume

from airparley.geo import M_PER_NM, LocalFrame
from airparley.strategic import Buffers, ConflictIndex, Notice, Volume4D, volume_conflict

PARTIES = ("USA", "RUS", "TUR", "SYR")


def _shape(rng: random.Random, lon: float, lat: float, start_min: int, minutes: int) -> Volume4D:
    start = T0 + timedelta(minutes=start_min)
    kind = rng.choice(["circle", "u", "corridor", "thin", "bent"])
    if kind == "circle":
        return circle_volume((lon, lat), rng.uniform(0.5, 40), 10000, 20000, start, minutes)
    if kind == "u":
        w, h, t = rng.uniform(0.1, 0.8), rng.uniform(0.1, 0.8), rng.uniform(0.02, 0.05)
        ring = [
            [lon, lat],
            [lon + w, lat],
            [lon + w, lat + h],
            [lon + w - t, lat + h],
            [lon + w - t, lat + t],
            [lon + t, lat + t],
            [lon + t, lat + h],
            [lon, lat + h],
        ]
        return polygon_volume(ring, 10000, 20000, start, minutes)
    if kind == "thin":
        w, h = rng.uniform(0.5, 1.5), rng.uniform(0.005, 0.05)
        return polygon_volume(
            [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h]], 10000, 20000, start, minutes
        )
    points = [[lon, lat], [lon + rng.uniform(-1, 1), lat + rng.uniform(-1, 1)]]
    if kind == "bent":
        points.append([points[1][0] + rng.uniform(-1, 1), points[1][1] + rng.uniform(-1, 1)])
    return corridor_volume(points, rng.uniform(0.5, 8), 10000, 20000, start, minutes)


def _scene(seed: int, count: int, spread_min: int) -> list[Notice]:
    rng = random.Random(seed)
    return [
        notice(
            f"N{i:03d}",
            rng.choice(PARTIES),
            _shape(
                rng,
                rng.uniform(37.0, 38.5),
                rng.uniform(34.0, 35.2),
                rng.randrange(0, spread_min + 1),
                rng.choice([20, 90, 400]),
            ),
        )
        for i in range(count)
    ]


def _brute_force(notices: list[Notice], buffers: Buffers) -> set[tuple[str, str]]:
    found = set()
    for x, y in itertools.combinations(notices, 2):
        if x.party != y.party and any(volume_conflict(v, w, buffers) for v in x.volumes for w in y.volumes):
            found.add((min(x.notice_id, y.notice_id), max(x.notice_id, y.notice_id)))
    return found


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    lateral=st.floats(0.2, 40),
    time_min=st.floats(1, 240),
    spread_min=st.sampled_from([0, 60, 2000, 6000]),
    count=st.sampled_from([28, 70]),  # 70 volumes are fitted on insert, 28 at the full check
)
def test_the_full_check_agrees_with_the_reference_on_awkward_shapes(
    seed: int, lateral: float, time_min: float, spread_min: int, count: int
) -> None:
    notices = _scene(seed, count, spread_min)
    buffers = Buffers(lateral, 1000, time_min)
    index = ConflictIndex.build(notices, buffers)
    found = {(c.a.notice_id, c.b.notice_id) for c in index.conflicts()}
    assert found == _brute_force(notices, buffers)
    # Each volume pair is reported once, smaller slot first.
    pairs = index.volume_pairs()
    assert bool(np.all(pairs.a < pairs.b))
    assert len(set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))) == len(pairs)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_each_capsule_lies_inside_its_footprint_and_around_it(seed: int) -> None:
    notices = _scene(seed, 70, 0)
    index = ConflictIndex.build(notices)
    assert int(index._cap_usable[: index._size].sum()) > index._size // 2  # fitted on insert
    for slot, geom in enumerate(index._geoms[: index._size]):
        if not index._cap_usable[slot]:
            continue
        frame = LocalFrame(*index._centre[slot])
        ends = index._cap_ends[slot]
        x, y = frame.to_xy(ends[[0, 2]], ends[[1, 3]])
        axis = (
            shapely.LineString(np.column_stack([x, y])) if np.hypot(*np.diff([x, y])) > 0 else shapely.Point(x[0], y[0])
        )
        footprint = frame.project(geom)
        tolerance = 10.0  # metres: the frames differ a little from the kernel that fitted the capsules
        outer = index._cap_outer[slot] * M_PER_NM
        assert footprint.difference(axis.buffer(outer + tolerance, quad_segs=64)).area == 0.0
        inner = index._cap_inner[slot]
        if inner >= 0.0:
            assert axis.buffer(max(inner * M_PER_NM - tolerance, 0.0)).difference(footprint).area < 1.0
