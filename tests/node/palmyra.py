"""GeoJSON documents of the Palmyra story, for the node tests."""

from __future__ import annotations

from typing import Any


def feature(notice_id: str, party: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    base = {
        "notice_id": notice_id,
        "party": party,
        "kind": "strike",
        "lower": {"value": 150, "ref": "FL"},
        "upper": {"value": 250, "ref": "FL"},
        "start": "2026-11-26T03:00:00Z",
        "end": "2026-11-26T05:00:00Z",
    }
    base.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": base}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def usa_strike(**props: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "shape": "circle",
        "radius_nm": 15,
        "lower": {"value": 200, "ref": "FL"},
        "upper": {"value": 300, "ref": "FL"},
        "start": "2026-11-26T02:00:00Z",
        "end": "2026-11-26T04:00:00Z",
        "callsigns": ["VIPER11"],
        "frequency_mhz": 243.0,
        "private": {"targets": ["TGT-4471"], "mission": "Interdiction of a supply depot"},
    }
    details.update(props)
    return collection(feature("USA-0101", "USA", {"type": "Point", "coordinates": [38.35, 34.60]}, **details))


def rus_strike(**props: Any) -> dict[str, Any]:
    ring = [[38.10, 34.45], [39.60, 34.45], [39.60, 35.25], [38.10, 35.25], [38.10, 34.45]]
    return collection(
        feature(
            "RUS-0201",
            "RUS",
            {"type": "Polygon", "coordinates": [ring]},
            callsigns=["GRACH31"],
            private={"aircraft": "Su-34 x2", "mission": "Strike near Palmyra"},
            **props,
        )
    )
