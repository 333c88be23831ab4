"""A case report draws the incident disclosed for its case: the shared closest point (issue 19 item 5)."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
import zlib
from typing import Any

from incidents_support import near_miss
from node_support import Running

from airparley.tactical import closest_point_svg, trails_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_report_of_a_case_draws_its_disclosed_incident(running: Running) -> None:
    sensor = running.desk("usa_sensor").client

    def post(states: list[dict[str, Any]]) -> None:
        assert sensor.post("/api/v1/tracks", json={"states": states}).json()["accepted"] == len(states)

    near_miss(post, running.clock, running.node.tick)
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    (record,) = usa.get("/api/v1/incidents").json()
    opened = rus.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Near miss"}, "with": "USA"})
    case_id = opened.json()["case"]["case_id"]
    before = rus.get(f"/api/v1/cases/{case_id}/report?format=html").text
    assert "<svg" not in before  # no incident belongs to the case yet
    pdf_before = rus.get(f"/api/v1/cases/{case_id}/report?format=pdf").content
    disclosed = usa.post(
        f"/api/v1/incidents/{record['incident_id']}/disclose", json={"to": ["RUS"], "case_id": case_id}
    )
    assert disclosed.status_code == 200, disclosed.text
    report = rus.get(f"/api/v1/cases/{case_id}/report").json()
    kinds = [line for line in report["entries"] if '"kind":"incident.recorded"' in line]
    assert len(kinds) == 1  # the recorded entry came with its disclosure
    page = rus.get(f"/api/v1/cases/{case_id}/report?format=html").text
    assert page.count("<svg") == 2  # the closest point, and the trails: disclosed to RUS, so RUS may see them
    figure = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(figure)
    assert root.attrib["data-incident"] == record["incident_id"]
    assert len([e for e in root.iter(f"{SVG}line") if e.attrib.get("data-velocity")]) == 2
    assert [e for e in root.iter(f"{SVG}line") if e.attrib.get("data-closest")]
    shared = record["shared"]["min_separation"]
    assert f"closest point: {shared['horizontal_nm']:.3f} NM, {shared['vertical_ft']:.0f} ft" in figure
    assert "history" not in page  # the trails are not in the signed report...
    trails = page[page.index("<svg", page.index("</svg>")) :]
    trails = trails[: trails.index("</svg>") + len("</svg>")]
    drawn = {e.attrib["data-track"] for e in ET.fromstring(trails).iter(f"{SVG}polyline") if "data-track" in e.attrib}
    assert drawn == {"E3 (USA)", "SU35 (RUS)"}  # ...but drawn for a reader who may see them
    assert usa.get(f"/api/v1/cases/{case_id}/report?format=html").text.count("<svg") == 2  # the recorder
    # The PDF draws the same two figures, as vector paths (fpdf2 converts the SVG): its page content strokes
    # the encounter's lines and both trails' polylines, and says what each figure is; before, it drew nothing.
    pdf_after = rus.get(f"/api/v1/cases/{case_id}/report?format=pdf").content
    shown = _contents(pdf_before), _contents(pdf_after)
    strokes = [len(re.findall(r"\d m [\d. l]+ l [SB] Q", text)) for text in shown]
    assert strokes[0] == 0
    assert strokes[1] >= 4
    closest = f"(closest point: {shared['horizontal_nm']:.3f} NM, {shared['vertical_ft']:.0f} ft) Tj"
    assert closest not in shown[0]
    assert closest in shown[1]
    assert "(E3 \\(USA\\)) Tj" in shown[1]
    assert "(SU35 \\(RUS\\)) Tj" in shown[1]


def _contents(pdf: bytes) -> str:
    """The PDF's streams (page contents, forms), inflated where compressed, as one text."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        data = match.group(1)
        with contextlib.suppress(zlib.error):
            data = zlib.decompress(data)
        parts.append(data.decode("latin-1"))
    return "\n".join(parts)


def test_a_record_without_two_trails_draws_none() -> None:
    assert trails_svg({"history": {"A": []}}) is None
    assert trails_svg({"history": {"A": [{"time": "bad"}], "B": []}}) is None
    assert trails_svg({"history": "x"}) is None


def test_an_entry_without_positions_draws_nothing() -> None:
    assert closest_point_svg({"aircraft": [{"party": "USA"}, {"party": "RUS"}]}) is None
    assert closest_point_svg({"aircraft": "x"}) is None
    hostile = {"aircraft": [{"position": {"lat": 1e308 * 10, "lon": 0}}, {"position": {"lat": 0, "lon": 0}}]}
    assert closest_point_svg(hostile) is None
