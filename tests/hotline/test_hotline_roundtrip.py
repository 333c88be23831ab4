"""JSON round trips (``from_dict(json(as_dict(x))) == x``) for every hotline value, and the exported surface."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import airparley.hotline as hotline
from airparley.hotline import (
    AltitudeSplit,
    CaseEntry,
    CaseEscalation,
    CaseEvent,
    CaseState,
    ConflictSubject,
    ContentionSubject,
    EscalationCause,
    HotlineSettings,
    MessageEscalation,
    Obligation,
    Officer,
    Proposal,
    Reference,
    ReferenceKind,
    Reroute,
    Revision,
    ShiftTime,
    Tier,
    TimeShare,
    TimeSlot,
    Yield,
    subject_from_dict,
    terms_from_dict,
)

PARTIES = st.sampled_from(["USA", "RUS", "TUR", "SYR", "GBR", "E3"])
INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,20}", fullmatch=True)
NOTES = st.text(max_size=60).filter(str.isprintable)

officers = st.builds(
    Officer, PARTIES, st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True), st.sampled_from(list(Tier))
)
two_parties = st.lists(PARTIES, min_size=2, max_size=2, unique=True)


@st.composite
def rectangles(draw: st.DrawFn) -> dict[str, Any]:
    lon = draw(st.floats(-170, 170))
    lat = draw(st.floats(-80, 80))
    width = draw(st.floats(0.01, 5))
    height = draw(st.floats(0.01, 5))
    ring = [[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@st.composite
def time_shares(draw: st.DrawFn) -> TimeShare:
    first, second = draw(two_parties)
    start = draw(INSTANTS)
    slots = []
    for index in range(draw(st.integers(2, 5))):
        length = timedelta(minutes=draw(st.integers(1, 240)))
        gap = timedelta(minutes=draw(st.integers(0, 60)))
        slots.append(TimeSlot(first if index % 2 == 0 else second, start, start + length))
        start = start + length + gap
    return TimeShare(tuple(slots))


terms = st.one_of(
    st.builds(ShiftTime, PARTIES, st.integers(1, 1440).flatmap(lambda m: st.sampled_from([m, -m]))),
    two_parties.flatmap(
        lambda pair: st.builds(AltitudeSplit, st.integers(1, 100_000), st.just(pair[0]), st.just(pair[1]))
    ),
    st.builds(Reroute.from_geometry, PARTIES, rectangles()),
    st.builds(Yield, PARTIES),
    time_shares(),
)
proposals = st.builds(Proposal, terms, officers, INSTANTS, NOTES)


def round_trip(value: Any, from_dict: Any) -> None:
    assert from_dict(json.loads(json.dumps(value.as_dict()))) == value


@given(officers)
def test_officer(value: Officer) -> None:
    round_trip(value, Officer.from_dict)


@given(st.builds(Reference, st.sampled_from(list(ReferenceKind)), IDS))
def test_reference(value: Reference) -> None:
    round_trip(value, Reference.from_dict)


@given(terms)
def test_terms(value: Any) -> None:
    round_trip(value, terms_from_dict)


@given(proposals)
def test_proposal(value: Proposal) -> None:
    round_trip(value, Proposal.from_dict)


@given(st.builds(Obligation, PARTIES, st.sampled_from(list(Revision))))
def test_obligation(value: Obligation) -> None:
    round_trip(value, Obligation.from_dict)


@given(st.one_of(st.builds(ConflictSubject, IDS), st.builds(ContentionSubject, NOTES.filter(str.strip))))
def test_subject(value: Any) -> None:
    round_trip(value, subject_from_dict)


@given(
    st.one_of(
        st.builds(
            CaseEntry,
            st.sampled_from([e for e in CaseEvent if not e.by_system]),
            officers,
            INSTANTS,
            st.sampled_from(list(CaseState)),
            st.one_of(st.none(), proposals),
            NOTES,
        ),
        st.builds(
            CaseEntry,
            st.sampled_from([e for e in CaseEvent if e.by_system]),
            st.none(),
            INSTANTS,
            st.sampled_from(list(CaseState)),
            st.none(),
            NOTES,
        ),
    )
)
def test_case_entry(value: CaseEntry) -> None:
    round_trip(value, CaseEntry.from_dict)


@given(
    st.one_of(
        st.builds(
            CaseEscalation,
            IDS,
            two_parties.map(tuple),
            st.just(EscalationCause.DEADLINE_MISSED),
            INSTANTS,
            INSTANTS,
            missed_deadline=INSTANTS,
        ),
        st.builds(
            CaseEscalation,
            IDS,
            two_parties.map(tuple),
            st.just(EscalationCause.REQUESTED),
            INSTANTS,
            INSTANTS,
            requested_by=officers,
        ),
    )
)
def test_case_escalation(value: CaseEscalation) -> None:
    round_trip(value, CaseEscalation.from_dict)


@given(st.builds(MessageEscalation, IDS, PARTIES, INSTANTS, INSTANTS))
def test_message_escalation(value: MessageEscalation) -> None:
    round_trip(value, MessageEscalation.from_dict)


@given(st.builds(HotlineSettings, *(st.integers(1, 10**6) for _ in range(4))))
def test_settings(value: HotlineSettings) -> None:
    round_trip(value, HotlineSettings.from_dict)


def test_times_on_the_wire_are_utc_with_z() -> None:
    slot = TimeSlot("USA", datetime(2025, 6, 1, 12, 0, 0, 250_000, tzinfo=UTC), datetime(2025, 6, 1, 13, tzinfo=UTC))
    assert slot.as_dict() == {"party": "USA", "start": "2025-06-01T12:00:00.250000Z", "end": "2025-06-01T13:00:00Z"}


# --- the exported surface ------------------------------------------------------------------------------------

PRIVATE_MODULES = [
    hotline._agreements,
    hotline._alarms,
    hotline._cases,
    hotline._common,
    hotline._incident_terms,
    hotline._merge,
    hotline._messages,
    hotline._moves,
    hotline._negotiation,
    hotline._params,
    hotline._phrases,
    hotline._proposals,
    hotline._requests,
    hotline._settings,
    hotline._terms,
]


def test_the_package_exports_exactly_what_its_modules_declare() -> None:
    declared = [name for module in PRIVATE_MODULES for name in module.__all__]
    assert len(declared) == len(set(declared)), "two modules export the same name"
    assert sorted(hotline.__all__) == sorted(declared)
    for name in hotline.__all__:
        assert getattr(hotline, name) is not None


@pytest.mark.parametrize("module", PRIVATE_MODULES, ids=lambda module: module.__name__)
def test_every_public_definition_is_exported(module: Any) -> None:
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }
    helpers = {
        "check_param",
        "format_param",
        "format_number",
        "plural_category",
        "wire_value",  # _params internals
        "party_code",
        "record_id",
        "matching",
        "enum_value",
        "text",
        "utc_instant",
        "optional_instant",
        "iso",
        "optional_iso",
        "mapping",
        "sequence",
        "not_before",  # _common validators shared by the modules
        "content_from_dict",
    }
    assert defined_here - helpers <= set(module.__all__)
