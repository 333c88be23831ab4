"""Azimuthal-equidistant frames with their trigonometry done once: :func:`airparley.geo.aeqd_xy` split
in two, so that the full check pays for no sine or cosine per candidate pair.

:func:`frame_params` holds, per centre, what the kernel derives from it (its ECEF point, the sines and
cosines of its longitude and latitude, the inverse radii of curvature); each volume keeps its own, and its
capsule ends and small rings keep their ECEF points. :func:`frame_xy` is then the rest of the same kernel,
operation for operation, on ECEF points and the parameters of their frames (broadcast together).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airparley.geo import ecef

__all__ = ["FRAME_COLUMNS", "frame_params", "frame_xy"]

FloatArray = npt.NDArray[np.float64]

_A = 6378137.0
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)
#: Columns of :func:`frame_params`: centre x, y, z; sin/cos of longitude; sin/cos of latitude; 1/M; 1/N.
FRAME_COLUMNS = 9


def frame_params(lon0_deg: FloatArray, lat0_deg: FloatArray) -> FloatArray:
    """Per centre (WGS84 degrees), the (n, 9) parameters :func:`frame_xy` needs."""
    lon0 = np.asarray(lon0_deg, dtype=np.float64)
    lat0 = np.asarray(lat0_deg, dtype=np.float64)
    cx, cy, cz = ecef(lon0, lat0)
    lam0, phi0 = np.radians(lon0), np.radians(lat0)
    sin_p0 = np.sin(phi0)
    w2 = 1.0 - _E2 * sin_p0 * sin_p0
    inv_meridional = w2 * np.sqrt(w2) / (_A * (1.0 - _E2))
    inv_prime_vertical = np.sqrt(w2) / _A
    params: FloatArray = np.column_stack(
        [cx, cy, cz, np.sin(lam0), np.cos(lam0), sin_p0, np.cos(phi0), inv_meridional, inv_prime_vertical]
    )
    return params


def frame_xy(px: FloatArray, py: FloatArray, pz: FloatArray, params: FloatArray) -> tuple[FloatArray, FloatArray]:
    """East/north metres of ECEF points in their frames; ``params[..., k]`` broadcasts with the points.

    The same operations as :func:`airparley.geo.aeqd_xy_grouped` after its ``ecef`` calls.
    """
    dx, dy, dz = px - params[..., 0], py - params[..., 1], pz - params[..., 2]
    s_l0, c_l0, s_p0, c_p0 = params[..., 3], params[..., 4], params[..., 5], params[..., 6]
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
    radius = 1.0 / (cos_az * cos_az * params[..., 7] + sin_az * sin_az * params[..., 8])
    arc = 2.0 * radius * np.arcsin(np.minimum(chord / (2.0 * radius), 1.0))
    x: FloatArray = arc * sin_az
    y: FloatArray = arc * cos_az
    return x, y
