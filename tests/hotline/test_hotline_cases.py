"""Negotiation cases: the whole transition table and its complement, permissions, deadlines, lapse, resolution."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airparley.errors import GeometryError, IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline import (
    CASE_TRANSITIONS,
    AltitudeSplit,
    Case,
    CaseEscalation,
    CaseEvent,
    CaseState,
    ConflictSubject,
    ContentionSubject,
    EscalationCause,
    HotlineSettings,
    Obligation,
    Officer,
    Reroute,
    Revision,
    ShiftTime,
    Subject,
    Terms,
    Tier,
    TimeShare,
    TimeSlot,
    Yield,
    accept,
    awaiting_parties,
    check_deadline,
    check_lapse,
    counter,
    escalate,
    is_overdue,
    on_conflicts_changed,
    open_case,
    permitted_events,
    propose,
    reject,
    resolve,
    terms_from_dict,
)

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
USA_DUTY = Officer("USA", "duty-1", Tier.DUTY)
USA_SENIOR = Officer("USA", "gen-1", Tier.SENIOR)
RUS_DUTY = Officer("RUS", "duty-7", Tier.DUTY)
RUS_DUTY_2 = Officer("RUS", "duty-8", Tier.DUTY)
RUS_SENIOR = Officer("RUS", "gen-2", Tier.SENIOR)
TUR_DUTY = Officer("TUR", "duty-3", Tier.DUTY)
USA_OBSERVER = Officer("USA", "obs-1", Tier.OBSERVER)
CONFLICT = ConflictSubject("C-7f3a9e")
CONTENTION = ContentionSubject("RUS fighters keep crossing the AWACS orbit")
PALMYRA_BOX = {
    "type": "Polygon",
    "coordinates": [[[38.0, 34.4], [38.5, 34.4], [38.5, 34.7], [38.0, 34.7], [38.0, 34.4]]],
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(subject: Subject = CONFLICT, urgent: bool = False) -> Case:
    return open_case(
        case_id="CASE-0012", parties=["USA", "RUS"], subject=subject, opened_by=USA_DUTY, now=T0, urgent=urgent
    )


def case_in(state: CaseState, subject: Subject = CONFLICT) -> Case:
    """A case brought into ``state`` by legal moves (escalated only if ``state`` is escalated)."""
    case = opened(subject)
    if state is CaseState.OPEN:
        return case
    if state is CaseState.ESCALATED:
        return escalate(case, USA_DUTY, now=at(1))[0]
    if state is CaseState.LAPSED:
        return check_lapse(case, window_end=at(5), now=at(6))
    case = propose(case, USA_DUTY, ShiftTime("RUS", 20), now=at(1))
    if state is CaseState.PROPOSED:
        return case
    if state is CaseState.REJECTED:
        return reject(case, RUS_DUTY, now=at(2))
    case = accept(case, RUS_DUTY, now=at(2))
    if state is CaseState.AGREED:
        return case
    assert state is CaseState.RESOLVED
    return on_conflicts_changed(case, [], now=at(3))


def actor_for(case: Case, party: str = "RUS") -> Officer:
    senior = case.escalated_at is not None
    return {("USA", False): USA_DUTY, ("USA", True): USA_SENIOR, ("RUS", False): RUS_DUTY, ("RUS", True): RUS_SENIOR}[
        (party, senior)
    ]


def other_party(case: Case) -> str:
    proposer = case.proposal.proposed_by.party if case.proposal else "USA"
    return next(party for party in case.parties if party != proposer)


def apply(case: Case, event: CaseEvent) -> Case:
    """Drive ``event`` through the public function that causes it, with a suitable actor and time."""
    now = case.last_event_at + timedelta(minutes=1)
    match event:
        case CaseEvent.PROPOSE:
            return propose(case, actor_for(case, "USA"), Yield("USA"), now=now)
        case CaseEvent.COUNTER:
            return counter(case, actor_for(case, other_party(case)), AltitudeSplit(25_000, "USA", "RUS"), now=now)
        case CaseEvent.ACCEPT:
            return accept(case, actor_for(case, other_party(case)), now=now)
        case CaseEvent.REJECT:
            return reject(case, actor_for(case, other_party(case)), now=now)
        case CaseEvent.ESCALATE:
            return escalate(case, actor_for(case, other_party(case)), now=now)[0]
        case CaseEvent.RESOLVE:
            return resolve(case, actor_for(case), now=now)
        case CaseEvent.DEADLINE_MISSED:
            late = (case.deadline or now) + timedelta(seconds=1)
            return check_deadline(case, now=late)[0]
        case CaseEvent.CONFLICT_CLEARED:
            return on_conflicts_changed(case, set(), now=now)
        case CaseEvent.LAPSE:
            return check_lapse(case, window_end=now - timedelta(seconds=1), now=now)
    raise AssertionError(f"no driver for {event}")


# --- the table and its complement ------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "event"), sorted(CASE_TRANSITIONS))
def test_every_legal_case_transition(state: CaseState, event: CaseEvent) -> None:
    before = case_in(state, CONTENTION if event is CaseEvent.RESOLVE else CONFLICT)
    snapshot = before.as_dict()
    after = apply(before, event)
    assert after.state is CASE_TRANSITIONS[(state, event)]
    assert after.history[:-1] == before.history
    assert after.history[-1].event is event
    assert after.history[-1].state is after.state
    assert before.as_dict() == snapshot  # a new value; the old one is untouched
    assert Case.from_dict(json.loads(json.dumps(after.as_dict()))) == after


ILLEGAL_CASE_MOVES = sorted(
    (state, event)
    for state in CaseState
    for event in CaseEvent
    if (state, event) not in CASE_TRANSITIONS and event is not CaseEvent.OPEN
)


@pytest.mark.parametrize(("state", "event"), ILLEGAL_CASE_MOVES)
def test_every_illegal_case_transition(state: CaseState, event: CaseEvent) -> None:
    before = case_in(state)
    if event.by_system:
        # The scheduler calls these on every case; outside the table they leave the case as it is.
        assert apply(before, event) is before
        return
    with pytest.raises(IllegalTransition) as raised:
        apply(before, event)
    assert (raised.value.state, raised.value.event) == (state, event)


def test_the_complement_covers_every_pair() -> None:
    pairs = {(state, event) for state in CaseState for event in CaseEvent}
    opening = {(state, CaseEvent.OPEN) for state in CaseState}
    assert set(CASE_TRANSITIONS) | set(ILLEGAL_CASE_MOVES) | opening == pairs
    assert not opening & set(CASE_TRANSITIONS)


def test_final_states_absorb_everything() -> None:
    for state in (CaseState.RESOLVED, CaseState.LAPSED):
        assert not [event for (source, event) in CASE_TRANSITIONS if source is state]


def test_a_case_is_opened_only_once() -> None:
    wire = opened().as_dict()
    wire["history"].append(dict(wire["history"][0]))
    with pytest.raises(InvalidInput) as raised:
        Case.from_dict(wire)
    assert raised.value.field == "history.1.event"


def test_cases_are_frozen() -> None:
    case = opened()
    with pytest.raises(FrozenInstanceError):
        case.state = CaseState.AGREED  # type: ignore[misc]


# --- who may do what ------------------------------------------------------------------------------------------


def test_only_the_parties_act() -> None:
    case = case_in(CaseState.PROPOSED)
    with pytest.raises(PermissionDenied, match="TUR is not a party of this case"):
        accept(case, TUR_DUTY, now=at(2))
    with pytest.raises(PermissionDenied):
        open_case(case_id="C-1", parties=["USA", "RUS"], subject=CONFLICT, opened_by=TUR_DUTY, now=T0)


def test_observers_never_act() -> None:
    with pytest.raises(PermissionDenied, match="observer officer cannot act"):
        propose(opened(), USA_OBSERVER, Yield("USA"), now=at(1))


@pytest.mark.parametrize("move", [accept, reject])
def test_a_party_cannot_answer_its_own_proposal(move: Any) -> None:
    case = case_in(CaseState.PROPOSED)  # USA proposed
    for officer in (USA_DUTY, USA_SENIOR):
        with pytest.raises(PermissionDenied, match="USA made the pending proposal"):
            move(case, officer, now=at(2))


def test_a_party_cannot_counter_its_own_proposal() -> None:
    with pytest.raises(PermissionDenied):
        counter(case_in(CaseState.PROPOSED), USA_DUTY, Yield("RUS"), now=at(2))


def test_any_officer_of_the_other_party_may_answer() -> None:
    assert accept(case_in(CaseState.PROPOSED), RUS_DUTY_2, now=at(2)).state is CaseState.AGREED


def test_seniors_may_act_before_escalation() -> None:
    assert accept(case_in(CaseState.PROPOSED), RUS_SENIOR, now=at(2)).state is CaseState.AGREED


def test_only_seniors_act_on_an_escalated_case_even_after_it_moves_on() -> None:
    case = case_in(CaseState.ESCALATED)
    with pytest.raises(PermissionDenied, match="only senior officers"):
        propose(case, RUS_DUTY, Yield("RUS"), now=at(2))
    case = propose(case, RUS_SENIOR, Yield("RUS"), now=at(2))
    with pytest.raises(PermissionDenied):
        accept(case, USA_DUTY, now=at(3))
    assert accept(case, USA_SENIOR, now=at(3)).state is CaseState.AGREED


def test_terms_must_name_parties_of_the_case() -> None:
    case = opened()
    bad_terms: list[tuple[Terms, str]] = [
        (ShiftTime("TUR", 10), "terms.party"),
        (AltitudeSplit(20_000, "USA", "SYR"), "terms.below"),
        (TimeShare((TimeSlot("USA", at(60), at(90)), TimeSlot("TUR", at(90), at(120)))), "terms.slots.1.party"),
    ]
    for terms, field in bad_terms:
        with pytest.raises(InvalidInput) as raised:
            propose(case, USA_DUTY, terms, now=at(1))
        assert raised.value.field == field


def test_time_cannot_run_backwards() -> None:
    with pytest.raises(InvalidInput) as raised:
        counter(case_in(CaseState.PROPOSED), RUS_DUTY, Yield("RUS"), now=at(0.5))
    assert raised.value.field == "now"


def test_permitted_events_match_the_rules() -> None:
    proposed = case_in(CaseState.PROPOSED)
    assert permitted_events(proposed, RUS_DUTY) == {
        CaseEvent.ACCEPT,
        CaseEvent.REJECT,
        CaseEvent.COUNTER,
        CaseEvent.ESCALATE,
    }
    assert permitted_events(proposed, USA_DUTY) == {CaseEvent.ESCALATE}
    assert permitted_events(proposed, TUR_DUTY) == frozenset()
    assert permitted_events(case_in(CaseState.ESCALATED), USA_DUTY) == frozenset()
    assert permitted_events(case_in(CaseState.ESCALATED), USA_SENIOR) == {CaseEvent.PROPOSE}
    assert permitted_events(case_in(CaseState.AGREED), USA_DUTY) == frozenset()
    assert permitted_events(case_in(CaseState.AGREED, CONTENTION), USA_DUTY) == {CaseEvent.RESOLVE}


# --- proposals and agreements --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "obligations"),
    [
        (ShiftTime("RUS", -15), [("RUS", Revision.SHIFT_TIMES)]),
        (AltitudeSplit(25_000, "USA", "RUS"), [("USA", Revision.KEEP_ABOVE), ("RUS", Revision.KEEP_BELOW)]),
        (Reroute.from_geometry("RUS", PALMYRA_BOX), [("RUS", Revision.REPLACE_VOLUME)]),
        (Yield("USA"), [("USA", Revision.STAND_DOWN)]),
        (
            TimeShare(
                (TimeSlot("USA", at(60), at(90)), TimeSlot("RUS", at(90), at(120)), TimeSlot("USA", at(120), at(150)))
            ),
            [("USA", Revision.KEEP_TO_SLOTS), ("RUS", Revision.KEEP_TO_SLOTS)],
        ),
    ],
)
def test_an_agreement_names_who_must_revise_what(terms: Terms, obligations: list[tuple[str, Revision]]) -> None:
    case = accept(propose(opened(), RUS_DUTY, terms, now=at(1), text="see chart"), USA_DUTY, now=at(2))
    assert case.state is CaseState.AGREED
    assert case.agreement is not None
    assert case.agreement.obligations == tuple(Obligation(party, revision) for party, revision in obligations)
    assert case.agreement.accepted_by == USA_DUTY
    assert case.agreement.proposal.text == "see chart"
    assert case.deadline is None
    assert terms_from_dict(json.loads(json.dumps(terms.as_dict()))) == terms
    assert Case.from_dict(json.loads(json.dumps(case.as_dict()))) == case


def test_reroute_keeps_the_geojson_geometry() -> None:
    terms = Reroute.from_geometry("RUS", PALMYRA_BOX)
    assert terms.geometry == PALMYRA_BOX
    multi = {"type": "MultiPolygon", "coordinates": [PALMYRA_BOX["coordinates"]] * 1}
    assert Reroute.from_geometry("RUS", multi).geometry == multi


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "shift_time", "party": "RUS", "minutes": 0}, "terms.minutes"),
        ({"kind": "shift_time", "party": "RUS", "minutes": 1441}, "terms.minutes"),
        ({"kind": "shift_time", "party": "RUS", "minutes": 2.5}, "terms.minutes"),
        ({"kind": "shift_time", "party": "rus", "minutes": 10}, "terms.party"),
        ({"kind": "altitude_split", "at_ft": 20_000, "above": "RUS", "below": "RUS"}, "terms.below"),
        ({"kind": "altitude_split", "at_ft": 0, "above": "USA", "below": "RUS"}, "terms.at_ft"),
        (
            {"kind": "reroute", "party": "RUS", "geometry": {"type": "Point", "coordinates": [38, 34]}},
            "terms.geometry.type",
        ),
        ({"kind": "yield"}, "terms.party"),
        ({"kind": "surrender", "party": "RUS"}, "terms.kind"),
        ({"party": "RUS"}, "terms.kind"),
        (
            {
                "kind": "time_share",
                "slots": [{"party": "USA", "start": "2025-06-01T13:00:00Z", "end": "2025-06-01T14:00:00Z"}],
            },
            "terms.slots",
        ),
        (
            {
                "kind": "time_share",
                "slots": [
                    {"party": "USA", "start": "2025-06-01T13:00:00Z", "end": "2025-06-01T14:00:00Z"},
                    {"party": "RUS", "start": "2025-06-01T13:30:00Z", "end": "2025-06-01T15:00:00Z"},
                ],
            },
            "terms.slots.1.start",
        ),
        (
            {
                "kind": "time_share",
                "slots": [
                    {"party": "USA", "start": "2025-06-01T13:00:00Z", "end": "2025-06-01T14:00:00Z"},
                    {"party": "RUS", "start": "2025-06-01T15:00:00Z", "end": "2025-06-01T14:30:00Z"},
                ],
            },
            "terms.slots.1.end",
        ),
        (
            {
                "kind": "time_share",
                "slots": [
                    {"party": "USA", "start": "2025-06-01T13:00:00Z", "end": "2025-06-01T14:00:00Z"},
                    {"party": "USA", "start": "2025-06-01T15:00:00Z", "end": "2025-06-01T16:00:00Z"},
                ],
            },
            "terms.slots",
        ),
        (
            {
                "kind": "time_share",
                "slots": [
                    {"party": "USA", "start": "2025-06-01T13:00:00", "end": "2025-06-01T14:00:00Z"},
                    {"party": "RUS", "start": "2025-06-01T15:00:00Z", "end": "2025-06-01T16:00:00Z"},
                ],
            },
            "terms.slots.0.start",
        ),
    ],
)
def test_bad_terms_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        terms_from_dict(data)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "coordinates",
    [
        [[[38.0, 34.4], [38.5, 34.4], [38.5, 34.7], [38.0, 34.7]]],  # open ring
        [[[38.0, 34.4], [38.5, 34.7], [38.5, 34.4], [38.0, 34.7], [38.0, 34.4]]],  # bow tie
        [[[38.0, 34.4], [238.5, 34.4], [38.5, 34.7], [38.0, 34.4]]],  # longitude out of range
    ],
)
def test_reroute_geometry_must_be_a_valid_polygon(coordinates: Any) -> None:
    with pytest.raises(GeometryError):
        Reroute.from_geometry("RUS", {"type": "Polygon", "coordinates": coordinates})


def test_counter_replaces_the_pending_proposal() -> None:
    case = counter(case_in(CaseState.PROPOSED), RUS_DUTY, AltitudeSplit(25_000, "RUS", "USA"), now=at(2))
    assert case.proposal is not None
    assert case.proposal.proposed_by == RUS_DUTY
    assert awaiting_parties(case) == ("USA",)
    case = accept(case, USA_DUTY, now=at(3))
    assert case.agreement is not None
    assert case.agreement.obliged_parties == ("RUS", "USA")


def test_history_records_event_actor_time_and_details() -> None:
    case = reject(case_in(CaseState.PROPOSED), RUS_DUTY, now=at(2), note="our strike cannot move")
    entries = [(entry.event, entry.actor, entry.at, entry.state) for entry in case.history]
    assert entries == [
        (CaseEvent.OPEN, USA_DUTY, T0, CaseState.OPEN),
        (CaseEvent.PROPOSE, USA_DUTY, at(1), CaseState.PROPOSED),
        (CaseEvent.REJECT, RUS_DUTY, at(2), CaseState.REJECTED),
    ]
    assert case.history[1].proposal is not None
    assert case.history[1].proposal.terms == ShiftTime("RUS", 20)
    assert case.history[2].note == "our strike cannot move"
    assert case.opened_by == USA_DUTY
    assert case.opened_at == T0


# --- deadlines and the single escalation ---------------------------------------------------------------------


def test_response_deadlines() -> None:
    assert opened().deadline == at(15)
    assert opened(urgent=True).deadline == at(3)
    custom = HotlineSettings(response_deadline_s=600)
    case = open_case(
        case_id="C-2", parties=["USA", "RUS"], subject=CONFLICT, opened_by=RUS_DUTY, now=T0, settings=custom
    )
    assert case.deadline == at(10)


def test_every_awaited_response_restarts_the_deadline() -> None:
    case = case_in(CaseState.PROPOSED)
    assert case.deadline == at(1 + 15)
    assert reject(case, RUS_DUTY, now=at(7)).deadline == at(7 + 15)
    assert counter(case, RUS_DUTY, Yield("RUS"), now=at(8)).deadline == at(8 + 15)
    assert accept(case, RUS_DUTY, now=at(9)).deadline is None


def test_no_escalation_before_or_at_the_deadline() -> None:
    case = opened()
    assert check_deadline(case, now=at(10)) == (case, None)
    assert check_deadline(case, now=at(15)) == (case, None)
    assert not is_overdue(case, at(15))
    assert is_overdue(case, at(15.01))


def test_a_missed_deadline_escalates_to_both_senior_tiers_once() -> None:
    case = case_in(CaseState.PROPOSED)
    escalated, notice = check_deadline(case, now=at(17))
    assert escalated.state is CaseState.ESCALATED
    assert escalated.escalated_at == at(17)
    assert escalated.proposal is None  # set aside for the seniors; still in the history
    assert escalated.history[-1].actor is None
    assert notice == CaseEscalation(
        case_id="CASE-0012",
        parties=("USA", "RUS"),
        cause=EscalationCause.DEADLINE_MISSED,
        escalated_at=at(17),
        deadline=at(17 + 15),
        missed_deadline=at(16),
    )
    assert notice.tier is Tier.SENIOR
    assert CaseEscalation.from_dict(json.loads(json.dumps(notice.as_dict()))) == notice
    # The seniors miss their renewed deadline too: nothing is escalated again, the case is only overdue.
    again, none = check_deadline(escalated, now=at(60))
    assert none is None
    assert again is escalated
    assert is_overdue(escalated, at(60))


def test_no_second_escalation_after_the_seniors_move_on() -> None:
    escalated, _ = check_deadline(opened(), now=at(16))
    case = reject(propose(escalated, RUS_SENIOR, Yield("USA"), now=at(20)), USA_SENIOR, now=at(21))
    assert case.state is CaseState.REJECTED
    assert case.deadline == at(21 + 15)
    assert check_deadline(case, now=at(50)) == (case, None)
    with pytest.raises(IllegalTransition) as raised:
        escalate(case, USA_SENIOR, now=at(50))
    assert (raised.value.state, raised.value.event) == (CaseState.REJECTED, CaseEvent.ESCALATE)
    assert CaseEvent.ESCALATE not in permitted_events(case, USA_SENIOR)


def test_urgent_cases_escalate_after_three_minutes() -> None:
    case = opened(urgent=True)
    assert check_deadline(case, now=at(3))[1] is None
    escalated, notice = check_deadline(case, now=at(3.5))
    assert notice is not None
    assert escalated.deadline == at(3.5 + 3)


def test_a_desk_may_escalate_by_hand_once() -> None:
    case, notice = escalate(case_in(CaseState.PROPOSED), RUS_DUTY, now=at(4), note="needs generals")
    assert notice.cause is EscalationCause.REQUESTED
    assert notice.requested_by == RUS_DUTY
    assert notice.missed_deadline is None
    assert notice.deadline == at(4 + 15)
    assert case.history[-1].note == "needs generals"
    assert check_deadline(case, now=at(100)) == (case, None)


def test_agreed_cases_have_no_response_deadline() -> None:
    case = case_in(CaseState.AGREED)
    assert check_deadline(case, now=at(1000)) == (case, None)
    assert not is_overdue(case, at(1000))
    assert awaiting_parties(case) == ()


# --- lapse and resolution ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [CaseState.OPEN, CaseState.PROPOSED, CaseState.REJECTED, CaseState.ESCALATED, CaseState.AGREED]
)
def test_a_live_case_lapses_when_its_window_has_passed(state: CaseState) -> None:
    case = case_in(state)
    assert check_lapse(case, window_end=at(30), now=at(30)) is case
    lapsed = check_lapse(case, window_end=at(30), now=at(31))
    assert lapsed.state is CaseState.LAPSED
    assert lapsed.deadline is None
    assert lapsed.proposal is None
    assert lapsed.agreement == case.agreement
    assert lapsed.history[-1].note == "time window ended at 2025-06-01T12:30:00Z"


@pytest.mark.parametrize("state", [CaseState.RESOLVED, CaseState.LAPSED])
def test_final_cases_neither_lapse_nor_resolve_again(state: CaseState) -> None:
    case = case_in(state)
    assert check_lapse(case, window_end=at(0), now=at(100)) is case
    assert on_conflicts_changed(case, [], now=at(100)) is case


def test_an_agreed_case_resolves_when_its_conflict_disappears() -> None:
    case = case_in(CaseState.AGREED)
    assert on_conflicts_changed(case, {"C-7f3a9e", "C-other"}, now=at(5)) is case
    resolved = on_conflicts_changed(case, {"C-other"}, now=at(5))
    assert resolved.state is CaseState.RESOLVED
    assert resolved.agreement == case.agreement
    assert resolved.history[-1].note == "conflict C-7f3a9e no longer present (after agreement)"


def test_a_case_whose_conflict_went_away_unilaterally_resolves_too() -> None:
    resolved = on_conflicts_changed(opened(), [], now=at(5))
    assert resolved.state is CaseState.RESOLVED
    assert resolved.agreement is None
    assert "without agreement" in resolved.history[-1].note


def test_contentions_ignore_the_conflict_picture_and_are_resolved_by_hand() -> None:
    case = case_in(CaseState.AGREED, CONTENTION)
    assert on_conflicts_changed(case, [], now=at(5)) is case
    assert resolve(case, USA_DUTY, now=at(6), note="done").state is CaseState.RESOLVED


def test_a_conflict_case_cannot_be_resolved_by_hand() -> None:
    with pytest.raises(InvalidInput) as raised:
        resolve(case_in(CaseState.AGREED), USA_DUTY, now=at(5))
    assert raised.value.field == "subject"


# --- validation of stored cases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda wire: wire.update(state="agreed"), "state"),
        (lambda wire: wire.update(parties=["USA", "USA"]), "parties"),
        (lambda wire: wire.update(parties=["USA", "RUS", "TUR"]), "parties"),
        (lambda wire: wire.update(deadline=None), "deadline"),
        (lambda wire: wire.update(escalated_at="2025-06-01T12:05:00Z"), "escalated_at"),
        (lambda wire: wire.update(proposal=None), "proposal"),
        (lambda wire: wire["history"][1].update(at="2025-06-01T11:00:00Z"), "history.1.at"),
        (lambda wire: wire["history"][1].update(actor=None), "actor"),
        (lambda wire: wire["history"][1]["actor"].update(party="TUR"), "history.1.actor.party"),
        (lambda wire: wire.update(subject={"kind": "rumour"}), "subject.kind"),
        (lambda wire: wire.update(urgent="no"), "urgent"),
        (lambda wire: wire.update(colour="red"), "case.colour"),
        (lambda wire: wire["history"][1].update(event="reject"), "history.1.state"),
        (lambda wire: wire["history"][1]["actor"].update(tier="observer"), "history.1.actor.tier"),
    ],
)
def test_tampered_cases_are_refused(change: Any, field: str) -> None:
    wire = json.loads(json.dumps(case_in(CaseState.PROPOSED).as_dict()))
    change(wire)
    with pytest.raises(InvalidInput) as raised:
        Case.from_dict(wire)
    assert raised.value.field == field


def test_stored_histories_respect_the_single_escalation_and_the_senior_rule() -> None:
    escalated = json.loads(json.dumps(case_in(CaseState.ESCALATED).as_dict()))
    by_duty = propose(case_in(CaseState.ESCALATED), RUS_SENIOR, Yield("RUS"), now=at(2)).as_dict()
    by_duty["history"][-1]["actor"] = RUS_DUTY.as_dict()
    with pytest.raises(InvalidInput) as raised:
        Case.from_dict(by_duty)
    assert raised.value.field == "history.2.actor.tier"
    twice = reject(propose(case_in(CaseState.ESCALATED), RUS_SENIOR, Yield("RUS"), now=at(2)), USA_SENIOR, now=at(3))
    wire = twice.as_dict()
    wire["history"].append({**escalated["history"][1], "at": "2025-06-01T12:04:00Z", "actor": USA_SENIOR.as_dict()})
    wire["state"] = "escalated"
    with pytest.raises(InvalidInput) as raised:
        Case.from_dict(wire)
    assert raised.value.field == "history.4.event"


def test_tampered_obligations_are_refused() -> None:
    wire = json.loads(json.dumps(case_in(CaseState.AGREED).as_dict()))
    wire["agreement"]["obligations"] = [{"party": "USA", "revision": "stand_down"}]
    with pytest.raises(InvalidInput) as raised:
        Case.from_dict(wire)
    assert raised.value.field == "agreement.obligations"


# --- bounds (airparley/bounds.py) ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "shift_time", "party": "RUS", "minutes": 10**400}, "terms.minutes"),
        ({"kind": "altitude_split", "at_ft": 10**400, "above": "USA", "below": "RUS"}, "terms.at_ft"),
        (
            {
                "kind": "time_share",
                "slots": [{"party": "USA", "start": "2150-01-01T00:00:00Z", "end": "2150-01-01T01:00Z"}],
            },
            "terms.slots.0.start",
        ),
    ],
)
def test_terms_beyond_their_bounds_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        terms_from_dict(data)
    assert raised.value.field == field


def test_a_time_share_holds_at_most_48_slots() -> None:
    start = datetime(2026, 11, 26, tzinfo=UTC)
    slots = [
        {
            "party": ("USA", "RUS")[i % 2],
            "start": (start + timedelta(minutes=10 * i)).isoformat(),
            "end": (start + timedelta(minutes=10 * i + 10)).isoformat(),
        }
        for i in range(49)
    ]
    with pytest.raises(InvalidInput) as raised:
        terms_from_dict({"kind": "time_share", "slots": slots})
    assert raised.value.field == "terms.slots"


@pytest.mark.parametrize("position", [[10**400, 34.0], [38.0, float("nan")], [2**70, 34.0]])
def test_reroute_positions_beyond_a_double_are_geometry_errors(position: list[Any]) -> None:
    ring = [[38.0, 34.4], position, [38.5, 34.7], [38.0, 34.4]]
    with pytest.raises(GeometryError):
        Reroute.from_geometry("RUS", {"type": "Polygon", "coordinates": [ring]})
