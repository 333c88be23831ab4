from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.errors import GeometryError
from airparley.geo import (
    TOLERANCE_NM,
    WGS84,
    circle_polygon,
    corridor_polygon,
    distance_nm,
    orbit_polygon,
    polygon_from_rings,
)

PALMYRA = [38.27, 34.56]


def _boundary_samples(polygon: shapely.Polygon | shapely.MultiPolygon) -> np.ndarray:
    """Vertices and edge midpoints of a polygon's boundary (where a chord strays furthest)."""
    coords = shapely.get_coordinates(
        shapely.get_exterior_ring(polygon) if polygon.geom_type == "Polygon" else polygon.boundary
    )
    mids = (coords[:-1] + coords[1:]) / 2.0
    return np.vstack([coords, mids])


def _distance_to_line_nm(points: np.ndarray, line: list[list[float]]) -> np.ndarray:
    """Geodesic distance from points to a polyline, via a 0.05 NM-dense geodesic sampling of it."""
    dense = []
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(line):
        length = float(distance_nm(lon1, lat1, lon2, lat2))
        n = max(2, int(length / 0.05))
        dense.append([(lon1, lat1), *WGS84.npts(lon1, lat1, lon2, lat2, n), (lon2, lat2)])
    samples = np.array([p for part in dense for p in part])
    best = np.full(len(points), np.inf)
    for start in range(0, len(samples), 2000):
        chunk = samples[start : start + 2000]
        d = distance_nm(points[:, None, 0], points[:, None, 1], chunk[None, :, 0], chunk[None, :, 1])
        best = np.minimum(best, d.min(axis=1))
    return best


@settings(max_examples=25, deadline=None)
@given(lon=st.floats(30, 55), lat=st.floats(25, 42), radius=st.floats(0.5, 150))
def test_circles_stay_within_the_tolerance_of_the_true_circle(lon: float, lat: float, radius: float) -> None:
    polygon = circle_polygon([lon, lat], radius)
    samples = _boundary_samples(polygon)
    reach = distance_nm(lon, lat, samples[:, 0], samples[:, 1])
    assert np.all(reach <= radius + 1e-6)
    assert np.all(reach >= radius - TOLERANCE_NM)


@pytest.mark.parametrize(
    ("centerline", "half_width_nm"),
    [
        ([[49.5, 42.0], [47.0, 38.0], [43.3, 36.55]], 10.0),  # the bomber transit: Caspian, Iran, Mosul
        ([[35.43, 37.0], [38.5, 36.2]], 4.0),
        ([[40.0, 35.2], [40.8, 35.6], [40.9, 36.5]], 25.0),
    ],
)
def test_corridors_keep_their_half_width_along_their_whole_length(
    centerline: list[list[float]], half_width_nm: float
) -> None:
    polygon = corridor_polygon(centerline, half_width_nm)
    samples = _boundary_samples(polygon)
    gap = _distance_to_line_nm(samples, centerline)
    assert np.all(np.abs(gap - half_width_nm) <= TOLERANCE_NM)


def test_an_orbit_is_a_racetrack_around_its_two_points() -> None:
    points = [[40.0, 35.2], [40.8, 35.6]]
    polygon = orbit_polygon(points, 15)
    samples = _boundary_samples(polygon)
    assert np.all(np.abs(_distance_to_line_nm(samples, points) - 15) <= TOLERANCE_NM)
    with pytest.raises(GeometryError, match="exactly two"):
        orbit_polygon([[40.0, 35.2], [40.8, 35.6], [41, 36]], 15)


def test_polygon_edges_are_cut_short_without_moving_the_shape() -> None:
    ring = [[38.0, 34.0], [40.0, 34.0], [40.0, 35.0], [38.0, 35.0], [38.0, 34.0]]
    polygon = polygon_from_rings([ring])
    assert polygon.equals_exact(shapely.segmentize(shapely.Polygon(ring), 0.25), 1e-9)
    assert max(np.hypot(*np.diff(shapely.get_coordinates(polygon), axis=0).T)) <= 0.25 + 1e-9


@pytest.mark.parametrize(
    ("rings", "field", "reason"),
    [
        ([[[38, 34], [39, 34], [39, 35], [38, 35]]], "geometry.coordinates.0", "open ring"),
        ([[[38, 34], [39, 35], [39, 34], [38, 35], [38, 34]]], "geometry.coordinates", "self-intersecting"),
        ([[[38, 34], [39, 34], [38, 34]]], "geometry.coordinates.0", "at least 4 positions"),
        ([[[38, 34], [39, 94], [39, 35], [38, 34]]], "geometry.coordinates.0.1", "latitude 94"),
        ([[[38, 34], [190, 34], [39, 35], [38, 34]]], "geometry.coordinates.0.1", "longitude 190"),
        ([[[38, 34], [39, 34], [40, 34], [38, 34]]], "geometry.coordinates", "no area"),
        ([[[38, 34], ["x", 34], [40, 35], [38, 34]]], "geometry.coordinates.0.1", "lon must be a finite number"),
        ([], "geometry.coordinates", "at least one ring"),
    ],
)
def test_bad_polygons_name_the_field_and_the_reason(rings: list, field: str, reason: str) -> None:
    with pytest.raises(GeometryError) as caught:
        polygon_from_rings(rings)
    assert caught.value.field == field
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("build", "field", "reason"),
    [
        (lambda: circle_polygon(PALMYRA, -5), "radius_nm", "must be positive"),
        (lambda: circle_polygon(PALMYRA, 0), "radius_nm", "must be positive"),
        (lambda: circle_polygon(PALMYRA, 50000), "radius_nm", "larger than"),
        (lambda: circle_polygon([38.27], 5), "geometry.coordinates", "[lon, lat]"),
        (lambda: corridor_polygon([PALMYRA], 5), "geometry.coordinates", "at least two positions"),
        (lambda: corridor_polygon([PALMYRA, PALMYRA], 5), "geometry.coordinates", "same point"),
        (lambda: corridor_polygon([PALMYRA, [40, 35]], float("inf")), "half_width_nm", "finite"),
        (lambda: circle_polygon([179.9, 10], 30), "geometry", "antimeridian"),
    ],
)
def test_bad_shapes_name_the_field_and_the_reason(build: object, field: str, reason: str) -> None:
    with pytest.raises(GeometryError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
    assert reason in caught.value.reason


def _corridor_piece_by_piece(centerline: list[list[float]], half_width_nm: float) -> shapely.Geometry:
    """The corridor as it was drawn before the pieces were drawn in one call: each in its own LocalFrame."""
    from airparley.geo import M_PER_NM, LocalFrame
    from airparley.geo._shapes import _CORRIDOR_PIECE_NM, MAX_EDGE_DEG, _segments_for

    lons, lats = np.array(centerline, dtype=float).T
    legs = distance_nm(lons[:-1], lats[:-1], lons[1:], lats[1:])
    pieces = []
    for i, leg_nm in enumerate(legs):
        if leg_nm == 0.0:
            continue
        cuts = max(1, int(np.ceil(leg_nm / _CORRIDOR_PIECE_NM)))
        inner = WGS84.npts(lons[i], lats[i], lons[i + 1], lats[i + 1], cuts - 1) if cuts > 1 else []
        chain = [(lons[i], lats[i]), *inner, (lons[i + 1], lats[i + 1])]
        for (lon_a, lat_a), (lon_b, lat_b) in itertools.pairwise(chain):
            frame = LocalFrame((lon_a + lon_b) / 2.0, (lat_a + lat_b) / 2.0)
            segment = frame.project(shapely.LineString([(lon_a, lat_a), (lon_b, lat_b)]))
            area = shapely.buffer(segment, half_width_nm * M_PER_NM, quad_segs=_segments_for(half_width_nm, np.pi / 2))
            pieces.append(frame.unproject(shapely.segmentize(area, _CORRIDOR_PIECE_NM * M_PER_NM / 6.0)))
    return shapely.segmentize(shapely.union_all(pieces), MAX_EDGE_DEG)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(30.0, 50.0), st.floats(25.0, 45.0)), min_size=2, max_size=5),
    st.floats(0.5, 30.0),
)
def test_a_corridor_drawn_in_one_call_is_the_one_drawn_piece_by_piece(
    points: list[tuple[float, float]], half_width_nm: float
) -> None:
    centerline = [list(p) for p in points]
    try:
        drawn = corridor_polygon(centerline, half_width_nm)
    except GeometryError:
        return  # too long, or one point: refused (tested above)
    assert shapely.equals_exact(drawn, _corridor_piece_by_piece(centerline, half_width_nm), 0)
