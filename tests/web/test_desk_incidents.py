"""Item 3 of issue 16 in a real Chromium against a real node: alerts with the party's own aircraft first, the
generated alarm (Web Audio) for a warning and an incoming safety call with its mute control, "show on map",
and the incidents (with the encounter's plot) and intrusions the node sends, which the desk lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running
from palmyra import usa_strike

from airparley.geo import destination

pytestmark = pytest.mark.slow


def _iso(running: Running) -> str:
    return running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _post(running: Running, states: list[dict[str, Any]]) -> None:
    now = _iso(running)
    body = {"states": [{"time": now, "vs_fpm": 0, "source": "radar", **s} for s in states]}
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json=body)
    assert posted.status_code == 202, posted.text
    running.node.tick()


def _at(lat: float, lon: float, bearing: float, nm: float) -> tuple[float, float]:
    east, north = destination(lon, lat, bearing, nm)
    return float(north), float(east)


def _head_on(t_s: float) -> list[dict[str, Any]]:
    """The USA E-3 east at 360 kt and a Russian Su-35 west at 450 kt, 2 NM apart at t = 0, 0.1 NM abeam."""
    e3 = _at(35.4, 40.4, 90.0, 360 * t_s / 3600)
    su = _at(*_at(35.4, 40.4, 0.0, 0.1), 90.0, 2.0 - 450 * t_s / 3600)
    base = {"alt_ft": 30000}
    return [
        {
            **base,
            "id": "E3",
            "party": "USA",
            "callsign": "SENTRY60",
            "lat": e3[0],
            "lon": e3[1],
            "gs_kt": 360,
            "trk_deg": 90,
        },
        {
            **base,
            "id": "SU35",
            "party": "RUS",
            "callsign": "FALCON11",
            "lat": su[0],
            "lon": su[1],
            "gs_kt": 450,
            "trk_deg": 270,
        },
    ]


def _foreign_pair() -> list[dict[str, Any]]:
    """A Turkish and a Syrian aircraft head-on 1 NM apart at one level near al-Bab: closer than the E-3's pair."""
    syr = _at(36.37, 37.5, 90.0, 1.0)
    base = {"alt_ft": 15000}
    return [
        {
            **base,
            "id": "TUR1",
            "party": "TUR",
            "callsign": "ASENA1",
            "lat": 36.37,
            "lon": 37.5,
            "gs_kt": 420,
            "trk_deg": 90,
        },
        {
            **base,
            "id": "SYR1",
            "party": "SYR",
            "callsign": "SYRIA7",
            "lat": syr[0],
            "lon": syr[1],
            "gs_kt": 420,
            "trk_deg": 270,
        },
    ]


def test_own_alerts_first_an_audible_warning_show_on_map_and_the_incident_plotted(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa = new_desk(1280, 800)
    usa.open("usa_duty")
    page = usa.page
    running = usa.running
    _post(running, _head_on(0.0) + _foreign_pair())
    page.click("[data-tab=alerts]")
    page.wait_for_function("() => document.querySelectorAll('#alerts li[data-alert]').length === 2")
    cards = page.locator("#alerts li[data-alert]")
    # The foreign pair is as bad or worse (closer, sooner), yet the E-3's comes first: it is this party's own.
    assert "SENTRY60" in cards.nth(0).inner_text()
    assert "ASENA1" in cards.nth(1).inner_text()
    assert "own" in (cards.nth(0).get_attribute("class") or "")
    # The warning sounded: a generated tone (the login click allowed the page's audio).
    page.wait_for_function("() => window.airparley.audio.played.some(p => p.kind === 'warning')")
    played = page.evaluate("window.airparley.audio.played")
    assert played[0]["muted"] is False
    assert page.evaluate("window.airparley.audio.state()") == "running"
    # Show on map: the map closes in on the pair.
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 50, box["y"] + box["height"] - 50)
    for _ in range(4):  # the officer zooms out (and away from the pair)
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(250)
    before = page.evaluate("window.airparley.view()")
    cards.nth(0).locator("[data-action=show-alert]").click()
    page.wait_for_function("(zoom) => window.airparley.view().zoom > zoom", arg=before["zoom"])
    view = page.evaluate("window.airparley.view()")
    assert view["south"] < 35.4 < view["north"]
    assert view["west"] < 40.41 < view["east"]
    # They pass 0.1 NM apart and part: an incident, listed with a plot of both paths and the separation.
    for step in range(1, 16):
        running.clock.advance(seconds=2)
        _post(running, _head_on(2.0 * step))
    page.click("[data-tab=incidents]")
    card = page.locator("#incidents li.incident", has_text="SENTRY60")
    card.wait_for()
    assert "SENTRY60" in card.inner_text()
    assert "FALCON11" in card.inner_text()
    assert card.locator("svg.encounter polyline.path").count() == 2
    assert card.locator("svg.encounter polyline.separation").count() == 1
    assert card.locator("svg.encounter line.threshold").count() == 1
    assert page.inner_text("#count-incidents") != "0"
    screenshots(page, "incidents")


def test_a_safety_call_sounds_unless_muted_and_an_intrusion_is_listed(new_desk: Callable[..., Desk]) -> None:
    usa = new_desk(1280, 800)
    usa.open("usa_duty")
    page = usa.page
    running = usa.running
    assert page.get_attribute("#mute", "aria-pressed") == "false"
    page.click("#mute")
    assert page.get_attribute("#mute", "aria-pressed") == "true"
    # RUS calls USA: the alarm banner shows, the sound is asked for but muted.
    sent = running.desk("rus_duty").client.post(
        "/api/v1/messages",
        json={"recipients": ["USA"], "urgency": "safety", "text": "Traffic close to you, climb now", "language": "en"},
    )
    assert sent.status_code in (200, 201), sent.text
    page.wait_for_selector("#alarm:not([hidden])")
    page.wait_for_function("() => window.airparley.audio.played.some(p => p.kind === 'safety')")
    (call,) = [p for p in page.evaluate("window.airparley.audio.played") if p["kind"] == "safety"]
    assert call["muted"] is True
    # The mute is remembered by this browser: a reload keeps it.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("#mute", "aria-pressed") == "true"
    # An intrusion: a Russian aircraft inside the USA strike's circle, in its window and band.
    filed = running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike(start="2026-11-26T00:30:00Z"))
    assert filed.status_code in (200, 201), filed.text
    _post(
        running,
        [
            {"id": "SU34", "party": "RUS", "callsign": "GRACH31", "lat": 34.6, "lon": 38.35, "alt_ft": 25000}
            | {"gs_kt": 400, "trk_deg": 0}
        ],
    )
    page.click("[data-tab=incidents]")
    intrusion = page.locator("#intrusions li.intrusion")
    intrusion.wait_for()
    assert "GRACH31" in intrusion.inner_text()
    assert "USA-0101" in intrusion.inner_text()
