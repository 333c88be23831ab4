"""Incidents on one node: the signed entry shares the encounter, the trails stay the recorder's until it
discloses them, by a signed act, to named parties only; the ledger still verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from incidents_support import _state, assert_only_the_encounter, near_miss
from node_support import Running
from typer.testing import CliRunner

from airparley.cli import app
from airparley.geo import destination
from airparley.node import NodeSettings
from airparley.node._incidents import trails_sha256

runner = CliRunner()


def _record(running: Running) -> dict[str, Any]:
    sensor = running.desk("usa_sensor").client

    def post(states: list[dict[str, Any]]) -> None:
        assert sensor.post("/api/v1/tracks", json={"states": states}).json()["accepted"] == len(states)

    near_miss(post, running.clock, running.node.tick)
    (record,) = running.desk("usa_duty").client.get("/api/v1/incidents").json()
    return record  # type: ignore[no-any-return]


def _entries(running: Running, kind: str) -> list[str]:
    with running.node.store.begin() as tx:
        return [line for line in tx.ledger_lines("USA") if json.loads(line)["kind"] == kind]


def _cli(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def test_the_entry_shares_the_encounter_and_the_trails_stay_with_the_recorder(running: Running) -> None:
    record = _record(running)
    incident_id = record["incident_id"]
    # The recorder's record: the trails of both tracks from its own picture, sensor names and all.
    assert set(record["history"]) == {"E3", "SU35"}
    assert all(len(states) == 3 for states in record["history"].values())
    assert record["history"]["E3"][0]["source"] == "AN/APY-2 E-3 radar"
    assert record["fields_from"] == "default"
    assert record["disclosures"] == []
    # The signed entry: the encounter only, bound to the trails by their hash.
    (line,) = _entries(running, "incident.recorded")
    entry = assert_only_the_encounter(line)
    assert entry["body"] == record["shared"]
    assert entry["body"]["trails_sha256"] == trails_sha256(record["history"]) == record["trails_sha256"]
    assert record["entry"]["seq"] == entry["seq"]
    # The event to the recorder's desk is its record; the owner of the other aircraft hears nothing.
    events = running.desk("usa_duty").client.get("/api/v1/events").json()["events"]
    (event,) = [e["data"] for e in events if e["kind"] == "incident.recorded"]
    assert event["incident_id"] == incident_id
    assert set(event["history"]) == {"E3", "SU35"}
    for other in ("rus_duty", "tur_duty"):
        client = running.desk(other).client
        assert client.get("/api/v1/incidents").json() == []
        assert client.get(f"/api/v1/incidents/{incident_id}").status_code == 404
        assert not [e for e in client.get("/api/v1/events").json()["events"] if e["kind"].startswith("incident.")]
    assert running.desk("usa_sensor").client.get("/api/v1/incidents").status_code == 403
    assert running.desk("usa_observer").client.get(f"/api/v1/incidents/{incident_id}").status_code == 200


def test_a_disclosure_is_signed_and_opens_the_trails_to_the_named_parties_only(
    running: Running, tmp_path: Path
) -> None:
    record = _record(running)
    incident_id = record["incident_id"]
    usa, rus, tur = (running.desk(d).client for d in ("usa_duty", "rus_duty", "tur_duty"))
    opened = rus.post("/api/v1/cases", json={"subject": {"kind": "contention", "reason": "Near miss"}, "with": "USA"})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case"]["case_id"]
    # Refusals name the field; none of them writes anything.
    for body, status, field in (
        ({"to": ["USA"]}, 422, "to.0"),
        ({"to": ["XXX"]}, 422, "to.0"),
        ({"to": ["RUS", "RUS"]}, 422, "to"),
        ({"to": []}, 422, "to"),
        ({"to": ["TUR"], "case_id": case_id}, 422, "to"),
        ({"to": ["RUS"], "case_id": "case-nope"}, 404, None),
        ({"to": ["RUS"], "why": "x"}, 422, "why"),
    ):
        refused = usa.post(f"/api/v1/incidents/{incident_id}/disclose", json=body)
        assert refused.status_code == status, (body, refused.text)
        if field is not None:
            assert refused.json()["field"] == field, refused.json()
    assert rus.post(f"/api/v1/incidents/{incident_id}/disclose", json={"to": ["TUR"]}).status_code == 404
    observer = running.desk("usa_observer").client
    assert observer.post(f"/api/v1/incidents/{incident_id}/disclose", json={"to": ["RUS"]}).status_code == 403
    assert _entries(running, "incident.disclosed") == []

    disclosed = usa.post(f"/api/v1/incidents/{incident_id}/disclose", json={"to": ["RUS"], "case_id": case_id})
    assert disclosed.status_code == 200, disclosed.text
    disclosure = disclosed.json()["disclosure"]
    (line,) = _entries(running, "incident.disclosed")
    body = json.loads(line)["body"]
    assert body["to"] == ["RUS"]
    assert body["case_id"] == case_id
    assert body["incident_id"] == incident_id
    assert body["recorded"] == record["entry"]
    assert body["trails_sha256"] == record["trails_sha256"]
    assert disclosure["entry"]["seq"] == json.loads(line)["seq"]
    # RUS reads the trails now, and can check them against the entry signed when the incident was recorded.
    seen = rus.get(f"/api/v1/incidents/{incident_id}").json()
    assert seen["history"] == record["history"]
    assert trails_sha256(seen["history"]) == body["trails_sha256"]
    assert [d["case_id"] for d in seen["disclosures"]] == [case_id]
    assert [r["incident_id"] for r in rus.get("/api/v1/incidents").json()] == [incident_id]
    rus_events = [e for e in rus.get("/api/v1/events").json()["events"] if e["kind"] == "incident.disclosed"]
    assert len(rus_events) == 1
    assert rus_events[0]["data"]["history"] == record["history"]
    # ...but may not pass them on; TUR still sees nothing; disclosing to RUS again is refused.
    assert rus.post(f"/api/v1/incidents/{incident_id}/disclose", json={"to": ["TUR"]}).status_code == 403
    assert tur.get(f"/api/v1/incidents/{incident_id}").status_code == 404
    again = usa.post(f"/api/v1/incidents/{incident_id}/disclose", json={"to": ["RUS"]})
    assert again.status_code == 422
    assert "already disclosed" in again.json()["reason"]

    # The command line: list, show and disclose (to TUR, outside any case).
    listed = _cli(running, "usa_duty", "incident", "list")
    assert listed.exit_code == 0, listed.output
    assert incident_id in listed.stdout
    assert "1 incident(s)" in listed.stdout
    shown = _cli(running, "rus_duty", "incident", "show", incident_id, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["history"] == record["history"]
    assert _cli(running, "tur_duty", "incident", "show", incident_id).exit_code == 2
    told = _cli(running, "usa_duty", "incident", "disclose", incident_id, "--to", "tur")
    assert told.exit_code == 0, told.output
    assert f"{incident_id} disclosed to TUR" in told.stdout
    assert tur.get(f"/api/v1/incidents/{incident_id}").status_code == 200
    assert running.desk("syr_duty").client.get(f"/api/v1/incidents/{incident_id}").status_code == 404
    # TUR sees the disclosure that names it, not the one for the USA-RUS case.
    assert [d["to"] for d in tur.get(f"/api/v1/incidents/{incident_id}").json()["disclosures"]] == [["TUR"]]

    # The ledger, both kinds in it, still verifies.
    db = ["--db", running.db_url]
    exported = runner.invoke(app, ["ledger", "export", *db])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "ledger.jsonl"
    path.write_text(exported.stdout)
    verified = runner.invoke(app, ["ledger", "verify", str(path), *db])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("variable", ["AIRPARLEY_INCIDENT_H_NM", "AIRPARLEY_INCIDENT_V_FT"])
def test_the_incident_minima_are_settings_of_the_node(variable: str) -> None:
    """Declared once, in tactical.IncidentSettings; the node's settings read them from the environment."""
    from airparley.tactical import IncidentSettings

    declared = IncidentSettings()
    settings = NodeSettings()
    assert settings.incidents() == IncidentSettings(
        h_nm=declared.h_nm, v_ft=declared.v_ft, history_s=declared.history_s
    )
    tight = NodeSettings.from_env({variable: "0.05"}).incidents()
    assert (tight.h_nm if variable.endswith("H_NM") else tight.v_ft) == 0.05


def _agree_minima(running: Running, horizontal_nm: float, vertical_ft: float) -> None:
    usa, rus = running.desk("usa_duty").client, running.desk("rus_duty").client
    terms = {"incident_minima": {"horizontal_nm": horizontal_nm, "vertical_ft": vertical_ft}}
    proposed = usa.post(
        "/api/v1/agreements", json={"parties": ["USA", "RUS"], "start": "2026-11-26T00:00:00Z", "terms": terms}
    )
    assert proposed.status_code == 201, proposed.text
    agreement = proposed.json()
    signed = rus.post(f"/api/v1/agreements/{agreement['agreement_id']}/versions/{agreement['version']}/sign")
    assert signed.status_code == 200, signed.text


def _fly(running: Running) -> None:
    sensor = running.desk("usa_sensor").client
    near_miss(
        lambda s: sensor.post("/api/v1/tracks", json={"states": s}).raise_for_status(), running.clock, running.node.tick
    )


@pytest.mark.parametrize(("horizontal_nm", "vertical_ft"), [(0.05, 500.0), (0.5, 150.0)])
def test_a_pass_outside_the_agreed_minima_is_no_incident(
    running: Running, horizontal_nm: float, vertical_ft: float
) -> None:
    """0.08 NM and 200 ft apart: an incident under the node's 0.5 NM / 500 ft, not under these (USA-RUS)."""
    _agree_minima(running, horizontal_nm, vertical_ft)
    _fly(running)
    assert running.desk("usa_duty").client.get("/api/v1/incidents").json() == []
    assert _entries(running, "incident.recorded") == []


def test_the_agreed_minima_judge_the_pair_and_are_the_entrys_thresholds(running: Running) -> None:
    _agree_minima(running, 0.2, 300.0)
    _fly(running)
    (line,) = _entries(running, "incident.recorded")
    thresholds = json.loads(line)["body"]["min_separation"]["thresholds"]
    assert thresholds == {"horizontal_nm": 0.2, "vertical_ft": 300}


def test_agreed_minima_wider_than_the_alert_scan_still_find_the_incident(running: Running) -> None:
    """USA and RUS agreed 8 NM / 2,000 ft; an E-3 and a Su-35 fly side by side 6 NM apart, never within the
    alert scan's 5 NM: the scan grows to the agreed minima, so the pass is an incident all the same."""
    _agree_minima(running, 8.0, 2000.0)
    sensor = running.desk("usa_sensor").client
    e3 = (40.4, 35.4)
    for moved_nm, apart_nm in ((0.0, 6.0), (1.0, 6.0), (5.0, 25.0)):
        lon, lat = destination(e3[0], e3[1], 90.0, moved_nm)
        su35 = destination(float(lon), float(lat), 0.0, apart_nm)
        states = [
            _state(running.clock(), "E3", "USA", (float(lon), float(lat)), 90.0, callsign="SENTRY60"),
            _state(running.clock(), "SU35", "RUS", (float(su35[0]), float(su35[1])), 90.0, callsign="FALCON11"),
        ]
        sensor.post("/api/v1/tracks", json={"states": states}).raise_for_status()
        running.node.tick()
        running.clock.advance(seconds=8)
    (line,) = _entries(running, "incident.recorded")
    separation = json.loads(line)["body"]["min_separation"]
    assert separation["thresholds"] == {"horizontal_nm": 8, "vertical_ft": 2000}
    assert 5.9 < separation["horizontal_nm"] < 6.1
    assert len(running.desk("usa_duty").client.get("/api/v1/incidents").json()) == 1
