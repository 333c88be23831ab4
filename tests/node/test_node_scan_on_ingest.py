"""A party's picture is scanned as soon as its new states are in, not at the next scheduler tick."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from node_support import Served, _free_port, wait_until

from airparley.geo import destination
from airparley.ledger import generate_key
from airparley.node import Node, NodeSettings
from airparley.store import Store
from airparley.web import desk_app

TICK_S = 30.0  # no tick comes during the test: whatever is scanned is scanned on ingest


@pytest.fixture
def node_url(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    store = Store.open(f"sqlite:///{tmp_path / 'node.db'}")
    now = datetime.now(UTC)
    tokens = {}
    with store.begin() as tx:
        for code in ("USA", "RUS"):
            tx.add_party(code, code, "en", now)
            for tier in ("duty", "sensor"):
                _, tokens[f"{code}_{tier}"] = tx.add_officer(code, f"{code} {tier}", tier, now)
    settings = NodeSettings(rate_per_s=1000, rate_burst=5000, scheduler_interval_s=TICK_S, scan_gather_s=0.1)
    node = Node(store, settings, lambda: datetime.now(UTC), keys={"USA": generate_key(), "RUS": generate_key()})
    port = _free_port()
    served = Served(desk_app(node), port)
    try:
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        served.stop()
        store.close()


def _head_on(track_a: str, track_b: str, lat_a: float = 35.4) -> list[dict[str, Any]]:
    """Two aircraft 4 NM apart head-on at FL300: a warning within seconds."""
    time_text = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(40.4, lat_a, 90.0, 4.0)
    base = {"time": time_text, "alt_ft": 30000, "vs_fpm": 0, "gs_kt": 450}
    return [
        {**base, "id": track_a, "party": "USA", "lat": lat_a, "lon": 40.4, "trk_deg": 90},
        {**base, "id": track_b, "party": "RUS", "lat": float(lat), "lon": float(lon), "trk_deg": 270},
    ]


def _alerts(client: httpx.Client) -> list[dict[str, Any]]:
    events = client.get("/api/v1/events").json()["events"]
    return [e["data"] for e in events if e["kind"] == "alert.raised"]


def test_an_alert_comes_from_the_scan_after_ingest_not_the_next_tick(node_url: tuple[str, dict[str, str]]) -> None:
    url, tokens = node_url
    sensor = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['USA_sensor']}"}, timeout=10)
    duty = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['USA_duty']}"}, timeout=10)
    rus = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['RUS_duty']}"}, timeout=10)
    with sensor, duty, rus:
        posted_at = time.monotonic()
        assert sensor.post("/api/v1/tracks", json={"states": _head_on("E3", "SU35")}).status_code == 202
        (alert,) = wait_until(lambda: _alerts(duty), timeout_s=TICK_S / 3, what="the alert")
        assert time.monotonic() - posted_at < TICK_S / 3
        assert {alert["a"]["id"], alert["b"]["id"]} == {"E3", "SU35"}
        assert alert["level_name"] == "warning"
        assert _alerts(rus) == []  # scanned: USA's picture only, as ever
        # States of another pair (a degree further north), posted later, are scanned on their own arrival too.
        states = [*_head_on("E3", "SU35"), *_head_on("F22", "SU34", lat_a=36.4)]
        assert sensor.post("/api/v1/tracks", json={"states": states}).status_code == 202
        second = wait_until(
            lambda: [a for a in _alerts(duty) if a["a"]["id"] in ("F22", "SU34")],
            timeout_s=TICK_S / 3,
            what="the second",
        )
        assert {second[0]["a"]["id"], second[0]["b"]["id"]} == {"F22", "SU34"}
