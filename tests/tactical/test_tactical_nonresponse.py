"""The non-response rules of the tactical core: what counts as a manoeuvre, what a watch decides when, the
settings they read and what a flag records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.tactical import (
    NonResponseSettings,
    Observation,
    Outcome,
    TrackState,
    Watch,
    agreed_frequency,
    assess,
    call_params,
    decide,
    flag_body,
    manoeuvre,
    observe,
    open_watch,
    parse_safety_call,
)

CRITERIA = NonResponseSettings()
CALLED = datetime(2026, 11, 26, 3, 4, 15, tzinfo=UTC)
AT_CALL = Observation(CALLED.timestamp(), 35.47, 40.49, 30300.0, 480.0, 340.0)
WATCH = Watch("msg-1", "RUS-SU35-1", "USA", "RUS", "BERKUT21", CALLED, CALLED + timedelta(seconds=180), AT_CALL)

tracks = st.floats(0, 360, allow_nan=False, exclude_max=True)


def _at(**change: float) -> Observation:
    fields = {**AT_CALL.__dict__, **change}
    return Observation(**fields)


@given(before=tracks, turn=st.floats(-179, 179))
def test_a_turn_is_measured_the_short_way_round_either_side(before: float, turn: float) -> None:
    assume(abs(abs(turn) - CRITERIA.turn_deg) > 1e-6)  # wrapping at 360° costs a few ulps
    after = (before + turn) % 360.0
    moved = manoeuvre(_at(trk_deg=before), _at(trk_deg=after), CRITERIA)
    assert (moved is not None) == (abs(turn) >= CRITERIA.turn_deg)
    assert (moved is None) == (manoeuvre(_at(trk_deg=after), _at(trk_deg=before), CRITERIA) is None)  # symmetric


@given(climb=st.floats(-5000, 5000), faster=st.floats(-200, 200))
def test_climbs_descents_and_speed_changes_beyond_the_thresholds_are_manoeuvres(climb: float, faster: float) -> None:
    now = _at(alt_ft=AT_CALL.alt_ft + climb, gs_kt=AT_CALL.gs_kt + faster)
    expected = abs(climb) >= CRITERIA.climb_ft or abs(faster) >= CRITERIA.speed_kt
    assert (manoeuvre(AT_CALL, now, CRITERIA) is not None) == expected


def test_the_reason_says_what_changed() -> None:
    assert manoeuvre(AT_CALL, _at(trk_deg=20.0), CRITERIA) == "turned 40° (track 340° -> 020°)"
    assert manoeuvre(AT_CALL, _at(alt_ft=29800.0), CRITERIA) == "descended 500 ft (30300 -> 29800 ft)"
    assert manoeuvre(AT_CALL, _at(gs_kt=420.0), CRITERIA) == "slowed by 60 kt (480 -> 420 kt)"
    assert manoeuvre(AT_CALL, _at(trk_deg=350.0, alt_ft=30500.0, gs_kt=500.0), CRITERIA) is None


def _state(t_s: float, alt_ft: float) -> TrackState:
    return TrackState("T1", "RUS", t_s, 35.0, 40.0, alt_ft, 480.0, 340.0, 0.0, "BERKUT21", "E-3")


def test_observe_smooths_altitude_over_30_s_and_drops_stale_tracks() -> None:
    trail = [_state(0, 30000), _state(10, 30400), _state(20, 30050), _state(30, 29900)]
    observed = observe(trail, now_s=35, stale_s=30)
    assert observed is not None
    assert observed.alt_ft == 30050  # median of t = 10, 20, 30: one noisy report is not a climb
    assert observed.time_s == 30
    assert observe(trail, now_s=61, stale_s=30) is None
    assert observe([], now_s=0, stale_s=30) is None


def _decide(now_s: float, **kwargs: object) -> Watch:
    args: dict[str, object] = {"acknowledged_at": None, "current": AT_CALL, "lost": False, "settings": CRITERIA}
    args.update(kwargs)
    return decide(WATCH, now=CALLED + timedelta(seconds=now_s), **args)  # type: ignore[arg-type]


def test_a_watch_waits_then_flags_at_the_deadline() -> None:
    assert _decide(179.9) is WATCH
    flagged = _decide(180)
    assert flagged.state is Outcome.NON_RESPONSIVE
    assert flagged.at_close == AT_CALL
    assert "msg-1" in flagged.reason
    assert decide(flagged, now=CALLED, acknowledged_at=CALLED, current=None, lost=True, settings=CRITERIA) is flagged


@given(ack_s=st.floats(0, 400), now_s=st.floats(0, 400))
def test_an_acknowledgement_by_the_deadline_always_wins(ack_s: float, now_s: float) -> None:
    acknowledged = CALLED + timedelta(seconds=ack_s)
    decided = _decide(max(now_s, ack_s), acknowledged_at=acknowledged, current=_at(trk_deg=0.0), lost=True)
    if ack_s <= 180:
        assert decided.state is Outcome.ACKNOWLEDGED
    else:
        assert decided.state is Outcome.MANOEUVRED  # too late to count: the turn does


def test_a_manoeuvre_closes_the_watch_and_a_lost_track_closes_it_without_a_flag() -> None:
    assert _decide(60, current=_at(alt_ft=31000.0)).state is Outcome.MANOEUVRED
    assert _decide(60, current=None, lost=True).state is Outcome.LOST
    assert _decide(400, current=None, lost=False) is WATCH  # a gap in the picture: wait for the next report


def test_the_watch_round_trips_through_its_stored_form() -> None:
    flagged = _decide(200)
    assert Watch.from_dict(flagged.as_dict()) == flagged


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "(body)"),
        ({}, "track"),
        ({"track": " "}, "track"),
        ({"track": "T", "frequency_mhz": True}, "frequency_mhz"),
        ({"track": "T", "to": 3}, "to"),
        ({"track": "T", "via": "x"}, "via"),
    ],
)
def test_a_bad_call_body_names_the_field(body: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_safety_call(body)
    assert raised.value.field == field


def test_a_call_goes_out_on_guard_unless_told_and_only_on_agreed_frequencies() -> None:
    assert parse_safety_call({"track": "T1", "to": "rus"}).frequency_mhz == 243.0
    assert parse_safety_call({"track": "T1", "to": "rus"}).to == "RUS"
    assert agreed_frequency(121.5, [])
    assert agreed_frequency(251.3, [251.3])
    assert not agreed_frequency(251.3, [251.35])


# -- the settings -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["deadline_s", "turn_deg", "climb_ft", "speed_kt", "alt_smoothing_s", "lost_after_stale"]
)
@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), True, "5"])
def test_every_setting_must_be_a_positive_number(name: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        NonResponseSettings(**{name: value})  # type: ignore[arg-type]
    assert raised.value.field == name


def test_the_defaults_are_the_documented_ones_and_a_flag_records_four_of_them() -> None:
    assert CRITERIA.criteria() == {"deadline_s": 180.0, "turn_deg": 15.0, "climb_ft": 300.0, "speed_kt": 40.0}
    assert (CRITERIA.alt_smoothing_s, CRITERIA.lost_after_stale) == (30.0, 2.0)


@given(threshold=st.floats(1, 90), turn=st.floats(0, 179))
def test_the_turn_threshold_is_the_configured_one(threshold: float, turn: float) -> None:
    assume(abs(turn - threshold) > 1e-6)
    settings = NonResponseSettings(turn_deg=threshold)
    moved = manoeuvre(_at(trk_deg=0.0), _at(trk_deg=turn), settings)
    assert (moved is not None) == (turn >= threshold)


def test_the_altitude_is_smoothed_over_the_configured_span() -> None:
    trail = [_state(0, 30000), _state(10, 30400), _state(20, 30050), _state(30, 29900)]
    assert observe(trail, 35, 30, NonResponseSettings(alt_smoothing_s=5)).alt_ft == 29900  # type: ignore[union-attr]
    assert observe(trail, 35, 30, NonResponseSettings(alt_smoothing_s=60)).alt_ft == 30025  # type: ignore[union-attr]


# -- opening, one look, the flag ----------------------------------------------------------------------------
def test_a_watch_opens_with_its_deadline_from_the_settings() -> None:
    opened = open_watch(
        "msg-1",
        "RUS-SU35-1",
        caller="USA",
        owner="RUS",
        callsign="BERKUT21",
        at_call=AT_CALL,
        now=CALLED,
        settings=NonResponseSettings(deadline_s=60),
    )
    assert opened == Watch(
        "msg-1", "RUS-SU35-1", "USA", "RUS", "BERKUT21", CALLED, CALLED + timedelta(seconds=60), AT_CALL
    )
    assert (
        open_watch("msg-1", "RUS-SU35-1", caller="USA", owner="RUS", callsign="BERKUT21", at_call=AT_CALL, now=CALLED)
        == WATCH
    )


def _trail_until(last_s: float) -> list[TrackState]:
    """Reports of the aircraft flying on unchanged, every 5 s from the call until ``last_s`` after it."""
    count = int(last_s // 5) + 1
    return [
        TrackState("RUS-SU35-1", "RUS", CALLED.timestamp() + 5 * k, 35.47, 40.49, 30300.0, 480.0, 340.0, 0.0)
        for k in range(count)
    ]


@given(silent_s=st.floats(0, 300), up_s=st.floats(0, 300), stale_s=st.sampled_from([10.0, 30.0]))
def test_a_track_is_lost_only_when_silent_beyond_the_stale_multiple_and_the_picture_is_warm(
    silent_s: float, up_s: float, stale_s: float
) -> None:
    now = CALLED + timedelta(seconds=100)
    last_s = max(0.0, 100 - silent_s)
    trail = [s for s in _trail_until(last_s) if s.time_s <= now.timestamp() - silent_s] if silent_s <= 100 else []
    assume(all(abs(x) > 1e-3 for x in (up_s - 2 * stale_s, silent_s - stale_s, silent_s - 2 * stale_s)))
    decided = assess(
        WATCH, trail, now=now, up_since=now - timedelta(seconds=up_s), stale_s=stale_s, acknowledged_at=None
    )
    newest_age_s = now.timestamp() - trail[-1].time_s if trail else float("inf")
    if newest_age_s <= stale_s:
        assert decided is WATCH  # seen, unchanged, before the deadline: nothing to decide
    elif up_s >= 2 * stale_s and newest_age_s > 2 * stale_s:
        assert decided.state is Outcome.LOST
    else:
        assert decided is WATCH  # a gap, or a picture too young to know: wait


def test_one_look_flags_at_the_deadline_and_an_acknowledgement_in_time_wins() -> None:
    now = CALLED + timedelta(seconds=180)
    trail = _trail_until(180)
    up_since = CALLED - timedelta(hours=1)
    flagged = assess(WATCH, trail, now=now, up_since=up_since, stale_s=30, acknowledged_at=None)
    assert flagged.state is Outcome.NON_RESPONSIVE
    acknowledged = assess(WATCH, trail, now=now, up_since=up_since, stale_s=30, acknowledged_at=CALLED)
    assert acknowledged.state is Outcome.ACKNOWLEDGED
    assert acknowledged.reason == "RUS acknowledged the message at 2026-11-26T03:04:15Z"


def test_the_flag_body_is_the_watch_without_its_entry_and_with_the_criteria() -> None:
    settings = NonResponseSettings(deadline_s=60, turn_deg=10)
    flagged = _decide(200, settings=settings)
    body = flag_body(flagged, settings)
    assert list(body) == [*(k for k in flagged.as_dict() if k != "entry"), "criteria"]
    assert body["criteria"] == {"deadline_s": 60, "turn_deg": 10, "climb_ft": 300.0, "speed_kt": 40.0}
    assert "within 60 s" in body["reason"]
    assert "track by 10°" in body["reason"]


def test_the_call_phrase_gives_the_aircraft_where_the_picture_shows_it() -> None:
    params = call_params("BERKUT21", _state(0, 30049), 243.0)
    assert params == {"aircraft": "BERKUT21", "position": [40.0, 35.0], "fl": 300, "heading": 340, "frequency": 243.0}
    assert call_params("X", _state(0, -1500), 121.5)["fl"] == 0
    # The true track to whole degrees, 359.6° being 000° (a heading parameter is 0-360).
    track = TrackState("T1", "RUS", 0, 35.0, 40.0, 30000, 480.0, 359.6, 0.0, "BERKUT21", "E-3")
    assert call_params("BERKUT21", track, 243.0)["heading"] == 0
