"""Safety messages ring every minute until acknowledged and escalate once; the declared settings table."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.hotline import (
    HOTLINE_SETTINGS,
    HotlineSettings,
    Message,
    MessageEscalation,
    Officer,
    Setting,
    Tier,
    Urgency,
    acknowledge_message,
    compose_message,
    escalate_unacknowledged,
    escalation_due_at,
    load_catalogue,
    next_alarm_at,
    next_ring_at,
    read_message,
    ring_times_due,
)

CATALOGUE = load_catalogue()
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
USA_DUTY = Officer("USA", "duty-1", Tier.DUTY)
RUS_DUTY = Officer("RUS", "duty-7", Tier.DUTY)
TUR_DUTY = Officer("TUR", "duty-3", Tier.DUTY)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def message(urgency: Urgency = Urgency.SAFETY) -> Message:
    return compose_message(
        message_id="M-9",
        author=USA_DUTY,
        recipients=["RUS", "TUR"],
        created_at=T0,
        urgency=urgency,
        template="your_aircraft_not_responding",
        params={"callsign": "FLANKER 1", "frequency": 243.0},
        catalogue=CATALOGUE,
    )


# --- ringing -------------------------------------------------------------------------------------------------


def test_an_unacknowledged_safety_message_rings_every_minute() -> None:
    assert ring_times_due(message(), "RUS", now=at(59)) == ()
    assert ring_times_due(message(), "RUS", now=at(60)) == (at(60),)
    assert ring_times_due(message(), "RUS", now=at(200)) == (at(60), at(120), at(180))


def test_rings_due_after_the_last_one_handled() -> None:
    assert ring_times_due(message(), "RUS", after=at(120), now=at(300)) == (at(180), at(240), at(300))
    assert ring_times_due(message(), "RUS", after=at(121), now=at(179)) == ()


def test_reading_does_not_stop_the_ringing_acknowledging_does() -> None:
    read = read_message(message(), RUS_DUTY, now=at(30))
    assert ring_times_due(read, "RUS", now=at(130)) == (at(60), at(120))
    acknowledged = acknowledge_message(read, RUS_DUTY, now=at(150))
    assert ring_times_due(acknowledged, "RUS", now=at(600)) == (at(60), at(120))
    assert next_ring_at(acknowledged, "RUS", now=at(600)) is None
    assert ring_times_due(acknowledged, "TUR", now=at(130)) == (at(60), at(120))


def test_an_acknowledgement_exactly_at_ring_time_silences_that_ring() -> None:
    acknowledged = acknowledge_message(message(), RUS_DUTY, now=at(120))
    assert ring_times_due(acknowledged, "RUS", now=at(600)) == (at(60),)


@pytest.mark.parametrize(("now_s", "expected_s"), [(0, 60), (59.5, 60), (60, 120), (61, 120), (-10, 60)])
def test_next_ring(now_s: float, expected_s: float) -> None:
    assert next_ring_at(message(), "TUR", now=at(now_s)) == at(expected_s)


@pytest.mark.parametrize("urgency", [Urgency.ROUTINE, Urgency.URGENT])
def test_only_safety_messages_ring_and_escalate(urgency: Urgency) -> None:
    assert ring_times_due(message(urgency), "RUS", now=at(3600)) == ()
    assert next_ring_at(message(urgency), "RUS", now=at(0)) is None
    assert escalation_due_at(message(urgency), "RUS") is None
    assert escalate_unacknowledged(message(urgency), now=at(3600)) == (message(urgency), ())


def test_ringing_a_party_that_is_not_a_recipient_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        ring_times_due(message(), "SYR", now=at(60))
    assert raised.value.field == "party"


def test_custom_interval() -> None:
    quick = HotlineSettings(ring_interval_s=15, escalate_after_s=45)
    assert ring_times_due(message(), "RUS", now=at(45), settings=quick) == (at(15), at(30), at(45))
    assert escalation_due_at(message(), "RUS", settings=quick) == at(45)


@given(
    interval_s=st.integers(1, 600),
    cuts=st.lists(st.integers(0, 7200), min_size=1, max_size=6),
    acknowledged_s=st.one_of(st.none(), st.integers(0, 7200)),
)
def test_ring_windows_partition_the_schedule(interval_s: int, cuts: list[int], acknowledged_s: int | None) -> None:
    config = HotlineSettings(ring_interval_s=interval_s)
    subject = message() if acknowledged_s is None else acknowledge_message(message(), RUS_DUTY, now=at(acknowledged_s))
    end = max(cuts)
    whole = ring_times_due(subject, "RUS", now=at(end), settings=config)
    pieces: list[datetime] = []
    after = None
    for cut in sorted(set(cuts)):
        pieces.extend(ring_times_due(subject, "RUS", after=after, now=at(cut), settings=config))
        after = at(cut)
    assert tuple(pieces) == whole
    for ring in whole:
        assert (ring - T0) % timedelta(seconds=interval_s) == timedelta(0)
        assert T0 < ring <= at(end)
        assert acknowledged_s is None or ring < at(acknowledged_s)


# --- escalation -----------------------------------------------------------------------------------------------


def test_escalation_after_three_minutes_once_per_unacknowledged_recipient() -> None:
    subject = acknowledge_message(message(), TUR_DUTY, now=at(100))
    assert escalate_unacknowledged(subject, now=at(179)) == (subject, ())
    escalated, notices = escalate_unacknowledged(subject, now=at(185))
    assert notices == (MessageEscalation("M-9", "RUS", due_at=at(180), escalated_at=at(185)),)
    assert notices[0].tier is Tier.SENIOR
    assert escalated.receipt("RUS").escalated_at == at(185)
    assert escalated.receipt("TUR").escalated_at is None
    again, none = escalate_unacknowledged(escalated, now=at(400))
    assert none == ()
    assert again is escalated
    assert escalation_due_at(escalated, "RUS") is None


def test_reading_does_not_prevent_escalation() -> None:
    read = read_message(message(), RUS_DUTY, now=at(10))
    _, notices = escalate_unacknowledged(read, now=at(180))
    assert {notice.party for notice in notices} == {"RUS", "TUR"}


def test_ringing_continues_after_escalation_and_the_message_round_trips() -> None:
    escalated, _ = escalate_unacknowledged(message(), now=at(181))
    assert next_ring_at(escalated, "RUS", now=at(181)) == at(240)
    assert Message.from_dict(json.loads(json.dumps(escalated.as_dict())), CATALOGUE) == escalated


def test_acknowledging_after_escalation_is_still_possible() -> None:
    escalated, _ = escalate_unacknowledged(message(), now=at(181))
    senior = Officer("RUS", "gen-1", Tier.SENIOR)
    assert acknowledge_message(escalated, senior, now=at(200)).receipt("RUS").acknowledged_by == senior


def test_next_alarm_is_what_a_scheduler_stores_as_due_at() -> None:
    subject = message()
    assert next_alarm_at(subject, now=at(0)) == at(60)
    assert next_alarm_at(subject, now=at(170)) == at(180)  # ring and escalation coincide
    assert next_alarm_at(subject, now=at(200)) == at(180)  # the escalation is overdue: handle it first
    escalated, _ = escalate_unacknowledged(subject, now=at(200))
    assert next_alarm_at(escalated, now=at(200)) == at(240)
    acknowledged = acknowledge_message(acknowledge_message(escalated, RUS_DUTY, now=at(201)), TUR_DUTY, now=at(202))
    assert next_alarm_at(acknowledged, now=at(202)) is None
    assert next_alarm_at(message(Urgency.URGENT), now=at(0)) is None


def test_message_escalation_round_trip() -> None:
    notice = MessageEscalation("M-9", "RUS", due_at=at(180), escalated_at=at(185))
    assert MessageEscalation.from_dict(json.loads(json.dumps(notice.as_dict()))) == notice


# --- settings -------------------------------------------------------------------------------------------------


def test_settings_are_declared_once_with_name_default_unit_and_help() -> None:
    table = {setting.name: setting for setting in HOTLINE_SETTINGS}
    assert table == {declared.name: table[declared.name] for declared in fields(HotlineSettings)}
    assert table["ring_interval_s"].default == 60
    assert table["escalate_after_s"].default == 180
    assert table["response_deadline_s"].default == 15 * 60
    assert table["urgent_response_deadline_s"].default == 3 * 60
    for setting in HOTLINE_SETTINGS:
        assert setting.unit == "s"
        assert len(setting.help) > 20
        assert getattr(HotlineSettings(), setting.name) == setting.default
        assert Setting.from_dict(json.loads(json.dumps(setting.as_dict()))) == setting


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "60"])
def test_settings_must_be_positive_whole_seconds(bad: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        HotlineSettings(ring_interval_s=bad)
    assert raised.value.field == "ring_interval_s"


def test_settings_from_configuration() -> None:
    assert HotlineSettings.from_dict({}) == HotlineSettings()
    custom = HotlineSettings.from_dict({"response_deadline_s": 600})
    assert custom.response_deadline(urgent=False) == timedelta(minutes=10)
    assert custom.response_deadline(urgent=True) == timedelta(minutes=3)
    assert HotlineSettings.from_dict(json.loads(json.dumps(custom.as_dict()))) == custom
    with pytest.raises(InvalidInput) as raised:
        HotlineSettings.from_dict({"ring_interval": 60})
    assert raised.value.field == "settings.ring_interval"
