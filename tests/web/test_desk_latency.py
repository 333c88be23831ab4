"""How long from a WebSocket event to the change on screen (issue 16: measured, recorded in docs/ui.md), in a
real Chromium against a real node: an alert raised (``tracks.update`` / ``alert.raised`` -> the card in the
alerts list) and a safety call received (``message.sent`` -> the alarm banner). The page's clock times both
ends: a wrapper records when each frame reached the page's socket, a MutationObserver when the card or the
banner line appeared."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from desk_support import Desk
from node_support import Running

from airparley.geo import destination

pytestmark = pytest.mark.slow

#: Installed before the page's own scripts: stamps every event frame and every alert card or alarm line.
PROBE = """
(() => {
  window.__frames = [];
  window.__shown = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (m) => {
        try { const e = JSON.parse(m.data); window.__frames.push([e.kind, performance.now()]); } catch (_) {}
      });
    }
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.matches("#alerts li[data-alert]")) window.__shown.push(["alert", performance.now()]);
      if (n.matches("#alarm-list li[data-message]")) window.__shown.push(["safety", performance.now()]);
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""


def _converging(running: Running) -> None:
    now = running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    base = {"time": now, "alt_ft": 30000, "vs_fpm": 0, "source": "E-3"}
    states = [
        {**base, "id": "E3", "party": "USA", "callsign": "SENTRY60", "lat": 35.4, "lon": 40.4}
        | {"gs_kt": 360, "trk_deg": 90},
        {**base, "id": "SU35", "party": "RUS", "callsign": "FALCON11", "lat": float(lat), "lon": float(lon)}
        | {"gs_kt": 450, "trk_deg": 270},
    ]
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": states})
    assert posted.status_code == 202, posted.text
    running.node.tick()


def _latency(page: Any, kinds: tuple[str, ...], shown: str) -> float:
    page.wait_for_function("(what) => window.__shown.some(([k]) => k === what)", arg=shown)
    frames = page.evaluate("window.__frames")
    shown_at = min(t for k, t in page.evaluate("window.__shown") if k == shown)
    arrived = [t for k, t in frames if k in kinds and t <= shown_at]
    assert arrived, (frames, shown_at)
    return float(shown_at - max(arrived))


def test_an_alert_and_a_safety_call_reach_the_screen_within_a_fraction_of_a_second(desk: Desk) -> None:
    desk.page.add_init_script(PROBE)
    desk.open("usa_duty")
    page = desk.page
    page.click("[data-tab=alerts]")
    _converging(desk.running)
    alert_ms = _latency(page, ("tracks.update", "alert.raised"), "alert")
    sent = desk.running.desk("rus_duty").client.post(
        "/api/v1/messages",
        json={"recipients": ["USA"], "urgency": "safety", "text": "Climb now", "language": "en"},
    )
    assert sent.status_code in (200, 201), sent.text
    safety_ms = _latency(page, ("message.sent",), "safety")
    print(f"\nWebSocket event -> screen: alert {alert_ms:.1f} ms, safety call {safety_ms:.1f} ms")
    assert 0 <= alert_ms < 250
    assert 0 <= safety_ms < 250
