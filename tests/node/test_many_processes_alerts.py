"""Alerts with several processes of one node (issue 18): every process scans every party's picture (its
/alerts and live picture need it), but only the scheduler's leader writes what the scans find, so an alert
seen by both processes is one event."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_many_processes import Served, _client, _head_on, _serve, _setup
from test_many_processes import processes as processes  # the fixture, for this module's test

from airparley.store import Store
from airparley.store._local_postgres import create_database


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    return create_database(postgres_server)


def test_an_alert_seen_by_both_processes_is_raised_once(pg_url: str, tmp_path: Path, processes: list[Served]) -> None:
    setup = _setup(pg_url, tmp_path)
    store = Store.open(pg_url, migrate=False)
    with store.begin() as tx:
        _, sensor_token = tx.add_officer("USA", "USA radar", "sensor", datetime.now(UTC))
    store.close()
    a, b = _serve(setup), _serve(setup)
    processes.extend([a, b])
    pair = frozenset(("E1", "SU1"))
    with (
        _client(a, sensor_token) as sensor,
        _client(a, setup.tokens["USA"]) as on_a,
        _client(b, setup.tokens["USA"]) as on_b,
    ):
        assert sensor.post("/api/v1/tracks", json={"states": _head_on("E1", "SU1")}).status_code == 202
        deadline = time.monotonic() + 15
        for on in (on_a, on_b):  # each process raised it in its own picture
            while pair not in {frozenset((x["a"]["id"], x["b"]["id"])) for x in on.get("/api/v1/alerts").json()}:
                assert time.monotonic() < deadline, "the alert was never raised"
                time.sleep(0.05)
        time.sleep(2.5)  # two more ticks of both processes
        events = on_a.get("/api/v1/events", params={"after": 0, "limit": 1000}).json()["events"]
    raised = Counter(
        frozenset((e["data"]["a"]["id"], e["data"]["b"]["id"])) for e in events if e["kind"] == "alert.raised"
    )
    assert raised == {pair: 1}
