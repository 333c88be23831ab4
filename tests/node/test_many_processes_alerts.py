"""Alerts with several processes of one node (issue 18): every process scans every party's picture (its
/alerts and live picture need it), but only the scheduler's leader writes what the scans find, so an alert
seen by both processes is one event."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_many_processes import Served, _client, _head_on, _leader_pid, _serve, _setup
from test_many_processes import processes as processes  # the fixture, for this module's test

from airparley.store import Store
from airparley.store._local_postgres import create_database


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    return create_database(postgres_server)


def _sensor(pg_url: str) -> str:
    store = Store.open(pg_url, migrate=False)
    with store.begin() as tx:
        _, token = tx.add_officer("USA", "USA radar", "sensor", datetime.now(UTC))
    store.close()
    return token


def _raised(events: list[dict[str, Any]]) -> Counter[frozenset[str]]:
    return Counter(
        frozenset((e["data"]["a"]["id"], e["data"]["b"]["id"])) for e in events if e["kind"] == "alert.raised"
    )


def test_an_alert_seen_by_both_processes_is_raised_once(pg_url: str, tmp_path: Path, processes: list[Served]) -> None:
    setup = _setup(pg_url, tmp_path)
    sensor_token = _sensor(pg_url)
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
    assert _raised(events) == {pair: 1}


def test_an_alert_found_while_the_leader_is_dead_is_raised_by_the_next(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    """The follower scans without writing; states it scans between the leader's death and its own takeover
    raise their alert once it leads (it forgets what it saw raised when it takes the lead)."""
    setup = _setup(pg_url, tmp_path)
    sensor_token = _sensor(pg_url)
    processes.extend([_serve(setup), _serve(setup)])
    deadline = time.monotonic() + 10
    while (leader_pid := _leader_pid(pg_url)) is None:
        assert time.monotonic() < deadline, "no process leads"
        time.sleep(0.1)
    leader = next(s for s in processes if s.process.pid == leader_pid)
    follower = next(s for s in processes if s is not leader)
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait()
    pair = frozenset(("E2", "SU2"))
    with _client(follower, sensor_token) as sensor, _client(follower, setup.tokens["USA"]) as usa:
        assert sensor.post("/api/v1/tracks", json={"states": _head_on("E2", "SU2")}).status_code == 202
        deadline = time.monotonic() + 15
        while not _raised(usa.get("/api/v1/events", params={"after": 0, "limit": 1000}).json()["events"]):
            assert time.monotonic() < deadline, "the alert found before the takeover was never raised"
            time.sleep(0.1)
        time.sleep(2.5)  # two more ticks of the new leader
        events = usa.get("/api/v1/events", params={"after": 0, "limit": 1000}).json()["events"]
    assert _leader_pid(pg_url) == follower.process.pid
    assert _raised(events) == {pair: 1}
