"""Local azimuthal-equidistant frames.

A frame is centred on a point; ``x_m`` points east and ``y_m`` north, both in metres on the tangent plane.
Distances and bearings from the centre are the geodesic ones; between two other points the error grows
with their distance from the centre (about 0.1% at 250 NM from it), so a frame is made for a set of
shapes and centred on them (:meth:`LocalFrame.around`).

Two implementations share one definition:

* :class:`LocalFrame`: one centre, both ways; it builds shapes and renders results.
* :func:`aeqd_xy` is the NumPy kernel for many points, each with its *own* centre (one frame per aircraft
  pair or per volume pair, in one vectorised call). It maps a point to the tangent plane through the
  ellipsoid chord and turns the chord into an arc with the normal-section radius of curvature in that
  azimuth (Euler's formula), which agrees with PROJ's ``aeqd`` to well under 0.01% within 500 NM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from airparley.geo._geodesy import WGS84

__all__ = ["LocalFrame", "aeqd_xy", "aeqd_xy_grouped", "ecef", "frames_around", "project_each", "unproject_each"]

FloatArray = npt.NDArray[np.float64]

_A = 6378137.0  # WGS84 semi-major axis, metres
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)


def ecef(lon_deg: npt.ArrayLike, lat_deg: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Earth-centred, earth-fixed coordinates (metres) of points on the WGS84 ellipsoid surface."""
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    prime_vertical = _A / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    return (
        prime_vertical * cos_lat * np.cos(lon),
        prime_vertical * cos_lat * np.sin(lon),
        prime_vertical * (1.0 - _E2) * sin_lat,
    )


def aeqd_xy(
    lon_deg: npt.ArrayLike, lat_deg: npt.ArrayLike, lon0_deg: npt.ArrayLike, lat0_deg: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """East/north metres of each point in the azimuthal-equidistant frame centred on its own centre.

    All four arguments broadcast together; WGS84 degrees in, metres out. Vectorised: no Python loop.
    """
    lon, lat, lon0, lat0 = (
        np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(lon_deg, lat_deg, lon0_deg, lat0_deg)
    )
    flat = np.arange(lon.size)
    x, y = aeqd_xy_grouped(lon.ravel(), lat.ravel(), flat, lon0.ravel(), lat0.ravel())
    return x.reshape(lon.shape), y.reshape(lon.shape)


def aeqd_xy_grouped(
    lon_deg: FloatArray, lat_deg: FloatArray, owner: npt.NDArray[np.intp], lon0_deg: FloatArray, lat0_deg: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """:func:`aeqd_xy` for many points sharing few centres: point ``i`` uses centre ``owner[i]``.

    The centres' trigonometry is computed once per centre, not once per point, which is what makes
    projecting whole polygons (hundreds of vertices per centre) cheap.
    """
    lon0 = np.asarray(lon0_deg, dtype=np.float64)
    lat0 = np.asarray(lat0_deg, dtype=np.float64)
    cx, cy, cz = ecef(lon0, lat0)
    lam0, phi0 = np.radians(lon0), np.radians(lat0)
    sin_l0, cos_l0 = np.sin(lam0), np.cos(lam0)
    sin_p0, cos_p0 = np.sin(phi0), np.cos(phi0)
    w2 = 1.0 - _E2 * sin_p0 * sin_p0
    inv_meridional = w2 * np.sqrt(w2) / (_A * (1.0 - _E2))
    inv_prime_vertical = np.sqrt(w2) / _A
    x, y, z = ecef(lon_deg, lat_deg)
    dx, dy, dz = x - cx[owner], y - cy[owner], z - cz[owner]
    s_l0, c_l0, s_p0, c_p0 = sin_l0[owner], cos_l0[owner], sin_p0[owner], cos_p0[owner]
    east = c_l0 * dy - s_l0 * dx
    rotated = c_l0 * dx + s_l0 * dy
    north = c_p0 * dz - s_p0 * rotated
    up = c_p0 * rotated + s_p0 * dz
    horizontal_sq = east * east + north * north
    horizontal = np.sqrt(horizontal_sq)
    chord = np.sqrt(horizontal_sq + up * up)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_az = np.where(horizontal > 0.0, north / horizontal, 1.0)
        sin_az = np.where(horizontal > 0.0, east / horizontal, 0.0)
    # Euler: the curvature of the normal section in this azimuth; the chord becomes an arc of it.
    radius = 1.0 / (cos_az * cos_az * inv_meridional[owner] + sin_az * sin_az * inv_prime_vertical[owner])
    arc = 2.0 * radius * np.arcsin(np.minimum(chord / (2.0 * radius), 1.0))
    return arc * sin_az, arc * cos_az


@dataclass(frozen=True)
class LocalFrame:
    """An azimuthal-equidistant frame centred at (``lon0``, ``lat0``), WGS84 degrees; metres east/north.

    Forward is :func:`aeqd_xy`; inverse flies the geodesic from the centre at the point's azimuth for its
    distance (``Geod.fwd``), so a frame costs nothing to create; a round trip lands within a metre at
    250 NM from the centre.

    >>> frame = LocalFrame(38.27, 34.56)  # Palmyra
    >>> x, y = frame.to_xy(38.27, 34.56)
    >>> float(x), float(y)
    (0.0, 0.0)
    """

    lon0: float
    lat0: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lon0", float(self.lon0))
        object.__setattr__(self, "lat0", float(self.lat0))
        if not (-180.0 <= self.lon0 <= 180.0 and -90.0 < self.lat0 < 90.0):
            raise ValueError(f"frame centre out of range: {self.lon0}, {self.lat0}")

    @classmethod
    def around(cls, geometries: Iterable[BaseGeometry]) -> LocalFrame:
        """A frame centred on the middle of the bounding box of some lon/lat geometries."""
        bounds = shapely.total_bounds(np.asarray(list(geometries), dtype=object))
        if not np.all(np.isfinite(bounds)):
            raise ValueError("cannot centre a frame on empty geometries")
        return cls((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)

    def to_xy(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        return aeqd_xy(lon, lat, self.lon0, self.lat0)

    def to_lonlat(self, x_m: npt.ArrayLike, y_m: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x, y = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(x_m, y_m))
        azimuth = np.degrees(np.arctan2(x, y))
        lon0 = np.full(x.size, self.lon0)
        lat0 = np.full(x.size, self.lat0)
        lon, lat, _ = WGS84.fwd(lon0, lat0, azimuth.ravel(), np.hypot(x, y).ravel())
        return (
            np.asarray(lon, dtype=np.float64).reshape(x.shape),
            np.asarray(lat, dtype=np.float64).reshape(x.shape),
        )

    def project(self, geometry: Any) -> Any:
        """A lon/lat shapely geometry (or array of them) in this frame's metres."""
        return shapely.transform(geometry, self._forward_coords)

    def unproject(self, geometry: Any) -> Any:
        """A shapely geometry (or array) in this frame's metres back in lon/lat degrees."""
        return shapely.transform(geometry, self._inverse_coords)

    def _forward_coords(self, coords: FloatArray) -> FloatArray:
        x, y = self.to_xy(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inverse_coords(self, coords: FloatArray) -> FloatArray:
        lon, lat = self.to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])


# -- many frames at once: one per geometry, for drawing many pairs in one vectorised pass -----------------
# Each gives, for geometry ``i`` and centre ``i``, exactly what ``LocalFrame(lon0[i], lat0[i])`` gives for it
# alone (the same arithmetic per coordinate), without a Python call per geometry.


def frames_around(first: Any, second: Any) -> tuple[FloatArray, FloatArray]:
    """The centres of :meth:`LocalFrame.around` for each pair ``(first[i], second[i])`` of lon/lat geometries."""
    a = shapely.bounds(np.asarray(first, dtype=object))
    b = shapely.bounds(np.asarray(second, dtype=object))
    west, south = np.minimum(a[:, 0], b[:, 0]), np.minimum(a[:, 1], b[:, 1])
    east, north = np.maximum(a[:, 2], b[:, 2]), np.maximum(a[:, 3], b[:, 3])
    return (west + east) / 2.0, (south + north) / 2.0


def _owners(geometries: Any) -> npt.NDArray[np.intp]:
    counts = shapely.get_num_coordinates(geometries)
    return np.repeat(np.arange(len(counts), dtype=np.intp), counts)


def project_each(geometries: Any, lon0: FloatArray, lat0: FloatArray) -> Any:
    """Lon/lat geometry ``i`` in metres of the frame centred at (``lon0[i]``, ``lat0[i]``)."""
    geometries = np.asarray(geometries, dtype=object)
    owner = _owners(geometries)

    def forward(coords: FloatArray) -> FloatArray:
        return np.column_stack(aeqd_xy_grouped(coords[:, 0], coords[:, 1], owner, lon0, lat0))

    return shapely.transform(geometries, forward)


def unproject_each(geometries: Any, lon0: FloatArray, lat0: FloatArray) -> Any:
    """Geometry ``i`` in metres of the frame centred at (``lon0[i]``, ``lat0[i]``), back in lon/lat."""
    geometries = np.asarray(geometries, dtype=object)
    owner = _owners(geometries)

    def inverse(coords: FloatArray) -> FloatArray:
        x, y = coords[:, 0], coords[:, 1]
        lon, lat, _ = WGS84.fwd(lon0[owner], lat0[owner], np.degrees(np.arctan2(x, y)), np.hypot(x, y))
        return np.column_stack([np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)])

    return shapely.transform(geometries, inverse)
