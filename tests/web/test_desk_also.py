"""The "also" list of issue 16 in a real Chromium against a real node: a conflict list sorted and filtered
(by start, party and case state), placeholders that cannot pass for values, and a light high-contrast theme
for daylight rooms, remembered by the browser."""

from __future__ import annotations

import pytest
from desk_support import Desk
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def _file(desk: Desk, who: str, document: dict[str, object]) -> None:
    answer = desk.running.desk(who).client.post("/api/v1/notices", json=document)
    assert answer.status_code in (200, 201), answer.text


def _turkish() -> dict[str, object]:
    """A Turkish strike over the same ground as the Russian one, earlier in the night."""
    document = rus_strike(start="2026-11-26T02:30:00Z", end="2026-11-26T03:30:00Z")
    feature = document["features"][0]  # type: ignore[index]
    feature["properties"] |= {"notice_id": "TUR-0301", "party": "TUR", "callsigns": ["ASENA1"]}
    feature["properties"].pop("private")
    return document


def test_the_conflict_list_sorts_and_filters(desk: Desk) -> None:
    _file(desk, "usa_duty", usa_strike())
    _file(desk, "rus_duty", rus_strike())
    _file(desk, "tur_duty", _turkish())
    conflicts = desk.running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    assert sorted(c["other"]["party"] for c in conflicts) == ["RUS", "TUR"]
    rus_conflict = next(c for c in conflicts if c["other"]["party"] == "RUS")
    opened = desk.running.desk("usa_duty").client.post(
        "/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": rus_conflict["id"]}}
    )
    assert opened.status_code in (200, 201), opened.text
    desk.open("usa_duty")
    page = desk.page
    cards = page.locator("#conflicts li[data-conflict]")
    page.wait_for_function("() => document.querySelectorAll('#conflicts li[data-conflict]').length === 2")

    def others() -> list[str]:
        return [text.split(" × ")[1].split()[0] for text in cards.locator("h3").all_inner_texts()]

    assert others() == ["TUR", "RUS"]  # by start: the Turkish strike starts first
    page.select_option("#conflict-sort", "party")
    assert others() == ["RUS", "TUR"]
    page.select_option("#conflict-party", "TUR")
    assert others() == ["TUR"]
    page.select_option("#conflict-party", "")
    page.select_option("#conflict-state", "none")  # only the conflicts nobody has opened a case on
    assert others() == ["TUR"]
    page.select_option("#conflict-state", "open")
    assert others() == ["RUS"]
    assert page.inner_text("#count-conflicts") == "2"  # the tab counts them all


def test_placeholders_do_not_look_like_values_and_the_daylight_theme_is_remembered(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    style = page.locator("#goto").evaluate(
        "el => { const s = getComputedStyle(el, '::placeholder'); return [s.fontStyle, s.color]; }"
    )
    assert style[0] == "italic"
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("#theme")
    assert page.get_attribute("html", "data-theme") == "light"
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark
    assert light == "rgb(244, 246, 248)"
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("html", "data-theme") == "light"
    assert page.get_attribute("#theme", "aria-pressed") == "true"


def test_a_case_report_from_the_card_and_a_thread_printed_alone(desk: Desk) -> None:
    _file(desk, "usa_duty", usa_strike())
    _file(desk, "rus_duty", rus_strike())
    (conflict,) = desk.running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    opened = desk.running.desk("usa_duty").client.post(
        "/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}
    )
    case_id = opened.json()["case"]["case_id"]
    sent = desk.running.desk("rus_duty").client.post(
        "/api/v1/messages", json={"recipients": ["USA"], "urgency": "routine", "text": "Noted", "language": "en"}
    )
    assert sent.status_code in (200, 201), sent.text
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    link = card.locator("a[data-report=html]")
    link.wait_for()
    # The printable report, with the desk's own session (the cookie), verified by the node.
    with page.context.expect_page() as opened_tab:
        link.click()
    report = opened_tab.value
    report.wait_for_load_state()
    assert case_id in report.content()
    report.close()
    pdf = page.context.request.get(desk.running.url + card.locator("a[data-report=pdf]").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
    # Print the thread: the hotline alone on the page, the map and the panels left out.
    page.evaluate("window.print = () => { window.__printed = document.body.className; }")
    page.click("#print-thread")
    assert "printing-thread" in page.evaluate("window.__printed")
    page.evaluate("document.body.classList.add('printing-thread')")
    page.emulate_media(media="print")
    assert page.locator("#messages li[data-message]").first.is_visible()
    assert page.locator("#map").is_hidden()
    assert page.locator(".tabs").is_hidden()
