from __future__ import annotations

import pytest

from airparley.errors import InvalidInput
from airparley.node import NodeSettings
from airparley.node._http import RateLimiter, TooManyRequests


def test_the_token_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate_per_s=2.0, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("a")
    with pytest.raises(TooManyRequests) as caught:
        limiter.check("a")
    assert caught.value.retry_after_s == pytest.approx(0.5)
    limiter.check("b")  # another token has its own bucket
    now[0] += 0.5
    limiter.check("a")


def test_settings_come_from_the_environment_and_are_checked() -> None:
    settings = NodeSettings.from_env({"AIRPARLEY_LATERAL_NM": "8", "AIRPARLEY_RATE_BURST": "50"}, time_min=15.0)
    assert settings.lateral_nm == 8.0
    assert settings.rate_burst == 50
    assert settings.time_min == 15.0
    with pytest.raises(InvalidInput) as caught:
        NodeSettings.from_env({"AIRPARLEY_VERTICAL_FT": "high"})
    assert caught.value.field == "AIRPARLEY_VERTICAL_FT"
    with pytest.raises(InvalidInput):
        NodeSettings(lateral_nm=-1)
