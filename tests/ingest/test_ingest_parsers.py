"""Feed adapters on recorded sample lines written by hand from the documented formats (tests/data/ingest)."""

from __future__ import annotations

import doctest
import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from airparley.errors import InvalidInput
from airparley.ingest import (
    CsvMapping,
    Pacer,
    Retimer,
    SbsMerger,
    Tally,
    Thinner,
    _common,
    _csv,
    _opensky,
    _readsb,
    _sbs,
    checked_state,
    parse_aircraft_json,
    parse_csv,
    parse_opensky_text,
    parse_sbs_line,
    parse_sbs_lines,
    parse_utc_offset,
    state_record,
)
from airparley.tactical import UNKNOWN_PARTY, parse_track_lines

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
T0 = 1795662000.0  # 2026-11-26T03:00:00Z


def _lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


# -- SBS-1 / BaseStation --------------------------------------------------------------------------------------


def test_sbs_merges_callsign_position_and_velocity_per_aircraft() -> None:
    states, _tally = parse_sbs_lines(_lines("sbs-sample.txt"), "sbs-sample.txt")
    assert [(s.id, s.time_s - T0) for s in states] == [
        ("4ca2d6", 1.0),
        ("4ca2d6", 1.5),
        ("406b90", 2.0),
        ("4ca2d6", 3.5),
    ]
    first = states[0]
    assert (first.lat, first.lon, first.alt_ft) == (34.5, 38.2025, 37000.0)
    assert (first.gs_kt, first.trk_deg, first.vs_fpm) == (450.0, 90.0, -64.0)
    assert first.callsign == "RYR1427"  # from the MSG,1 line, trailing space trimmed
    assert first.party == UNKNOWN_PARTY
    assert first.source == "sbs-sample.txt"
    assert states[1].alt_ft == 36975.0
    geometric = states[2]  # altitude from MSG,5 "24000H", then MSG,3 24100; rate "1024H"
    assert (geometric.alt_ft, geometric.vs_fpm, geometric.callsign) == (24100.0, 1024.0, "")


def test_sbs_reports_every_bad_line_with_its_number_and_goes_on() -> None:
    _states, tally = parse_sbs_lines(_lines("sbs-sample.txt"), "sbs-sample.txt")
    found = {(e.line, e.field) for e in tally.errors}
    assert found == {
        (18, "lon"),
        (19, "hex_ident"),
        (20, "date_generated"),
        (21, "altitude"),
        (22, "lat"),
        (23, "lon"),
        (24, "transmission_type"),
        (25, "message_type"),
        (27, "(line)"),
    }
    assert tally.error_count == 9
    assert tally.records == 26  # the blank line is not a record
    assert tally.states == 4
    assert tally.skipped == {"not MSG lines": 4, "no velocity yet": 2, "on the ground": 1}
    by_line = {e.line: e for e in tally.errors}
    assert by_line[21].describe() == "sbs-sample.txt, line 21: altitude: not a number: 'FL370'"
    assert "month must be in 1..12" in by_line[20].reason
    assert by_line[27].reason == "has 7 fields; an SBS MSG line has 22"


def test_sbs_times_in_a_local_zone_are_converted_to_utc() -> None:
    line = "MSG,3,1,1,4CA2D6,1,2026/11/26,06:00:00.250,2026/11/26,06:00:00.300,,37000,,,34.5,38.2,,,0,0,0,0"
    message = parse_sbs_line(line, timezone(timedelta(hours=3)))
    assert message is not None
    assert message.time_s == T0 + 0.25
    logged_only = "MSG,3,1,1,4CA2D6,1,,,2026/11/26,03:00:01.000,,37000,,,34.5,38.2,,,0,0,0,0"
    message = parse_sbs_line(logged_only)
    assert message is not None
    assert message.time_s == T0 + 1.0


def test_sbs_stale_velocity_does_not_complete_a_state() -> None:
    tally = Tally("feed")
    merger = SbsMerger(tally, max_age_s=5.0)
    velocity = "MSG,4,1,1,4CA2D6,1,2026/11/26,03:00:00.000,,,,,450,90,,,0,,,,,"
    old_position = "MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:10.000,,,,37000,,,34.5,38.2,,,0,0,0,0"
    assert merger.feed(velocity, 1) == []
    assert merger.feed(old_position, 2) == []
    assert tally.skipped["no velocity yet"] == 1
    assert tally.errors == []


def test_sbs_track_360_is_north() -> None:
    tally = Tally()
    merger = SbsMerger(tally)
    merger.feed("MSG,4,1,1,4CA2D6,1,2026/11/26,03:00:00.000,,,,,450,360,,,0,,,,,", 1)
    states = merger.feed("MSG,3,1,1,4CA2D6,1,2026/11/26,03:00:00.500,,,,37000,,,34.5,38.2,,,0,0,0,0", 2)
    assert states[0].trk_deg == 0.0


# -- aircraft.json --------------------------------------------------------------------------------------------


def test_aircraft_json_states_and_what_is_skipped() -> None:
    tally = Tally("aircraft.json")
    states = parse_aircraft_json(json.loads((DATA / "aircraft.json").read_text()), tally)
    by_id = {s.id: s for s in states}
    assert sorted(by_id) == ["406b90", "4ca2d6", "~2d0f11"]
    ryr = by_id["4ca2d6"]
    assert ryr.time_s == T0  # now 1795662000.5 - seen_pos 0.5
    assert (ryr.alt_ft, ryr.gs_kt, ryr.trk_deg, ryr.vs_fpm, ryr.callsign) == (37000.0, 450.2, 90.1, -64.0, "RYR1427")
    baw = by_id["406b90"]  # no alt_baro: alt_geom; no baro_rate: geom_rate
    assert (baw.alt_ft, baw.vs_fpm, baw.time_s) == (24100.0, 1024.0, T0 - 1.5)
    assert tally.skipped == {
        "on the ground": 1,
        "no position": 1,
        "stale position": 1,
        "no altitude": 1,
        "no velocity": 1,
    }
    assert [(e.field, e.reason) for e in tally.errors] == [
        ("aircraft.8.gs", "not a number: 'fast' (hex 'badbad')"),
        ("aircraft.9.lat", "95 is above 90 (hex 'badba2')"),
        ("aircraft.10.hex", "must be the aircraft's hex address, got None (hex None)"),
        ("aircraft.11", "must be an object, got str"),
    ]
    assert tally.records == 12


def test_aircraft_json_now_in_milliseconds_and_broken_documents() -> None:
    tally = Tally()
    states = parse_aircraft_json(
        {"now": T0 * 1000, "aircraft": [{"hex": "abc123", "lat": 1, "lon": 2, "alt_baro": 100, "gs": 1, "track": 2}]},
        tally,
    )
    assert states[0].time_s == T0
    for document, field in (([], "(document)"), ({"aircraft": []}, "now"), ({"now": 1, "aircraft": {}}, "aircraft")):
        tally = Tally()
        assert parse_aircraft_json(document, tally) == []
        assert tally.errors[0].field == field


# -- OpenSky --------------------------------------------------------------------------------------------------


def test_opensky_converts_metres_and_metres_per_second() -> None:
    tally = Tally("opensky-states.json")
    states = parse_opensky_text(_lines("opensky-states.json"), tally)
    ryr, baw = states
    assert ryr.id == "4ca2d6"
    assert ryr.callsign == "RYR1427"
    assert ryr.time_s == T0 - 1  # time_position
    assert ryr.alt_ft == pytest.approx(37000.0)  # 11277.6 m
    assert ryr.gs_kt == pytest.approx(450.0)  # 231.5 m/s
    assert ryr.vs_fpm == pytest.approx(-64.96, abs=0.01)  # -0.33 m/s
    assert baw.time_s == T0 - 2  # no time_position: last_contact
    assert baw.alt_ft == pytest.approx(24100.0)  # no baro_altitude: geo_altitude
    assert baw.vs_fpm == 0.0  # vertical_rate null
    assert tally.skipped == {"no position": 1, "no velocity": 1, "on the ground": 1}
    assert [e.field for e in tally.errors] == ["states.5.latitude", "states.6.(vector)", "states.7"]


def test_opensky_recording_one_response_per_line() -> None:
    tally = Tally("opensky-recording.jsonl")
    states = parse_opensky_text(_lines("opensky-recording.jsonl"), tally)
    assert [s.time_s - T0 for s in states] == [0.0, 10.0]
    assert [(e.line, e.field) for e in tally.errors] == [(3, "(line)")]


# -- CSV ------------------------------------------------------------------------------------------------------

FLIGHTS_MAP = (
    "id=hex,time=ts,lat=latitude,lon=longitude,alt_ft=alt_m,gs_kt=speed_ms,trk_deg=heading,"
    "vs_fpm=vrate_ms,callsign=call,party=owner"
)


def test_csv_mapping_units_and_times() -> None:
    mapping = CsvMapping(CsvMapping.parse_map(FLIGHTS_MAP), alt_unit="m", speed_unit="ms", vs_unit="ms")
    tally = Tally("flights.csv")
    states = list(parse_csv(_lines("flights.csv"), mapping, tally))
    assert [s.time_s - T0 for s in states] == [0.0, 10.0, 5.0, 12.0, 12.5, 30.0]
    first = states[0]
    assert first.alt_ft == pytest.approx(37000.0)
    assert first.gs_kt == pytest.approx(450.0)
    assert first.vs_fpm == pytest.approx(-64.96, abs=0.01)
    assert states[2].vs_fpm == 0.0  # empty vertical rate
    assert states[3].party == "USA"
    assert states[0].party == UNKNOWN_PARTY
    assert [(e.line, e.field) for e in tally.errors] == [(7, "lat"), (8, "gs_kt"), (9, "time"), (10, "alt_ft")]


def test_csv_time_zone_of_naive_times_and_flight_levels() -> None:
    rows = ["id,time,lat,lon,alt_ft,gs_kt,trk_deg", "A,2026-11-26 06:00:00,34,38,250,400,90"]
    mapping = CsvMapping(alt_unit="fl", tz=parse_utc_offset("+03:00"))
    (state,) = parse_csv(rows, mapping, Tally())
    assert state.time_s == T0
    assert state.alt_ft == 25000.0


def test_csv_header_without_a_mapped_column_is_refused_before_any_row() -> None:
    with pytest.raises(InvalidInput, match="no column 'altitude'"):
        list(parse_csv(_lines("flights.csv"), CsvMapping({"alt_ft": "altitude"}), Tally()))
    with pytest.raises(InvalidInput, match="no column for id"):
        list(parse_csv(["lat,lon", "1,2"], CsvMapping(), Tally()))
    with pytest.raises(InvalidInput, match="unknown field 'height'"):
        CsvMapping({"height": "alt"})
    with pytest.raises(InvalidInput, match="field=column"):
        CsvMapping.parse_map("id")
    with pytest.raises(InvalidInput, match="unknown 'furlongs'"):
        CsvMapping(alt_unit="furlongs")


# -- shared pieces --------------------------------------------------------------------------------------------


def test_state_records_are_what_the_node_and_the_track_format_take() -> None:
    state = checked_state("4ca2d6", T0 + 0.25, 34.5, 38.2, 37000.0, 450.0, 359.999, -64.0, callsign="RYR1427 ")
    record = state_record(state)
    assert record == {
        "id": "4ca2d6",
        "time": "2026-11-26T03:00:00.250Z",
        "lat": 34.5,
        "lon": 38.2,
        "alt_ft": 37000.0,
        "gs_kt": 450.0,
        "trk_deg": 0.0,  # 359.999 rounds to 360.00, which the track format refuses
        "vs_fpm": -64.0,
        "callsign": "RYR1427",
    }
    parsed = parse_track_lines([json.dumps(record)])
    assert parsed.ok
    assert parsed.states[0].party == UNKNOWN_PARTY
    owned = state_record(checked_state("x", T0, 0, 0, 0, 0, 0, 0, party="usa", source="S"))
    assert (owned["party"], owned["source"]) == ("USA", "S")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("lat", {"lat": 91.0}),
        ("gs_kt", {"gs_kt": -1.0}),
        ("alt_ft", {"alt_ft": float("nan")}),
        ("id", {"track_id": " "}),
    ],
)
def test_checked_state_refuses_what_the_node_would(field: str, kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {
        "track_id": "A",
        "time_s": T0,
        "lat": 1.0,
        "lon": 2.0,
        "alt_ft": 0.0,
        "gs_kt": 0.0,
        "trk_deg": 0.0,
        "vs_fpm": 0.0,
    }
    values.update(kwargs)
    with pytest.raises(_common.Rejected) as caught:
        checked_state(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_thinner_keeps_one_state_per_interval_and_drops_repeats() -> None:
    def at(t: float) -> object:
        return checked_state("A", t, 0, 0, 0, 0, 0, 0)

    thinner = Thinner(1.0)
    assert [thinner.admit(at(t)) for t in (0.0, 0.5, 1.0, 1.0, 0.2, 2.5)] == [True, False, True, False, False, True]  # type: ignore[arg-type]
    repeats = Thinner(0.0)
    assert [repeats.admit(at(t)) for t in (0.0, 0.0, 0.1)] == [True, False, True]  # type: ignore[arg-type]


def test_utc_offsets() -> None:
    assert parse_utc_offset("UTC").utcoffset(None) == timedelta(0)
    assert parse_utc_offset("-0530").utcoffset(None) == -timedelta(hours=5, minutes=30)
    assert parse_utc_offset("+3").utcoffset(None) == timedelta(hours=3)
    with pytest.raises(InvalidInput):
        parse_utc_offset("Europe/Istanbul")


def test_pacer_waits_by_recorded_time_divided_by_speed() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(10.0, lambda: now[0], sleep)
    for t in (T0, T0 + 10.0, T0 + 10.0, T0 + 30.0, T0 + 5.0):
        pacer.wait(t)
    assert slept == pytest.approx([1.0, 2.0])
    fast = Pacer(0.0, lambda: now[0], sleep)
    fast.wait(T0)
    fast.wait(T0 + 1000)
    assert len(slept) == 2
    with pytest.raises(InvalidInput):
        Pacer(-1.0, lambda: 0.0, sleep)


def test_retimer_shifts_everything_by_one_offset() -> None:
    retime = Retimer(2000.0)
    a = retime(checked_state("A", 100.0, 0, 0, 0, 0, 0, 0))
    b = retime(checked_state("B", 130.0, 0, 0, 0, 0, 0, 0))
    assert (a.time_s, b.time_s) == (2000.0, 2030.0)


@pytest.mark.parametrize("module", [_common, _sbs, _readsb, _opensky, _csv], ids=lambda m: m.__name__)
def test_doctests(module: object) -> None:
    results = doctest.testmod(module)  # type: ignore[arg-type]
    assert results.failed == 0
