"""What the node serves for the desk: the page, its offline assets, the places, and the docs of it all."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from node_support import Running

from airparley.web import STATIC

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = (ROOT / "docs" / "ui.md").read_text(encoding="utf-8")
PLACES = {
    "Palmyra": (38.27, 34.56),
    "al-Bab": (37.52, 36.37),
    "Mosul": (43.13, 36.34),
    "Raqqa": (39.01, 35.95),
    "Khmeimim": (35.95, 35.41),
    "Al Udeid": (51.32, 25.12),
    "Incirlik": (35.43, 37.00),
}


def test_the_scenario_places_are_where_the_design_says() -> None:
    places = json.loads((STATIC / "places.geojson").read_text(encoding="utf-8"))
    found = {f["properties"]["name"]: tuple(f["geometry"]["coordinates"]) for f in places["features"]}
    for name, position in PLACES.items():
        assert found[name] == position, name
    assert "Caspian Sea" in found


def test_the_node_serves_the_page_and_its_offline_assets(running: Running) -> None:
    if not (STATIC / "vendor" / "leaflet" / "leaflet.js").is_file():
        pytest.fail("the desk UI's assets are not built: run 'make web'")
    with httpx.Client(base_url=running.url, timeout=10) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "http://" not in page.text
        assert "https://" not in page.text
        for path in (
            "/static/vendor/leaflet/leaflet.js",
            "/static/vendor/leaflet/leaflet.css",
            "/static/vendor/leaflet/images/layers.png",
            "/static/vendor/geoman/leaflet-geoman.min.js",
            "/static/vendor/geoman/leaflet-geoman.css",
            "/static/js/main.js",
            "/static/desk.css",
        ):
            assert client.get(path).status_code == 200, path
        countries = client.get("/static/basemap/countries.geojson").json()
        names = {f["properties"]["name"] for f in countries["features"]}
        assert {"Syria", "Iraq", "Turkey", "Iran", "Azerbaijan", "Turkmenistan", "Kazakhstan", "Qatar"} <= names
        west, south, east, north = countries["bbox"]
        for feature in countries["features"]:  # clipped to the theatre
            for polygon in feature["geometry"]["coordinates"]:
                for lon, lat in polygon[0]:
                    assert west <= lon <= east
                    assert south <= lat <= north
        assert client.get("/static/../node/_app.py").status_code == 404
        assert client.get("/api/v1/nonsense").status_code == 404


def test_our_own_scripts_name_no_outside_address() -> None:
    for path in [STATIC / "index.html", STATIC / "desk.css", *sorted((STATIC / "js").glob("*.js"))]:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            assert "https://" not in line, f"{path.name}: {line}"
            assert "http://" not in line or "www.w3.org/2000/svg" in line, f"{path.name}: {line}"


@pytest.mark.parametrize(
    "needle",
    [
        "POST /api/v1/session",
        "DELETE /api/v1/session",
        "GET /api/v1/session",
        "AIRPARLEY_SESSION_SECRET",
        "X-Airparley: 1",
        "SameSite=Strict",
        "HttpOnly",
        "tracks.update",
        "alert.cleared",
        "track.non_responsive",
        "alert.",
        "make web",
        "web/package-lock.json",
        "web/build.mjs",
    ],
)
def test_the_ui_doc_covers(needle: str) -> None:
    assert needle in DOCS
