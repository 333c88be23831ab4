"""What an incident entry shares: the encounter in the groups allowed, and nothing of the picture."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from airparley.errors import InvalidInput
from airparley.tactical import (
    DEFAULT_INCIDENT_FIELDS,
    INCIDENT_FIELDS,
    AircraftAt,
    Encounter,
    incident_entry,
)

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp()


def _e3_and_su35() -> Encounter:
    e3 = AircraftAt("E3", "USA", 35.4012345678, 40.41234567, 30000.4, 360.04, 90.0, 0.0, callsign="SENTRY60")
    su35 = AircraftAt("SU35", "RUS", 35.4012399, 40.4135, 30200.0, 450.0, 270.0, -12.34, callsign="FALCON11")
    return Encounter(e3, su35, T0, T0 + 30.0, T0 + 8.0, 0.08312, 199.96, 0.5, 500.0)


def test_the_default_entry_is_the_encounter_at_the_closest_point() -> None:
    body = incident_entry(_e3_and_su35())
    assert body == {
        "fields": ["positions", "levels", "velocities", "min_separation", "times"],
        "aircraft": [
            {
                "party": "USA",
                "position": {"lat": 35.40123, "lon": 40.41235},
                "alt_ft": 30000,
                "velocity": {"gs_kt": 360.0, "trk_deg": 90.0, "vs_fpm": 0.0},
            },
            {
                "party": "RUS",
                "position": {"lat": 35.40124, "lon": 40.4135},
                "alt_ft": 30200,
                "velocity": {"gs_kt": 450.0, "trk_deg": 270.0, "vs_fpm": -12.3},
            },
        ],
        "times": {
            "started": "2026-11-26T01:00:00.000Z",
            "closest": "2026-11-26T01:00:08.000Z",
            "ended": "2026-11-26T01:00:30.000Z",
        },
        "min_separation": {
            "horizontal_nm": 0.083,
            "vertical_ft": 200.0,
            "thresholds": {"horizontal_nm": 0.5, "vertical_ft": 500.0},
        },
    }
    assert tuple(body["fields"]) == DEFAULT_INCIDENT_FIELDS
    text = json.dumps(body)
    for private in ("SENTRY60", "FALCON11", "E3", "SU35"):  # callsigns and track ids are not default
        assert private not in text


@pytest.mark.parametrize(
    ("allowed", "aircraft_keys", "top_keys"),
    [
        ((), {"party"}, {"fields", "aircraft"}),
        (("min_separation",), {"party"}, {"fields", "aircraft", "min_separation"}),
        (("levels", "times"), {"party", "alt_ft"}, {"fields", "aircraft", "times"}),
        (INCIDENT_FIELDS, {"party", "track", "callsign", "position", "alt_ft", "velocity"}, None),
    ],
)
def test_only_the_allowed_groups_are_in_the_entry(
    allowed: tuple[str, ...], aircraft_keys: set[str], top_keys: set[str] | None
) -> None:
    body = incident_entry(_e3_and_su35(), allowed)
    assert body["fields"] == [f for f in INCIDENT_FIELDS if f in allowed]
    for side in body["aircraft"]:
        assert set(side) == aircraft_keys
    if top_keys is not None:
        assert set(body) == top_keys
    # the order the groups are named in does not change the entry (two spellings of one agreement sign alike)
    assert incident_entry(_e3_and_su35(), tuple(reversed(allowed))) == body


@pytest.mark.parametrize(
    ("allowed", "reason"),
    [(("positions", "trails"), "unknown field 'trails'"), (("levels", "levels"), "twice"), ("positions", "list")],
)
def test_an_unknown_or_repeated_group_is_refused(allowed: object, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        incident_entry(_e3_and_su35(), allowed)  # type: ignore[arg-type]
    assert refused.value.field == "incident_entry"
    assert reason in refused.value.reason


def test_an_encounter_is_validated_when_built() -> None:
    e3 = _e3_and_su35().a
    with pytest.raises(InvalidInput, match="closest point"):
        Encounter(e3, e3, T0, T0 + 1.0, T0 + 2.0, 0.1, 10.0, 0.5, 500.0)
    with pytest.raises(InvalidInput) as refused:
        AircraftAt("E3", "USA", 95.0, 40.0, 30000.0, 360.0, 90.0, 0.0)
    assert "WGS84" in refused.value.reason
    with pytest.raises(InvalidInput):
        AircraftAt("E3", "USA", 35.0, 40.0, float("nan"), 360.0, 90.0, 0.0)
