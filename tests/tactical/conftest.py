"""Canonical tactical fixtures: state builders, hand-made encounters, random scenes, notices.

Builders are session-scoped factories (pure functions) so Hypothesis tests can use them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Polygon

from airparley.geo import destination
from airparley.tactical import TrackState, TrackStates

#: 2026-11-26T03:00:00Z, the demo's night of strikes near Palmyra.
T0 = 1795662000.0


def place(lon: float, lat: float, azimuth_deg: float, dist_nm: float) -> tuple[float, float]:
    """The point ``dist_nm`` from (lon, lat) along the geodesic leaving at ``azimuth_deg``; (lat, lon)."""
    lon2, lat2 = destination(lon, lat, azimuth_deg, dist_nm)
    return float(lat2), float(lon2)


def state(
    track_id: str,
    lat: float,
    lon: float,
    alt_ft: float = 20000.0,
    gs_kt: float = 0.0,
    trk_deg: float = 0.0,
    vs_fpm: float = 0.0,
    party: str = "USA",
    time_s: float = T0,
) -> TrackState:
    return TrackState(track_id, party, time_s, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm)


@pytest.fixture(scope="session")
def make_state() -> Callable[..., TrackState]:
    return state


@pytest.fixture(scope="session")
def make_place() -> Callable[..., tuple[float, float]]:
    return place


def random_scene(
    rng: np.random.Generator,
    n: int,
    lat: tuple[float, float] = (30.0, 38.0),
    lon: tuple[float, float] = (36.0, 48.0),
    climbing: float = 0.3,
    parties: tuple[str, ...] = ("USA", "RUS", "TUR", "SYR"),
    time_s: float = T0,
) -> TrackStates:
    """``n`` aircraft uniformly in a lat/lon box, 5,000-40,000 ft, 150-550 kt, some climbing or descending."""
    return TrackStates(
        id=np.array([f"AC{i:05d}" for i in range(n)]),
        party=rng.choice(np.array(parties), n),
        time_s=np.full(n, time_s),
        lat=rng.uniform(*lat, n),
        lon=rng.uniform(*lon, n),
        alt_ft=rng.uniform(5000.0, 40000.0, n),
        gs_kt=rng.uniform(150.0, 550.0, n),
        trk_deg=rng.uniform(0.0, 360.0, n) % 360.0,
        vs_fpm=np.where(rng.random(n) < climbing, rng.uniform(-3000.0, 3000.0, n), 0.0),
    )


@pytest.fixture(scope="session")
def make_scene() -> Callable[..., TrackStates]:
    return random_scene


@pytest.fixture
def head_on_pair() -> tuple[TrackState, TrackState]:
    """Two aircraft 40 NM apart on one meridian, nose to nose at 400 kt, same altitude."""
    south = place(38.27, 34.56, 180.0, 20.0)
    north = place(38.27, 34.56, 0.0, 20.0)
    return (
        state("USA-F16-1", *south, gs_kt=400.0, trk_deg=0.0, party="USA"),
        state("RUS-SU35-1", *north, gs_kt=400.0, trk_deg=180.0, party="RUS"),
    )


@pytest.fixture
def crossing_90() -> tuple[TrackState, TrackState]:
    """On the equator (where east stays east across longitudes): one northbound, one eastbound, 480 kt.

    The northbound starts 30 NM south of the crossing point, the eastbound 26 NM west of it.
    """
    north = place(40.0, 0.0, 180.0, 30.0)
    east = place(40.0, 0.0, 270.0, 26.0)
    return (
        state("TUR-F16-2", *north, gs_kt=480.0, trk_deg=0.0, party="TUR"),
        state("SYR-MIG29-1", *east, gs_kt=480.0, trk_deg=90.0, party="SYR"),
    )


@dataclass(frozen=True)
class Volume:
    """The smallest thing the intrusion check accepts as a volume (see ``VolumeLike``)."""

    footprint: Any
    lower_ft: float
    upper_ft: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Notice:
    notice_id: str
    party: str
    volumes: tuple[Volume, ...]


@pytest.fixture(scope="session")
def volume_type() -> type[Volume]:
    return Volume


@pytest.fixture(scope="session")
def notice_type() -> type[Notice]:
    return Notice


@pytest.fixture
def palmyra_box() -> Polygon:
    """A lon/lat box around Palmyra, 0.4 degrees a side."""
    return Polygon([(38.07, 34.36), (38.47, 34.36), (38.47, 34.76), (38.07, 34.76), (38.07, 34.36)])
