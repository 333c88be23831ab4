"""A case card's note is written in the officer's desk language, sent with it, and refused where the case's
parties agreed other languages (issue 14), in a real Chromium against a real node."""

from __future__ import annotations

from typing import Any

import pytest
from desk_support import Desk, forgive_console_errors
from palmyra import rus_strike, usa_strike

pytestmark = pytest.mark.slow


def _post(desk: Desk, who: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = desk.running.desk(who).client.post(f"/api/v1{path}", json=body or {})
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_desk_sends_its_language_with_a_note_and_shows_a_refusal(desk: Desk) -> None:
    _post(desk, "usa_duty", "/notices", usa_strike())
    _post(desk, "rus_duty", "/notices", rus_strike())
    (conflict,) = desk.running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    subject = {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}
    case_id = _post(desk, "usa_duty", "/cases", subject)["case"]["case_id"]
    _post(
        desk, "usa_duty", f"/cases/{case_id}/propose", {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 60}}
    )

    desk.open("rus_duty")  # RUS's desk reads Russian
    page = desk.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    card.locator("[data-move=counter]").click()
    form = card.locator("form.case-form")
    form.wait_for()
    form.locator("[name='terms.kind']").select_option("shift_time")
    form.locator("[name='terms.party']").select_option("USA")
    form.locator("[name='terms.minutes']").fill("30")
    card.locator("input.case-note").fill("Сдвиньте на полчаса")
    form.locator("button[type=submit]").click()
    # The history (folded) shows the note as written, marked as Russian.
    page.wait_for_selector(f"#cases li[data-case='{case_id}'] [data-node-text=proposal][lang=ru]", state="attached")
    usa = desk.running.desk("usa_duty").client
    history = usa.get(f"/api/v1/cases/{case_id}").json()["case"]["history"]
    assert (history[-1]["event"], history[-1]["language"]) == ("counter", "ru")

    # USA and RUS agree English only; RUS's Russian note is refused, its reason shown on the card.
    agreement = usa.post(
        "/api/v1/agreements",
        json={"parties": ["USA", "RUS"], "start": "2026-11-26T00:00:00Z", "terms": {"languages": ["en"]}},
    ).json()
    _post(desk, "rus_duty", f"/agreements/{agreement['agreement_id']}/versions/{agreement['version']}/sign")
    _post(
        desk, "usa_duty", f"/cases/{case_id}/counter", {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 45}}
    )
    card.locator("[data-move=reject]").wait_for()
    card.locator("input.case-note").fill("Не сегодня")
    card.locator("[data-move=reject]").click()
    card.locator(".field-error:has-text('ru is not agreed between RUS and USA (agreed: en)')").wait_for()
    assert usa.get(f"/api/v1/cases/{case_id}").json()["case"]["state"] == "proposed"
    assert forgive_console_errors(desk, 422, f"/api/v1/cases/{case_id}/reject") == 1
    # Without a text there is nothing to check: the move goes through.
    card.locator("input.case-note").fill("")
    card.locator("[data-move=reject]").click()
    page.wait_for_selector(f"#cases [data-case='{case_id}'][data-state=rejected]")
