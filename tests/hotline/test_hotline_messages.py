"""Hotline messages: composition, per-recipient receipts, rendering per reader, JSON round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline import (
    RECEIPT_TRANSITIONS,
    FreeText,
    Language,
    Message,
    Officer,
    Receipt,
    ReceiptEvent,
    ReceiptState,
    Reference,
    ReferenceKind,
    RenderedMessage,
    TemplateContent,
    Tier,
    Urgency,
    acknowledge_message,
    compose_message,
    load_catalogue,
    read_message,
    render,
)

CATALOGUE = load_catalogue()
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
USA_DUTY = Officer("USA", "duty-1", Tier.DUTY)
RUS_DUTY = Officer("RUS", "duty-7", Tier.DUTY)
RUS_SENIOR = Officer("RUS", "gen-2", Tier.SENIOR)
TUR_DUTY = Officer("TUR", "duty-3", Tier.DUTY)
RUS_OBSERVER = Officer("RUS", "obs-1", Tier.OBSERVER)
SYR_DUTY = Officer("SYR", "duty-9", Tier.DUTY)


def safety_message(**overrides: Any) -> Message:
    arguments: dict[str, Any] = {
        "message_id": "M-1",
        "author": USA_DUTY,
        "recipients": ["RUS", "TUR"],
        "created_at": T0,
        "urgency": Urgency.SAFETY,
        "template": "traffic_turn",
        "params": {"callsign": "FLANKER 1", "distance_nm": 0.5, "direction": "right"},
        "references": [Reference(ReferenceKind.TRACK, "T-4411")],
        "catalogue": CATALOGUE,
    }
    arguments.update(overrides)
    return compose_message(**arguments)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- composition -------------------------------------------------------------------------------------


def test_compose_a_phrase_message() -> None:
    message = safety_message()
    assert message.content == TemplateContent(
        "traffic_turn", (("callsign", "FLANKER 1"), ("distance_nm", 0.5), ("direction", "right"))
    )
    assert [receipt.state for receipt in message.receipts] == [ReceiptState.DELIVERED] * 2
    assert message.recipients == ("RUS", "TUR")
    assert not message.untranslated


def test_compose_free_text_notes_the_authors_language() -> None:
    message = safety_message(template=None, params=None, text="Позвоните нам немедленно", language="ru")
    assert message.content == FreeText("Позвоните нам немедленно", Language.RU)
    assert message.untranslated
    assert message.as_dict()["content"] == {"text": "Позвоните нам немедленно", "language": "ru", "untranslated": True}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"template": None, "params": None}, "content"),
        ({"text": "hello", "language": "en"}, "content"),
        ({"template": None, "params": None, "text": "hello"}, "language"),
        ({"template": None, "params": None, "text": "hello", "language": "fr"}, "language"),
        ({"template": None, "params": None, "text": "   ", "language": "en"}, "text"),
        ({"template": None, "params": None, "text": "x" * 4001, "language": "en"}, "text"),
        ({"template": None, "params": {"a": 1}, "text": "hello", "language": "en"}, "params"),
        ({"language": "en"}, "language"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["RUS", "RUS"]}, "recipients"),
        ({"recipients": ["USA", "RUS"]}, "recipients"),
        ({"recipients": ["rus"]}, "recipients.0"),
        ({"urgency": "critical"}, "urgency"),
        ({"created_at": datetime(2025, 6, 1, 12, 0)}, "created_at"),
        ({"message_id": "M 1"}, "message_id"),
        ({"params": {"callsign": "A1", "distance_nm": 1, "direction": "sideways"}}, "params.direction"),
        ({"template": "nope"}, "template"),
    ],
)
def test_compose_refuses_bad_input_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        safety_message(**overrides)
    assert raised.value.field == field


def test_observers_and_sensors_cannot_send() -> None:
    with pytest.raises(PermissionDenied):
        safety_message(author=Officer("USA", "awacs-feed", Tier.SENSOR))


def test_created_at_is_normalised_to_utc() -> None:
    plus3 = timezone(timedelta(hours=3))
    message = safety_message(created_at=datetime(2025, 6, 1, 15, 0, tzinfo=plus3))
    assert message.created_at == T0
    assert message.created_at.tzinfo is UTC


# --- receipts: the delivered -> read -> acknowledged machine ---------------------------------------------


def message_with_rus_in(state: ReceiptState) -> Message:
    message = safety_message()
    if state is ReceiptState.READ:
        message = read_message(message, RUS_DUTY, now=at(10))
    elif state is ReceiptState.ACKNOWLEDGED:
        message = acknowledge_message(message, RUS_DUTY, now=at(10))
    assert message.receipt("RUS").state is state
    return message


def move(message: Message, event: ReceiptEvent, officer: Officer, seconds: float) -> Message:
    if event is ReceiptEvent.READ:
        return read_message(message, officer, now=at(seconds))
    return acknowledge_message(message, officer, now=at(seconds))


@pytest.mark.parametrize(("state", "event"), sorted(RECEIPT_TRANSITIONS))
def test_every_legal_receipt_transition(state: ReceiptState, event: ReceiptEvent) -> None:
    before = message_with_rus_in(state)
    after = move(before, event, RUS_DUTY, 20)
    assert after.receipt("RUS").state is RECEIPT_TRANSITIONS[(state, event)]
    assert after.receipt("TUR") == before.receipt("TUR")
    assert before.receipt("RUS").state is state  # the old value is untouched


ILLEGAL_RECEIPT_MOVES = sorted(
    (state, event) for state in ReceiptState for event in ReceiptEvent if (state, event) not in RECEIPT_TRANSITIONS
)


@pytest.mark.parametrize(("state", "event"), ILLEGAL_RECEIPT_MOVES)
def test_every_illegal_receipt_transition(state: ReceiptState, event: ReceiptEvent) -> None:
    with pytest.raises(IllegalTransition) as raised:
        move(message_with_rus_in(state), event, RUS_DUTY, 20)
    assert (raised.value.state, raised.value.event) == (state, event)


def test_illegal_receipt_moves_cover_acknowledging_twice_and_going_back() -> None:
    assert (ReceiptState.ACKNOWLEDGED, ReceiptEvent.ACKNOWLEDGE) in ILLEGAL_RECEIPT_MOVES
    assert (ReceiptState.ACKNOWLEDGED, ReceiptEvent.READ) in ILLEGAL_RECEIPT_MOVES


def test_acknowledging_implies_reading() -> None:
    receipt = acknowledge_message(safety_message(), RUS_SENIOR, now=at(30)).receipt("RUS")
    assert receipt == Receipt(
        "RUS", ReceiptState.ACKNOWLEDGED, at(30), RUS_SENIOR, acknowledged_at=at(30), acknowledged_by=RUS_SENIOR
    )


def test_acknowledging_after_reading_keeps_the_read_record() -> None:
    message = read_message(safety_message(), RUS_DUTY, now=at(5))
    receipt = acknowledge_message(message, RUS_SENIOR, now=at(40)).receipt("RUS")
    assert (receipt.read_at, receipt.read_by) == (at(5), RUS_DUTY)
    assert (receipt.acknowledged_at, receipt.acknowledged_by) == (at(40), RUS_SENIOR)


@pytest.mark.parametrize("officer", [USA_DUTY, SYR_DUTY])
def test_only_a_recipient_moves_a_receipt(officer: Officer) -> None:
    with pytest.raises(PermissionDenied, match="is not a recipient"):
        acknowledge_message(safety_message(), officer, now=at(5))


def test_an_observer_reading_does_not_count_for_the_desk() -> None:
    with pytest.raises(PermissionDenied, match="observer officer cannot read"):
        read_message(safety_message(), RUS_OBSERVER, now=at(5))


def test_a_party_moves_only_its_own_receipt() -> None:
    message = acknowledge_message(safety_message(), TUR_DUTY, now=at(5))
    assert message.receipt("TUR").state is ReceiptState.ACKNOWLEDGED
    assert message.receipt("RUS").state is ReceiptState.DELIVERED


def test_time_cannot_run_backwards() -> None:
    with pytest.raises(InvalidInput) as raised:
        read_message(safety_message(), RUS_DUTY, now=at(-1))
    assert raised.value.field == "now"
    message = read_message(safety_message(), RUS_DUTY, now=at(50))
    with pytest.raises(InvalidInput):
        acknowledge_message(message, RUS_DUTY, now=at(49))


@pytest.mark.parametrize(
    ("receipt", "field"),
    [
        ({"party": "RUS", "state": "read"}, "read_at"),
        ({"party": "RUS", "state": "delivered", "read_at": "2025-06-01T12:00:00Z"}, "read_at"),
        (
            {
                "party": "RUS",
                "state": "read",
                "read_at": "2025-06-01T12:00:00Z",
                "read_by": {"party": "USA", "officer_id": "x", "tier": "duty"},
            },
            "read_by.party",
        ),
        ({"party": "RUS", "state": "gone"}, "state"),
        (
            {
                "party": "RUS",
                "state": "read",
                "read_at": "2025-06-01T12:00:00Z",
                "read_by": {"party": "RUS", "officer_id": "x", "tier": "observer"},
            },
            "read_by.tier",
        ),
    ],
)
def test_inconsistent_receipts_are_refused(receipt: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        Receipt.from_dict(receipt)
    assert raised.value.field == field


# --- rendering ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "direction"),
    [
        ("en", "Your aircraft FLANKER 1 is 0.5\u00a0NM from ours, turn right.", "ltr"),
        ("ru", "Ваш борт FLANKER 1 находится в 0,5\u00a0NM от нашего, отверните вправо.", "ltr"),
        ("tr", "FLANKER 1 uçağınız bizim uçağımıza 0,5\u00a0NM mesafede, sağa dönün.", "ltr"),
        (
            "ar",
            "طائرتكم \u2066FLANKER 1\u2069 على بعد \u20660.5\u2069\u00a0ميل بحري من طائرتنا، انعطفوا يمينًا.",
            "rtl",
        ),
    ],
)
def test_render_in_each_readers_language(language: str, text: str, direction: str) -> None:
    rendered = render(safety_message(), language, CATALOGUE)
    assert rendered == RenderedMessage(text, Language(language), direction, untranslated=False)


@pytest.mark.parametrize("reader", list(Language))
def test_free_text_is_shown_as_written(reader: Language) -> None:
    message = safety_message(template=None, params=None, text="اتصلوا بنا فورًا", language="ar")
    rendered = render(message, reader, CATALOGUE)
    assert rendered == RenderedMessage("اتصلوا بنا فورًا", Language.AR, "rtl", untranslated=True)


def test_render_without_a_catalogue_reads_the_package_one() -> None:
    assert render(safety_message(), "en").text == render(safety_message(), "en", CATALOGUE).text


def test_render_refuses_an_unknown_language() -> None:
    with pytest.raises(InvalidInput) as raised:
        render(safety_message(), "fr", CATALOGUE)
    assert raised.value.field == "language"


def test_rendered_message_round_trip() -> None:
    rendered = render(safety_message(), "ar", CATALOGUE)
    assert RenderedMessage.from_dict(json.loads(json.dumps(rendered.as_dict()))) == rendered


# --- JSON round trips ----------------------------------------------------------------------------------------

OFFICER_IDS = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))

references = st.builds(
    Reference, st.sampled_from(list(ReferenceKind)), st.from_regex(r"[A-Z]-[0-9a-f]{1,8}", fullmatch=True)
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    author = Officer("USA", draw(OFFICER_IDS), draw(st.sampled_from([Tier.DUTY, Tier.SENIOR])))
    recipients = draw(st.lists(st.sampled_from(["RUS", "TUR", "SYR", "GBR"]), min_size=1, max_size=4, unique=True))
    created_at = draw(INSTANTS)
    content: dict[str, Any]
    if draw(st.booleans()):
        phrase_id = draw(st.sampled_from(CATALOGUE.phrase_ids))
        content = {"template": phrase_id, "params": CATALOGUE.example_params(phrase_id)}
    else:
        written = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and s.isprintable())
        content = {"text": draw(written), "language": draw(st.sampled_from(list(Language)))}
    message = compose_message(
        message_id=draw(st.from_regex(r"M-[0-9]{1,6}", fullmatch=True)),
        author=author,
        recipients=recipients,
        created_at=created_at,
        urgency=draw(st.sampled_from(list(Urgency))),
        references=draw(st.lists(references, max_size=3)),
        catalogue=CATALOGUE,
        **content,
    )
    now = created_at
    for party in recipients:
        for event in draw(
            st.sampled_from(
                [(), (ReceiptEvent.READ,), (ReceiptEvent.ACKNOWLEDGE,), (ReceiptEvent.READ, ReceiptEvent.ACKNOWLEDGE)]
            )
        ):
            now += timedelta(seconds=draw(st.integers(0, 600)), microseconds=draw(st.integers(0, 999_999)))
            desk = Officer(party, draw(OFFICER_IDS), draw(st.sampled_from([Tier.DUTY, Tier.SENIOR])))
            if event is ReceiptEvent.READ:
                message = read_message(message, desk, now=now)
            else:
                message = acknowledge_message(message, desk, now=now)
    return message


@settings(max_examples=150)
@given(messages())
def test_message_round_trips_through_json(message: Message) -> None:
    wire = json.loads(json.dumps(message.as_dict()))
    assert Message.from_dict(wire, CATALOGUE) == message
    assert Message.from_dict(wire, CATALOGUE).as_dict() == wire


def test_from_dict_names_the_bad_field() -> None:
    wire = safety_message().as_dict()
    wire["content"]["params"]["distance_nm"] = -3
    with pytest.raises(InvalidInput) as raised:
        Message.from_dict(wire, CATALOGUE)
    assert raised.value.field == "params.distance_nm"
    wire = safety_message().as_dict()
    wire["colour"] = "red"
    with pytest.raises(InvalidInput) as raised:
        Message.from_dict(wire, CATALOGUE)
    assert raised.value.field == "message.colour"
    wire = safety_message(template=None, params=None, text="hi", language="en").as_dict()
    wire["content"]["untranslated"] = False
    with pytest.raises(InvalidInput) as raised:
        Message.from_dict(wire, CATALOGUE)
    assert raised.value.field == "content.untranslated"


def test_receipts_must_match_recipients() -> None:
    wire = safety_message().as_dict()
    wire["receipts"].reverse()
    with pytest.raises(InvalidInput) as raised:
        Message.from_dict(wire, CATALOGUE)
    assert raised.value.field == "receipts"


# --- bounds (airparley/bounds.py): hostile values are field errors, never an OverflowError ----------------
@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"distance_nm": 10**400}, "params.distance_nm", "0-1000"),
        ({"distance_nm": float("nan")}, "params.distance_nm", "finite"),
        ({"distance_nm": float("inf")}, "params.distance_nm", "finite"),
        ({"distance_nm": 2**70}, "params.distance_nm", "0-1000"),
    ],
)
def test_phrase_numbers_beyond_a_double_are_field_errors(params: dict[str, Any], field: str, reason: str) -> None:
    base = {"callsign": "FLANKER 1", "distance_nm": 0.5, "direction": "right"}
    with pytest.raises(InvalidInput) as raised:
        safety_message(params={**base, **params})
    assert raised.value.field == field
    assert reason in raised.value.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Climb \u202eFL052\u202c now", "directional formatting"),
        ("Turn \u2066left\u2069", "directional formatting"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("x" * 4001, "at most 4,000 characters"),
    ],
)
def test_free_text_that_would_show_otherwise_than_written_is_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        safety_message(template=None, params=None, text=text, language="en")
    assert raised.value.field == "text"
    assert reason in raised.value.reason


def test_free_text_keeps_arabic_and_direction_marks() -> None:
    message = safety_message(template=None, params=None, text="\u200fانعطف يسارًا FL250", language="ar")
    assert isinstance(message.content, FreeText)
    assert message.content.text.startswith("\u200f")
