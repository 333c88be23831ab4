"""Geodesic distance and azimuth on the WGS84 ellipsoid (pyproj's ``Geod``, Karney's algorithm).

Inputs and outputs are WGS84 degrees (longitude first, as in GeoJSON) and nautical miles. Every function
accepts scalars or NumPy arrays that broadcast together and returns the same shape.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import numpy.typing as npt

from airparley.geo._units import M_PER_NM

if TYPE_CHECKING:
    from pyproj import Geod

__all__ = ["WGS84", "azimuth_deg", "destination", "distance_nm", "inverse"]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


@cache
def _wgs84() -> Geod:
    from pyproj import Geod

    return Geod(ellps="WGS84")


class _OnFirstUse:
    """Stands for :func:`_wgs84`'s ``Geod``, made on first use: importing pyproj is a fifth of the start-up
    of a command (``tactical scan``, ``notice validate``) that never measures a geodesic."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_wgs84(), name)


#: The WGS84 ellipsoid. ``Geod`` is immutable and thread-safe, so one shared instance is not state.
WGS84: Final = cast("Geod", _OnFirstUse())


def _arrays(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*values)]


def inverse(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Forward azimuth (degrees clockwise from true north, in [0, 360)) and distance (NM) from 1 to 2."""
    a, b, c, d = _arrays(lon1, lat1, lon2, lat2)
    az, _back, dist_m = WGS84.inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    az = np.mod(np.asarray(az, dtype=np.float64), 360.0).reshape(a.shape)
    return az, (np.asarray(dist_m, dtype=np.float64) / M_PER_NM).reshape(a.shape)


def distance_nm(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Geodesic distance in NM between two points (or arrays of points).

    >>> round(float(distance_nm(38.27, 34.56, 43.13, 36.34)), 1)  # Palmyra to Mosul
    261.0
    """
    return inverse(lon1, lat1, lon2, lat2)[1]


def azimuth_deg(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Initial true bearing from point 1 to point 2, degrees in [0, 360)."""
    return inverse(lon1, lat1, lon2, lat2)[0]


def destination(
    lon: ArrayLike, lat: ArrayLike, azimuth: ArrayLike, dist_nm: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point reached by flying ``dist_nm`` along the geodesic that starts at ``azimuth`` degrees."""
    a, b, c, d = _arrays(lon, lat, azimuth, dist_nm)
    lon2, lat2, _ = WGS84.fwd(a.ravel(), b.ravel(), c.ravel(), d.ravel() * M_PER_NM)
    return (
        np.asarray(lon2, dtype=np.float64).reshape(a.shape),
        np.asarray(lat2, dtype=np.float64).reshape(a.shape),
    )
