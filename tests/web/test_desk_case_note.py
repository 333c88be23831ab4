"""One Note per case card (issue 16, the 'also' list), in a real Chromium against a real node: a single labelled
field whose text goes with whichever move the officer makes, a counter-proposal's terms form included."""

from __future__ import annotations

from typing import Any

import pytest
from desk_support import Desk
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def _post(desk: Desk, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = desk.running.desk(who).client.post(f"/api/v1{path}", json=body)
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_one_note_field_per_card_goes_with_a_counter_and_with_a_rejection(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    _post(desk, "rus_duty", "/notices", rus_strike())
    (conflict,) = desk.running.desk("rus_duty").client.get("/api/v1/conflicts").json()
    case_id = _post(desk, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})[
        "case"
    ]["case_id"]
    _post(
        desk, "rus_duty", f"/cases/{case_id}/propose", {"terms": {"kind": "shift_time", "party": "USA", "minutes": 60}}
    )
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    card.locator("[data-move=counter]").wait_for()
    note = card.locator("input.case-note")
    assert note.count() == 1
    assert card.locator(f"label[for='{note.get_attribute('id')}']").inner_text() == "Note"
    assert note.get_attribute("placeholder") is None  # a label, not a placeholder that could pass for a value
    # The terms form opens below; the card still has one note field, and the form none of its own.
    card.locator("[data-move=counter]").click()
    form = card.locator("form.case-form")
    form.wait_for()
    assert card.locator("input[name=note], input[name=text]").count() == 1
    form.locator("[name='terms.kind']").select_option("shift_time")
    form.locator("[name='terms.party']").select_option("RUS")
    form.locator("[name='terms.minutes']").fill("45")
    note.fill("Our package is fixed; please move yours")
    form.locator("button[type=submit]").click()
    # Wait for the counter itself: RUS's own proposal already names RUS, so 'RUS' alone matched before the post.
    page.wait_for_selector(f"#cases li[data-case='{case_id}'] .proposal:has-text('Our package is fixed')")
    proposal = desk.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()["case"]["proposal"]
    assert proposal["text"] == "Our package is fixed; please move yours"
    # RUS counters back; USA rejects, with a note: the same single field, sent with the rejection.
    _post(
        desk, "rus_duty", f"/cases/{case_id}/counter", {"terms": {"kind": "shift_time", "party": "USA", "minutes": 30}}
    )
    card.locator("[data-move=reject]").wait_for()
    assert card.locator("input.case-note").count() == 1
    card.locator("input.case-note").fill("Not tonight")
    card.locator("[data-move=reject]").click()
    page.wait_for_selector(f"#cases [data-case='{case_id}'][data-state=rejected]")
    history = desk.running.desk("rus_duty").client.get(f"/api/v1/cases/{case_id}").json()["case"]["history"]
    assert history[-1]["event"] == "reject"
    assert history[-1]["note"] == "Not tonight"
