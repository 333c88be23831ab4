"""Footprints: the shapes a notice may announce, as lon/lat polygons.

Every function returns a valid shapely ``Polygon`` (or ``MultiPolygon``) in WGS84 degrees whose
boundary stays within :data:`TOLERANCE_NM` of the true curve, dense enough (edges of at most
:data:`MAX_EDGE_DEG`) that projecting its vertices into any local frame keeps it faithful.

Shapes, with the definitions used throughout airparley:

``polygon``
    A GeoJSON ring of ``[lon, lat]`` positions, closed (first position repeated last). Following RFC 7946,
    an edge is the straight line between its positions in longitude/latitude.
``circle``
    Every point within ``radius_nm`` (geodesic) of ``center``.
``corridor``
    Every point within ``half_width_nm`` of a centreline of two or more positions (so its ends are round).
``orbit``
    A racetrack: every point within ``radius_nm`` of the segment between two positions (the two turn
    circles and the straight legs between them).

Shapes that cross the antimeridian or contain a pole are refused: no theatre needs them and the lon/lat
representation cannot hold them.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Final

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from airparley.errors import GeometryError
from airparley.geo._frame import project_each, unproject_each
from airparley.geo._geodesy import WGS84, destination, distance_nm
from airparley.geo._units import M_PER_NM

__all__ = [
    "MAX_EDGE_DEG",
    "MAX_SHAPE_EXTENT_NM",
    "TOLERANCE_NM",
    "circle_polygon",
    "corridor_polygon",
    "orbit_polygon",
    "parse_position",
    "polygon_from_rings",
]

#: Largest distance between a polygonised curve and the true curve.
TOLERANCE_NM: Final = 0.05
#: Curves are cut finer than the tolerance so the vertex placement leaves margin for projection.
_CURVE_TOLERANCE_NM: Final = 0.02
#: Longest polygon edge kept (degrees of lon/lat); longer ones are split.
MAX_EDGE_DEG: Final = 0.25
#: Longest piece of a corridor centreline buffered in one local frame.
_CORRIDOR_PIECE_NM: Final = 60.0
#: A single shape may not be larger than this: a check against typos (a radius of 5000 for 50).
MAX_SHAPE_EXTENT_NM: Final = 3000.0


def parse_position(value: Any, field: str) -> tuple[float, float]:
    """``[lon, lat]`` (extra elements, such as an altitude, are ignored) as floats, validated."""
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise GeometryError(field, f"a position must be [lon, lat], got {value!r}")
    lon, lat = value[0], value[1]
    for name, number in (("lon", lon), ("lat", lat)):
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise GeometryError(field, f"{name} must be a finite number, got {number!r}")
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(field, f"longitude {lon} is out of range [-180, 180]")
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(field, f"latitude {lat} is out of range [-90, 90]")
    return float(lon), float(lat)


def _check_radius(radius_nm: Any, field: str) -> float:
    if isinstance(radius_nm, bool) or not isinstance(radius_nm, int | float) or not math.isfinite(radius_nm):
        raise GeometryError(field, f"must be a finite number of NM, got {radius_nm!r}")
    if radius_nm <= 0:
        raise GeometryError(field, f"must be positive, got {radius_nm}")
    if radius_nm > MAX_SHAPE_EXTENT_NM:
        raise GeometryError(field, f"{radius_nm} NM is larger than the {MAX_SHAPE_EXTENT_NM:.0f} NM a shape may span")
    return float(radius_nm)


def _segments_for(radius_nm: float, full_turn: float) -> int:
    """Vertices for an arc of ``full_turn`` radians whose chords stay within the curve tolerance."""
    ratio = min(_CURVE_TOLERANCE_NM / radius_nm, 1.0)
    step = math.acos(1.0 - ratio)  # half the angle a chord may subtend
    return max(8, math.ceil(full_turn / (2.0 * step)))


def _checked(polygon: Any, field: str) -> Polygon | MultiPolygon:
    if polygon.is_empty or not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        raise GeometryError(field, f"the shape does not form a valid area ({reason})")
    bounds = polygon.bounds
    if bounds[2] - bounds[0] > 180.0:
        raise GeometryError(field, "shapes that cross the antimeridian are not supported")
    if bounds[1] < -89.5 or bounds[3] > 89.5:
        raise GeometryError(field, "shapes that reach a pole are not supported")
    return polygon


def circle_polygon(center: Any, radius_nm: Any, field: str = "geometry") -> Polygon:
    """Every point within ``radius_nm`` of ``center`` ([lon, lat]), polygonised inside the tolerance.

    The vertices lie on the geodesic circle, so the polygon is inscribed: it never claims more than the
    circle and misses at most :data:`TOLERANCE_NM` of it.
    """
    lon, lat = parse_position(center, f"{field}.coordinates")
    radius = _check_radius(radius_nm, "radius_nm")
    count = _segments_for(radius, 2.0 * math.pi)
    azimuths = np.linspace(0.0, 360.0, count, endpoint=False)
    lons, lats = destination(lon, lat, azimuths, radius)
    ring = np.column_stack([lons, lats])
    polygon = Polygon(ring)
    return _checked(shapely.segmentize(polygon, MAX_EDGE_DEG), field)


def corridor_polygon(centerline: Any, half_width_nm: Any, field: str = "geometry") -> Polygon | MultiPolygon:
    """Every point within ``half_width_nm`` of a centreline of ``[lon, lat]`` positions (round ends).

    Long centrelines are buffered piece by piece, each piece in a frame centred on it, so the width
    stays true along a corridor of any length; the pieces overlap at the joints and are unioned.
    """
    if not isinstance(centerline, list | tuple) or len(centerline) < 2:
        raise GeometryError(f"{field}.coordinates", "a centreline needs at least two positions")
    points = [parse_position(p, f"{field}.coordinates.{i}") for i, p in enumerate(centerline)]
    width = _check_radius(half_width_nm, "half_width_nm")
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    legs_nm = distance_nm(lons[:-1], lats[:-1], lons[1:], lats[1:])
    if float(np.sum(legs_nm)) > MAX_SHAPE_EXTENT_NM:
        raise GeometryError(f"{field}.coordinates", f"the centreline is longer than {MAX_SHAPE_EXTENT_NM:.0f} NM")
    if np.all(legs_nm == 0.0):
        raise GeometryError(f"{field}.coordinates", "all positions of the centreline are the same point")
    ends: list[tuple[float, float, float, float]] = []
    for i, leg_nm in enumerate(legs_nm):
        if leg_nm == 0.0:
            continue
        cuts = max(1, math.ceil(leg_nm / _CORRIDOR_PIECE_NM))
        inner = WGS84.npts(lons[i], lats[i], lons[i + 1], lats[i + 1], cuts - 1) if cuts > 1 else []
        chain = [(lons[i], lats[i]), *inner, (lons[i + 1], lats[i + 1])]
        ends.extend((a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(chain))
    # Every piece in its own frame, all pieces in one vectorised call each way (as LocalFrame would, piece by piece).
    piece = np.array(ends, dtype=np.float64)
    lon0, lat0 = (piece[:, 0] + piece[:, 2]) / 2.0, (piece[:, 1] + piece[:, 3]) / 2.0
    segments = shapely.linestrings(piece.reshape(-1, 2, 2))
    areas = shapely.buffer(
        project_each(segments, lon0, lat0), width * M_PER_NM, quad_segs=_segments_for(width, math.pi / 2.0)
    )
    areas = shapely.segmentize(areas, _CORRIDOR_PIECE_NM * M_PER_NM / 6.0)
    polygon = shapely.union_all(unproject_each(areas, lon0, lat0))
    polygon = shapely.segmentize(polygon, MAX_EDGE_DEG)
    return _checked(polygon, field)


def orbit_polygon(points: Any, radius_nm: Any, field: str = "geometry") -> Polygon | MultiPolygon:
    """A racetrack: every point within ``radius_nm`` of the segment between the two ``points``."""
    if not isinstance(points, list | tuple) or len(points) != 2:
        raise GeometryError(f"{field}.coordinates", "an orbit is given by exactly two positions")
    return corridor_polygon(points, radius_nm, field)


def polygon_from_rings(rings: Any, field: str = "geometry") -> Polygon:
    """A GeoJSON polygon (exterior ring then holes) validated and cut into short lon/lat edges."""
    if not isinstance(rings, list | tuple) or not rings:
        raise GeometryError(f"{field}.coordinates", "a polygon needs at least one ring")
    parsed: list[list[tuple[float, float]]] = []
    for r, ring in enumerate(rings):
        where = f"{field}.coordinates.{r}"
        if not isinstance(ring, list | tuple):
            raise GeometryError(where, f"a ring must be a list of positions, got {ring!r}")
        positions = [parse_position(p, f"{where}.{i}") for i, p in enumerate(ring)]
        if len(positions) < 4:
            raise GeometryError(
                where, f"a ring needs at least 4 positions (3 corners and the first again), got {len(positions)}"
            )
        if positions[0] != positions[-1]:
            raise GeometryError(where, "open ring: the last position must repeat the first")
        parsed.append(positions)
    polygon = Polygon(parsed[0], parsed[1:])
    exterior = Polygon(parsed[0])
    if exterior.convex_hull.area == 0.0:
        raise GeometryError(f"{field}.coordinates", "the ring encloses no area (all corners on one line)")
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        if "Self-intersection" in reason:
            raise GeometryError(f"{field}.coordinates", f"self-intersecting polygon ({reason})")
        raise GeometryError(f"{field}.coordinates", f"invalid polygon ({reason})")
    return _checked(shapely.segmentize(polygon, MAX_EDGE_DEG), field)
