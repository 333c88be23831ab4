"""Items 5 and 8 of issue 16 in a real Chromium against a real node: alarms stack compactly so that the map
keeps at least half the height at 1280x800 with four unacknowledged safety calls and a non-responsive flag;
a stalled picture and a stopped node are said in a banner, with the picture's age, and the tracks greyed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

import pytest
import uvicorn
from desk_support import Desk
from node_support import Running, serve_in_thread

from airparley.geo import destination
from airparley.web import desk_app
from conftest import check_clean

pytestmark = pytest.mark.slow


def _post(running: Running, states: list[dict[str, Any]]) -> None:
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = {"states": [{"time": now, "vs_fpm": 0, "source": "E-3", **s} for s in states]}
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json=body)
    assert posted.status_code == 202, posted.text
    running.node.tick()


def _pair() -> list[dict[str, Any]]:
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    base = {"alt_ft": 30000}
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
        {**base, "id": "SU35", "party": "RUS", "callsign": "FALCON11", "lat": float(lat), "lon": float(lon)}
        | {"gs_kt": 450, "trk_deg": 270},
    ]


def test_four_calls_and_a_flag_leave_the_map_half_the_height_at_1280x800(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa = new_desk(1280, 800)
    usa.open("usa_duty")
    page = usa.page
    running = usa.running
    # A flag: USA calls about the Su-35, nobody answers and it flies on past the deadline.
    _post(running, _pair())
    called = running.desk("usa_duty").client.post("/api/v1/alerts/safety-call", json={"track": "SU35"})
    assert called.status_code in (200, 201), called.text
    for _ in range(19):
        running.clock.advance(seconds=10)
        _post(running, _pair())
    page.wait_for_selector("#flags:not([hidden])")
    # Four safety calls from RUS, none acknowledged.
    for n in range(4):
        sent = running.desk("rus_duty").client.post(
            "/api/v1/messages",
            json={"recipients": ["USA"], "urgency": "safety", "text": f"Climb now, traffic {n}", "language": "en"},
        )
        assert sent.status_code in (200, 201), sent.text
    page.wait_for_selector("#alarm[data-count='4']")
    assert page.locator("#alarm-list li").count() == 1  # the newest only...
    assert "traffic 3" in page.inner_text("#alarm-list")
    assert "+3" in page.inner_text("#alarm-more")
    map_height = page.locator("#map").bounding_box()["height"]  # type: ignore[index]
    alarms = sum(page.locator(s).bounding_box()["height"] for s in ("#alarm", "#flags"))  # type: ignore[index]
    assert map_height >= 400, (map_height, alarms)
    screenshots(page, "alarms-1280")
    # ... and all of them on demand, each with its Acknowledge.
    page.click("#alarm-more")
    assert page.locator("#alarm-list li [data-action=ack]").count() == 4
    page.click("#alarm-list li:first-child [data-action=ack]")
    page.wait_for_selector("#alarm[data-count='3']")


def test_a_stalled_picture_is_said_and_greyed_and_clears_with_the_next(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    _post(desk.running, _pair())
    page.wait_for_selector("#picture-age[data-age]")
    assert page.locator("#stale").is_hidden()
    page.wait_for_selector("#stale[data-reason=stalled]", timeout=12_000)
    assert "NO PICTURE UPDATE" in page.inner_text("#stale")
    assert page.get_attribute("#map", "data-stale") == "true"
    assert page.locator(".leaflet-tracks-pane").evaluate("p => getComputedStyle(p).filter").startswith("grayscale")
    _post(desk.running, _pair())
    page.wait_for_selector("#stale", state="hidden")
    assert page.get_attribute("#map", "data-stale") == "false"


@pytest.fixture
def second_server(running: Running) -> Iterator[tuple[Running, uvicorn.Server]]:
    """The same node served by a second uvicorn on 127.0.0.1, which the test stops."""
    server, thread, port = serve_in_thread(desk_app(running.node))
    try:
        yield Running(f"http://127.0.0.1:{port}", running.db_url, running.node, running.clock, running.desks), server
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_stopped_node_is_said_in_a_banner_with_the_age_of_the_picture(
    browser: Any, second_server: tuple[Running, uvicorn.Server], screenshots: Callable[[Any, str], Any]
) -> None:
    served, server = second_server
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC")
    try:
        tab = Desk(context.new_page(), served)
        tab.open("usa_duty")
        page = tab.page
        _post(served, _pair())
        page.wait_for_selector("#picture-age[data-age]")
        server.should_exit = True  # the node goes away
        page.wait_for_selector("#stale[data-reason=lost]", timeout=15_000)
        assert page.get_attribute("#link", "data-state") == "reconnecting"
        assert "LINK TO THE NODE LOST" in page.inner_text("#stale")
        assert "Last picture" in page.inner_text("#stale")
        assert page.get_attribute("#map", "data-stale") == "true"
        screenshots(page, "link-lost")
        # Chromium logs the failed reconnections; anything else would be the page's fault.
        tab.console_errors[:] = [line for line in tab.console_errors if "WebSocket connection" not in line]
        check_clean(tab)
    finally:
        context.close()
