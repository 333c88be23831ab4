"""What the scenarios send: notices, messages and track states, built from a run's unique ids and now.

Every notice the suite files lies near Palmyra (34.56N 38.27E, DESIGN 8), starts at least a day ahead, and
carries a private part holding a marker unique to the run and party (``QSECRET-<run>-<party>``), so a leak of
any private part is found by looking for the marker in what another party receives.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from typing import Any

from airparley.ledger._canonical import canonical

__all__ = [
    "PALMYRA",
    "circle_notice",
    "collection",
    "conflict_id_of",
    "distance_nm",
    "polygon_notice",
    "positions",
    "secret",
]

PALMYRA = (38.27, 34.56)  # lon, lat
_EARTH_RADIUS_NM = 3440.065


def secret(run_id: str, party: str) -> str:
    return f"QSECRET-{run_id}-{party}"


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _properties(
    notice_id: str, party: str, start: str, end: str, lower_fl: int, upper_fl: int, **extra: Any
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "notice_id": notice_id,
        "party": party,
        "kind": "strike",
        "lower": {"value": lower_fl, "ref": "FL"},
        "upper": {"value": upper_fl, "ref": "FL"},
        "start": start,
        "end": end,
    }
    properties.update(extra)
    return properties


def circle_notice(
    notice_id: str,
    party: str,
    start: str,
    end: str,
    *,
    center: tuple[float, float] = PALMYRA,
    radius_nm: float = 15.0,
    lower_fl: int = 200,
    upper_fl: int = 300,
    **extra: Any,
) -> dict[str, Any]:
    """One circle volume (a Feature) of a notice."""
    properties = _properties(
        notice_id, party, start, end, lower_fl, upper_fl, shape="circle", radius_nm=radius_nm, **extra
    )
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(center)}, "properties": properties}


def polygon_notice(
    notice_id: str,
    party: str,
    start: str,
    end: str,
    *,
    west_lon: float = 38.10,
    south_lat: float = 34.45,
    east_lon: float = 39.60,
    north_lat: float = 35.25,
    lower_fl: int = 150,
    upper_fl: int = 250,
    **extra: Any,
) -> dict[str, Any]:
    """One rectangular polygon volume (a Feature): by default a large box east of Palmyra."""
    ring = [
        [west_lon, south_lat],
        [east_lon, south_lat],
        [east_lon, north_lat],
        [west_lon, north_lat],
        [west_lon, south_lat],
    ]
    properties = _properties(notice_id, party, start, end, lower_fl, upper_fl, **extra)
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": properties}


def conflict_id_of(a: tuple[str, int], b: tuple[str, int]) -> str:
    """The id every node must derive for the conflict of two notice versions: SHA-256 of the RFC 8785 JSON of
    the two ``[notice_id, version]`` pairs, sorted (README, "check")."""
    pairs = [list(pair) for pair in sorted([a, b])]
    return hashlib.sha256(canonical(pairs)).hexdigest()


def distance_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lon, lat)`` points (a sphere: 0.5% from WGS84, enough for a check
    with a margin)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_NM * math.asin(min(1.0, math.sqrt(h)))


def positions(data: Any) -> Iterable[tuple[float, float]]:
    """Every ``[lon, lat]`` pair anywhere in a JSON document."""
    if isinstance(data, list):
        numbers = len(data) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in data)
        if numbers and -180 <= data[0] <= 180 and -90 <= data[1] <= 90:
            yield (float(data[0]), float(data[1]))
            return
        for item in data:
            yield from positions(item)
    elif isinstance(data, dict):
        for value in data.values():
            yield from positions(value)
