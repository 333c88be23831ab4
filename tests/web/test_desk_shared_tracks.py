"""A track another party shares shows on the recipient's map, labelled with the sharer."""

from __future__ import annotations

from datetime import UTC

import pytest
from desk_support import Desk

pytestmark = pytest.mark.slow


def test_a_shared_track_is_drawn_for_the_recipient_with_its_sharer(desk: Desk) -> None:
    running = desk.running
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    e3 = {"id": "USA-E3-1", "party": "USA", "callsign": "SENTRY60", "time": now, "lat": 35.2, "lon": 40.0}
    e3 |= {"alt_ft": 30000, "gs_kt": 360, "trk_deg": 60, "vs_fpm": 0, "source": "E-3"}
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": [e3]})
    assert posted.status_code == 202, posted.text
    shared = running.desk("usa_duty").client.post("/api/v1/tracks/shares", json={"track": "USA-E3-1", "with": ["RUS"]})
    assert shared.status_code == 201, shared.text

    desk.open("rus_duty")
    running.node.tick()
    label = desk.page.locator(".track-label", has_text="SENTRY60")
    label.wait_for()
    assert "⇄ USA" in label.inner_text()
    # TUR was not named: its desk's picture stays empty.
    assert running.desk("tur_duty").client.get("/api/v1/tracks").json() == []
