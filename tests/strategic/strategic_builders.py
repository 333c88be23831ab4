"""Small builders of notices at real places, for the strategic tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airparley.strategic import Altitude, Notice, Shape, Volume4D

PALMYRA = (38.27, 34.56)
AL_BAB = (37.52, 36.37)
MOSUL = (43.13, 36.34)
KHMEIMIM = (35.95, 35.41)
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def circle_volume(
    center: tuple[float, float],
    radius_nm: float,
    lower_ft: float = 20000,
    upper_ft: float = 30000,
    start: datetime = T0,
    minutes: float = 120,
) -> Volume4D:
    geometry = {"type": "Point", "coordinates": list(center)}
    return Volume4D(
        Shape.CIRCLE,
        geometry,
        Altitude(lower_ft),
        Altitude(upper_ft),
        start,
        start + timedelta(minutes=minutes),
        radius_nm,
    )


def polygon_volume(
    ring: list[list[float]],
    lower_ft: float = 20000,
    upper_ft: float = 30000,
    start: datetime = T0,
    minutes: float = 120,
) -> Volume4D:
    geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    return Volume4D(
        Shape.POLYGON, geometry, Altitude(lower_ft), Altitude(upper_ft), start, start + timedelta(minutes=minutes)
    )


def corridor_volume(
    centerline: list[list[float]],
    half_width_nm: float,
    lower_ft: float = 20000,
    upper_ft: float = 30000,
    start: datetime = T0,
    minutes: float = 120,
) -> Volume4D:
    geometry = {"type": "LineString", "coordinates": centerline}
    return Volume4D(
        Shape.CORRIDOR,
        geometry,
        Altitude(lower_ft),
        Altitude(upper_ft),
        start,
        start + timedelta(minutes=minutes),
        half_width_nm,
    )


def notice(notice_id: str, party: str, *volumes: Volume4D, version: int = 1, **extra: Any) -> Notice:
    return Notice(notice_id, party, version, extra.pop("kind", "strike"), tuple(volumes), **extra)
