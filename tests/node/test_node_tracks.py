"""A party's sensors post its air picture; it stays private to that party."""

from __future__ import annotations

from node_support import Running


def _state(track_id: str, **extra: object) -> dict[str, object]:
    base = {
        "id": track_id,
        "party": "USA",
        "time": "2026-11-26T01:00:00Z",
        "lat": 35.4,
        "lon": 40.4,
        "alt_ft": 30000,
        "gs_kt": 360,
        "trk_deg": 90,
        "vs_fpm": 0,
        "callsign": "SENTRY60",
        "source": "E-3",
    }
    base.update(extra)
    return base


def test_sensors_post_tracks_and_only_their_party_sees_them(running: Running) -> None:
    batch = {
        "states": [
            _state("E3-1"),
            _state("SU35-1", party="RUS", lat=35.5, callsign=""),
            _state("BAD", lat=95),
            _state("BAD2", gs_kt=-1),
            {"id": "X"},
        ]
    }
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json=batch)
    assert posted.status_code == 202, posted.text
    answer = posted.json()
    assert answer["accepted"] == 2
    assert [(r["index"], r["field"]) for r in answer["rejected"]][:2] == [(2, "lat"), (3, "gs_kt")]
    assert answer["rejected"][2]["index"] == 4
    assert answer["rejected"][2]["reason"]
    picture = running.desk("usa_duty").client.get("/api/v1/tracks").json()
    assert {t["id"] for t in picture} == {"E3-1", "SU35-1"}
    assert running.desk("usa_observer").client.get("/api/v1/tracks").status_code == 200
    assert running.desk("rus_duty").client.get("/api/v1/tracks").json() == []
    assert running.desk("usa_sensor").client.get("/api/v1/tracks").status_code == 403
    assert running.desk("usa_observer").client.post("/api/v1/tracks", json=batch).status_code == 403


def test_newer_news_wins_and_stale_tracks_drop_out(running: Running) -> None:
    client = running.desk("usa_sensor").client
    client.post("/api/v1/tracks", json={"states": [_state("E3-1", time="2026-11-26T01:00:05Z", lon=40.5)]})
    client.post("/api/v1/tracks", json={"states": [_state("E3-1", time="2026-11-26T01:00:01Z", lon=40.1)]})
    running.clock.advance(seconds=5)
    (track,) = running.desk("usa_duty").client.get("/api/v1/tracks").json()
    assert track["lon"] == 40.5
    running.clock.advance(seconds=60)
    assert running.desk("usa_duty").client.get("/api/v1/tracks").json() == []


def test_bad_batches_are_refused_whole(running: Running) -> None:
    client = running.desk("usa_sensor").client
    too_many = client.post("/api/v1/tracks", json={"states": [_state(f"T{i}") for i in range(5001)]})
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "states"
    assert client.post("/api/v1/tracks", json={"tracks": []}).status_code == 422
