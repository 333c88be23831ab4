"""Item 8 of issue 16 (the case's wording and escalations on the duty desks), in a real Chromium against a real
node: "Respond within" only on the side awaited, the other side reads how long the other side has; an
awaited officer with no move open says why there are no buttons; a safety call escalated to the generals is
marked on the duty desk."""

from __future__ import annotations

import re
from collections.abc import Callable
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


def test_the_countdown_is_worded_by_side_and_a_move_less_awaited_desk_says_why(new_desk: Callable[..., Desk]) -> None:
    usa, rus, observer = new_desk(1280, 800), new_desk(1280, 800), new_desk(1280, 800)
    _post(usa, "usa_duty", "/notices", usa_strike())
    _post(usa, "rus_duty", "/notices", rus_strike())
    (conflict,) = usa.running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    opened = _post(usa, "usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id = opened["case"]["case_id"]
    proposed = _post(
        usa, "usa_duty", f"/cases/{case_id}/propose", {"terms": {"kind": "shift_time", "party": "USA", "minutes": 60}}
    )
    assert proposed["awaiting"] == ["RUS"]
    usa.open("usa_duty")
    rus.open("rus_duty")
    observer.open("rus_observer")
    texts = {}
    for name, tab in (("usa", usa), ("rus", rus), ("observer", observer)):
        tab.page.click("[data-tab=cases]")
        card = tab.page.locator(f"#cases li[data-case='{case_id}']")
        card.locator(".countdown").wait_for()
        texts[name] = card
    assert re.fullmatch(r"Other side to respond within \d\d:\d\d", texts["usa"].locator(".countdown").inner_text())
    assert texts["usa"].locator(".no-moves").count() == 0
    assert "Другая сторона" not in texts["rus"].locator(".countdown").inner_text()
    assert texts["rus"].locator("[data-move]").count() > 0
    # The RUS observer is awaited (its party is) but may make no move: the card says so instead of nothing.
    assert texts["observer"].locator("[data-move]").count() == 0
    assert texts["observer"].locator(".no-moves").count() == 1


def test_a_safety_call_escalated_to_the_generals_is_marked_on_the_duty_desk(desk: Desk) -> None:
    desk.open("usa_duty")
    page = desk.page
    sent = _post(
        desk, "usa_duty", "/messages", {"recipients": ["RUS"], "urgency": "safety", "text": "Turn", "language": "en"}
    )
    message_id = sent["message"]["message_id"]
    item = page.locator(f"#messages li[data-message='{message_id}']")
    item.wait_for()
    assert item.locator(".badge.escalated").count() == 0
    # Nobody at the RUS desk acknowledges: past the escalation deadline the node escalates it.
    for _ in range(12):
        desk.running.clock.advance(seconds=30)
        desk.running.node.tick()
        if item.locator(".badge.escalated").count():
            break
        page.wait_for_timeout(300)
    item.locator(".badge.escalated[data-escalated=RUS]").wait_for()
    assert "escalated to the senior tier" in item.locator(".badge.escalated").inner_text().lower()
