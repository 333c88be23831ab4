"""The visibility matrix: every read endpoint and every event type, for every desk of every party.

No desk may ever see another party's private fields, nor any point of another party's footprint that
lies further than the lateral buffer from its own footprints (the overlap is all it may learn).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from node_support import Running
from palmyra import collection, feature, rus_strike, usa_strike
from shapely.geometry import shape

from airparley.geo import LocalFrame, circle_polygon

SECRETS = {
    "USA": ["TGT-4471", "Interdiction of a supply depot"],
    "RUS": ["Su-34 x2", "Strike near Palmyra"],
    "TUR": ["Cover for ground forces"],
}


def _turkish_cap() -> dict[str, Any]:
    return collection(
        feature(
            "TUR-0301",
            "TUR",
            {"type": "Point", "coordinates": [37.52, 36.37]},
            shape="circle",
            radius_nm=12,
            private={"mission": "Cover for ground forces"},
        )
    )


def _positions(data: Any) -> list[tuple[float, float]]:
    """Every [lon, lat] pair anywhere in a JSON document."""
    found: list[tuple[float, float]] = []
    if isinstance(data, list):
        numbers = len(data) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in data)
        if numbers and -180 <= data[0] <= 180 and -90 <= data[1] <= 90:
            found.append((float(data[0]), float(data[1])))
            return found
        for item in data:
            found.extend(_positions(item))
    elif isinstance(data, dict):
        for value in data.values():
            found.extend(_positions(value))
    return found


def _play_the_whole_story(running: Running) -> None:
    post = lambda desk, path, body=None: running.desk(desk).client.post(f"/api/v1{path}", json=body or {})  # noqa: E731
    assert post("usa_duty", "/notices", usa_strike()).status_code == 201
    assert post("rus_duty", "/notices", rus_strike()).status_code == 201
    assert post("tur_duty", "/notices", _turkish_cap()).status_code == 201
    (conflict,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    case = post("usa_duty", "/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}).json()
    case_id = case["case"]["case_id"]
    post("usa_duty", f"/cases/{case_id}/propose", {"terms": {"kind": "yield", "party": "RUS"}})
    post("rus_duty", f"/cases/{case_id}/reject", {"note": "no"})
    running.clock.advance(minutes=20)
    running.node.tick()
    post("rus_senior", f"/cases/{case_id}/propose", {"terms": {"kind": "shift_time", "party": "RUS", "minutes": 240}})
    post("usa_senior", f"/cases/{case_id}/accept")
    safety = post(
        "usa_duty",
        "/messages",
        {
            "recipients": ["RUS"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "GRACH31", "distance_nm": 0.5, "direction": "left"},
        },
    )
    post("usa_duty", "/messages", {"recipients": ["RUS", "TUR"], "template": "stand_by"})
    running.clock.advance(minutes=4)
    running.node.tick()
    post("rus_duty", f"/messages/{safety.json()['message']['message_id']}/read")
    post("rus_duty", f"/messages/{safety.json()['message']['message_id']}/ack")
    post("usa_duty", "/frequencies", {"name": "Deconfliction UHF", "mhz": 251.3})
    moved = rus_strike(start="2026-11-26T09:00:00Z", end="2026-11-26T11:00:00Z")
    assert running.desk("rus_duty").client.put("/api/v1/notices/RUS-0201", json=moved).status_code == 200
    assert post("tur_duty", "/notices/TUR-0301/cancel").status_code == 200
    # A Russian Su-34 in the American picture, over the Palmyra overlap, called and never answering: flagged.
    for second in range(0, 200, 10):
        state = {
            "id": "RUS-SU34-1",
            "party": "RUS",
            "callsign": "GRACH31",
            "time": running.clock().isoformat().replace("+00:00", "Z"),
            "lat": 34.62,
            "lon": 38.40,
            "alt_ft": 22000,
            "gs_kt": 480,
            "trk_deg": 120,
            "vs_fpm": 0,
        }
        e3 = {**state, "id": "USA-E3-1", "party": "USA", "callsign": "SENTRY60", "lat": 35.2, "lon": 40.0}
        e3.update(alt_ft=30000, gs_kt=360, trk_deg=60)
        states = [state, e3]
        assert running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": states}).status_code == 202
        if second == 0:
            assert post("usa_duty", "/alerts/safety-call", {"track": "RUS-SU34-1"}).status_code == 201
        running.clock.advance(seconds=10)
        running.node.tick()
    # The E-3 shared with the Russians (kept), and with the Turks (revoked): Syria learns nothing of either.
    running.clock.advance(seconds=-10)
    assert post("usa_duty", "/tracks/shares", {"track": "USA-E3-1", "with": ["RUS"]}).status_code == 201
    to_turkey = post("usa_duty", "/tracks/shares", {"track": "USA-E3-1", "with": ["TUR"], "minutes": 60})
    assert post("usa_duty", f"/tracks/shares/{to_turkey.json()['share']['share_id']}/revoke").status_code == 200
    running.clock.advance(seconds=10)
    running.node.tick()


def test_no_desk_sees_more_than_it_is_entitled_to(running: Running) -> None:
    _play_the_whole_story(running)
    own_footprints = {
        "USA": [circle_polygon([38.35, 34.60], 15)],
        "RUS": [shape(rus_strike()["features"][0]["geometry"])],
        "TUR": [circle_polygon([37.52, 36.37], 12)],
        "SYR": [],
    }
    kinds_seen: set[str] = set()
    for name, desk in running.desks.items():
        if desk.tier == "sensor":
            assert desk.client.get("/api/v1/notices").status_code == 403
            continue
        documents = [
            desk.client.get(f"/api/v1{p}").json()
            for p in (
                "/me",
                "/parties",
                "/notices",
                "/conflicts",
                "/messages",
                "/cases",
                "/frequencies",
                "/flags",
                "/tracks/shares",
                "/tracks",
                "/alerts",
            )
        ]
        events = desk.client.get("/api/v1/events").json()["events"]
        kinds_seen |= {e["kind"] for e in events}
        for listed in (documents[4], documents[5]):
            for item in listed:
                ident = item.get("message", {}).get("message_id") or item.get("case", {}).get("case_id")
                path = "/messages/" if "message" in item else "/cases/"
                documents.append(desk.client.get(f"/api/v1{path}{ident}").json())
        shares, tracks = documents[8], documents[9]
        assert all(share["with"] == [desk.party] for share in shares if share["party"] != desk.party), name
        shared_ids = {t["id"] for t in tracks if "shared_by" in t}
        assert shared_ids == ({"USA-E3-1"} if desk.party == "RUS" else set()), name
        if desk.party != "USA":  # nothing of the American picture but the one track shared with it
            assert {t["id"] for t in tracks} == shared_ids, name
        text = json.dumps(documents + events, ensure_ascii=False)
        for party, words in SECRETS.items():
            if party != desk.party:
                for word in words:
                    assert word not in text, f"{name} saw {party}'s {word!r}"
        mine = own_footprints[desk.party]
        points = _positions(documents + events)
        if not mine:
            assert points == [], f"{name} saw coordinates but has no notice"
            continue
        frame = LocalFrame(38.0, 35.0)
        allowed = shapely.buffer(shapely.union_all([frame.project(p) for p in mine]), (5 + 0.1) * 1852)
        xs, ys = frame.to_xy(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        outside = ~shapely.contains_xy(allowed, xs, ys)
        assert not outside.any(), f"{name} saw {int(outside.sum())} point(s) beyond its own footprints' buffer"
    assert kinds_seen >= {
        "notice.filed",
        "notice.revised",
        "notice.cancelled",
        "conflict.detected",
        "conflict.cleared",
        "case.opened",
        "case.propose",
        "case.reject",
        "case.escalated",
        "case.accept",
        "case.resolved",
        "message.sent",
        "message.ring",
        "message.escalated",
        "message.read",
        "message.acknowledged",
        "frequency.added",
        "track.non_responsive",
        "track.shared",
        "track.unshared",
    }, kinds_seen
