"""Issue 6's acceptance story: two officers of two parties, each in a browser of their own, on one real node.

USA draws and files a notice with a private part; RUS draws an overlapping one; both desks see the conflict
appear live; RUS opens a case and proposes an altitude split; USA accepts; RUS sends a safety call that USA
acknowledges, and RUS sees it acknowledged. USA's private part reaches nothing RUS's page holds or received.
Everything is done in the pages (drawing, forms, buttons), at 1280x800, and the main views are saved as
screenshots (the ``screenshots`` fixture).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from desk_support import Desk

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 1280, 800


def _place(page: Any, name: str) -> tuple[float, float]:
    """Where a scenario place is on the map, in page pixels: its label is drawn 6 px to the right of it."""
    box = page.locator(".place-label", has_text=name).bounding_box()
    assert box is not None, name
    return box["x"] - 6, box["y"] + box["height"] / 2


def _fill_notice(page: Any, fields: dict[str, str]) -> None:
    """Fill the file-notice form (ids ``nf-<field>``), then file it and wait for the node's answer."""
    page.wait_for_selector("#pane-file:not([hidden])")
    page.wait_for_selector("#nf-submit:not([disabled])")
    for name, value in fields.items():
        page.fill(f"#nf-{name}", value)
    page.click("#nf-submit")
    page.wait_for_selector(f"#nf-result:has-text('{fields['notice_id']} v1')")  # (in the desk's language)


def _zoom_in_at(page: Any, x: float, y: float) -> None:
    """Zoom the map in a level or so around a point, with the mouse wheel, and wait until it is done."""
    scale = page.inner_text(".leaflet-control-scale-line")
    page.mouse.move(x, y)
    page.mouse.wheel(0, -120)
    page.wait_for_function(
        "scale => document.querySelector('.leaflet-control-scale-line').textContent !== scale"
        " && !document.querySelector('.leaflet-zoom-anim')",
        arg=scale,
    )
    page.wait_for_timeout(300)  # the basemap's redraw after the zoom


def _live(page: Any) -> None:
    """Mark the page: if it is ever reloaded the mark is gone (``_not_reloaded``)."""
    page.evaluate("window.__sameDocument = 'yes'")


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__sameDocument === 'yes'"))


def test_two_desks_negotiate_a_drawn_conflict_and_the_private_part_stays_home(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Path]
) -> None:
    usa, rus = new_desk(WIDTH, HEIGHT), new_desk(WIDTH, HEIGHT)
    secret = f"PRIVATE-USA-{uuid.uuid4().hex}"  # in USA's private notes: must never reach RUS
    shared = f"SHARED-USA-{uuid.uuid4().hex}"  # in USA's shared remarks: must reach RUS (the control)
    rus_secret = f"PRIVATE-RUS-{uuid.uuid4().hex}"

    # -- both officers log in, each in a browser context of their own (own cookies) ------------------------
    usa.open()
    usa.page.wait_for_selector("#login:not([hidden])")
    screenshots(usa.page, "login")
    usa.login("usa_duty")
    rus.open("rus_duty")
    assert usa.page.inner_text("#who").startswith("USA duty · USA")
    assert rus.page.inner_text("#who").startswith("RUS duty · RUS")
    for tab in (usa, rus):
        tab.page.wait_for_selector("#map[data-basemap]")
        _live(tab.page)
        assert tab.page.locator("#conflicts [data-conflict]").count() == 0

    # -- USA draws a polygon around Palmyra and files it, with a private part -----------------------------
    page = usa.page
    x, y = _place(page, "Palmyra")
    page.click(".leaflet-pm-icon-polygon")
    corners = [(x - 45, y - 35), (x + 35, y - 35), (x + 35, y + 30), (x - 45, y + 30)]
    for cx, cy in corners:
        page.mouse.click(cx, cy)
    page.mouse.click(*corners[0])
    page.wait_for_selector("#nf-shape:has-text('polygon, 4 corners')")
    _fill_notice(
        page,
        {
            "notice_id": "USA-0501",
            "lower": "200",
            "upper": "300",
            "start": "2026-11-26T03:00Z",
            "end": "2026-11-26T05:00Z",
            "callsigns": "VIPER11 VIPER12",
            "frequency_mhz": "243.0",
            "remarks": shared,
            "private": secret,
        },
    )
    page.click("[data-tab=notices]")
    own = page.locator("#notices [data-notice='USA-0501']")
    own.wait_for()
    assert secret in own.inner_text()  # the officer's own desk shows its private part ...
    assert page.locator(".leaflet-volumes-pane path").count() == 1  # ... and draws the volume
    page.click("[data-tab=conflicts]")
    (filed,) = usa.running.desk("usa_duty").client.get("/api/v1/notices").json()["features"]
    assert filed["geometry"]["type"] == "Polygon"
    assert filed["properties"]["private"] == {"notes": secret}

    # -- RUS draws an overlapping rectangle and files it; both desks see the conflict arrive live ----------
    page = rus.page
    x, y = _place(page, "Palmyra")
    page.click(".leaflet-pm-icon-rectangle")
    page.mouse.click(x - 5, y - 70)
    page.mouse.move(x + 40, y - 20)
    page.mouse.click(x + 80, y + 10)
    page.wait_for_selector("#nf-shape:has-text('polygon, 4 corners')")
    _fill_notice(
        page,
        {
            "notice_id": "RUS-0601",
            "lower": "150",
            "upper": "250",
            "start": "2026-11-26T03:30Z",
            "end": "2026-11-26T06:00Z",
            "callsigns": "GRACH31",
            "private": rus_secret,
        },
    )
    page.click("[data-tab=conflicts]")
    for tab, other in ((rus, "USA"), (usa, "RUS")):
        card = tab.page.locator("#conflicts [data-conflict]")
        card.wait_for()
        assert f"{other} " in card.locator("h3").inner_text()
        assert re.search(r"ft \(FL\d+–FL\d+\)", card.locator(".band").inner_text())
        assert "26 Nov" in card.locator(".window").inner_text()
        tab.page.wait_for_selector(".leaflet-conflicts-pane path")
        tab.page.wait_for_selector(".conflict-label")
        assert any('"conflict.detected"' in frame for frame in tab.frames)  # over the WebSocket
    rus_card = rus.page.locator("#conflicts [data-conflict]")
    assert "VIPER11 VIPER12" in rus_card.inner_text()
    assert shared in rus_card.inner_text()  # what USA shared reaches RUS (so the check below can fail)
    screenshots(usa.page, "theatre")
    _zoom_in_at(usa.page, *_place(usa.page, "Palmyra"))  # closer, for the screenshots that follow
    screenshots(usa.page, "conflict")

    # -- RUS opens a case from the conflict and proposes an altitude split --------------------------------
    page = rus.page
    with page.expect_response(
        lambda r: r.request.method == "GET" and re.search(r"/api/v1/cases/case-[0-9a-f]+$", r.url) is not None
    ):  # the case as this officer may move it, fetched after the node's case.opened event
        rus_card.locator("[data-action=open-case]").click()
    page.wait_for_selector("#pane-cases:not([hidden])")
    case = page.locator("#cases li[data-case]")
    case.wait_for()
    case_id = case.get_attribute("data-case")
    assert case_id
    card = page.locator(f"#cases li[data-case='{case_id}']")
    card.locator("[data-move=propose]").click()
    form = card.locator("form.case-form")
    form.locator("select[name='terms.kind']").select_option("altitude_split")
    form.locator("input[name='terms.at_ft']").fill("22000")
    form.locator("select[name='terms.above']").select_option("USA")
    form.locator("select[name='terms.below']").select_option("RUS")
    card.locator("input[name=note]").fill("USA above 22,000 ft, RUS below")  # the card's one Note field
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#cases li[data-case='{case_id}'][data-state=proposed]")
    # In the RUS desk's language, with the level (issue 16: terms in words, in the reader's language).
    assert "разделение по высоте на 22,000 фут (FL220): USA выше, RUS ниже" in card.locator(".proposal").inner_text()

    # -- USA sees the case arrive live and accepts it -----------------------------------------------------
    page = usa.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    card.locator(".proposal", has_text="altitude split at 22,000 ft (FL220): USA above, RUS below").wait_for()
    card.locator("[data-move=accept]").wait_for()
    assert "USA (you)" in card.inner_text()  # awaited
    screenshots(page, "case")
    card.locator("[data-move=accept]").click()
    for tab in (usa, rus):
        tab.page.wait_for_selector(f"#cases li[data-case='{case_id}'][data-state=agreed]")
    agreed = usa.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()["case"]
    assert agreed["state"] == "agreed"
    assert {o["party"] for o in agreed["agreement"]["obligations"]} == {"USA", "RUS"}
    assert rus.page.locator(f"#cases li[data-case='{case_id}'] [data-move=accept]").count() == 0

    # -- RUS sends a safety call from the hotline; USA acknowledges it; RUS sees it acknowledged ----------
    page = rus.page
    page.click("#compose-toggle")
    compose = page.locator("#compose")
    compose.wait_for()
    compose.locator("input[name=recipients][value=USA]").check()
    compose.locator("select[name=urgency]").select_option("safety")
    compose.locator("select[name=template]").select_option("traffic_turn")
    compose.locator("input[name='params.callsign']").fill("VIPER11")
    compose.locator("input[name='params.distance_nm']").fill("2")
    compose.locator("select[name='params.direction']").select_option("right")
    compose.locator("button[type=submit]").click()
    sent = page.locator("#messages li.msg.safety", has_text="VIPER11")
    sent.wait_for()
    message_id = sent.get_attribute("data-message")
    assert message_id
    page = usa.page
    page.wait_for_selector("#alarm:not([hidden])")
    alarmed = page.locator(f"#alarm-list li[data-message='{message_id}']")
    assert "VIPER11" in alarmed.inner_text()
    assert page.title().startswith("⚠ SAFETY")
    screenshots(page, "alarm")
    alarmed.locator("[data-action=ack]").click()
    page.wait_for_selector("#alarm", state="hidden")
    page.wait_for_selector(f"#messages li[data-message='{message_id}'] .badge.state-acknowledged")
    rus.page.wait_for_selector(f"#messages li[data-message='{message_id}'] .badge.state-acknowledged")
    receipt = rus.page.locator(f"#messages li[data-message='{message_id}'] .badge.state-acknowledged").inner_text()
    assert receipt.startswith("USA")
    receipts = usa.running.desk("rus_duty").client.get(f"/api/v1/messages/{message_id}").json()["message"]
    assert [(r["party"], r["state"]) for r in receipts["receipts"]] == [("USA", "acknowledged")]
    screenshots(rus.page, "hotline")
    page.click("[data-tab=conflicts]")
    screenshots(page, "desk")  # the theatre after the story: notice, conflict (case agreed), hotline

    # -- it all happened live: neither page was reloaded --------------------------------------------------
    assert _not_reloaded(usa.page)
    assert _not_reloaded(rus.page)

    # -- USA's private part never reached RUS: not in its page, its API answers or its WebSocket frames ---
    assert secret in usa.page.content()
    assert any(secret in body for body in usa.bodies)
    assert secret not in rus.page.content()
    assert [body for body in rus.bodies if secret in body] == []
    assert [frame for frame in rus.frames if secret in frame] == []
    assert secret not in json.dumps(rus.snapshot(), ensure_ascii=False)
    assert len(rus.bodies) > 5
    assert len(rus.frames) > 5  # RUS did receive the story, over the WebSocket
    # ... and the same the other way round.
    assert rus_secret in rus.page.content()
    assert rus_secret not in usa.page.content()
    assert [text for text in (*usa.bodies, *usa.frames) if rus_secret in text] == []

    # -- nothing left 127.0.0.1, nothing failed in either page (console errors: checked by new_desk) ------
    for tab in (usa, rus):
        assert tab.external_requests() == []
        assert tab.errors == []
