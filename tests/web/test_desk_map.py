"""Item 2 of issue 16 (and the call of item 1 to a chosen party) in a real Chromium against a real node: the
map opens on the party's activity, with a scale in NM, the cursor's position, range and bearing, go-to,
fewer labels zoomed out, and a track's data block with its trail and a safety call about it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running
from palmyra import usa_strike

pytestmark = pytest.mark.slow


def _post(running: Running, states: list[dict[str, Any]]) -> None:
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = {"states": [{"time": now, "source": "AWACS", **s} for s in states]}
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json=body)
    assert posted.status_code == 202, posted.text
    running.node.tick()


def _unknown(step: int) -> dict[str, Any]:
    """An aircraft the USA radar sees but cannot name the owner of, climbing north near Palmyra."""
    return {"id": "T-0042", "party": "UNKNOWN", "callsign": "", "lat": 34.7 + 0.01 * step, "lon": 38.5} | {
        "alt_ft": 21000 + 100 * step,
        "gs_kt": 420,
        "trk_deg": 0,
        "vs_fpm": 1500,
    }


def test_the_map_opens_on_the_activity_and_reads_at_a_glance(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa = new_desk(1280, 800)
    running = usa.running
    filed = running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike())
    assert filed.status_code in (200, 201), filed.text
    usa.open("usa_duty")
    page = usa.page
    # Open on the party's activity (the Palmyra strike), not the whole theatre.
    page.wait_for_selector("#map[data-fitted='1'], #map[data-fitted]")
    view = page.evaluate("window.airparley.view()")
    assert view["zoom"] >= 7, view
    assert view["south"] < 34.6 < view["north"]
    assert view["west"] < 38.35 < view["east"]
    # A scale in nautical miles.
    assert page.inner_text(".leaflet-control-scale-line").endswith(" NM")
    # The cursor's latitude and longitude.
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cursor = page.locator("#cursor-position")
    assert re.fullmatch(r"\d\d°\d\d\.\d'N \d{3}°\d\d\.\d'E", cursor.inner_text()), cursor.inner_text()
    assert abs(float(cursor.get_attribute("data-lat") or "0") - view["center"]["lat"]) < 0.05
    # Range and bearing: two clicks 200 px apart east-west read as a distance in NM on 090 or 270.
    page.click("#rbl")
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(cx - 100, cy)
    page.mouse.click(cx + 100, cy)
    result = page.locator("#rbl-result").inner_text()
    assert re.fullmatch(r"\d+\.\d NM · 090°T", result), result
    # A track: its data block on a click, with its trail once it has moved.
    for step in range(4):
        running.clock.advance(seconds=10)
        _post(running, [_unknown(step)])
    marker = page.locator(".leaflet-marker-icon[data-track='T-0042']")
    marker.wait_for()
    marker.click()
    block = page.locator("#datablock")
    block.wait_for()
    assert "T-0042" in block.inner_text()
    assert block.locator("[data-field=owner]").inner_text() == "UNKNOWN"
    assert block.locator("[data-field=source]").inner_text() == "AWACS"
    assert block.locator("[data-field=fl]").inner_text().startswith("FL213")
    assert block.locator("[data-field=trend]").inner_text().startswith("↑")
    assert block.locator("[data-field=age]").inner_text().endswith(" s")
    page.wait_for_selector("path.track-trail", state="attached")
    screenshots(page, "datablock")
    # The safety call about an aircraft whose owner is unknown: the officer says which party to call.
    call = block.locator(".call-form")
    call.locator("[data-action=safety-call]").click()
    call.locator(".field-error").wait_for()
    call.locator("select[name=to]").select_option("RUS")
    call.locator("[data-action=safety-call]").click()
    call.locator("[role=status]", has_text="RUS").wait_for()
    received = running.desk("rus_duty").client.get("/api/v1/messages").json()
    (sent,) = [m for m in received if m["message"]["urgency"] == "safety"]
    assert sent["message"]["recipients"] == ["RUS"]
    assert sent["message"]["references"] == [{"kind": "track", "id": "T-0042"}]
    # Go-to a place, and fewer labels when zoomed out.
    page.fill("#goto", "Raqqa")
    page.press("#goto", "Enter")
    page.wait_for_function("() => Math.abs(window.airparley.view().center.lat - 35.95) < 0.3")
    page.fill("#goto", "NOWHERE-1")
    page.press("#goto", "Enter")
    assert "NOWHERE-1" in page.inner_text("#goto-result")
    for _ in range(4):
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(250)
    page.wait_for_selector("#map[data-labels=few]")
    assert page.locator(".track-label.quiet").first.is_hidden()


def test_labels_of_close_aircraft_do_not_overprint_each_other(desk: Desk) -> None:
    """Three aircraft within a mile of each other: each label finds a free place (a leader line to those moved
    away); none overlaps another."""
    running = desk.running
    desk.open("usa_duty")
    page = desk.page
    near = [
        {"id": f"K{n}", "party": "USA", "callsign": f"KNIGHT{n}", "lat": 35.0 + 0.004 * n, "lon": 39.0 + 0.002 * n}
        | {"alt_ft": 20000 + 1000 * n, "gs_kt": 300, "trk_deg": 45, "vs_fpm": 0}
        for n in range(3)
    ]
    _post(running, near)
    page.wait_for_function("() => document.querySelectorAll('.track-label').length >= 3")
    page.fill("#goto", "KNIGHT1")
    page.press("#goto", "Enter")
    _post(running, near)  # the next picture places the labels at the new scale
    page.wait_for_timeout(600)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.track-label')]
          .filter((el) => getComputedStyle(el).opacity !== '0')
          .map((el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    assert len(boxes) == 3, boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
