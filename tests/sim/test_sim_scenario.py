"""Scenario files: the Syria/Iraq example, and errors that name the path to the bad field."""

from __future__ import annotations

import copy
import doctest
from pathlib import Path
from typing import Any

import pytest

from airparley.errors import InvalidInput, InvalidInputs
from airparley.sim import (
    AIRCRAFT_CLASSES,
    IgnoreCallsEvent,
    MessageEvent,
    SafetyCallEvent,
    Scenario,
    _types,
    limits_for_type,
    load_scenario,
    parse_scenario,
)
from airparley.strategic import parse_notices_data

T0 = 1795662000.0


def test_the_syria_iraq_scenario(syria_iraq: Scenario) -> None:
    s = syria_iraq
    assert s.start_s == T0
    assert s.duration_s == 900
    assert s.seed == 1
    assert [p.code for p in s.parties] == ["USA", "RUS", "TUR", "SYR"]
    assert [p.language for p in s.parties] == ["en", "ru", "tr", "ar"]
    for party in ("USA", "RUS", "TUR", "SYR"):
        assert sorted(o.tier for o in s.officers if o.party == party) == ["duty", "senior", "sensor"]
    assert [f.mhz for f in s.frequencies] == [121.5, 243.0, 251.3]
    notices = parse_notices_data(s.notices)
    assert notices.ok
    assert len(notices.notices) == 12
    e3 = s.aircraft[s.aircraft_index("USA-E3-1")]
    assert e3.orbit is not None
    assert e3.orbit.points == ((35.2, 40.0), (35.6, 40.8))
    assert e3.orbit.alt_ft == 30000
    assert {a.party for a in s.aircraft} == {"USA", "RUS", "TUR", "SYR"}
    assert {a.type for a in s.aircraft} >= {"E-3", "F-22", "Su-35", "Tu-95MS"}
    assert [(x.name, x.party) for x in s.sensors] == [
        ("SENTRY60", "USA"),
        ("KHMEIMIM", "RUS"),
        ("INCIRLIK", "TUR"),
        ("ALEPPO", "SYR"),
    ]
    assert s.sensors[0].coverage[0].aircraft == "USA-E3-1"
    assert s.sensors[0].coverage[0].radius_nm == 200
    assert (s.sensors[1].coverage[0].lat, s.sensors[1].coverage[0].lon, s.sensors[1].coverage[0].radius_nm) == (
        35.41,
        35.95,
        250,
    )
    ignoring = [e for e in s.events if isinstance(e, IgnoreCallsEvent)]
    assert [(e.aircraft, e.at_s) for e in ignoring] == [("RUS-SU35-1", 240.0)]
    assert [e.at_s for e in s.events] == sorted(e.at_s for e in s.events)
    message = next(e for e in s.events if isinstance(e, MessageEvent))
    assert message.body() == {
        "recipients": ["RUS"],
        "urgency": "safety",
        "template": "your_aircraft_not_responding",
        "params": {"callsign": "BERKUT21", "frequency": 243.0},
    }
    calls = [e for e in s.events if isinstance(e, SafetyCallEvent)]
    # The track ids as the USA picture knows them: SENTRY60 identifies every aircraft (identify: all).
    assert [(e.at_s, e.sender, e.track, e.about) for e in calls] == [
        (255.0, "USA", "RUS-SU35-1", "RUS-SU35-1"),
        (340.0, "USA", "RUS-SU34-1", "RUS-SU34-1"),
    ]
    assert next(sensor for sensor in s.sensors if sensor.party == "USA").identify == "all"
    assert calls[0].body() == {"track": "RUS-SU35-1", "frequency_mhz": 243.0}
    assert calls[0].response is not None
    assert calls[0].response.turn_deg == 60


def _valid() -> dict[str, Any]:
    return {
        "name": "test",
        "start": "2026-11-26T03:00:00Z",
        "parties": [{"code": "USA", "name": "US", "language": "en"}, {"code": "RUS", "name": "RU", "language": "ru"}],
        "aircraft": [
            {
                "id": "A",
                "party": "USA",
                "type": "F-16",
                "route": [
                    {"lat": 34.0, "lon": 38.0, "alt_ft": 20000, "speed_kt": 400},
                    {"lat": 34.5, "lon": 38.5, "alt_ft": 20000, "speed_kt": 400},
                ],
            },
            {
                "id": "B",
                "party": "RUS",
                "type": "E-3",
                "orbit": {"center": {"lat": 35, "lon": 39}, "radius_nm": 5, "alt_ft": 30000, "speed_kt": 300},
            },
        ],
        "sensors": [
            {"name": "R", "party": "RUS", "coverage": [{"lat": 35, "lon": 36, "radius_nm": 200}], "update_s": 5}
        ],
    }


def test_a_minimal_scenario_and_its_defaults() -> None:
    scenario = parse_scenario(_valid(), "t.yaml")
    assert (scenario.duration_s, scenario.step_s, scenario.seed) == (600.0, 1.0, 1)
    assert scenario.aircraft[0].limits == AIRCRAFT_CLASSES["fighter"]
    assert scenario.aircraft[1].limits == AIRCRAFT_CLASSES["heavy"]
    assert scenario.sensors[0].identify == "all"
    assert scenario.sensors[0].position_noise_nm == 0.0


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d["aircraft"][0]["route"][1].update(speed_kt=-3), "aircraft.0.route.1.speed_kt", "must be > 0"),
        (lambda d: d["aircraft"][0].update(colour="red"), "aircraft.0.colour", "unknown key"),
        (lambda d: d["aircraft"][0].update(party="FRA"), "aircraft.0.party", "no party 'FRA'"),
        (lambda d: d["aircraft"][0]["route"].pop(), "aircraft.0.route", "at least two waypoints"),
        (lambda d: d["aircraft"][1]["orbit"].update(points=[]), "aircraft.1.orbit", "either center"),
        (lambda d: d["aircraft"][1]["orbit"].update(laps=0), "aircraft.1.orbit.laps", "whole number >= 1"),
        (lambda d: d["aircraft"][1].update(id="A"), "aircraft.1.id", "appears twice"),
        (lambda d: d["parties"][1].update(language="fr"), "parties.1.language", "must be one of en, ru, tr, ar"),
        (lambda d: d.update(start="2026-11-26T03:00:00"), "start", "no UTC offset"),
        (lambda d: d.update(seed=-1), "seed", "whole number"),
        (lambda d: d.pop("aircraft"), "aircraft", "is missing"),
        (
            lambda d: d["sensors"][0]["coverage"][0].update(lat=None, aircraft="Z"),
            "sensors.0.coverage.0.aircraft",
            "no aircraft 'Z'",
        ),
        (lambda d: d["sensors"][0].update(update_s=0.5), "sensors.0.update_s", "at least step_s"),
        (lambda d: d["sensors"][0].update(noise={"position_nm": -1}), "sensors.0.noise.position_nm", ">= 0"),
        (lambda d: d["sensors"][0].update(identify="some"), "sensors.0.identify", "all, own"),
        (
            lambda d: d.update(officers=[{"party": "USA", "name": "x", "tier": "general"}]),
            "officers.0.tier",
            "duty, senior",
        ),
        (
            lambda d: d.update(events=[{"at_s": 5, "type": "ignore_calls", "aircraft": "Q"}]),
            "events.0.aircraft",
            "no aircraft 'Q'",
        ),
        (
            lambda d: d.update(events=[{"at_s": 5, "type": "dance"}]),
            "events.0.type",
            "message, safety_call, ignore_calls, deviate",
        ),
        (lambda d: d.update(events=[{"at_s": 5, "type": "safety_call", "from": "USA"}]), "events.0.track", "missing"),
        (
            lambda d: d.update(
                events=[{"at_s": 5, "type": "safety_call", "from": "USA", "track": "R-T002", "to": "XXX"}]
            ),
            "events.0.to",
            "no party 'XXX'",
        ),
        (
            lambda d: d.update(
                events=[{"at_s": 5, "type": "safety_call", "from": "USA", "track": "B", "frequency_mhz": 50}]
            ),
            "events.0.frequency_mhz",
            ">= 118",
        ),
        (
            lambda d: d.update(
                events=[{"at_s": 5, "type": "safety_call", "from": "USA", "track": "B", "response": {"turn_deg": 30}}]
            ),
            "events.0.about",
            "needs the aircraft",
        ),
        (
            lambda d: d.update(events=[{"at_s": 5, "type": "safety_call", "from": "USA", "track": "B", "about": "Q"}]),
            "events.0.about",
            "no aircraft 'Q'",
        ),
        (lambda d: d.update(events=[{"at_s": 5, "type": "deviate", "aircraft": "A"}]), "events.0", "at least one of"),
        (
            lambda d: d.update(
                events=[
                    {
                        "at_s": 5,
                        "type": "message",
                        "from": "USA",
                        "to": ["RUS"],
                        "template": "traffic_turn",
                        "params": {"callsign": "GRACH31", "distance_nm": 2, "direction": "up"},
                    }
                ]
            ),
            "events.0.params.direction",
            "",
        ),
        (
            lambda d: d.update(
                events=[{"at_s": 5, "type": "message", "from": "USA", "to": ["RUS"], "template": "hello", "params": {}}]
            ),
            "events.0.template",
            "unknown phrase",
        ),
        (
            lambda d: d.update(
                events=[
                    {
                        "at_s": 5,
                        "type": "message",
                        "from": "USA",
                        "to": ["RUS"],
                        "text": "hi",
                        "response": {"turn_deg": 30},
                    }
                ]
            ),
            "events.0.about",
            "needs the aircraft",
        ),
        (lambda d: d.update(frequencies=[{"mhz": 1000}]), "frequencies.0.mhz", "<= 400"),
    ],
)
def test_every_error_names_the_path_to_the_bad_field(change: Any, field: str, reason: str) -> None:
    document = _valid()
    change(document)
    with pytest.raises(InvalidInputs) as caught:
        parse_scenario(document, "bad.yaml")
    errors = {(e.field, e.where): e.reason for e in caught.value.errors}
    assert (field, "bad.yaml") in errors, errors
    assert reason in errors[(field, "bad.yaml")]


def test_all_errors_are_reported_together() -> None:
    document = _valid()
    document["aircraft"][0]["route"][0]["lat"] = "north"
    document["aircraft"][1]["orbit"]["speed_kt"] = 0
    document["sensors"][0]["party"] = "XXX"
    with pytest.raises(InvalidInputs) as caught:
        parse_scenario(document, "bad.yaml")
    fields = [e.field for e in caught.value.errors]
    assert fields == ["aircraft.0.route.0.lat", "aircraft.1.orbit.speed_kt", "sensors.0.party"]
    assert caught.value.errors[0].describe() == "bad.yaml: aircraft.0.route.0.lat: must be a number, got 'north'"


def test_notices_inline_by_path_and_broken(tmp_path: Path, syria_iraq: Scenario) -> None:
    feature = copy.deepcopy(syria_iraq.notices["features"][0])
    document = _valid()
    document["notices"] = [feature]
    assert len(parse_scenario(document).notices["features"]) == 1
    feature["properties"]["party"] = "TUR"
    with pytest.raises(InvalidInputs, match="party 'TUR' is not in parties"):
        parse_scenario(document)
    broken = copy.deepcopy(syria_iraq.notices["features"][0])
    broken["properties"]["radius_nm"] = -1
    document["notices"] = [broken]
    with pytest.raises(InvalidInputs) as caught:
        parse_scenario(document)
    assert caught.value.errors[0].field == "notices.0"
    assert "radius_nm" in caught.value.errors[0].reason
    document["notices"] = ["missing.geojson"]
    (tmp_path / "s.yaml").write_text(_yaml(document), encoding="utf-8")
    with pytest.raises(InvalidInputs, match=r"notices\.0: missing\.geojson: path: no such file"):
        load_scenario(tmp_path / "s.yaml")


def test_a_notices_file_may_be_kml(tmp_path: Path, syria_iraq: Scenario) -> None:
    """A notices file named in a scenario may be KML (told by content), read by strategic's KML reader into the
    same notices as the GeoJSON it was written from; a broken one is named with the reader's reason."""
    from airparley.strategic import notices_to_kml

    parsed = parse_notices_data(syria_iraq.notices)
    (tmp_path / "notices.kml").write_text(notices_to_kml(parsed.notices), encoding="utf-8")
    document = _valid()
    document["parties"] = [{"code": c, "name": c, "language": "en"} for c in ("USA", "RUS", "SYR", "TUR")]
    document["notices"] = ["notices.kml"]
    (tmp_path / "s.yaml").write_text(_yaml(document), encoding="utf-8")
    loaded = load_scenario(tmp_path / "s.yaml").notices["features"]
    expected = syria_iraq.notices["features"]
    assert [f["properties"]["notice_id"] for f in loaded] == [f["properties"]["notice_id"] for f in expected]
    assert [f["properties"]["shape"] for f in loaded] == [f["properties"].get("shape", "polygon") for f in expected]
    assert [f["properties"].get("radius_nm") for f in loaded] == [f["properties"].get("radius_nm") for f in expected]
    (tmp_path / "notices.kml").write_text("<kml><Document>", encoding="utf-8")
    with pytest.raises(InvalidInputs, match=r"notices\.0: notices\.kml: path: .*notices\.kml is not a valid KML"):
        load_scenario(tmp_path / "s.yaml")


def _yaml(document: dict[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(document))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        load_scenario(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\naircraft: [\n  {id: A\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_scenario(bad)
    assert "not valid YAML" in caught.value.reason
    assert "line" in caught.value.where


def test_yaml_timestamps_are_read_as_times(tmp_path: Path) -> None:
    document = _valid()
    path = tmp_path / "s.yaml"
    path.write_text(_yaml(document).replace("'2026-11-26T03:00:00Z'", "2026-11-26T03:00:00Z"), encoding="utf-8")
    assert load_scenario(path).start_s == T0


def test_type_limits() -> None:
    assert limits_for_type("Su-35") == limits_for_type("SU35") == AIRCRAFT_CLASSES["fighter"]
    assert limits_for_type("Piper Cub") == AIRCRAFT_CLASSES["standard"]
    document = _valid()
    document["aircraft"][0]["limits"] = {"turn_rate_deg_s": 5}
    limits = parse_scenario(document).aircraft[0].limits
    assert limits.turn_rate_deg_s == 5
    assert limits.climb_fpm == AIRCRAFT_CLASSES["fighter"].climb_fpm
    assert doctest.testmod(_types).failed == 0
