"""The live demo's lag on the desk (issue 13), in a real Chromium against a real node: a ``simulation.lag``
event raised as the demo raises it shows "simulation running N s behind" and the banner clears when the
demo has caught up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from desk_support import Desk

from airparley.node import tell_lag

pytestmark = pytest.mark.slow


def _tell(desk: Desk, behind_s: float, lagging: bool) -> None:
    running = desk.running
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), behind_s, lagging, "the demo is behind the wall clock")


def test_the_lag_banner_shows_how_far_behind_and_clears_when_caught_up(
    new_desk: Callable[..., Desk], screenshots: Callable[[Any, str], Any]
) -> None:
    usa, rus = new_desk(1280, 800), new_desk(1280, 800)
    usa.open("usa_duty")
    rus.open("rus_duty")
    for tab in (usa, rus):
        assert tab.page.locator("#lag").is_hidden()
    _tell(usa, 12.4, True)
    for tab in (usa, rus):
        tab.page.wait_for_selector("#lag:not([hidden])[data-behind='12']")
    assert "Simulation running 12 s behind" in usa.page.inner_text("#lag")
    assert "12" in rus.page.inner_text("#lag")  # the RUS desk reads it in Russian
    assert "Simulation" not in rus.page.inner_text("#lag")
    _tell(usa, 31.0, True)
    usa.page.wait_for_selector("#lag[data-behind='31']")
    screenshots(usa.page, "lag")
    _tell(usa, 0.0, False)
    for tab in (usa, rus):
        tab.page.wait_for_selector("#lag", state="hidden")


def test_a_desk_opened_or_reloaded_while_the_demo_lags_shows_the_banner_at_once(
    new_desk: Callable[..., Desk],
) -> None:
    usa = new_desk(1280, 800)
    _tell(usa, 0.0, False)  # an earlier lag, over: no banner
    _tell(usa, 17.2, True)  # lagging before the desk opens
    usa.open("usa_duty")
    # Shown by the time the desk is ready and live, not at the next note: none comes on the feed.
    assert usa.page.locator("#lag").is_visible()
    assert usa.page.get_attribute("#lag", "data-behind") == "17"
    assert "Simulation running 17 s behind" in usa.page.inner_text("#lag")
    assert not [frame for frame in usa.frames if "simulation.lag" in frame]
    # A reload (a new session's start, its feed from the new cursor) shows it again at once.
    usa.page.reload()
    usa.page.wait_for_selector("body[data-ready=true]", timeout=10_000)
    assert usa.page.locator("#lag").is_visible()
    assert usa.page.get_attribute("#lag", "data-behind") == "17"
    _tell(usa, 0.0, False)
    usa.page.wait_for_selector("#lag", state="hidden")
    # Caught up: a desk opened now shows no banner.
    rus = new_desk(1280, 800)
    rus.open("rus_duty")
    assert rus.page.locator("#lag").is_hidden()
