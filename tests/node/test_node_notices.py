from __future__ import annotations

import json

import httpx
import pytest
import shapely
from node_support import Running
from palmyra import collection, feature, rus_strike, usa_strike
from shapely.geometry import shape


def _file(running: Running, desk: str, document: dict, **headers: str) -> httpx.Response:  # type: ignore[type-arg]
    return running.desk(desk).client.post("/api/v1/notices", json=document, headers=headers)


def test_two_desks_see_the_same_conflict_and_only_the_overlap(running: Running) -> None:
    assert _file(running, "usa_duty", usa_strike()).status_code == 201
    filed = _file(running, "rus_duty", rus_strike())
    assert filed.status_code == 201, filed.text
    (result,) = filed.json()["filed"]
    assert result["notice"] == {"notice_id": "RUS-0201", "party": "RUS", "version": 1}
    assert len(result["conflicts"]) == 1
    usa_view = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    rus_view = running.desk("rus_duty").client.get("/api/v1/conflicts").json()
    assert [c["id"] for c in usa_view] == [c["id"] for c in rus_view]
    (usa_conflict,) = usa_view
    assert usa_conflict["own"]["notice_id"] == "USA-0101"
    assert usa_conflict["other"]["notice_id"] == "RUS-0201"
    assert usa_conflict["other"]["callsigns"] == ["GRACH31"]
    # The Russian box is large; the Americans see only the part within 5 NM of their circle.
    russian_box = shape(rus_strike()["features"][0]["geometry"])
    disclosed = shape(usa_conflict["volumes"][0]["other_footprint"])
    assert disclosed.area < 0.35 * russian_box.area
    assert shapely.covers(russian_box.buffer(1e-6), disclosed)
    everything = json.dumps(usa_view) + running.desk("usa_duty").client.get("/api/v1/notices").text
    assert "Su-34" not in everything
    assert "Strike near Palmyra" not in everything
    assert "TGT-4471" in running.desk("usa_duty").client.get("/api/v1/notices/USA-0101").text
    assert running.desk("rus_duty").client.get("/api/v1/notices/USA-0101").status_code == 404
    assert running.desk("tur_duty").client.get("/api/v1/conflicts").json() == []


def test_revising_a_notice_clears_its_conflict_and_numbers_the_version(running: Running) -> None:
    _file(running, "usa_duty", usa_strike())
    _file(running, "rus_duty", rus_strike())
    (before,) = running.desk("usa_duty").client.get("/api/v1/conflicts").json()
    higher = rus_strike(lower={"value": 320, "ref": "FL"}, upper={"value": 350, "ref": "FL"})
    revised = running.desk("rus_duty").client.put("/api/v1/notices/RUS-0201", json=higher)
    assert revised.status_code == 200, revised.text
    assert revised.json()["notice"]["version"] == 2
    assert running.desk("usa_duty").client.get("/api/v1/conflicts").json() == []
    events = running.desk("usa_duty").client.get("/api/v1/events").json()["events"]
    assert [e["kind"] for e in events] == ["notice.filed", "conflict.detected", "conflict.cleared"]
    assert events[2]["data"]["id"] == before["id"]
    cancelled = running.desk("rus_duty").client.post("/api/v1/notices/RUS-0201/cancel")
    assert cancelled.json()["state"] == "cancelled"
    assert running.desk("rus_duty").client.post("/api/v1/notices/RUS-0201/cancel").status_code == 422


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"type": "FeatureCollection", "features": []}, "features"),
        (
            collection(
                feature("USA-9", "USA", {"type": "Point", "coordinates": [38, 34]}, shape="circle", radius_nm=-1)
            ),
            "radius_nm",
        ),
        (
            collection(
                feature(
                    "USA-9",
                    "USA",
                    {"type": "Point", "coordinates": [38, 34]},
                    shape="circle",
                    radius_nm=5,
                    end="2026-11-26T01:00:00Z",
                )
            ),
            "end",
        ),
        ({"type": "Feature"}, "type"),
    ],
)
def test_bad_notices_get_a_problem_naming_the_field_and_nothing_is_stored(
    running: Running, document: dict, field: str
) -> None:  # type: ignore[type-arg]
    response = _file(running, "usa_duty", document)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert running.desk("usa_duty").client.get("/api/v1/notices").json()["features"] == []


def test_who_may_do_what(running: Running) -> None:
    assert httpx.get(f"{running.url}/api/v1/notices").status_code == 401
    assert httpx.get(f"{running.url}/api/v1/notices", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert _file(running, "usa_observer", usa_strike()).status_code == 403
    assert _file(running, "usa_sensor", usa_strike()).status_code == 403
    assert _file(running, "rus_duty", usa_strike()).status_code == 403  # RUS cannot file for USA
    assert running.desk("usa_observer").client.get("/api/v1/notices").status_code == 200
    assert running.desk("usa_sensor").client.get("/api/v1/conflicts").status_code == 403


def test_an_idempotency_key_makes_a_retry_harmless(running: Running) -> None:
    first = _file(running, "usa_duty", usa_strike(), **{"Idempotency-Key": "k-1"})
    again = _file(running, "usa_duty", usa_strike(), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = _file(running, "usa_duty", rus_strike(), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"
    assert _file(running, "usa_duty", usa_strike()).status_code == 422  # without a key: exists already


def test_bodies_over_a_megabyte_are_refused(running: Running) -> None:
    big = {"type": "FeatureCollection", "features": [], "padding": "x" * 1_100_000}
    response = _file(running, "usa_duty", big)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_frequencies_start_with_the_guard_frequencies(running: Running) -> None:
    listed = running.desk("rus_duty").client.get("/api/v1/frequencies").json()
    assert [f["mhz"] for f in listed] == [121.5, 243.0]
    added = running.desk("usa_duty").client.post(
        "/api/v1/frequencies", json={"name": "Deconfliction UHF", "mhz": 251.3}
    )
    assert added.status_code == 201
    bad = running.desk("usa_duty").client.post("/api/v1/frequencies", json={"name": "x", "mhz": 5000})
    assert bad.status_code == 422
    assert bad.json()["field"] == "mhz"
