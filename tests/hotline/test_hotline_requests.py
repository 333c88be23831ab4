"""What a desk asks of the hotline, checked before anything is looked up (``_requests``), one officer move by
its event and what a move leaves to store and record (``_moves``), and the rings a look owes (``_alarms``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airparley import hotline as hl
from airparley.errors import IllegalTransition, InvalidInput, NotFound

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
USA = hl.Officer("USA", "usa-duty", hl.Tier.DUTY)
RUS = hl.Officer("RUS", "rus-duty", hl.Tier.DUTY)
SETTINGS = hl.HotlineSettings()
CATALOGUE = hl.load_catalogue()
SHIFT = {"kind": "shift_time", "party": "RUS", "minutes": 60}


def _opened() -> hl.Case:
    return hl.open_case(
        case_id="case-1",
        parties=("RUS", "USA"),
        subject=hl.ConflictSubject("c" * 64),
        opened_by=USA,
        now=T0,
        settings=SETTINGS,
    )


# -- case moves ---------------------------------------------------------------------------------------------------


def test_a_case_move_names_its_event_and_note() -> None:
    request = hl.CaseMoveRequest.parse("propose", {"text": "Please shift", "terms": SHIFT})
    assert (request.event, request.note) == (hl.CaseEvent.PROPOSE, "Please shift")
    assert request.terms() == hl.terms_from_dict(SHIFT)
    accept = hl.CaseMoveRequest.parse("accept", {})
    assert (accept.event, accept.note, accept.terms()) == (hl.CaseEvent.ACCEPT, "", None)
    assert [move.value for move in hl.CASE_MOVES] == ["propose", "counter", "accept", "reject", "escalate", "resolve"]


@pytest.mark.parametrize("action", ["open", "deadline_missed", "lapse", "conflict_cleared", "delete", ""])
def test_only_a_desks_moves_are_asked_for_by_name(action: str) -> None:
    with pytest.raises(NotFound):
        hl.CaseMoveRequest.parse(action, {})


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("accept", [], "(body)"),
        ("accept", {"terms": SHIFT}, "terms"),  # only a proposal or counter has terms
        ("propose", {"colour": "red"}, "colour"),
        ("reject", {"note": "no", "text": "no"}, "text"),
        ("reject", {"note": 5}, "note"),
        ("reject", {"text": "x" * 100_000}, "text"),
    ],
)
def test_a_bad_case_move_names_the_field(action: str, body: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        hl.CaseMoveRequest.parse(action, body)
    assert raised.value.field == field


def test_a_proposal_without_terms_is_refused_when_its_terms_are_read() -> None:
    request = hl.CaseMoveRequest.parse("counter", {"note": "later"})  # the case is looked up in between
    with pytest.raises(InvalidInput) as raised:
        request.terms()
    assert raised.value.field == "terms"


def test_officer_move_makes_each_desk_move_by_its_event() -> None:
    terms = hl.terms_from_dict(SHIFT)
    proposed, none = hl.officer_move(_opened(), USA, hl.CaseEvent.PROPOSE, now=T0, note="why", terms=terms)
    assert none is None
    assert proposed == hl.propose(_opened(), USA, terms, now=T0, text="why")
    accepted, _ = hl.officer_move(proposed, RUS, hl.CaseEvent.ACCEPT, now=T0, note="ok")
    assert accepted == hl.accept(proposed, RUS, now=T0, note="ok")
    escalated, escalation = hl.officer_move(proposed, USA, hl.CaseEvent.ESCALATE, now=T0, settings=SETTINGS)
    assert (escalated, escalation) == hl.escalate(proposed, USA, now=T0, settings=SETTINGS)
    with pytest.raises(InvalidInput) as raised:
        hl.officer_move(_opened(), USA, hl.CaseEvent.COUNTER, now=T0)
    assert raised.value.field == "terms"
    with pytest.raises(IllegalTransition):
        hl.officer_move(_opened(), USA, hl.CaseEvent.LAPSE, now=T0)


def test_a_case_is_due_at_its_deadline_until_escalated_or_final() -> None:
    opened = _opened()
    assert hl.case_due_at(opened) == opened.deadline
    escalated, _ = hl.escalate(opened, USA, now=T0, settings=SETTINGS)
    assert escalated.deadline is not None  # still answered for, but overdue is all it can become
    assert hl.case_due_at(escalated) is None
    agreed = hl.accept(hl.propose(opened, USA, hl.terms_from_dict(SHIFT), now=T0), RUS, now=T0)
    assert agreed.deadline is None
    assert hl.case_due_at(agreed) is None
    resolved = hl.on_conflicts_changed(agreed, (), now=T0)  # a conflict case resolves when its conflict goes
    assert resolved.state.is_final
    assert hl.case_due_at(resolved) is None


def test_a_case_record_carries_the_move_and_the_whole_case() -> None:
    proposed = hl.propose(_opened(), USA, hl.terms_from_dict(SHIFT), now=T0)
    accepted = hl.accept(proposed, RUS, now=T0)
    record = hl.case_record(accepted, {"escalation": None})
    assert record["case_id"] == "case-1"
    assert record["parties"] == ["RUS", "USA"]
    assert record["state"] == "agreed"
    assert record["entry"] == accepted.history[-1].as_dict()
    assert hl.Case.from_dict(record["case"]) == accepted
    assert record["agreement"] == accepted.agreement.as_dict()  # type: ignore[union-attr]
    assert record["escalation"] is None
    assert "agreement" not in hl.case_record(proposed)


# -- messages -----------------------------------------------------------------------------------------------------


def _known(party: str) -> bool:
    return party in {"USA", "RUS", "TUR"}


def test_a_message_request_sorts_its_recipients_once_each() -> None:
    body = {"recipients": ["TUR", "RUS", "TUR"], "text": "hello", "references": [{"kind": "case", "id": "case-1"}]}
    request = hl.MessageRequest.parse(body, "USA", _known)
    assert request.recipients == ("RUS", "TUR")
    assert (request.urgency, request.text, request.template) == ("routine", "hello", None)
    assert request.references == (hl.Reference(hl.ReferenceKind.CASE, "case-1"),)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "recipients"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["RUS", "XYZ"]}, "recipients.1"),
        ({"recipients": [7]}, "recipients.0"),
        ({"recipients": ["USA"]}, "recipients.0"),  # the sender's own party
        ({"recipients": ["RUS"], "colour": "red"}, "colour"),
        ({"recipients": ["RUS"], "references": [{"kind": "planet", "id": "x"}]}, "references.0.kind"),
        ({"recipients": ["RUS"], "text": float("nan")}, "text"),
    ],
)
def test_a_bad_message_request_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        hl.MessageRequest.parse(body, "USA", _known)
    assert raised.value.field == field


def test_a_scheduler_looking_at_each_alarm_rings_every_ring_once() -> None:
    message = hl.compose_message(
        message_id="msg-1",
        author=USA,
        recipients=["RUS", "TUR"],
        created_at=T0,
        urgency="safety",
        text="Traffic",
        language="en",
        catalogue=CATALOGUE,
    )
    tur = hl.Officer("TUR", "tur-duty", hl.Tier.DUTY)
    message = hl.acknowledge_message(message, tur, now=T0 + timedelta(minutes=2))
    rung: dict[str, list[datetime]] = {"RUS": [], "TUR": []}
    end = T0 + timedelta(minutes=10)
    look = hl.next_alarm_at(message, now=T0, settings=SETTINGS)
    while look is not None and look <= end:
        for party, rings in hl.rings_owed(message, now=look, settings=SETTINGS):
            rung[party].extend(rings)
        message, _ = hl.escalate_unacknowledged(message, now=look, settings=SETTINGS)
        look = hl.next_alarm_at(message, now=look, settings=SETTINGS)
    for party in ("RUS", "TUR"):
        assert rung[party] == list(hl.ring_times_due(message, party, now=end, settings=SETTINGS))
    assert (len(rung["RUS"]), len(rung["TUR"])) == (10, 1)  # TUR acknowledged before its second ring
    assert hl.rings_owed(message, now=T0 + timedelta(seconds=30), settings=SETTINGS) == ()
