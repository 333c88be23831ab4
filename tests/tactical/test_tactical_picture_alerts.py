"""A picture's alerts as the node reports them (tactical/_picture_alerts.py): shared by the live scan and replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from airparley.tactical import (
    ALERT_LEVEL_NAMES,
    CANDIDATE_SCAN,
    AlertingSettings,
    FlightState,
    TrackState,
    TrackStates,
    aircraft_at,
    alert_pair,
    alert_pairs,
    alert_severity,
    alert_side,
    alerts_at,
    picture_tracks,
    scan_containing,
)
from conftest import T0

Builder = Callable[..., Any]


def _nose_to_nose(make_state: Builder, make_place: Builder, apart_nm: float) -> TrackStates:
    south = make_place(38.27, 34.56, 180.0, apart_nm / 2)
    north = make_place(38.27, 34.56, 0.0, apart_nm / 2)
    return TrackStates.from_states(
        [
            make_state("USA-F16-1", *south, gs_kt=400.0, trk_deg=0.0, party="USA"),
            make_state("RUS-SU35-1", *north, gs_kt=400.0, trk_deg=180.0, party="RUS"),
        ]
    )


def test_severity_orders_caution_below_every_level() -> None:
    assert [alert_severity(0, False), alert_severity(0, True)] == [0, 1]
    assert [alert_severity(level, caution) for level in (1, 2, 3) for caution in (False, True)] == [2, 2, 3, 3, 4, 4]


def test_side_names_the_sharer_of_a_shared_track_only() -> None:
    shared = {"RUS-SU35-1": "TUR"}
    assert alert_side("USA-F16-1", "USA", "VIPER1", shared) == {"id": "USA-F16-1", "party": "USA", "callsign": "VIPER1"}
    assert alert_side("RUS-SU35-1", "RUS", "", shared)["shared_by"] == "TUR"


def test_close_head_on_pair_alerts_as_the_scalar_alerter_does(make_state: Builder, make_place: Builder) -> None:
    states = _nose_to_nose(make_state, make_place, 8.0)
    alerts = alerts_at(states, T0, AlertingSettings(), {"RUS-SU35-1": "TUR"})
    assert len(alerts) == 1
    alert = alerts[0]
    ids = {alert["a"]["id"], alert["b"]["id"]}
    assert ids == {"USA-F16-1", "RUS-SU35-1"}
    rus = alert["a"] if alert["a"]["id"] == "RUS-SU35-1" else alert["b"]
    assert rus["shared_by"] == "TUR"
    rows = [states[k] for k in range(2)]
    one = {r.id: FlightState(r.lat, r.lon, r.alt_ft, r.gs_kt, r.trk_deg, r.vs_fpm) for r in rows}
    scalar = alert_pair(one[alert["a"]["id"]], one[alert["b"]["id"]], AlertingSettings())
    assert alert["level"] == int(scalar.level) > 0
    assert alert["level_name"] == ALERT_LEVEL_NAMES[alert["level"]]
    assert alert["severity"] == alert_severity(alert["level"], alert["caution"])
    assert alert["tcpa_s"] == pytest.approx(36.0, abs=1.0)  # 8 NM closing at 800 kt


def test_far_pair_and_lone_aircraft_give_no_alert(make_state: Builder, make_place: Builder) -> None:
    far = _nose_to_nose(make_state, make_place, 200.0)
    assert alert_pairs(far, AlertingSettings(), T0) is None
    assert alerts_at(far, T0, AlertingSettings(), {}) == []
    assert alerts_at(far.take([0]), T0, AlertingSettings(), {}) == []


def test_candidate_scan_contains_the_caution_cylinder() -> None:
    settings = AlertingSettings()
    assert CANDIDATE_SCAN.rpz_nm >= settings.caution_horizontal_nm
    assert CANDIDATE_SCAN.hpz_ft >= settings.caution_vertical_ft


def test_picture_tracks_round_and_mark(make_state: Builder) -> None:
    states = TrackStates.from_states(
        [
            TrackState("A", "USA", T0 + 0.12345, 34.1234567, 38.7654321, 20000.04, 400.04, 90.04, -500.04, "V1"),
            TrackState("B", "RUS", T0, 34.2, 38.8, 21000.0, 300.0, 270.0, 0.0, "S1"),
        ]
    )
    tracks = picture_tracks(states, {"A": 3}, {"B": "TUR"})
    assert tracks[0] == {
        "id": "A",
        "party": "USA",
        "time_s": round(T0 + 0.12345, 3),
        "lat": 34.123457,
        "lon": 38.765432,
        "alt_ft": 20000.0,
        "gs_kt": 400.0,
        "trk_deg": 90.0,
        "vs_fpm": -500.0,
        "callsign": "V1",
        "source": states.source[0],
        "severity": 3,
    }
    assert tracks[1]["severity"] == 0
    assert tracks[1]["shared_by"] == "TUR"
    at = aircraft_at(states, 1)
    assert (at.track, at.party, at.alt_ft, at.trk_deg, at.callsign) == ("B", "RUS", 21000.0, 270.0, "S1")


def test_the_candidate_scan_grows_to_the_widest_agreed_minima_and_never_shrinks() -> None:
    assert scan_containing(0.5, 500.0) is CANDIDATE_SCAN  # the default minima are inside it
    grown = scan_containing(8.0, 600.0)
    assert (grown.rpz_nm, grown.hpz_ft, grown.lookahead_s) == (8.0, 1000.0, CANDIDATE_SCAN.lookahead_s)
    assert scan_containing(2.0, 2000.0).rpz_nm == 5.0
