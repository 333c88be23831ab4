"""Safety calls and non-response flags (DESIGN 5.5) on a real node, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import httpx
import pytest
from node_support import Running

from airparley.geo import destination
from airparley.ledger import Kind, verify_export
from airparley.node import Node
from airparley.node._settings import NodeSettings, settings_from_env
from airparley.store import Store
from airparley.tactical import NonResponseSettings

SU35 = "RUS-SU35-1"
LAT, LON = 35.40, 40.45


def _iso(running: Running) -> str:
    return running.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")


def _states(running: Running, **su35: Any) -> list[dict[str, Any]]:
    """The USA picture: its E-3, and the Russian Su-35 as the E-3 identifies it (overridable fields)."""
    base = {"time": _iso(running), "vs_fpm": 0, "source": "SENTRY60"}
    fighter = {
        **base,
        "id": SU35,
        "party": "RUS",
        "callsign": "BERKUT21",
        "lat": LAT,
        "lon": LON,
        "alt_ft": 30300,
        "gs_kt": 480,
        "trk_deg": 340,
        **su35,
    }
    e3 = {**base, "id": "USA-E3-1", "party": "USA", "callsign": "SENTRY60", "lat": 35.2, "lon": 40.0}
    return [{**e3, "alt_ft": 30000, "gs_kt": 360, "trk_deg": 60}, fighter]


def _post_picture(running: Running, **su35: Any) -> None:
    posted = running.desk("usa_sensor").client.post("/api/v1/tracks", json={"states": _states(running, **su35)})
    assert posted.status_code == 202, posted.text
    assert posted.json()["rejected"] == []


def _fly(running: Running, seconds: int, step: int = 10, **su35: Any) -> None:
    """Let ``seconds`` pass, the E-3 reporting every ``step`` s and the node ticking after each report."""
    for _ in range(seconds // step):
        running.clock.advance(seconds=step)
        _post_picture(running, **su35)
        running.node.tick()


def _call(running: Running, desk: str = "usa_duty", **body: Any) -> httpx.Response:
    return running.desk(desk).client.post("/api/v1/alerts/safety-call", json={"track": SU35, **body})


def _events(running: Running, desk: str, kind: str) -> list[dict[str, Any]]:
    events = running.desk(desk).client.get("/api/v1/events").json()["events"]
    return [e["data"] for e in events if e["kind"] == kind]


def _watch_states(running: Running) -> list[str]:
    with running.node.store.begin() as tx:
        return [w.state for w in tx.watches_for("USA")]


def test_a_safety_call_is_a_safety_message_about_the_aircraft(running: Running) -> None:
    _post_picture(running)
    sent = _call(running)
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["urgency"] == "safety"
    assert message["recipients"] == ["RUS"]
    assert message["references"] == [{"kind": "track", "id": SU35}]
    assert message["content"]["template"] == "safety_call"
    assert message["content"]["params"] == {
        "aircraft": "BERKUT21",
        "position": [LON, LAT],
        "fl": 303,
        "heading": 340,  # its true track, whole degrees: which aircraft, and where it is going
        "frequency": 243.0,
    }
    english = sent.json()["rendered"]["text"]
    assert "BERKUT21" in english
    assert "35°24.0'N 040°27.0'E" in english
    assert "FL303, track 340°" in english
    assert "243.0\u00a0MHz" in english
    (received,) = running.desk("rus_duty").client.get("/api/v1/messages").json()
    assert received["rendered"]["language"] == "ru"
    assert "BERKUT21" in received["rendered"]["text"]
    assert "путевой угол 340°" in received["rendered"]["text"]
    # A frequency other than the guards, agreed by USA and RUS (docs/agreements.md), and an Idempotency-Key: a
    # retry sends nothing twice.
    terms = {"frequencies": [{"name": "Deconfliction", "mhz": 251.3}]}
    proposed = running.desk("usa_duty").client.post(
        "/api/v1/agreements", json={"parties": ["USA", "RUS"], "start": "2026-11-26T00:00:00Z", "terms": terms}
    )
    assert proposed.status_code == 201, proposed.text
    agreement = proposed.json()
    signed = running.desk("rus_duty").client.post(
        f"/api/v1/agreements/{agreement['agreement_id']}/versions/{agreement['version']}/sign"
    )
    assert signed.status_code == 200, signed.text
    first = running.desk("usa_duty").client.post(
        "/api/v1/alerts/safety-call",
        json={"track": SU35, "frequency_mhz": 251.3, "to": "RUS"},
        headers={"Idempotency-Key": "call-1"},
    )
    again = running.desk("usa_duty").client.post(
        "/api/v1/alerts/safety-call",
        json={"track": SU35, "frequency_mhz": 251.3, "to": "RUS"},
        headers={"Idempotency-Key": "call-1"},
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["message"]["content"]["params"]["frequency"] == 251.3
    assert len(running.desk("rus_duty").client.get("/api/v1/messages").json()) == 2
    assert _watch_states(running) == ["watching", "watching"]


def _unknown_track_picture(running: Running) -> None:
    _post_picture(running, id="SENTRY60-T009", party=None, callsign="")


BAD_CALLS: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("usa_duty", {"track": "NOPE"}, 422, "track"),
    ("usa_duty", {"track": "USA-E3-1"}, 422, "track"),
    ("usa_duty", {"track": SU35, "frequency_mhz": 251.3}, 422, "frequency_mhz"),
    ("usa_duty", {"track": SU35, "frequency_mhz": "guard"}, 422, "frequency_mhz"),
    ("usa_duty", {"track": SU35, "to": "USA"}, 422, "to"),
    ("usa_duty", {"track": SU35, "to": "XXX"}, 422, "to"),
    ("usa_duty", {"track": "SENTRY60-T009"}, 422, "to"),
    ("usa_duty", {"track": SU35, "colour": "red"}, 422, "colour"),
    ("usa_duty", {"frequency_mhz": 243.0}, 422, "track"),
    ("usa_observer", {"track": SU35}, 403, None),
    ("usa_sensor", {"track": SU35}, 403, None),
    ("rus_duty", {"track": SU35}, 422, "track"),  # not in the Russian picture: tracks are private
]


@pytest.mark.parametrize(("desk", "body", "status", "field"), BAD_CALLS, ids=[str(b) for _, b, _, _ in BAD_CALLS])
def test_a_bad_safety_call_is_refused_naming_the_field_and_stores_nothing(
    running: Running, desk: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    _post_picture(running)
    _unknown_track_picture(running)
    before = running.desk("usa_duty").client.get("/api/v1/events").json()["cursor"]
    response = running.desk(desk).client.post("/api/v1/alerts/safety-call", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert response.json()["field"] == field, response.json()
    assert running.desk("usa_duty").client.get("/api/v1/events").json()["cursor"] == before
    assert _watch_states(running) == []


def test_an_unidentified_track_is_called_with_the_party_named(running: Running) -> None:
    _unknown_track_picture(running)
    sent = running.desk("usa_duty").client.post(
        "/api/v1/alerts/safety-call", json={"track": "SENTRY60-T009", "to": "RUS"}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["content"]["params"]["aircraft"] == "SENTRY60-T009"  # no callsign: the track id
    _fly(running, 190, id="SENTRY60-T009", party=None, callsign="")
    (flag,) = running.desk("rus_duty").client.get("/api/v1/flags").json()
    assert flag["track"] == {"id": "SENTRY60-T009", "party": "RUS", "callsign": ""}


def test_no_answer_and_no_manoeuvre_flags_the_aircraft_for_both_parties_and_their_generals(running: Running) -> None:
    _post_picture(running)
    message_id = _call(running).json()["message"]["message_id"]
    _fly(running, 170)
    assert _events(running, "usa_duty", "track.non_responsive") == []
    assert running.desk("usa_duty").client.get("/api/v1/flags").json() == []
    _fly(running, 20)
    for desk in ("usa_duty", "usa_senior", "rus_duty", "rus_senior", "rus_observer"):
        (event,) = _events(running, desk, "track.non_responsive")
        assert event["track"] == {"id": SU35, "party": "RUS", "callsign": "BERKUT21"}
        assert event["message_id"] == message_id
        assert event["escalated_to"] == "senior"
        assert event["escalation"]["parties"] == ["RUS", "USA"]
        assert event["at_call"]["alt_ft"] == 30300
        assert event["at_call"]["trk_deg"] == 340
        assert event["now"]["gs_kt"] == 480
        assert "no acknowledgement from RUS" in event["reason"]
        assert event["deadline"] == event["called_at"].replace("01:00:00", "01:03:00")
        assert event["entry"]["party"] == "USA"
    for desk in ("tur_duty", "syr_duty", "tur_senior"):
        assert _events(running, desk, "track.non_responsive") == []
        assert running.desk(desk).client.get("/api/v1/flags").json() == []
    usa_flags = running.desk("usa_duty").client.get("/api/v1/flags").json()
    rus_flags = running.desk("rus_senior").client.get("/api/v1/flags").json()
    assert usa_flags == rus_flags
    assert len(usa_flags) == 1
    assert running.desk("usa_sensor").client.get("/api/v1/flags").status_code == 403
    # Once flagged, the watch is over: later ticks flag nothing more.
    _fly(running, 60)
    assert len(_events(running, "usa_duty", "track.non_responsive")) == 1
    # The flag is a signed entry of the caller, and the whole ledger verifies.
    with running.node.store.begin() as tx:
        lines = tx.ledger_lines()
        keys = {p.code: p.public_key for p in tx.parties() if p.public_key}
    flags = [line for line in lines if f'"kind":"{Kind.TRACK_NON_RESPONSIVE.value}"' in line]
    assert len(flags) == 1
    assert '"party":"USA"' in flags[0]
    verify_export(("\n".join(lines) + "\n").encode(), keys)


def test_an_acknowledged_call_raises_no_flag(running: Running) -> None:
    _post_picture(running)
    message_id = _call(running).json()["message"]["message_id"]
    _fly(running, 60)
    assert running.desk("rus_duty").client.post(f"/api/v1/messages/{message_id}/ack").status_code == 200
    _fly(running, 200)
    assert _events(running, "usa_duty", "track.non_responsive") == []
    assert _watch_states(running) == ["acknowledged"]


@pytest.mark.parametrize(
    "change",
    [{"trk_deg": 20}, {"trk_deg": 320}, {"alt_ft": 31000}, {"alt_ft": 29500}, {"gs_kt": 420}],
    ids=["turns right", "turns left", "climbs", "descends", "slows"],
)
def test_an_aircraft_that_manoeuvres_is_not_flagged(running: Running, change: dict[str, Any]) -> None:
    _post_picture(running)
    _call(running)
    _fly(running, 60)
    _fly(running, 200, **change)
    assert _events(running, "usa_duty", "track.non_responsive") == []
    assert _watch_states(running) == ["manoeuvred"]


def test_small_wobbles_are_not_a_manoeuvre(running: Running) -> None:
    _post_picture(running)
    _call(running)
    for k in range(19):
        _fly(running, 10, trk_deg=340 + (-5 if k % 2 else 5), alt_ft=30300 + (-150 if k % 3 else 200))
    assert len(_events(running, "rus_duty", "track.non_responsive")) == 1


def test_a_track_lost_from_the_picture_closes_the_watch_without_a_flag(running: Running) -> None:
    _post_picture(running)
    _call(running)
    _fly(running, 30)
    running.clock.advance(seconds=40)  # the aircraft leaves radar cover: no more reports of it...
    running.node.tick()
    assert _watch_states(running) == ["watching"]  # ...which may be a gap: not lost yet
    running.clock.advance(seconds=30)
    running.node.tick()
    assert _watch_states(running) == ["lost"]
    running.clock.advance(seconds=200)
    running.node.tick()
    assert _events(running, "usa_duty", "track.non_responsive") == []


def test_a_plain_safety_message_referring_to_the_track_arms_the_watch_too(running: Running) -> None:
    _post_picture(running)
    body: dict[str, Any] = {
        "recipients": ["RUS"],
        "template": "traffic_turn",
        "params": {"callsign": "BERKUT21", "distance_nm": 7, "direction": "right"},
        "references": [{"kind": "track", "id": SU35}],
    }
    assert running.desk("usa_duty").client.post("/api/v1/messages", json=body).status_code == 201  # routine
    assert (
        running.desk("usa_duty")
        .client.post("/api/v1/messages", json={**body, "recipients": ["TUR"], "urgency": "safety"})
        .status_code
        == 201
    )  # not the owner
    assert _watch_states(running) == []
    sent = running.desk("usa_duty").client.post("/api/v1/messages", json={**body, "urgency": "safety"})
    assert sent.status_code == 201
    assert _watch_states(running) == ["watching"]
    _fly(running, 190)
    (flag,) = running.desk("rus_duty").client.get("/api/v1/flags").json()
    assert flag["message_id"] == sent.json()["message"]["message_id"]


def test_a_watch_survives_a_restart_of_the_node(running: Running) -> None:
    _post_picture(running)
    _call(running)
    _fly(running, 100)
    # The node stops; another process starts on the same database (its picture starts empty).
    keys = dict(running.node.ledger._keys)
    store = Store.open(running.db_url)
    try:
        restarted = Node(store, running.node.settings, running.clock, keys=keys)
        restarted.tick()  # the sensors have not reported yet: the track is not taken as lost
        with store.begin() as tx:
            assert [w.state for w in tx.open_watches()] == ["watching"]
        for _ in range(9):
            running.clock.advance(seconds=10)
            restarted.pictures.post("USA", _states(running))
            restarted.tick()
        with store.begin() as tx:
            (officer,) = [o for o in tx.officers("RUS") if o.tier == "duty"]
        (flag,) = restarted.flags_for(officer)
        assert flag["track"]["callsign"] == "BERKUT21"
        assert flag["entry"]["party"] == "USA"
    finally:
        store.close()
    assert len(_events(running, "rus_duty", "track.non_responsive")) == 1


def test_the_alerts_in_force_are_served_over_rest(running: Running) -> None:
    # The Su-35 head-on to the E-3, 2 NM apart at the same level: a warning in the American picture.
    lon, lat = destination(40.0, 35.2, 60.0, 2.0)
    _post_picture(running, lat=float(lat), lon=float(lon), alt_ft=30000, trk_deg=240)
    running.node.tick()
    alerts = running.desk("usa_observer").client.get("/api/v1/alerts").json()
    assert alerts
    assert alerts[0]["level_name"] == "warning"
    assert {alerts[0]["a"]["callsign"], alerts[0]["b"]["callsign"]} == {"SENTRY60", "BERKUT21"}
    assert running.desk("rus_duty").client.get("/api/v1/alerts").json() == []
    assert running.desk("usa_sensor").client.get("/api/v1/alerts").status_code == 403


def test_the_non_response_settings_are_the_cores_and_are_read_from_the_environment() -> None:
    assert NodeSettings().non_response() == NonResponseSettings()
    environ = {"AIRPARLEY_NON_RESPONSE_LOST_AFTER_STALE": "3", "AIRPARLEY_NON_RESPONSE_ALT_SMOOTHING_S": "10"}
    node_settings, _ = settings_from_env(environ, non_response_s=60.0)
    assert node_settings.non_response() == NonResponseSettings(
        deadline_s=60.0, alt_smoothing_s=10.0, lost_after_stale=3.0
    )


def test_a_safety_call_without_a_heading_as_sent_before_it_had_one_still_reads(running: Running) -> None:
    """The heading was added to the phrase after calls had been signed and stored without it: such a message
    (here sent as an older node sent it) is still taken and rendered, the track left out, in every language."""
    params = {"aircraft": "BERKUT21", "position": [LON, LAT], "fl": 303, "frequency": 243.0}
    body = {"recipients": ["RUS"], "urgency": "safety", "template": "safety_call", "params": params}
    sent = running.desk("usa_duty").client.post("/api/v1/messages", json=body)
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["content"]["params"] == params
    english = sent.json()["rendered"]["text"]
    assert "FL303. We are calling it on 243.0\u00a0MHz." in english
    assert "track" not in english
    (received,) = running.desk("rus_duty").client.get("/api/v1/messages").json()
    assert "FL303. Вызываем" in received["rendered"]["text"]
    # A heading that is there is still checked as a heading.
    bad = running.desk("usa_duty").client.post("/api/v1/messages", json={**body, "params": {**params, "heading": 400}})
    assert bad.status_code == 422, bad.text
    assert "params.heading" in bad.text
