"""Tactical alerts on the desk, in a real Chromium against a real node: the alerts panel coloured by level
from converging tracks posted by the party's sensor, the safety call, and the non-responsive flag."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running

from airparley.geo import destination

pytestmark = pytest.mark.slow

WARNING_RED = "rgb(255, 59, 48)"


def _picture(running: Running) -> list[dict[str, Any]]:
    """The USA E-3 flying east at FL300 and a Russian Su-35 head-on, 2 NM away at the same level."""
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    base = {"time": now, "alt_ft": 30000, "vs_fpm": 0, "source": "E-3"}
    return [
        {
            **base,
            "id": "E3",
            "party": "USA",
            "callsign": "SENTRY60",
            "lat": 35.4,
            "lon": 40.4,
            "gs_kt": 360,
            "trk_deg": 90,
        },
        {
            **base,
            "id": "SU35",
            "party": "RUS",
            "callsign": "FALCON11",
            "lat": float(lat),
            "lon": float(lon),
            "gs_kt": 450,
            "trk_deg": 270,
        },
    ]


def _report(running: Running) -> None:
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": _picture(running)})
    assert posted.status_code == 202, posted.text
    assert posted.json()["accepted"] == 2
    running.node.tick()


def test_an_alert_from_converging_tracks_a_safety_call_and_a_non_responsive_flag(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    _report(desk.running)
    page.click("[data-tab=alerts]")
    card = page.locator("#alerts li[data-alert]")
    card.wait_for()
    assert card.get_attribute("data-level") == "warning"
    assert (
        "SENTRY60 (USA) × FALCON11 (RUS)" in card.inner_text() or "FALCON11 (RUS) × SENTRY60 (USA)" in card.inner_text()
    )
    assert card.evaluate("li => getComputedStyle(li).borderLeftColor") == WARNING_RED
    assert page.inner_text("#count-alerts") == "1"
    assert page.get_attribute("[data-tab=alerts]", "data-level") == "warning"
    page.wait_for_selector(".leaflet-alerts-pane path.alert-line.level-warning", state="attached")
    page.wait_for_function("document.querySelector('#live-assertive').textContent.includes('FALCON11')")
    # The safety call: about the Russian aircraft, on the frequency chosen (243.0 by default).
    select = card.locator("select[name=frequency_mhz]")
    assert float(select.input_value()) == 243.0
    select.select_option(value="121.5")
    card.locator("[data-action=safety-call][data-track=SU35]").click()
    card.locator("[role=status]", has_text="FALCON11").wait_for()
    received = desk.running.desk("rus_duty").client.get("/api/v1/messages").json()
    (call,) = [m for m in received if m["message"]["urgency"] == "safety"]
    assert call["message"]["author"]["party"] == "USA"
    assert call["message"]["recipients"] == ["RUS"]
    assert "121.5" in json.dumps(call)
    page.wait_for_selector(f"#messages [data-message='{call['message']['message_id']}']")  # in the hotline too
    # Nobody answers and the Su-35 flies on: after the deadline (180 s) it is flagged, loudly.
    assert page.locator("#flags").is_hidden()
    for _ in range(19):
        desk.running.clock.advance(seconds=10)
        _report(desk.running)
    page.wait_for_selector("#flags:not([hidden])")
    assert "FALCON11" in page.inner_text("#flags-list")
    assert call["message"]["message_id"] in page.inner_text("#flags-list")
    page.wait_for_selector(".non-responsive-label:has-text('FALCON11')")
    assert page.locator(".leaflet-tracks-pane path.non-responsive-ring").count() == 1
    assert page.locator("#alerts li.flagged").count() == 1
    page.click("#flags-list [data-action=dismiss-flag]")
    page.wait_for_selector("#flags", state="hidden")
    assert page.locator(".leaflet-tracks-pane path.non-responsive-ring").count() == 1  # the ring stays on the track


def test_a_node_without_the_alert_endpoints_shows_them_unavailable_and_never_asks(desk: Desk) -> None:
    """A newer page on an older node: what the node does not serve is said, not requested (no 404)."""

    def older_node(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        for path in ("/api/v1/alerts", "/api/v1/alerts/safety-call", "/api/v1/flags"):
            body.get("routes", {}).pop(path, None)
        route.fulfill(response=response, body=json.dumps(body))

    desk.page.route("**/api/v1/session", older_node)
    desk.open("usa_duty")
    page = desk.page
    _report(desk.running)
    page.click("[data-tab=alerts]")
    card = page.locator("#alerts li[data-alert]")
    card.wait_for()  # the alert still comes from the live picture
    status = page.locator("#alerts-status")
    assert status.is_visible()
    assert "GET /api/v1/alerts" in status.inner_text()
    assert "POST /api/v1/alerts/safety-call" in status.inner_text()
    assert card.locator("[data-action=safety-call]").is_disabled()
    assert not any("/api/v1/alerts" in url or "/api/v1/flags" in url for url in desk.requests)
