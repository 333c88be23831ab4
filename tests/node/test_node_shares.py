"""Track sharing (DESIGN 5) on a real node, SQLite and PostgreSQL: grants, revocations, expiry, the
recipient's picture and alerts, de-duplication, the signed entries, and a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

import httpx
import pytest
from node_support import Running
from palmyra import rus_strike
from websockets.sync.client import connect

from airparley.geo import destination
from airparley.ledger import Kind, verify_export
from airparley.node import Node
from airparley.node._shares import SharedPictures, duplicates
from airparley.node._tracks import Pictures
from airparley.store import Store
from airparley.tactical import TrackState, TrackStates

E3 = "USA-E3-1"
E3_LON, E3_LAT, E3_TRK = 40.0, 35.2, 60.0


def _iso(running: Running) -> str:
    return running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _state(
    running: Running,
    track_id: str,
    party: str | None,
    lon: float,
    lat: float,
    trk: float,
    alt: float = 30000,
    gs: float = 360,
    callsign: str = "",
) -> dict[str, Any]:
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
        "source": "radar",
    }


def _ahead(nm: float, bearing: float = E3_TRK) -> tuple[float, float]:
    lon, lat = destination(E3_LON, E3_LAT, bearing, nm)
    return float(lon), float(lat)


def _post(running: Running, desk: str, states: list[dict[str, Any]]) -> None:
    posted = running.desk(desk).client.post("/api/v1/tracks", json={"states": states})
    assert posted.status_code == 202, posted.text
    assert posted.json()["rejected"] == []


def _usa_picture(running: Running, lon: float = E3_LON, lat: float = E3_LAT, alt: float = 30000) -> None:
    """The American picture: its E-3, and an F-16 it never shares."""
    _post(
        running,
        "usa_sensor",
        [
            _state(running, E3, "USA", lon, lat, E3_TRK, alt=alt, callsign="SENTRY60"),
            _state(running, "USA-F16-1", "USA", 41.5, 36.5, 180.0, gs=420, callsign="VIPER11"),
        ],
    )


def _fly(running: Running, seconds: int, *pictures: Callable[[], None], step: int = 10) -> None:
    """Let ``seconds`` pass, each picture reported every ``step`` s and the node ticking after each report."""
    for _ in range(seconds // step):
        running.clock.advance(seconds=step)
        for picture in pictures:
            picture()
        running.node.tick()


def _share(running: Running, desk: str = "usa_duty", **body: Any) -> httpx.Response:
    return running.desk(desk).client.post("/api/v1/tracks/shares", json={"track": E3, "with": ["RUS"], **body})


def _events(running: Running, desk: str, kind: str | None = None) -> list[dict[str, Any]]:
    events = running.desk(desk).client.get("/api/v1/events").json()["events"]
    return [e["data"] for e in events if kind is None or e["kind"] == kind]


def _tracks(running: Running, desk: str) -> dict[str, dict[str, Any]]:
    answer = running.desk(desk).client.get("/api/v1/tracks")
    assert answer.status_code == 200, answer.text
    return {t["id"]: t for t in answer.json()}


def _share_entries(running: Running) -> list[dict[str, Any]]:
    """Every track.shared entry, after checking that the whole ledger verifies."""
    with running.node.store.begin() as tx:
        lines = tx.ledger_lines()
        keys = {p.code: p.public_key for p in tx.parties() if p.public_key}
    if lines:
        verify_export(("\n".join(lines) + "\n").encode(), keys)
    entries = [json.loads(line) for line in lines]
    return [e for e in entries if e["kind"] == Kind.TRACK_SHARED.value]


def _alert_pairs(running: Running, desk: str) -> set[frozenset[str]]:
    return {frozenset((a["a"]["id"], a["b"]["id"])) for a in running.desk(desk).client.get("/api/v1/alerts").json()}


def test_a_share_shows_the_track_to_the_parties_it_names_and_no_one_else(running: Running) -> None:
    _usa_picture(running)
    granted = _share(running, **{"with": ["rus", "TUR"]}, minutes=30)
    assert granted.status_code == 201, granted.text
    share = granted.json()["share"]
    assert share["party"] == "USA"
    assert share["track"] == E3
    assert share["with"] == ["RUS", "TUR"]
    assert share["state"] == "active"
    assert share["created_at"] == "2026-11-26T01:00:00Z"
    assert share["until"] == "2026-11-26T01:30:00Z"
    assert share["created_by"] == running.node.authenticate(running.desk("usa_duty").token).id  # type: ignore[union-attr]
    assert share["share_id"].startswith("share-")
    assert share["entry"]["party"] == "USA"
    # The recipients see the newest state of that one track, marked; never the F-16.
    for desk in ("rus_duty", "rus_observer", "tur_senior"):
        tracks = _tracks(running, desk)
        assert list(tracks) == [E3], desk
        assert tracks[E3]["shared_by"] == "USA"
        assert tracks[E3]["callsign"] == "SENTRY60"
    # The sharer's own picture is as it was; a third party sees nothing.
    usa = _tracks(running, "usa_duty")
    assert set(usa) == {E3, "USA-F16-1"}
    assert all("shared_by" not in t for t in usa.values())
    assert _tracks(running, "syr_duty") == {}
    # Each recipient sees the share as if it named that party alone.
    listed = {
        d: running.desk(d).client.get("/api/v1/tracks/shares").json() for d in ("usa_duty", "rus_duty", "tur_duty")
    }
    assert [s["with"] for s in listed["usa_duty"]] == [["RUS", "TUR"]]
    assert [s["with"] for s in listed["rus_duty"]] == [["RUS"]]
    assert [s["with"] for s in listed["tur_duty"]] == [["TUR"]]
    assert running.desk("syr_duty").client.get("/api/v1/tracks/shares").json() == []
    assert running.desk("rus_sensor").client.get("/api/v1/tracks/shares").status_code == 403
    for desk, party in (("usa_duty", None), ("rus_duty", "RUS"), ("tur_observer", "TUR")):
        (event,) = _events(running, desk, "track.shared")
        assert event["share_id"] == share["share_id"]
        assert event["with"] == (["RUS", "TUR"] if party is None else [party])
    assert _events(running, "syr_duty") == []
    # One signed entry of the sharer: the share document.
    (entry,) = _share_entries(running)
    assert entry["party"] == "USA"
    assert entry["body"] == {k: v for k, v in share.items() if k != "entry"}
    assert entry["body"]["revoked_at"] is None


def test_a_retry_with_the_same_idempotency_key_shares_once(running: Running) -> None:
    _usa_picture(running)
    headers = {"Idempotency-Key": "share-1"}
    body = {"track": E3, "with": ["RUS"]}
    first = running.desk("usa_duty").client.post("/api/v1/tracks/shares", json=body, headers=headers)
    again = running.desk("usa_duty").client.post("/api/v1/tracks/shares", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["share"]["until"] is None  # no minutes: until revoked
    assert len(running.desk("usa_duty").client.get("/api/v1/tracks/shares").json()) == 1
    assert len(_share_entries(running)) == 1


BAD_SHARES: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("usa_duty", {"track": "NOPE", "with": ["RUS"]}, 422, "track"),
    ("usa_duty", {"track": "RUS-SU35-1", "with": ["TUR"]}, 422, "track"),  # in the Russian picture, not ours
    ("usa_duty", {"track": "", "with": ["RUS"]}, 422, "track"),
    ("usa_duty", {"with": ["RUS"]}, 422, "track"),
    ("usa_duty", {"track": E3}, 422, "with"),
    ("usa_duty", {"track": E3, "with": []}, 422, "with"),
    ("usa_duty", {"track": E3, "with": "RUS"}, 422, "with"),
    ("usa_duty", {"track": E3, "with": [7]}, 422, "with"),
    ("usa_duty", {"track": E3, "with": ["USA"]}, 422, "with"),
    ("usa_duty", {"track": E3, "with": ["RUS", "XXX"]}, 422, "with"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "minutes": 0}, 422, "minutes"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "minutes": 1441}, 422, "minutes"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "minutes": 2.5}, 422, "minutes"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "minutes": "10"}, 422, "minutes"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "minutes": True}, 422, "minutes"),
    ("usa_duty", {"track": E3, "with": ["RUS"], "colour": "red"}, 422, "colour"),
    ("usa_observer", {"track": E3, "with": ["RUS"]}, 403, None),
    ("usa_sensor", {"track": E3, "with": ["RUS"]}, 403, None),
    ("rus_duty", {"track": E3, "with": ["TUR"]}, 422, "track"),  # not in the Russian picture: tracks are private
]


@pytest.mark.parametrize(("desk", "body", "status", "field"), BAD_SHARES, ids=[str(b) for _, b, _, _ in BAD_SHARES])
def test_a_bad_share_is_refused_naming_the_field_and_stores_nothing(
    running: Running, desk: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    _usa_picture(running)
    _post(running, "rus_sensor", [_state(running, "RUS-SU35-1", "RUS", 39.0, 35.0, 90.0)])
    before = running.desk("usa_duty").client.get("/api/v1/events").json()["cursor"]
    response = running.desk(desk).client.post("/api/v1/tracks/shares", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert response.json()["field"] == field, response.json()
    assert running.desk("usa_duty").client.get("/api/v1/events").json()["cursor"] == before
    assert running.desk("usa_duty").client.get("/api/v1/tracks/shares").json() == []
    assert _share_entries(running) == []
    assert list(_tracks(running, "rus_duty")) == ["RUS-SU35-1"]


def test_a_track_already_shared_or_shared_with_you_cannot_be_shared_again(running: Running) -> None:
    _usa_picture(running)
    assert _share(running).status_code == 201
    again = _share(running, **{"with": ["TUR", "RUS"]})
    assert again.status_code == 422
    assert again.json()["field"] == "with"
    assert "RUS" in again.json()["detail"]
    # A recipient does not pass on what it was given: only its own sensors' tracks are its to share.
    passed_on = _share(running, "rus_duty", **{"with": ["TUR"]})
    assert passed_on.status_code == 422
    assert passed_on.json()["field"] == "track"
    # Another party may be given the same track by a second share.
    assert _share(running, **{"with": ["TUR"]}).status_code == 201
    assert len(_share_entries(running)) == 2


def test_a_revoked_share_leaves_the_recipients_picture(running: Running) -> None:
    _usa_picture(running)
    share = _share(running).json()["share"]
    _fly(running, 20, lambda: _usa_picture(running))
    assert list(_tracks(running, "rus_duty")) == [E3]
    path = f"/api/v1/tracks/shares/{share['share_id']}/revoke"
    assert running.desk("rus_duty").client.post(path).status_code == 403  # the recipient cannot revoke it
    assert running.desk("tur_duty").client.post(path).status_code == 404  # nor can a party that never saw it
    assert running.desk("usa_observer").client.post(path).status_code == 403
    revoked = running.desk("usa_senior").client.post(path)
    assert revoked.status_code == 200, revoked.text
    document = revoked.json()["share"]
    assert document["state"] == "revoked"
    assert document["revoked_at"] == "2026-11-26T01:00:20Z"
    assert document["entry"]["seq"] > share["entry"]["seq"]
    assert _tracks(running, "rus_duty") == {}
    _fly(running, 10, lambda: _usa_picture(running))
    assert running.desk("rus_duty").client.get("/api/v1/alerts").json() == []
    assert set(_tracks(running, "usa_duty")) == {E3, "USA-F16-1"}
    again = running.desk("usa_senior").client.post(path)
    assert again.status_code == 422
    assert again.json()["field"] == "state"
    for desk in ("usa_duty", "rus_duty"):
        (event,) = _events(running, desk, "track.unshared")
        assert event["state"] == "revoked"
    assert _events(running, "tur_duty", "track.unshared") == []
    (listed,) = running.desk("rus_duty").client.get("/api/v1/tracks/shares").json()
    assert listed["state"] == "revoked"
    # Two signed entries of the sharer: the grant, and the same document revoked.
    grant, revocation = _share_entries(running)
    assert grant["body"]["state"] == "active"
    assert revocation["body"] == {
        **grant["body"],
        "state": "revoked",
        "revoked_at": document["revoked_at"],
        "revoked_by": document["revoked_by"],
    }


def test_an_expired_share_stops_applying_without_any_act(running: Running) -> None:
    _usa_picture(running)
    share = _share(running, minutes=5).json()["share"]
    entries, cursor = len(_share_entries(running)), running.desk("rus_duty").client.get("/api/v1/events").json()
    _fly(running, 290, lambda: _usa_picture(running))
    assert list(_tracks(running, "rus_duty")) == [E3]
    _fly(running, 10, lambda: _usa_picture(running))
    assert _tracks(running, "rus_duty") == {}
    (listed,) = running.desk("rus_duty").client.get("/api/v1/tracks/shares").json()
    assert listed["state"] == "expired"
    assert len(_share_entries(running)) == entries
    assert running.desk("rus_duty").client.get("/api/v1/events").json() == cursor
    revoke = running.desk("usa_duty").client.post(f"/api/v1/tracks/shares/{share['share_id']}/revoke")
    assert revoke.status_code == 422
    assert revoke.json()["field"] == "state"


def _head_on(running: Running) -> None:
    """A Russian Su-35, in the Russian picture only, head-on to the E-3 2 NM away at its level."""
    lon, lat = _ahead(2.0)
    _post(running, "rus_sensor", [_state(running, "RUS-SU35-1", "RUS", lon, lat, 240.0, gs=450, callsign="FALCON11")])


def test_the_recipient_is_alerted_between_its_aircraft_and_the_shared_track(running: Running) -> None:
    _usa_picture(running)
    _head_on(running)
    running.node.tick()
    assert _alert_pairs(running, "rus_duty") == set()  # without the share the Russians cannot see the E-3
    _share(running)
    running.node.tick()
    assert _alert_pairs(running, "rus_duty") == {frozenset(("RUS-SU35-1", E3))}
    (alert,) = running.desk("rus_duty").client.get("/api/v1/alerts").json()
    assert alert["level_name"] == "warning"
    shared_side = alert["a"] if alert["a"]["id"] == E3 else alert["b"]
    assert shared_side["shared_by"] == "USA"
    assert shared_side["callsign"] == "SENTRY60"
    (raised,) = _events(running, "rus_duty", "alert.raised")
    assert {raised["a"]["id"], raised["b"]["id"]} == {"RUS-SU35-1", E3}
    raised_shared, raised_own = (raised["a"], raised["b"]) if raised["a"]["id"] == E3 else (raised["b"], raised["a"])
    assert raised_shared["shared_by"] == "USA"  # the event says whose report it is, as the picture does
    assert "shared_by" not in raised_own
    # Sharing does not change the sharer's picture: the Su-35 is not in it, so no American alert.
    assert _alert_pairs(running, "usa_duty") == set()
    assert _events(running, "usa_duty", "alert.raised") == []


def test_the_recipients_intrusion_check_sees_the_shared_track(running: Running) -> None:
    notice = rus_strike(start="2026-11-26T00:00:00Z", end="2026-11-26T04:00:00Z")
    assert running.desk("rus_duty").client.post("/api/v1/notices", json=notice).status_code == 201
    _usa_picture(running, lon=38.8, lat=34.8, alt=22000)  # inside the Russian strike box, FL150-250
    running.node.tick()
    assert _events(running, "rus_duty", "intrusion.detected") == []
    _share(running)
    running.node.tick()
    (intrusion,) = _events(running, "rus_duty", "intrusion.detected")
    assert intrusion["track"] == {"id": E3, "party": "USA", "callsign": "SENTRY60"}
    assert intrusion["notice_id"] == "RUS-0201"
    assert intrusion["inside_now"]


def test_the_recipients_own_track_of_the_shared_aircraft_gives_way_to_it(running: Running) -> None:
    """De-duplication: a Russian radar track of the E-3 (unidentified, 0.2 NM and 200 ft off, 5 s older) is
    the same aircraft, so it leaves the Russian view; a separate aircraft and a Russian one stay."""
    # The Russian reports are 5 s old: the E-3 (360 kt) was then 0.5 NM back along its track.
    back_lon, back_lat = _ahead(0.5, bearing=E3_TRK + 180.0)

    def beside(nm: float, bearing: float) -> tuple[float, float]:
        lon, lat = destination(back_lon, back_lat, bearing, nm)
        return float(lon), float(lat)

    near_lon, near_lat = beside(0.2, 150.0)
    far_lon, far_lat = beside(2.0, 150.0)
    escort_lon, escort_lat = beside(0.3, 330.0)

    def russian_radar() -> None:
        running.clock.advance(seconds=-5)
        states = [
            _state(running, "RUS-T77", None, near_lon, near_lat, E3_TRK, alt=30200),
            _state(running, "RUS-T78", None, far_lon, far_lat, E3_TRK, alt=30000),
            _state(running, "RUS-SU30-1", "RUS", escort_lon, escort_lat, E3_TRK, alt=30300, callsign="ESCORT1"),
        ]
        running.clock.advance(seconds=5)
        _post(running, "rus_sensor", states)

    _usa_picture(running)
    russian_radar()
    running.node.tick()
    # Without the share, the escort and the radar track of the E-3 are a pair in conflict.
    assert frozenset(("RUS-T77", "RUS-SU30-1")) in _alert_pairs(running, "rus_duty")
    _share(running)
    _fly(running, 20, lambda: _usa_picture(running), russian_radar)
    tracks = _tracks(running, "rus_duty")
    assert set(tracks) == {E3, "RUS-T78", "RUS-SU30-1"}
    assert tracks[E3]["shared_by"] == "USA"
    pairs = _alert_pairs(running, "rus_duty")
    assert not any("RUS-T77" in pair for pair in pairs), pairs  # no false alert against itself
    assert frozenset((E3, "RUS-SU30-1")) in pairs  # the escort is a Russian aircraft: never merged
    live = running.node.tactical.live["RUS"].data
    assert {t["id"] for t in live["tracks"]} == {E3, "RUS-T78", "RUS-SU30-1"}
    # Revoked, the Russian radar's own track of the E-3 is back.
    share_id = running.desk("usa_duty").client.get("/api/v1/tracks/shares").json()[0]["share_id"]
    running.desk("usa_duty").client.post(f"/api/v1/tracks/shares/{share_id}/revoke")
    assert set(_tracks(running, "rus_duty")) == {"RUS-T77", "RUS-T78", "RUS-SU30-1"}


def test_the_live_picture_marks_the_shared_track(running: Running) -> None:
    _usa_picture(running)
    _share(running)
    url = running.url.replace("http://", "ws://") + "/api/v1/events"
    token = running.desk("rus_duty").token
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        assert json.loads(socket.recv(timeout=5))["kind"] == "track.shared"
        running.node.tick()
        update = json.loads(socket.recv(timeout=5))
        assert update["kind"] == "tracks.update"
        (track,) = update["data"]["tracks"]
        assert track["id"] == E3
        assert track["shared_by"] == "USA"
    usa_live = running.node.tactical.live["USA"].data["tracks"]
    assert all("shared_by" not in t for t in usa_live)


def test_an_active_share_survives_a_restart(running: Running) -> None:
    _usa_picture(running)
    kept = _share(running).json()["share"]
    gone = _share(running, **{"with": ["TUR"]}).json()["share"]
    assert running.desk("usa_duty").client.post(f"/api/v1/tracks/shares/{gone['share_id']}/revoke").status_code == 200
    keys = dict(running.node.ledger._keys)
    store = Store.open(running.db_url)
    try:
        restarted = Node(store, running.node.settings, running.clock, keys=keys)
        with store.begin() as tx:
            rus, tur = (next(o for o in tx.officers(p) if o.tier == "duty") for p in ("RUS", "TUR"))
        running.clock.advance(seconds=5)
        restarted.pictures.post("USA", [_state(running, E3, "USA", E3_LON, E3_LAT, E3_TRK, callsign="SENTRY60")])
        restarted.tick()
        (track,) = restarted.tracks_for(rus)
        assert track["id"] == E3
        assert track["shared_by"] == "USA"
        assert restarted.tracks_for(tur) == []
        assert [s["share_id"] for s in restarted.shares_for(rus)] == [kept["share_id"]]
    finally:
        store.close()


def test_the_view_wraps_every_method_of_the_pictures() -> None:
    """The view is handed to code that expects ``Pictures``: a method added there and not wrapped here would
    silently read an empty picture, so this fails first."""
    public = {name for name in vars(Pictures) if not name.startswith("_")}
    assert public <= set(vars(SharedPictures)), public - set(vars(SharedPictures))


@pytest.mark.parametrize(
    ("offset_nm", "dalt_ft", "dt_s", "party", "merged"),
    [
        (0.45, 0.0, 0.0, "UNKNOWN", True),
        (0.0, 490.0, 0.0, "UNKNOWN", True),
        (0.0, 0.0, 10.0, "TUR", True),
        (0.55, 0.0, 0.0, "UNKNOWN", False),
        (0.0, 510.0, 0.0, "UNKNOWN", False),
        (0.0, 0.0, 11.0, "UNKNOWN", False),
        (0.1, 0.0, 0.0, "RUS", False),  # the recipient's own aircraft is never merged away
    ],
)
def test_the_de_duplication_rule(offset_nm: float, dalt_ft: float, dt_s: float, party: str, merged: bool) -> None:
    shared = TrackState(E3, "USA", 1000.0, E3_LAT, E3_LON, 30000.0, 0.0, E3_TRK, 0.0)
    lon, lat = _ahead(offset_nm, bearing=150.0)
    own = TrackStates.from_states([TrackState("T1", party, 1000.0 - dt_s, lat, lon, 30000.0 + dalt_ft, 0.0, 0.0, 0.0)])
    assert duplicates(own, "RUS", [shared]).tolist() == [merged]
