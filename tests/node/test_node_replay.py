"""Replay (issue 19 item 4) on a real node, SQLite and PostgreSQL: ``GET /api/v1/picture?at=T`` rebuilds what
a party could see at T (notices, conflicts, messages, cases, tracks, alerts) and matches what was live then;
a party never sees another's private states; kept states are pruned; a bad ``at`` is a 422 naming it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from node_support import Running, Served, _free_port, wait_until
from palmyra import rus_strike, usa_strike

from airparley.geo import destination
from airparley.node import Node, NodeSettings
from airparley.node._state_keeper import StateKeeper, decode
from airparley.store import Store
from airparley.web import desk_app


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _state(
    running: Running, track_id: str, party: str, lon: float, lat: float, trk: float, **more: Any
) -> dict[str, Any]:
    return {
        "id": track_id,
        "party": party,
        "time": _iso(running.clock()),
        "lat": lat,
        "lon": lon,
        "alt_ft": more.get("alt", 30000),
        "gs_kt": more.get("gs", 450),
        "trk_deg": trk,
        "vs_fpm": 0,
        "callsign": more.get("callsign", ""),
        "source": "radar",
    }


def _post(running: Running, desk: str, path: str, body: Any) -> dict[str, Any]:
    answer = running.desk(desk).client.post(f"/api/v1{path}", json=body)
    assert answer.status_code in (200, 201, 202), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _usa_states(running: Running, seconds_flown: float) -> list[dict[str, Any]]:
    """Two American fighters head-on, 8 NM apart at the start and 600 ft apart: a preventive alert; and the
    E-3 it will share with RUS."""
    east = destination(40.0, 35.0, 90.0, 450 * seconds_flown / 3600)
    west = destination(40.0, 35.0, 90.0, 8 - 450 * seconds_flown / 3600)
    e3 = destination(39.0, 34.0, 60.0, 360 * seconds_flown / 3600)
    return [
        _state(running, "USA-F16-1", "USA", float(east[0]), float(east[1]), 90.0, callsign="VIPER11"),
        _state(running, "USA-F16-2", "USA", float(west[0]), float(west[1]), 270.0, alt=30600, callsign="VIPER12"),
        _state(running, "USA-E3-1", "USA", float(e3[0]), float(e3[1]), 60.0, gs=360, callsign="SENTRY60"),
    ]


def _rus_states(running: Running) -> list[dict[str, Any]]:
    return [_state(running, "RUS-SU35-1", "RUS", 37.0, 35.5, 180.0, callsign="GRACH31")]


def _live(running: Running, desk: str) -> dict[str, Any]:
    client = running.desk(desk).client
    return {
        "tracks": {t["id"]: t for t in client.get("/api/v1/tracks").json()},
        "alerts": {(a["a"]["id"], a["b"]["id"], a["level"]) for a in client.get("/api/v1/alerts").json()},
        "conflicts": sorted(c["id"] for c in client.get("/api/v1/conflicts").json()),
        "messages": {m["message"]["message_id"]: m for m in client.get("/api/v1/messages").json()},
        "cases": {c["case"]["case_id"]: c["case"]["state"] for c in client.get("/api/v1/cases").json()},
        "notices": {
            f["properties"]["notice_id"]: f["properties"]["version"]
            for f in client.get("/api/v1/notices").json()["features"]
        },
    }


def _tick(running: Running) -> None:
    """A scheduler tick; the served node's scheduler writes the kept states in a thread of its own: wait for it."""
    running.node.tick()
    running.node.state_keeper.join()


def _replay(running: Running, desk: str, at: datetime) -> dict[str, Any]:
    answer = running.desk(desk).client.get("/api/v1/picture", params={"at": _iso(at)})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _as_live(picture: dict[str, Any]) -> dict[str, Any]:
    return {
        "tracks": {t["id"]: {k: v for k, v in t.items() if k != "severity"} for t in picture["tracks"]},
        "alerts": {(a["a"]["id"], a["b"]["id"], a["level"]) for a in picture["alerts"]},
        "conflicts": sorted(c["id"] for c in picture["conflicts"]),
        "messages": {m["message"]["message_id"]: m for m in picture["messages"]},
        "cases": {c["case"]["case_id"]: c["case"]["state"] for c in picture["cases"]},
        "notices": {f["properties"]["notice_id"]: f["properties"]["version"] for f in picture["notices"]["features"]},
    }


def test_a_replay_shows_what_each_party_could_see_then(running: Running) -> None:
    start = running.clock()
    # 01:00:00 - both pictures, and the American strike.
    _post(running, "usa_sensor", "/tracks", {"states": _usa_states(running, 0)})
    _post(running, "rus_sensor", "/tracks", {"states": _rus_states(running)})
    _post(running, "usa_duty", "/notices", usa_strike())
    _tick(running)
    first = {desk: _live(running, desk) for desk in ("usa_duty", "rus_duty")}
    assert first["usa_duty"]["alerts"], "the head-on pair alerts"
    # 01:00:10 - the Russian strike (a conflict), a case, a message, and the E-3 shared with RUS.
    running.clock.advance(seconds=10)
    _post(running, "usa_sensor", "/tracks", {"states": _usa_states(running, 10)})
    _post(running, "rus_sensor", "/tracks", {"states": _rus_states(running)})
    _post(running, "rus_duty", "/notices", rus_strike())
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    case = _post(running, "usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}})
    _post(running, "usa_duty", "/messages", {"recipients": ["RUS"], "template": "stand_by"})
    _post(running, "usa_duty", "/tracks/shares", {"track": "USA-E3-1", "with": ["RUS"]})
    _tick(running)
    second = {desk: _live(running, desk) for desk in ("usa_duty", "rus_duty")}
    assert "USA-E3-1" in second["rus_duty"]["tracks"]
    # 01:00:20 - the American strike revised, the Russian desk reads the message, the share revoked.
    running.clock.advance(seconds=10)
    _post(running, "usa_sensor", "/tracks", {"states": _usa_states(running, 20)})
    _post(running, "rus_sensor", "/tracks", {"states": _rus_states(running)})
    assert (
        running.desk("usa_duty").client.put("/api/v1/notices/USA-0101", json=usa_strike(version=2)).status_code == 200
    )
    (share,) = running.desk("usa_duty").client.get("/api/v1/tracks/shares").json()
    _post(running, "usa_duty", f"/tracks/shares/{share['share_id']}/revoke", None)
    message_id = next(iter(second["rus_duty"]["messages"]))
    _post(running, "rus_duty", f"/messages/{message_id}/read", None)
    _tick(running)
    third = {desk: _live(running, desk) for desk in ("usa_duty", "rus_duty")}
    assert "USA-E3-1" not in third["rus_duty"]["tracks"]

    # Asked afterwards, each moment reads as it was live.
    running.clock.advance(seconds=5)
    for moment, live in (
        (start, first),
        (start + timedelta(seconds=10), second),
        (start + timedelta(seconds=20), third),
    ):
        for desk, seen in live.items():
            replayed = _as_live(_replay(running, desk, moment))
            assert replayed == seen, (desk, moment)
    # At 01:00:00 the Russian desk has no conflict, no case, no message, its own track only.
    early = _replay(running, "rus_duty", start)
    assert early["party"] == "RUS"
    assert early["at"] == "2026-11-26T01:00:00Z"
    assert [t["id"] for t in early["tracks"]] == ["RUS-SU35-1"]
    assert early["conflicts"] == early["messages"] == early["cases"] == []
    # Never another party's private states: not the fighters at any moment, the E-3 only while shared.
    for seconds in (0, 5, 10, 15, 20, 25):
        seen_ids = {t["id"] for t in _replay(running, "rus_observer", start + timedelta(seconds=seconds))["tracks"]}
        assert seen_ids <= {"RUS-SU35-1", "USA-E3-1"}
        assert ("USA-E3-1" in seen_ids) == (10 <= seconds < 20), seconds
    # The notice as it stood: version 1 at 01:00:10, version 2 after; the other side's private part never.
    usa_then = _replay(running, "usa_duty", start + timedelta(seconds=10))["notices"]["features"]
    assert {f["properties"]["version"] for f in usa_then} == {1}
    assert all(f["properties"]["private"]["targets"] == ["TGT-4471"] for f in usa_then)
    rus_then = _replay(running, "rus_duty", start + timedelta(seconds=10))
    assert "TGT-4471" not in str(rus_then)
    assert "Interdiction" not in str(rus_then)
    assert [c["case"]["case_id"] for c in rus_then["cases"]] == [case["case"]["case_id"]]
    # A TUR desk saw none of it.
    tur = _replay(running, "tur_duty", start + timedelta(seconds=20))
    assert tur["tracks"] == tur["conflicts"] == tur["messages"] == tur["cases"] == tur["notices"]["features"] == []


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({}, 422, "required"),
        ({"at": "yesterday"}, 422, "ISO 8601"),
        ({"at": "2026-11-26T00:59:00"}, 422, "zone"),
        ({"at": "1999-01-01T00:00:00Z"}, 422, "between"),
        ({"at": "2026-11-26T02:00:00Z"}, 422, "after the node's now"),
        ({"at": "x" * 100}, 422, "at most 64"),
    ],
)
def test_a_bad_at_is_refused_naming_it(running: Running, params: dict[str, str], status: int, reason: str) -> None:
    answer = running.desk("usa_duty").client.get("/api/v1/picture", params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == "at"
    assert reason in answer.text


def test_a_sensor_may_not_replay(running: Running) -> None:
    answer = running.desk("usa_sensor").client.get("/api/v1/picture", params={"at": "2026-11-26T01:00:00Z"})
    assert answer.status_code == 403


def test_kept_states_are_pruned_beyond_the_period(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'airparley.db'}")
    try:
        keeper = StateKeeper(keep_s=60.0)
        t0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
        row = ("USA-1", "USA", t0.timestamp(), 35.0, 40.0, 30000.0, 400.0, 90.0, 0.0, "VIPER11", "radar")
        keeper.add("USA", [row])
        assert keeper.flush(store.begin, t0) == 1
        with store.begin() as tx:
            (blob,) = tx.state_batches("USA", t0.timestamp() - 1, t0.timestamp() + 1)
            assert decode(blob) == [row]
            assert tx.state_batches("RUS", t0.timestamp() - 1, t0.timestamp() + 1) == []
        later = t0 + timedelta(seconds=61)
        keeper.add("USA", [(*row[:2], later.timestamp(), *row[3:])])
        keeper.flush(store.begin, later)
        with store.begin() as tx:
            assert tx.state_batches("USA", t0.timestamp() - 1, t0.timestamp() + 1) == []
            assert len(tx.state_batches("USA", later.timestamp() - 1, later.timestamp())) == 1
        # The running scheduler's way: the same write, in a thread of its own.
        keeper.add("USA", [(*row[:2], later.timestamp() + 1, *row[3:])])
        keeper.flush_in_background(store.begin, later)
        keeper.join()
        with store.begin() as tx:
            assert len(tx.state_batches("USA", later.timestamp() - 1, later.timestamp() + 1)) == 2
        # Off: nothing waits, nothing is written.
        off = StateKeeper(keep_s=0.0)
        off.add("USA", [row])
        assert off.flush(store.begin, later) == 0
    finally:
        store.close()


@pytest.mark.parametrize(("keep_s", "kept"), [(60.0, True), (0.0, False)])
def test_a_served_node_keeps_states_beside_its_ticks(tmp_path: Path, keep_s: float, kept: bool) -> None:
    """The running scheduler (ticks every 0.2 s here, on the wall clock) writes the kept states in a thread of
    its own; a replay a moment later has them. With the default (0) nothing is kept."""
    store = Store.open(f"sqlite:///{tmp_path / f'keep-{keep_s:g}.db'}")
    with store.begin() as tx:
        tx.add_party("USA", "Coalition desk", "en", datetime.now(UTC))
        _, sensor = tx.add_officer("USA", "radar", "sensor", datetime.now(UTC))
        _, duty = tx.add_officer("USA", "duty", "duty", datetime.now(UTC))
    settings = NodeSettings(scheduler_interval_s=0.2, scan_gather_s=0.2, track_keep_s=keep_s)
    node = Node(store, settings)
    served = Served(desk_app(node), _free_port())
    url = f"http://127.0.0.1:{served.server.config.port}"
    try:
        assert node.keep_states_in_background
        posted_at = datetime.now(UTC)
        state = {
            "id": "USA-E3-1",
            "party": "USA",
            "time": _iso(posted_at),
            "lat": 34.0,
            "lon": 39.0,
            "alt_ft": 30000,
            "gs_kt": 360,
            "trk_deg": 60,
            "vs_fpm": 0,
            "callsign": "SENTRY60",
            "source": "radar",
        }
        answer = httpx.post(
            f"{url}/api/v1/tracks", json={"states": [state]}, headers={"Authorization": f"Bearer {sensor}"}
        )
        assert answer.status_code == 202, answer.text

        def replayed() -> dict[str, Any] | None:
            picture = httpx.get(
                f"{url}/api/v1/picture",
                params={"at": _iso(datetime.now(UTC))},
                headers={"Authorization": f"Bearer {duty}"},
            ).json()
            return picture if picture["tracks"] or not kept else None

        picture = wait_until(replayed, what="the kept state in a replay")
        if kept:
            assert [t["id"] for t in picture["tracks"]] == ["USA-E3-1"]
            assert picture["tracks_kept_since"] is not None
        else:
            time.sleep(0.6)  # three ticks: nothing may be written
            later = replayed()
            assert later is not None
            assert later["tracks"] == []
            assert later["tracks_kept_since"] is None
            assert later["track_keep_s"] == 0
    finally:
        served.stop()
        node.state_keeper.join()
        store.close()


def test_a_stopping_node_waits_for_the_kept_states_being_written(tmp_path: Path) -> None:
    """The scheduler's last act is to wait for a flush of kept states under way: the store closes after it,
    and a transaction cut off by that close would leave its connection open outside the pool (and the
    states unwritten)."""
    store = Store.open(f"sqlite:///{tmp_path / 'keep-stop.db'}")
    with store.begin() as tx:
        tx.add_party("USA", "Coalition desk", "en", datetime.now(UTC))
        _, sensor = tx.add_officer("USA", "radar", "sensor", datetime.now(UTC))
    node = Node(store, NodeSettings(scheduler_interval_s=0.2, scan_gather_s=0.2, track_keep_s=60.0))
    keeper = node.state_keeper
    writing = threading.Event()
    flush = keeper.flush

    def slow_flush(*args: Any) -> int:
        writing.set()
        time.sleep(0.5)  # a flush on a busy machine
        return flush(*args)

    keeper.flush = slow_flush  # type: ignore[method-assign]
    served = Served(desk_app(node), _free_port())
    try:
        state = {"id": "USA-E3-1", "party": "USA", "time": _iso(datetime.now(UTC)), "lat": 34.0, "lon": 39.0}
        state |= {"alt_ft": 30000, "gs_kt": 360, "trk_deg": 60, "vs_fpm": 0, "source": "radar"}
        answer = httpx.post(
            f"http://127.0.0.1:{served.server.config.port}/api/v1/tracks",
            json={"states": [state]},
            headers={"Authorization": f"Bearer {sensor}"},
        )
        assert answer.status_code == 202, answer.text
        assert writing.wait(10), "no flush began"
    finally:
        served.stop()
    try:
        writer = keeper._writer
        assert writer is not None
        assert not writer.is_alive()  # stopped after the flush, not during it
        assert not node.keep_states_in_background
        now = datetime.now(UTC).timestamp()
        with store.begin() as tx:
            assert len(tx.state_batches("USA", now - 60, now + 1)) == 1
    finally:
        store.close()


def test_a_replay_gives_each_track_its_trail_and_a_shared_one_only_since_its_share(running: Running) -> None:
    start = running.clock()
    posted: list[list[dict[str, Any]]] = []
    for seconds in (0, 10, 20):
        if seconds:
            running.clock.advance(seconds=10)
        posted.append(_usa_states(running, seconds))
        _post(running, "usa_sensor", "/tracks", {"states": posted[-1]})
        if seconds == 10:
            _post(running, "usa_duty", "/tracks/shares", {"track": "USA-E3-1", "with": ["RUS"]})
        _tick(running)
    at = start + timedelta(seconds=20)
    client = running.desk("usa_duty").client

    def trails(desk: str, trail_s: int) -> dict[str, list[list[float]]]:
        answer = running.desk(desk).client.get("/api/v1/picture", params={"at": _iso(at), "trail_s": trail_s})
        assert answer.status_code == 200, answer.text
        found: dict[str, list[list[float]]] = answer.json()["trails"]
        return found

    assert _replay(running, "usa_duty", at)["trails"] == {}, "no trail unless asked for"
    usa = trails("usa_duty", 60)
    assert set(usa) == {"USA-F16-1", "USA-F16-2", "USA-E3-1"}
    t0 = start.timestamp()
    # Each kept position, oldest first, where the sensor put it.
    assert [p[2] for p in usa["USA-F16-1"]] == [t0, t0 + 10, t0 + 20]
    for point, batch in zip(usa["USA-F16-1"], posted, strict=True):
        assert point[:2] == pytest.approx([batch[0]["lat"], batch[0]["lon"]], abs=1e-6)
    assert [p[2] for p in trails("usa_duty", 15)["USA-F16-2"]] == [t0 + 10, t0 + 20]
    # RUS was given the E-3 at 01:00:10: its trail starts there, and no other American track has one.
    rus = trails("rus_duty", 60)
    assert set(rus) == {"USA-E3-1"}
    assert [p[2] for p in rus["USA-E3-1"]] == [t0 + 10, t0 + 20]
    refused = client.get("/api/v1/picture", params={"at": _iso(at), "trail_s": 301})
    assert refused.status_code == 422
    assert refused.json()["field"] == "trail_s", refused.text
