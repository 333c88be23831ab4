"""Tactical alerting in the node: alerts, intrusions, incidents and the live picture of each party."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from node_support import Running
from palmyra import usa_strike
from websockets.sync.client import connect

from airparley.geo import destination


def _iso(running: Running) -> str:
    return running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _state(
    running: Running,
    track_id: str,
    party: str,
    lon: float,
    lat: float,
    trk: float,
    alt: float = 30000,
    gs: float = 450,
    callsign: str = "",
) -> dict[str, object]:
    return {
        "id": track_id,
        "party": party,
        "time": _iso(running),
        "lat": lat,
        "lon": lon,
        "alt_ft": alt,
        "gs_kt": gs,
        "trk_deg": trk,
        "vs_fpm": 0,
        "callsign": callsign,
        "source": "E-3",
    }


def _kinds(running: Running, desk: str) -> list[dict]:  # type: ignore[type-arg]
    return running.desk(desk).client.get("/api/v1/events").json()["events"]  # type: ignore[no-any-return]


def test_a_head_on_pass_raises_a_warning_then_an_incident(running: Running) -> None:
    # The E-3 flies east at FL300; a Su-35 comes head-on, 2 NM away, same level.
    lon, lat = destination(40.4, 35.4, 90.0, 2.0)
    picture = [
        _state(running, "E3", "USA", 40.4, 35.4, 90.0, gs=360, callsign="SENTRY60"),
        _state(running, "SU35", "RUS", float(lon), float(lat), 270.0, callsign="FALCON11"),
    ]
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": picture})
    assert posted.json()["accepted"] == 2
    running.node.tick()
    raised = [e for e in _kinds(running, "usa_duty") if e["kind"] == "alert.raised"]
    assert raised, "no alert"
    alert = raised[-1]["data"]
    assert alert["level_name"] == "warning"
    assert {alert["a"]["callsign"], alert["b"]["callsign"]} == {"SENTRY60", "FALCON11"}
    assert _kinds(running, "rus_duty") == []  # the Americans' picture is theirs alone
    # Eight seconds later they pass within 0.1 NM: an encounter opens...
    running.clock.advance(seconds=8)
    lon_e, lat_e = destination(40.4, 35.4, 90.0, 0.8)
    lon_s, lat_s = destination(40.4, 35.4, 90.0, 0.9)
    close = [
        _state(running, "E3", "USA", float(lon_e), float(lat_e), 90.0, gs=360, callsign="SENTRY60"),
        _state(running, "SU35", "RUS", float(lon_s), float(lat_s), 270.0, alt=30200, callsign="FALCON11"),
    ]
    running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": close})
    running.node.tick()
    # ...and ends when they are apart again: the incident is recorded and signed.
    running.clock.advance(seconds=30)
    lon_far, lat_far = destination(40.4, 35.4, 270.0, 3.0)
    apart = [
        _state(running, "E3", "USA", float(lon_e), float(lat_e), 90.0, gs=360, callsign="SENTRY60"),
        _state(running, "SU35", "RUS", float(lon_far), float(lat_far), 270.0, callsign="FALCON11"),
    ]
    running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": apart})
    running.node.tick()
    incidents = [e["data"] for e in _kinds(running, "usa_duty") if e["kind"] == "incident.recorded"]
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident["min_separation"]["horizontal_nm"] < 0.5
    assert incident["min_separation"]["vertical_ft"] == 200.0
    assert set(incident["history"]) == {"E3", "SU35"}
    assert incident["entry"]["party"] == "USA"


def test_an_aircraft_entering_a_partys_own_notice_is_an_intrusion(running: Running) -> None:
    running.desk("usa_duty").client.post(
        "/api/v1/notices", json=usa_strike(start="2026-11-26T00:00:00Z", end="2026-11-26T04:00:00Z")
    )
    lon, lat = destination(38.35, 34.60, 270.0, 25.0)  # 10 NM outside the 15 NM circle, heading for it
    picture = [_state(running, "SU34", "RUS", float(lon), float(lat), 90.0, alt=22000, gs=480, callsign="GRACH31")]
    running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": picture})
    running.node.tick()
    (intrusion,) = [e["data"] for e in _kinds(running, "usa_duty") if e["kind"] == "intrusion.detected"]
    assert intrusion["notice_id"] == "USA-0101"
    assert intrusion["track"]["callsign"] == "GRACH31"
    assert not intrusion["inside_now"]
    assert 60 < intrusion["entry_s"] < 90  # 10 NM at 480 kt is 75 s


def test_the_live_picture_reaches_the_partys_websocket(running: Running) -> None:
    url = running.url.replace("http://", "ws://") + "/api/v1/events"
    token = running.desk("usa_duty").token
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        picture = [_state(running, "E3", "USA", 40.4, 35.4, 90.0, callsign="SENTRY60")]
        running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": picture})
        running.node.tick()
        update = json.loads(socket.recv(timeout=5))
        assert update["kind"] == "tracks.update"
        assert update["seq"] is None
        assert update["data"]["tracks"][0]["callsign"] == "SENTRY60"
    assert datetime.now(UTC)  # the clock of the test is not the wall clock; nothing here sleeps
