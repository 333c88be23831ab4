"""Item 6 of issue 16 in a real Chromium against a real node: the clock to the second, a live "now" that
follows the node's clock, typed and relative times, a slider a minute a step, and the conflict's window said
to include the buffers."""

from __future__ import annotations

import re

import pytest
from desk_support import Desk
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def test_now_follows_times_are_typed_and_buffers_are_labelled(desk: Desk) -> None:
    running = desk.running
    for who, document in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):
        filed = running.desk(who).client.post("/api/v1/notices", json=document)
        assert filed.status_code in (200, 201), filed.text
    desk.open("usa_duty")
    page = desk.page
    assert re.fullmatch(r"\d\d \w{3} \d\d:\d\d:\d\dZ", page.inner_text("#clock")), page.inner_text("#clock")
    # The buffers are said beside the overlap's window.
    card = page.locator("#conflicts [data-conflict]")
    card.wait_for()
    assert "buffers included" in card.inner_text()
    # "Now" follows the node's clock: pressed, it moves on every second instead of freezing.
    page.click("#time-now")
    assert page.get_attribute("#time-now", "aria-pressed") == "true"
    first = page.evaluate("window.airparley.state.time")
    page.wait_for_timeout(2500)
    later = page.evaluate("window.airparley.state.time")
    assert later - first >= 1500
    assert "now, live" in page.inner_text("#time-label")
    # A relative time: two hours on; the label says so, and Now is no longer pressed.
    page.fill("#time-input", "+2h")
    page.press("#time-input", "Enter")
    assert page.get_attribute("#time-now", "aria-pressed") == "false"
    assert "(+2h00)" in page.inner_text("#time-label")
    # An absolute time of day, UTC: 03:30Z today is inside both strikes' windows; 01:30Z is in neither.
    page.fill("#time-input", "0330Z")
    page.press("#time-input", "Enter")
    assert "26 Nov 03:30Z" in page.inner_text("#time-label")
    assert page.locator("#conflicts .out-of-window").count() == 0
    page.fill("#time-input", "01:30")
    page.press("#time-input", "Enter")
    page.wait_for_selector("#conflicts .out-of-window")
    # Nonsense is refused beside the field, and the filter stays where it was.
    page.fill("#time-input", "half past")
    page.press("#time-input", "Enter")
    assert "not a time" in page.inner_text("#time-error")
    assert "01:30Z" in page.inner_text("#time-label")
    # The slider: a minute a step, from 6 h back to 12 h on.
    assert page.get_attribute("#time-slider", "step") == "1"
    assert (page.get_attribute("#time-slider", "min"), page.get_attribute("#time-slider", "max")) == ("-360", "720")


def test_the_timeline_has_a_row_per_notice_and_conflict_and_sets_the_filter(desk: Desk) -> None:
    running = desk.running
    for who, document in (("usa_duty", usa_strike()), ("rus_duty", rus_strike())):
        filed = running.desk(who).client.post("/api/v1/notices", json=document)
        assert filed.status_code in (200, 201), filed.text
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=timeline]")
    notice = page.locator("#gantt .gantt-row.notice[data-key='USA-0101']")
    conflict = page.locator("#gantt .gantt-row.conflict")
    notice.wait_for()
    assert conflict.count() == 1
    assert notice.locator("rect.gantt-bar").count() == 1
    assert page.locator("#gantt line.gantt-now").count() == 1
    # A click on the notice's row filters at its start (02:00Z); the cursor line shows it.
    notice.click()
    assert "26 Nov 02:00Z" in page.inner_text("#time-label")
    page.wait_for_selector("#gantt line.gantt-cursor", state="attached")
