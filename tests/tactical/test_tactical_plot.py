"""An incident's encounter as SVG: both paths, the closest point, the separation curve; and the CLI's --plot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_tactical_incidents import T0, crossing
from typer.testing import CliRunner

from airparley.cli import app
from airparley.tactical import find_incidents, incident_svg

SVG = "{http://www.w3.org/2000/svg}"


def _points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in element.attrib["points"].split())]


def test_the_plot_draws_both_paths_the_closest_point_and_the_separation() -> None:
    incident = find_incidents(crossing(0.0, 200.0))[0]
    text = incident_svg(incident, 0.5)
    root = ET.fromstring(text)
    tracks = {e.attrib["data-track"]: _points(e) for e in root.iter(f"{SVG}polyline") if "data-track" in e.attrib}
    assert set(tracks) == {"RUS-SU35-1 (RUS)", "USA-E3-1 (USA)"}
    assert [len(p) for p in tracks.values()] == [len(incident.history_a), len(incident.history_b)]
    # the AWACS flies north (y falls on screen), the fighter east (x grows)
    usa, rus = tracks["USA-E3-1 (USA)"], tracks["RUS-SU35-1 (RUS)"]
    assert usa[-1][1] < usa[0][1]
    assert abs(usa[-1][0] - usa[0][0]) < 1.0
    assert rus[-1][0] > rus[0][0]
    assert abs(rus[-1][1] - rus[0][1]) < 1.0
    # a crossing at zero miss: both closest-point markers sit where the paths cross
    closest = next(e for e in root.iter(f"{SVG}line") if e.attrib.get("data-closest"))
    assert float(closest.attrib["x1"]) == pytest.approx(float(closest.attrib["x2"]), abs=1.0)
    assert float(closest.attrib["y1"]) == pytest.approx(float(closest.attrib["y2"]), abs=1.0)
    assert "closest 0.000 NM, 200 ft" in text
    separation = next(e for e in root.iter(f"{SVG}polyline") if e.attrib.get("data-series") == "separation")
    ys = [y for _, y in _points(separation)]
    # screen y grows downward: the history starts ~2 minutes out, far apart, and closes to the minimum
    assert ys[0] < max(ys) - 100.0
    marker = [e for e in root.iter(f"{SVG}circle") if e.attrib.get("r") == "4"]
    assert float(marker[0].attrib["cy"]) == pytest.approx(max(ys), abs=1.0)
    assert incident_svg(incident, 0.5) == text  # same incident, same bytes


def _lines(states: Any) -> list[str]:
    """The states as the CLI reads them: JSON lines."""
    return [
        json.dumps(
            {
                "id": states.id[k],
                "party": states.party[k],
                "time": float(states.time_s[k]),
                "lat": float(states.lat[k]),
                "lon": float(states.lon[k]),
                "alt_ft": float(states.alt_ft[k]),
                "gs_kt": float(states.gs_kt[k]),
                "trk_deg": float(states.trk_deg[k]),
                "vs_fpm": float(states.vs_fpm[k]),
            }
        )
        for k in range(len(states))
    ]


def test_tactical_incidents_plot_writes_one_svg_per_incident(tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    path.write_text("\n".join(_lines(crossing(0.0, 200.0))) + "\n", encoding="utf-8")
    plain = CliRunner().invoke(app, ["tactical", "incidents", str(path), "--json"])
    result = CliRunner().invoke(app, ["tactical", "incidents", str(path), "--json", "--plot", str(tmp_path / "plots")])
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "plots").iterdir())
    assert [p.name for p in written] == ["incident-001-RUS-SU35-1_USA-E3-1.svg"]
    assert ET.fromstring(written[0].read_text(encoding="utf-8")).tag == f"{SVG}svg"
    assert result.stdout == plain.stdout  # the data on stdout is the same with or without plots
    assert T0 > 0


def test_tactical_incidents_plot_as_png(tmp_path: Path) -> None:
    """--format png draws the same plot as a PNG (CairoSVG, the png extra) at twice the SVG's size."""
    from PIL import Image  # Pillow comes with fpdf2

    path = tmp_path / "tracks.jsonl"
    path.write_text("\n".join(_lines(crossing(0.0, 200.0))) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["tactical", "incidents", str(path), "--plot", str(tmp_path / "plots"), "--format", "png"]
    )
    assert result.exit_code == 0, result.output
    (written,) = sorted((tmp_path / "plots").iterdir())
    assert written.name == "incident-001-RUS-SU35-1_USA-E3-1.png"
    svg = ET.fromstring(incident_svg(find_incidents(crossing(0.0, 200.0))[0], 1.0))
    with Image.open(written) as image:
        assert image.format == "PNG"
        assert image.size == (2 * int(float(svg.attrib["width"])), 2 * int(float(svg.attrib["height"])))
        # Drawn, not blank: the paths' colours are there besides the background.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 20
    refused = CliRunner().invoke(app, ["tactical", "incidents", str(path), "--plot", "p", "--format", "gif"])
    assert refused.exit_code == 2
