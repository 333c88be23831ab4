"""Issue 14's desk views in a real Chromium against a real node: USA proposes an agreement on its desk, RUS
signs it on its own desk (another browser context), both read it "in force" with its terms in their own
language; an observer may read but not propose or sign; "What did we give them?" shows the disclosure
accounting by kind; an incident's trails are disclosed to a chosen party from its card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from desk_support import Desk
from test_desk_incidents import _head_on
from test_desk_incidents import _post as _post_states

pytestmark = pytest.mark.slow


def _card(page: Any, agreement_id: str) -> Any:
    return page.locator(f"#agreements-list li[data-agreement='{agreement_id}']")


def test_usa_proposes_rus_signs_and_both_see_it_in_force(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa, rus = new_desk(1280, 800), new_desk(1280, 800)
    usa.open("usa_duty")
    rus.open("rus_duty")
    page = usa.page
    page.click("[data-tab=agreements]")
    form = page.locator("#agreement-form")
    # Every control of the form is reached by the keyboard and has a label.
    form.get_by_label("RUS").check()
    buffers = form.get_by_role("group", name="conflict buffers")
    form.get_by_label("Frequencies, one per line: name, MHz, area").fill("Deconfliction UHF, 251.3, Syria")
    buffers.get_by_label("NM").fill("8")
    buffers.get_by_label("ft", exact=True).fill("2000")
    buffers.get_by_label("min", exact=True).fill("15")
    form.get_by_label("Agreement id (optional)").fill("USA-RUS-annex")
    form.get_by_label("Agreement id (optional)").press("Enter")
    card = _card(page, "USA-RUS-annex")
    card.wait_for()
    assert card.get_attribute("data-status") == "proposed"
    assert "8 NM lateral, 2000 ft vertical, 15 min in time" in card.inner_text()
    assert "Deconfliction UHF 251.3 MHz (Syria)" in card.inner_text()
    assert card.locator(".signed-by").inner_text() == "✓ USA"
    assert card.locator("[data-act=sign]").count() == 0  # USA signed by proposing

    # RUS's desk gets the proposal by the node's agreement.proposed event, in Russian, and signs it.
    rus.page.click("[data-tab=agreements]")
    rus_card = _card(rus.page, "USA-RUS-annex")
    rus_card.wait_for()
    assert "предложено" in rus_card.inner_text().lower()
    assert "8 NM по горизонтали, 2000 фут по вертикали, 15 мин по времени" in rus_card.inner_text()
    rus_card.locator("[data-act=sign]").focus()
    rus.page.keyboard.press("Enter")
    rus.page.wait_for_selector("#agreements-list li[data-agreement='USA-RUS-annex'][data-status=in_force]")
    assert "в силе" in _card(rus.page, "USA-RUS-annex").inner_text().lower()

    # USA's desk follows on the agreement.signed event, without a reload.
    page.wait_for_selector("#agreements-list li[data-agreement='USA-RUS-annex'][data-status=in_force]")
    assert "in force" in card.inner_text().lower()
    assert card.locator(".signed-by").inner_text() == "✓ RUS, ✓ USA"
    screenshots(page, "agreements")
    # The node agrees: the terms in force between USA and RUS are these.
    terms = usa.running.desk("usa_duty").client.get("/api/v1/agreements/in-force?parties=USA,RUS").json()
    assert terms["agreement"]["agreement_id"] == "USA-RUS-annex"

    # What did we give them? USA's disclosure to RUS, by kind; nothing flagged.
    disclosure = page.locator("#disclosure-form")
    disclosure.get_by_label("To party").select_option("RUS")
    disclosure.locator("[data-act=disclosure]").click()
    result = page.locator(".disclosure-result")
    result.locator("table.disclosure-kinds").wait_for()
    account = usa.running.desk("usa_duty").client.get("/api/v1/disclosure?to=RUS").json()
    for kind, count in account["kinds"].items():
        assert result.locator(f"tr[data-kind='{kind}'] td").inner_text() == str(count)
    assert account["flagged"] == 0
    assert "Nothing flagged." in result.inner_text()
    # Every item counted is listed under its kind, collapsed until opened.
    for kind, count in account["kinds"].items():
        group = result.locator(f"details.disclosure-items[data-kind='{kind}']")
        assert group.get_attribute("open") is None
        group.locator("summary").click()
        assert group.locator("li[data-id]").count() == count
    listed = {li.get_attribute("data-id") for li in result.locator("details.disclosure-items li[data-id]").all()}
    assert listed == {item["id"] for item in account["items"]}
    first = account["items"][0]
    assert first["covered_by"] in result.locator(f"details.disclosure-items li[data-id='{first['id']}']").inner_text()
    result.scroll_into_view_if_needed()
    screenshots(page, "disclosure")


def test_an_observer_reads_agreements_but_neither_proposes_nor_signs(new_desk: Callable[..., Desk]) -> None:
    running_desk = new_desk(1280, 800)
    client = running_desk.running.desk("usa_duty").client
    answer = client.post(
        "/api/v1/agreements",
        json={"parties": ["RUS", "USA"], "start": "2026-01-01T00:00:00Z", "terms": {"fallback": ["buffers"]}},
    )
    assert answer.status_code == 201, answer.text
    agreement_id = answer.json()["agreement_id"]
    running_desk.open("rus_observer")
    page = running_desk.page
    page.click("[data-tab=agreements]")
    card = _card(page, agreement_id)
    card.wait_for()
    assert card.get_attribute("data-status") == "proposed"
    assert card.locator("[data-act=sign]").count() == 0
    assert page.locator("#agreement-form").count() == 0
    assert "дежурный или старший" in page.locator("#agreement-propose").inner_text()


def test_usa_discloses_an_incidents_trails_to_rus_from_its_card(new_desk: Callable[..., Desk]) -> None:
    usa = new_desk(1280, 800)
    usa.open("usa_duty")
    page = usa.page
    running = usa.running
    # The USA E-3 and a Russian Su-35 pass 0.1 NM apart: an incident on USA's picture.
    _post_states(running, _head_on(0.0))
    for step in range(1, 16):
        running.clock.advance(seconds=2)
        _post_states(running, _head_on(2.0 * step))
    page.click("[data-tab=incidents]")
    card = page.locator("#incidents li.incident", has_text="SENTRY60")
    card.wait_for()
    rus = running.desk("rus_duty").client
    (incident_id,) = [i["incident_id"] for i in running.desk("usa_duty").client.get("/api/v1/incidents").json()]
    assert rus.get(f"/api/v1/incidents/{incident_id}").status_code == 404  # the trails stay with USA
    form = card.locator("form.disclose-form")
    form.get_by_label("RUS").check()
    form.locator("[data-action=disclose-trails]").click()
    page.locator("#incidents li.incident .disclosed-to", has_text="RUS").wait_for()
    assert page.locator("#incidents li.incident form.disclose-form").get_by_label("RUS").count() == 0
    # The signed act reached the node: RUS reads the record with the trails, and USA's accounting lists it.
    assert rus.get(f"/api/v1/incidents/{incident_id}").status_code == 200
    page.click("[data-tab=agreements]")
    disclosure = page.locator("#disclosure-form")
    disclosure.get_by_label("To party").select_option("RUS")
    disclosure.locator("[data-act=disclosure]").click()
    page.locator(".disclosure-result tr[data-kind='incident_record'] td", has_text="1").wait_for()


def test_a_new_version_supersedes_once_both_sign(new_desk: Callable[..., Desk]) -> None:
    usa, rus = new_desk(1280, 800), new_desk(1280, 800)
    clients = {p: usa.running.desk(f"{p.lower()}_duty").client for p in ("USA", "RUS")}
    start = usa.running.clock().isoformat()
    v1 = {"parties": ["RUS", "USA"], "start": start, "agreement_id": "annex-2", "terms": {"fallback": ["buffers"]}}
    assert clients["USA"].post("/api/v1/agreements", json=v1).status_code == 201
    assert clients["RUS"].post("/api/v1/agreements/annex-2/versions/1/sign").status_code == 200
    rus.open("rus_duty")
    page = rus.page
    page.click("[data-tab=agreements]")
    card = page.locator("#agreements-list li[data-agreement='annex-2'][data-version='1']")
    card.locator("[data-act=new-version]").click()
    form = page.locator("#agreement-form")
    assert "annex-2 v1" in form.locator(".supersedes").inner_text()
    assert form.get_by_label("USA").is_checked()
    buffers = form.get_by_role("group", name="буферы конфликтов")
    buffers.get_by_label("NM").fill("10")
    buffers.get_by_label("ft", exact=True).fill("3000")
    buffers.get_by_label("min", exact=True).fill("20")
    form.locator("[data-act=propose-agreement]").click()
    v2 = page.locator("#agreements-list li[data-agreement='annex-2'][data-version='2']")
    v2.wait_for()
    assert v2.get_attribute("data-status") == "proposed"
    assert "10 NM по горизонтали, 3000 фут по вертикали, 20 мин по времени" in v2.inner_text()
    # Until USA signs v2, v1 stays in force; once it signs on its desk, v2 is in force and v1 superseded.
    assert card.get_attribute("data-status") == "in_force"
    usa.open("usa_duty")
    usa.page.click("[data-tab=agreements]")
    usa.page.locator("#agreements-list li[data-agreement='annex-2'][data-version='2'] [data-act=sign]").click()
    for tab in (usa.page, page):
        tab.wait_for_selector("#agreements-list li[data-agreement='annex-2'][data-version='2'][data-status=in_force]")
        tab.wait_for_selector("#agreements-list li[data-agreement='annex-2'][data-version='1'][data-status=superseded]")
