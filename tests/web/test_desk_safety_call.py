"""Item 1 of issue 16 in real Chromium against a real node, two desks: the RUS radar knows only its own
aircraft; a WARNING between an unknown track and BERKUT21 offers the safety call about the unknown track,
the RUS officer says which party to call (USA), and the USA desk receives the call, its alarm rings, and
acknowledges it, which the RUS desk sees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running

from airparley.geo import destination

pytestmark = pytest.mark.slow


def _rus_picture(running: Running) -> None:
    """BERKUT21 (RUS) and an aircraft the Khmeimim radar cannot name, head-on 2 NM apart at FL300."""
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(36.0, 35.5, 90.0, 2.0)
    base = {"time": now, "alt_ft": 30000, "vs_fpm": 0, "source": "Khmeimim radar"}
    states = [
        {**base, "id": "RUS-SU35-1", "party": "RUS", "callsign": "BERKUT21", "lat": 35.5, "lon": 36.0}
        | {"gs_kt": 450, "trk_deg": 90},
        {**base, "id": "KHMEIMIM-T001", "party": "UNKNOWN", "callsign": "", "lat": float(lat), "lon": float(lon)}
        | {"gs_kt": 380, "trk_deg": 270},
    ]
    posted = running.desk("rus_sensor").client.post("/api/v1/tracks", json={"states": states})
    assert posted.status_code == 202, posted.text
    running.node.tick()


def test_a_call_about_an_unknown_track_from_the_rus_desk_is_acknowledged_by_the_usa_desk(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    rus, usa = new_desk(1280, 800), new_desk(1280, 800)
    rus.open("rus_duty")
    usa.open("usa_duty")
    _rus_picture(rus.running)
    page = rus.page
    page.click("[data-tab=alerts]")
    card = page.locator("#alerts li[data-alert]")
    card.wait_for()
    assert card.get_attribute("data-level") == "warning"
    call = card.locator(".call-form")
    button = call.locator("[data-action=safety-call]")
    assert button.get_attribute("data-track") == "KHMEIMIM-T001"  # never BERKUT21, RUS's own
    assert call.locator("select[name=track]").count() == 0  # one aircraft to call about
    # The owner is unknown: the desk asks which party, rather than sending a call the node must refuse.
    button.click()
    call.locator(".field-error").wait_for()
    assert not any("/alerts/safety-call" in url for url in rus.requests)
    call.locator("select[name=to]").select_option("USA")
    button.click()
    call.locator("[role=status]", has_text="USA").wait_for()
    # The USA desk: the alarm, the call in the hotline with the aircraft's position, level and heading (its
    # true track, filled in by the node from the RUS picture), Acknowledge.
    alarm = usa.page.locator("#alarm:not([hidden])")
    alarm.wait_for()
    text = usa.page.inner_text("#alarm-list")
    assert "KHMEIMIM-T001" in text
    assert "FL300, track 270°" in text
    usa.page.locator("#messages", has_text="FL300, track 270°").wait_for()
    page.locator("#messages", has_text="FL300, путевой угол 270°").wait_for()  # the caller's copy, in Russian
    # The composer offers the same phrase, its optional heading's brackets (catalogue syntax) not shown.
    offered = usa.page.locator("#compose-template option[value=safety_call]").text_content() or ""
    assert "{fl}, track {heading}." in offered
    screenshots(usa.page, "safety-call-unknown")
    usa.page.click("#alarm-list [data-action=ack]")
    usa.page.wait_for_selector("#alarm", state="hidden")
    # The RUS desk sees USA's acknowledgement on its message.
    page.locator("#messages .badge.state-acknowledged", has_text="USA").wait_for()


def test_a_broadcast_on_guard_reaches_every_other_desk_each_acknowledging_its_own(
    new_desk: Callable[..., Desk],
) -> None:
    rus, usa, tur, syr = (new_desk(1280, 800) for _ in range(4))
    rus.open("rus_duty")
    for tab, who in ((usa, "usa_duty"), (tur, "tur_duty"), (syr, "syr_duty")):
        tab.open(who)
    _rus_picture(rus.running)
    page = rus.page
    page.click("[data-tab=alerts]")
    call = page.locator("#alerts li[data-alert] .call-form")
    call.wait_for()
    call.locator("select[name=to]").select_option("ALL")
    # On a guard frequency only: the choice offers the two guards and nothing else.
    offered = call.locator("select[name=frequency_mhz] option").evaluate_all("os => os.map(o => Number(o.value))")
    assert sorted(offered) == [121.5, 243.0]
    call.locator("[data-action=safety-call]").click()
    call.locator("[role=status]", has_text="всем сторонам").wait_for()  # (the RUS desk reads Russian)
    for tab in (usa, tur, syr):
        tab.page.locator("#alarm:not([hidden])").wait_for()
        assert "KHMEIMIM-T001" in tab.page.inner_text("#alarm-list")
    usa.page.click("#alarm-list [data-action=ack]")
    usa.page.wait_for_selector("#alarm", state="hidden")
    assert tur.page.locator("#alarm").is_visible()  # each party acknowledges for itself
    page.locator("#messages .badge.state-acknowledged", has_text="USA").wait_for()


def test_the_composer_sends_a_safety_call_phrase_with_its_heading_left_empty(
    new_desk: Callable[..., Desk],
) -> None:
    """The heading is optional in the phrase: an officer typing a safety call by hand may leave it empty, and
    the message reads without it (rather than a 422 on an empty field)."""
    usa = new_desk(1280, 800)
    usa.open("usa_duty")
    page = usa.page
    page.click("#compose-toggle")
    form = page.locator("#compose")
    form.locator("input[name=recipients][value=RUS]").check()
    form.locator("[name=urgency]").select_option("safety")
    form.locator("#compose-template").select_option("safety_call")
    form.locator("[name='params.aircraft']").fill("BERKUT21")
    form.locator("[name='params.position']").fill("40.45, 35.4")
    form.locator("[name='params.fl']").fill("303")
    form.locator("[name='params.frequency']").fill("243.0")
    assert form.locator("[name='params.heading']").input_value() == ""
    form.locator("button[type=submit]").click()
    page.locator("#messages", has_text="FL303. We are calling it on 243.0").wait_for()
    (sent,) = usa.running.desk("rus_duty").client.get("/api/v1/messages").json()
    assert sent["message"]["content"]["params"] == {
        "aircraft": "BERKUT21",
        "position": [40.45, 35.4],
        "fl": 303,
        "frequency": 243.0,
    }
