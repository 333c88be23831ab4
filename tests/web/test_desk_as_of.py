"""The desk's "As of" mode (issue 19 item 4) in a real Chromium against a real node keeping track states: the
officer types a past time, the desk shows the party's picture as it stood then (GET /api/v1/picture?at=T),
read-only under a "not live" banner, live events do not change it, and "Back to live" returns."""

from __future__ import annotations

from typing import Any

import pytest
from desk_support import Desk
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def test_as_of_shows_the_past_picture_and_live_events_do_not_overwrite_it(desk: Desk) -> None:
    running = desk.running
    filed = running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike())  # at 01:00Z
    assert filed.status_code in (200, 201), filed.text
    running.clock.advance(minutes=30)
    desk.open("usa_duty")
    page = desk.page
    assert page.is_hidden("#asof-banner")
    # 01:10Z: the strike was filed by then.
    page.fill("#asof-at", "-20m")
    page.press("#asof-at", "Enter")
    page.wait_for_selector("#asof-banner:not([hidden])")
    assert page.inner_text("#asof-text") == "As of 01:10Z — not live"
    notices = page.locator('#asof-view [data-part="notices"]')
    assert "(1)" in notices.inner_text()
    for part in ("conflicts", "hotline", "cases", "tracks", "alerts"):
        assert page.locator(f'#asof-view [data-part="{part}"]').count() == 1
    # The view is read-only: no buttons or fields in it.
    assert page.locator("#asof-view button, #asof-view input, #asof-view select").count() == 0
    # A live event (the Russian strike conflicts with ours) reaches the live panels, not the as-of view.
    running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike())
    page.wait_for_selector("#conflicts [data-conflict]")
    assert "(0)" in page.locator('#asof-view [data-part="conflicts"]').inner_text()
    assert page.inner_text("#asof-text") == "As of 01:10Z — not live"
    # Before anything was filed: an empty picture.
    page.fill("#asof-at", "0059Z")
    page.press("#asof-at", "Enter")
    page.wait_for_selector("#asof-text:has-text('00:59Z')")
    assert "(0)" in notices.inner_text()
    # A future time is refused beside the field.
    page.fill("#asof-at", "+1h")
    page.press("#asof-at", "Enter")
    assert "not a past time" in page.inner_text("#asof-error")
    page.click("#asof-live")
    assert page.is_hidden("#asof-banner")
    assert page.is_hidden("#asof-view")


def test_the_as_of_banner_is_in_the_officer_s_language(desk: Desk) -> None:
    desk.running.clock.advance(minutes=30)
    desk.open("rus_duty")
    page = desk.page
    page.fill("#asof-at", "0105Z")
    page.press("#asof-at", "Enter")
    page.wait_for_selector("#asof-banner:not([hidden])")
    assert page.inner_text("#asof-text") == "На 01:05Z — не в реальном времени"
    assert page.inner_text("#asof-live") == "Вернуться к реальному времени"


def test_as_of_shows_the_kept_tracks_and_their_alert(desk: Desk) -> None:
    running = desk.running
    stamp = running.clock().strftime("%Y-%m-%dT%H:%M:%SZ")

    def state(track_id: str, lon: float, trk: float, alt: int, callsign: str) -> dict[str, Any]:
        return {
            "id": track_id, "party": "USA", "time": stamp, "lat": 35.0, "lon": lon, "alt_ft": alt, "gs_kt": 450,
            "trk_deg": trk, "vs_fpm": 0, "callsign": callsign, "source": "radar",
        }  # fmt: skip

    # Two fighters head-on, about 5 NM and 600 ft apart at 01:00Z: an alert.
    states = [state("USA-F16-1", 40.0, 90.0, 30000, "VIPER11"), state("USA-F16-2", 40.1, 270.0, 30600, "VIPER12")]
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": states})
    assert posted.status_code == 202, posted.text
    running.node.tick()
    running.node.state_keeper.join()  # the kept states are written by a thread of the scheduler's
    running.clock.advance(minutes=30)
    desk.open("usa_duty")
    page = desk.page
    page.fill("#asof-at", "0100Z")
    page.press("#asof-at", "Enter")
    page.wait_for_selector("#asof-banner:not([hidden])")
    tracks = page.locator('#asof-view [data-part="tracks"]').inner_text()
    for expected in ("(2)", "VIPER11", "VIPER12"):
        assert expected in tracks
    alerts = page.locator('#asof-view [data-part="alerts"]').inner_text()
    assert "(0)" not in alerts
    for expected in ("VIPER11", "VIPER12"):
        assert expected in alerts
