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


def _marked_tracks(page: Any) -> list[str]:
    """The track ids of the markers on the map (Leaflet's elements in the tracks pane), sorted."""
    ids: list[str] = page.eval_on_selector_all(
        "#map .leaflet-tracks-pane [data-track]", "els => els.map(e => e.dataset.track).sort()"
    )
    return ids


def test_as_of_draws_the_past_picture_on_the_map_and_back_to_live_restores_it(desk: Desk) -> None:
    running = desk.running
    for officer, notice in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):  # a conflict at 01:00Z
        filed = running.desk(officer).client.post("/api/v1/notices", json=notice)
        assert filed.status_code in (200, 201), filed.text

    def state(track_id: str, lon: float, trk: float, alt: int, callsign: str) -> dict[str, Any]:
        stamp = running.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": track_id, "party": "USA", "time": stamp, "lat": 35.0, "lon": lon, "alt_ft": alt, "gs_kt": 450,
            "trk_deg": trk, "vs_fpm": 0, "callsign": callsign, "source": "radar",
        }  # fmt: skip

    # Two fighters head-on at 01:00:00 and 01:00:10 (kept for replay, 1.25 NM flown each), 600 ft apart.
    for step in (0, 1):
        states = [
            state("USA-F16-1", 40.0 + 0.025 * step, 90.0, 30000, "VIPER11"),
            state("USA-F16-2", 40.1 - 0.025 * step, 270.0, 30600, "VIPER12"),
        ]
        assert running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": states}).status_code == 202
        running.node.tick()
        running.node.state_keeper.join()
        if step == 0:
            running.clock.advance(seconds=10)
    # Half an hour later, one other aircraft is live.
    running.clock.advance(minutes=30)
    live = [state("USA-F16-9", 41.0, 0.0, 25000, "COBRA21")]
    assert running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": live}).status_code == 202
    desk.open("usa_duty")
    page = desk.page
    running.node.tick()
    page.wait_for_selector('#map [data-track="USA-F16-9"]')
    live_volumes = page.locator("#map .leaflet-volumes-pane path").count()
    assert live_volumes >= 1
    assert page.get_attribute("#map", "data-view") == "live"

    page.fill("#asof-at", "2026-11-26T01:00:10Z")
    page.press("#asof-at", "Enter")
    page.wait_for_selector('#map[data-view="past"]')
    # The map holds T's tracks, not the live one, each with its trail, and the alert line between them.
    assert _marked_tracks(page) == ["USA-F16-1", "USA-F16-2"]
    # (A removed label fades out before it leaves the page: wait for it.)
    page.wait_for_function(
        "() => { const labels = [...document.querySelectorAll('#map .track-label')].map(e => e.textContent);"
        " return labels.some(l => l.includes('VIPER11')) && !labels.some(l => l.includes('COBRA21')); }"
    )
    assert page.locator("#map .past-trail").count() == 2
    assert page.locator("#map .leaflet-alerts-pane .alert-line").count() == 1
    # T's notice volumes and its conflict, in the live panes and styles.
    assert page.locator("#map .leaflet-volumes-pane path").count() == live_volumes
    assert page.locator("#map .leaflet-conflicts-pane path").count() >= 1
    assert page.locator("#map .conflict-label").count() >= 1
    # Marked as a past view on the map itself, with T.
    assert page.inner_text("#map .past-label") == "As of 01:00Z — not live"
    # A live picture arriving meanwhile is not drawn over the past one.
    running.node.tick()
    page.wait_for_function("window.airparley.snapshot().tracks.some(t => t.id === 'USA-F16-9')")
    assert _marked_tracks(page) == ["USA-F16-1", "USA-F16-2"]

    page.click("#asof-live")
    page.wait_for_selector('#map[data-view="live"]')
    page.wait_for_selector('#map [data-track="USA-F16-9"]')
    assert _marked_tracks(page) == ["USA-F16-9"]
    assert page.locator("#map .past-trail, #map .past-label").count() == 0
    assert page.locator("#map .leaflet-alerts-pane .alert-line").count() == 0
    assert page.locator("#map .leaflet-volumes-pane path").count() == live_volumes
    assert desk.errors == []
