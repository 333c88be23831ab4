"""Item 4 of issue 16 in a real Chromium against a real node: an agreement in words with its values in the
reader's language, drawn on the map at the conflict, and a proposal's split defaulted inside the conflict's
band."""

from __future__ import annotations

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


def test_an_agreed_split_reads_with_its_level_on_the_card_and_the_map(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa, rus = new_desk(1280, 800), new_desk(1280, 800)
    _post(usa, "usa_duty", "/notices", usa_strike())
    _post(usa, "rus_duty", "/notices", rus_strike())
    (conflict,) = usa.running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    band = (conflict["overlap"]["lower_ft"], conflict["overlap"]["upper_ft"])
    opened = _post(usa, "rus_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    case_id = opened["case"]["case_id"]
    usa.open("usa_duty")
    rus.open("rus_duty")
    page = usa.page
    page.click("[data-tab=cases]")
    card = page.locator(f"#cases li[data-case='{case_id}']")
    # A proposal's split starts inside the conflict's band, not at a fixed 26,000 ft.
    card.locator("[data-move=propose]").click()
    card.locator("select[name='terms.kind']").select_option("altitude_split")
    default = float(card.locator("input[name='terms.at_ft']").input_value())
    assert band[0] < default < band[1], (default, band)
    # RUS proposes a split at 20,000 ft; USA accepts on its desk.
    _post(
        usa,
        "rus_duty",
        f"/cases/{case_id}/propose",
        {"terms": {"kind": "altitude_split", "at_ft": 20000, "above": "USA", "below": "RUS"}},
    )
    card.locator("[data-move=accept]").wait_for()
    card.locator("[data-move=accept]").click()
    page.wait_for_selector(f"#cases [data-case='{case_id}'][data-state=agreed]")
    agreement = page.locator(f"#cases [data-case='{case_id}'] .agreement")
    assert "altitude split at 20,000 ft (FL200): USA above, RUS below" in agreement.inner_text()
    label = page.locator(f".agreement-label [data-case='{case_id}']").last  # (a redrawn label fades out)
    label.wait_for()
    assert "20,000 ft" in label.inner_text()
    assert "Agreed" in label.inner_text()
    screenshots(page, "agreement")
    # The RUS desk reads it in Russian, with the same values.
    rus.page.click("[data-tab=cases]")
    rus_agreement = rus.page.locator(f"#cases [data-case='{case_id}'] .agreement")
    rus_agreement.wait_for()
    assert "разделение по высоте на 20,000 фут (FL200)" in rus_agreement.inner_text()
