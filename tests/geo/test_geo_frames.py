from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.geo import WGS84, LocalFrame, aeqd_xy, azimuth_deg, destination, distance_nm

PALMYRA = (38.27, 34.56)
MOSUL = (43.13, 36.34)


def test_palmyra_to_mosul_is_the_wgs84_geodesic() -> None:
    _, _, metres = WGS84.inv(*PALMYRA, *MOSUL)
    assert float(distance_nm(*PALMYRA, *MOSUL)) == metres / 1852.0
    assert 260 < float(distance_nm(*PALMYRA, *MOSUL)) < 262
    assert 60 < float(azimuth_deg(*PALMYRA, *MOSUL)) < 70


def test_destination_flies_the_geodesic_back_to_its_distance() -> None:
    lon, lat = destination(*PALMYRA, 45.0, 100.0)
    assert (
        float(distance_nm(*PALMYRA, lon, lat)) == np.float64(100.0).round(9)
        or abs(float(distance_nm(*PALMYRA, lon, lat)) - 100.0) < 1e-9
    )


def test_arrays_broadcast_and_keep_their_shape() -> None:
    lons = np.full((3, 4), 40.0)
    lats = np.linspace(30, 35, 12).reshape(3, 4)
    assert distance_nm(PALMYRA[0], PALMYRA[1], lons, lats).shape == (3, 4)
    x, _y = aeqd_xy(lons, lats, 40.0, 32.0)
    assert x.shape == (3, 4)
    assert x.dtype == np.float64


def test_a_frame_is_centred_and_round_trips() -> None:
    frame = LocalFrame(*PALMYRA)
    x, y = frame.to_xy(*PALMYRA)
    assert abs(float(x)) < 1e-6
    assert abs(float(y)) < 1e-6
    lon, lat = frame.to_lonlat(*frame.to_xy(*MOSUL))
    assert abs(float(lon) - MOSUL[0]) < 1e-5
    assert abs(float(lat) - MOSUL[1]) < 1e-5


def test_north_is_y_and_east_is_x() -> None:
    frame = LocalFrame(*PALMYRA)
    lon, lat = destination(*PALMYRA, 90.0, 30.0)
    x, y = frame.to_xy(lon, lat)
    assert abs(float(x) - 30 * 1852) < 1.0
    assert abs(float(y)) < 1.0


@settings(max_examples=200, deadline=None)
@given(
    lon0=st.floats(20, 60),
    lat0=st.floats(-70, 70),
    az1=st.floats(0, 360),
    az2=st.floats(0, 360),
    d1=st.floats(0.5, 250),
    d2=st.floats(0.5, 250),
)
def test_distances_in_a_frame_centred_between_two_points_are_within_a_thousandth_of_the_geodesic(
    lon0: float, lat0: float, az1: float, az2: float, d1: float, d2: float
) -> None:
    lon_a, lat_a = destination(lon0, lat0, az1, d1)
    lon_b, lat_b = destination(lon0, lat0, az2, d2)
    geodesic = float(distance_nm(lon_a, lat_a, lon_b, lat_b))
    if geodesic < 0.1 or geodesic > 500:
        return
    frame = LocalFrame((lon_a + lon_b) / 2, (lat_a + lat_b) / 2)
    xa, ya = frame.to_xy(lon_a, lat_a)
    xb, yb = frame.to_xy(lon_b, lat_b)
    planar = float(np.hypot(xa - xb, ya - yb)) / 1852.0
    assert abs(planar - geodesic) <= 0.001 * geodesic
