"""The desk in a real headless Chromium against a real node: what a duty officer sees and does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk, forgive_console_errors
from palmyra import rus_strike, usa_strike

from airparley.web import COOKIE

pytestmark = pytest.mark.slow


def _positions(value: Any) -> Iterator[tuple[float, float]]:
    """Every [lon, lat] pair anywhere in a JSON value."""
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            yield float(value[0]), float(value[1])
        else:
            for item in value:
                yield from _positions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _positions(item)


def _post(desk: Desk, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = desk.running.desk(who).client.post(f"/api/v1{path}", json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_login_and_logout(desk: Desk) -> None:
    page = desk.page
    desk.open()
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#login-token", "ap_not-a-token")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:has-text('unknown or revoked token')")
    desk.login("usa_duty")
    assert page.inner_text("#who").startswith("USA duty · USA (Coalition CAOC, Al Udeid) · duty")
    assert page.evaluate("document.cookie") == ""  # HttpOnly: the page's scripts cannot read the session
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert page.context.request.get(desk.running.url + "/api/v1/me").json()["officer"]["party"] == "USA"
    page.reload()  # the session survives a reload
    page.wait_for_selector("body[data-ready=true]")
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert [c for c in page.context.cookies() if c["name"] == COOKIE] == []
    assert page.context.request.get(desk.running.url + "/api/v1/me").status == 401
    page.reload()
    page.wait_for_selector("#login:not([hidden])")


def test_the_map_shows_the_basemap_places_and_own_notices(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    desk.open("usa_duty")
    page = desk.page
    page.wait_for_selector("#map[data-basemap]")
    assert int(page.get_attribute("#map", "data-basemap") or 0) > 40  # countries of the theatre
    assert page.locator(".leaflet-basemap-pane path").count() > 40
    for place in ("Palmyra", "al-Bab", "Mosul", "Raqqa", "Khmeimim", "Al Udeid", "Incirlik", "Caspian Sea"):
        assert page.locator(".place-label", has_text=place).count() == 1, place
    assert page.locator(".leaflet-volumes-pane path").count() == 1  # the 15 NM circle of USA-0101
    page.click("[data-tab=notices]")
    card = page.locator("#notices [data-notice='USA-0101']")
    assert "FL200–FL300" in card.inner_text()
    assert "TGT-4471" in card.inner_text()  # own notice in full, private part included
    assert page.inner_text("#count-notices") == "1"


def test_a_conflict_filed_by_the_other_side_appears_live_with_band_and_window_only(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    desk.open("usa_duty")
    page = desk.page
    assert page.locator("#conflicts [data-conflict]").count() == 0
    _post(desk, "rus_duty", "/notices", rus_strike())  # through the API, while the USA desk looks on
    card = page.locator("#conflicts [data-conflict]")
    card.wait_for()
    assert card.locator(".band").inner_text() == "19,000–26,000 ft (FL190–FL260)"
    assert card.locator(".window").inner_text() == "26 Nov 02:50Z–04:10Z"
    assert "GRACH31" in card.inner_text()
    label = page.locator(".conflict-label")
    assert "19,000–26,000 ft (FL190–FL260)" in label.inner_text()
    assert "26 Nov 02:50Z–04:10Z" in label.inner_text()
    assert page.locator(".leaflet-conflicts-pane path").count() == 1
    assert any('"conflict.detected"' in frame for frame in desk.frames)  # it came over the WebSocket
    # Minimal disclosure: nothing the page holds or received reaches beyond the overlap. The Russian
    # polygon runs to 39.60E and 35.25N; the overlap ends within 5 NM of the USA circle (38.35E 34.60N, 15 NM).
    everything = [desk.snapshot(), *(json.loads(f) for f in desk.frames)]
    everything += [json.loads(b) for b in desk.bodies if b.startswith(("{", "["))]
    east = max(lon for item in everything for lon, _ in _positions(item))
    north = max(lat for item in everything for _, lat in _positions(item))
    assert east < 38.8
    assert north < 35.0
    text = json.dumps(everything, ensure_ascii=False) + page.content()
    for secret in ("Su-34", "Strike near Palmyra"):
        assert secret not in text


def test_an_arabic_desk_reads_messages_right_to_left(desk: Desk) -> None:
    _post(desk, "usa_duty", "/messages", {"recipients": ["SYR"], "template": "stand_by"})
    desk.open("syr_duty")
    page = desk.page
    text = page.locator("#messages .msg .text").first
    assert text.get_attribute("dir") == "rtl"
    assert text.get_attribute("lang") == "ar"
    assert text.inner_text() == "انتظروا."
    assert page.get_attribute("#hotline", "dir") == "rtl"
    assert page.inner_text("#hotline-title") == "الخط الساخن"
    # A new message arrives live, rendered for the Syrian reader.
    _post(
        desk,
        "usa_duty",
        "/messages",
        {
            "recipients": ["SYR"],
            "template": "traffic_turn",
            "params": {"callsign": "GRACH31", "distance_nm": 0.5, "direction": "right"},
        },
    )
    newest = page.locator("#messages .msg .text", has_text="GRACH31")
    newest.wait_for()
    assert page.locator("#messages .msg .text").first.inner_text() == newest.inner_text()  # newest on top
    assert "GRACH31" in newest.inner_text()
    assert "انعطفوا يمينًا" in newest.inner_text()
    assert newest.get_attribute("dir") == "rtl"


def test_an_unacknowledged_safety_message_keeps_the_alarm_until_acknowledged(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    assert page.locator("#alarm").is_hidden()
    sent = _post(
        desk,
        "rus_duty",
        "/messages",
        {
            "recipients": ["USA"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "VIPER11", "distance_nm": 0.5, "direction": "left"},
        },
    )
    message_id = sent["message"]["message_id"]
    page.wait_for_selector("#alarm:not([hidden])")
    assert "SAFETY CALL" in page.inner_text("#alarm")
    assert "VIPER11" in page.inner_text("#alarm-list")
    assert page.title().startswith("⚠ SAFETY")
    # Reading it is not enough: the alarm stays until the message is acknowledged.
    page.click(f"#messages [data-message='{message_id}'] [data-action=read]")
    page.wait_for_selector(f"#messages [data-message='{message_id}'] .state-read")
    assert page.locator("#alarm").is_visible()
    # It rings again at the node: still there.
    desk.running.clock.advance(seconds=61)
    desk.running.node.tick()
    page.wait_for_selector("#alarm[data-rings='1']")
    assert page.locator("#alarm").is_visible()
    page.click(f"#alarm-list [data-message='{message_id}'] [data-action=ack]")
    page.wait_for_selector("#alarm", state="hidden")
    assert page.title() == "airparley desk"
    receipt = desk.running.desk("rus_duty").client.get(f"/api/v1/messages/{message_id}").json()["message"]["receipts"]
    assert receipt[0]["state"] == "acknowledged"


def test_a_case_shows_its_countdown_and_accepting_works(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    _post(desk, "rus_duty", "/notices", rus_strike())
    (conflict,) = desk.running.desk("rus_duty").client.get("/api/v1/conflicts").json()
    opened = _post(desk, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id = opened["case"]["case_id"]
    _post(
        desk,
        "rus_duty",
        f"/cases/{case_id}/propose",
        {
            "terms": {"kind": "shift_time", "party": "USA", "minutes": 60},
            "text": "One hour later, please",
        },
    )
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    countdown = card.locator(".countdown")
    # The deadline is the node's: 15 minutes after 01:00Z on the node's clock, whatever the desk's clock says.
    first = countdown.inner_text()
    assert re.fullmatch(r"Respond within 1[45]:\d\d", first), first
    page.wait_for_function(  # it counts down, every second
        "([id, first]) => document.querySelector(`li[data-case='${id}'] .countdown`).textContent !== first",
        arg=[case_id, first],
    )
    assert "USA shifts its activity by +60 min" in card.inner_text()
    moves = card.locator("[data-move]").evaluate_all("buttons => buttons.map(b => b.dataset.move)")
    assert moves == ["accept", "counter", "reject", "escalate"]  # as `permitted` says, nothing more
    card.locator("[data-move=accept]").click()
    page.wait_for_selector(f"#cases [data-case='{case_id}'][data-state=agreed]")
    agreed = desk.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()
    assert agreed["case"]["state"] == "agreed"
    done = page.locator(f"#cases li[data-case='{case_id}']")
    assert done.locator("[data-move=accept]").count() == 0
    # The agreement in words with its values, and whom it obliges.
    assert done.locator(".agreement").inner_text() == "USA shifts its activity by +60 min (USA)"


def test_drawing_and_filing_a_notice_with_a_field_error_shown_next_to_the_field(desk: Desk) -> None:
    desk.open("tur_duty")
    page = desk.page
    box = page.locator("#map").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click(".leaflet-pm-icon-polygon")
    corners = [(x - 60, y - 40), (x + 60, y - 40), (x + 60, y + 40), (x - 60, y + 40)]
    for cx, cy in corners:
        page.mouse.click(cx, cy)
    page.mouse.click(*corners[0])
    page.wait_for_selector("#pane-file:not([hidden])")
    assert page.inner_text("#nf-shape") == "polygon, 4 corners"
    page.fill("#nf-notice_id", "TUR-0301")
    page.fill("#nf-lower", "400")  # above the upper FL250
    page.fill("#nf-callsigns", "KARTAL1 KARTAL2")
    page.click("#nf-submit")
    error = page.locator("[data-error-for=lower]")
    error.wait_for()
    assert error.inner_text() == "lower (40000 ft MSL) is above upper (25000 ft MSL)"
    assert page.get_attribute("#nf-lower", "aria-invalid") == "true"
    assert page.inner_text("[data-error-for=upper]") == ""
    page.fill("#nf-lower", "150")
    page.click("#nf-submit")
    page.wait_for_selector("#nf-result:has-text('Gönderildi TUR-0301 v1')")
    page.click("[data-tab=notices]")
    page.wait_for_selector("#notices [data-notice='TUR-0301']")
    (feature,) = desk.running.desk("tur_duty").client.get("/api/v1/notices").json()["features"]
    assert feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    assert feature["properties"]["callsigns"] == ["KARTAL1", "KARTAL2"]
    assert feature["properties"]["lower"] == {"value": 150, "unit": "ft", "ref": "FL"}
    # A circle too: click the centre, then a point on the rim.
    page.click(".leaflet-pm-icon-circle")
    page.mouse.click(x - 200, y + 100)
    page.mouse.click(x - 160, y + 100)
    page.wait_for_selector("#nf-radius_nm")
    page.fill("#nf-notice_id", "TUR-0302")
    page.fill("#nf-radius_nm", "-3")
    page.click("#nf-submit")
    page.locator("[data-error-for=radius_nm]").wait_for()
    assert page.inner_text("[data-error-for=radius_nm]") != ""
    page.fill("#nf-radius_nm", "12.5")
    page.click("#nf-submit")
    page.wait_for_selector("#nf-result:has-text('Gönderildi TUR-0302 v1')")  # the TUR desk reads Turkish
    assert page.input_value("#nf-notice_id") != "TUR-0302"  # filed: the form starts afresh, with its defaults
    circle = desk.running.node.notice_for(_officer(desk, "tur_duty"), "TUR-0302")["features"][0]
    assert circle["properties"]["shape"] == "circle"
    assert circle["properties"]["radius_nm"] == 12.5
    # The two refusals were provoked on purpose: Chromium logs each 422 answer in the console.
    assert forgive_console_errors(desk, 422, "/api/v1/notices") == 2


def _officer(desk: Desk, who: str) -> Any:
    found = desk.running.node.authenticate(desk.running.desk(who).token)
    assert found is not None
    return found


def _states(desk: Desk, *tracks: dict[str, Any]) -> None:
    """Post ``tracks`` as the USA radar would, then a scheduler pass: the live picture reaches the desk."""
    running = desk.running
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    states = [{"time": now, "vs_fpm": 0, "source": "radar", "party": "USA", **track} for track in tracks]
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": states})
    assert posted.status_code == 202, posted.text
    running.node.tick()


VIPER = {"id": "t1", "callsign": "VIPER11", "lat": 34.7, "lon": 38.4, "alt_ft": 25000, "gs_kt": 450, "trk_deg": 90}
GRACH = {"id": "t2", "callsign": "GRACH31", "lat": 34.71, "lon": 38.43, "alt_ft": 25000, "gs_kt": 480}
GRACH |= {"trk_deg": 270, "party": "RUS"}


def test_the_live_picture_is_drawn_with_heading_vectors_and_alert_colours_and_a_track_goes_when_lost(
    desk: Desk,
) -> None:
    """The node's own kinds (tracks.update, alert.raised): two aircraft head-on 1.5 NM apart at one level
    are a warning; when the Russian one is no longer reported it leaves the picture."""
    desk.open("usa_duty")
    page = desk.page
    _states(desk, VIPER, GRACH)
    page.wait_for_selector(".track-label:has-text('GRACH31')")
    assert page.inner_text(".track-label:has-text('VIPER11')").startswith("VIPER11 FL250 450kt")
    assert "WARNING" in page.inner_text(".track-label:has-text('GRACH31')")
    fills = page.locator(".track-icon path").evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
    assert sorted(fills) == ["#ff3b30", "#ff3b30"]
    # GRACH31 is no longer reported: once its last state is stale the picture leaves it out, and so does the map.
    for _ in range(8):
        desk.running.clock.advance(seconds=10)
        _states(desk, {**VIPER, "lat": 34.0})
    page.wait_for_selector(".track-label:has-text('GRACH31')", state="detached")
    assert page.locator(".track-label:has-text('VIPER11')").count() >= 1  # (a redrawn label fades out)


def test_no_request_leaves_the_node(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    desk.open("usa_duty")
    page = desk.page
    response = page.context.request.get(desk.running.url + "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self'" in policy
    page.mouse.wheel(0, -600)  # zoom the map about
    for tab in ("cases", "notices", "file", "conflicts"):
        page.click(f"[data-tab={tab}]")
    page.click("#compose-toggle")
    page.wait_for_timeout(300)
    assert len(desk.requests) > 10  # the recorder saw the page's own requests ...
    assert desk.external_requests() == []  # ... and none went anywhere but 127.0.0.1
    assert any(url.endswith("/static/basemap/countries.geojson") for url in desk.requests)
