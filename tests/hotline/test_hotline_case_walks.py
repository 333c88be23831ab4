"""Random walks: any sequence of moves by any officer at any time keeps a case well-formed and in a defined state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied
from airparley.hotline import (
    CASE_TRANSITIONS,
    AltitudeSplit,
    Case,
    CaseEvent,
    CaseState,
    ConflictSubject,
    ContentionSubject,
    Officer,
    ShiftTime,
    Terms,
    Tier,
    TimeShare,
    TimeSlot,
    Yield,
    accept,
    check_deadline,
    check_lapse,
    counter,
    escalate,
    on_conflicts_changed,
    open_case,
    permitted_events,
    propose,
    reject,
    resolve,
)

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
OFFICERS = [
    Officer("USA", "duty-1", Tier.DUTY),
    Officer("USA", "gen-1", Tier.SENIOR),
    Officer("RUS", "duty-7", Tier.DUTY),
    Officer("RUS", "gen-2", Tier.SENIOR),
    Officer("TUR", "duty-3", Tier.DUTY),
    Officer("USA", "obs-1", Tier.OBSERVER),
]
TERMS: list[Terms] = [
    ShiftTime("RUS", 20),
    ShiftTime("USA", -10),
    AltitudeSplit(25_000, "USA", "RUS"),
    Yield("RUS"),
    TimeShare(
        (
            TimeSlot("USA", T0, T0 + timedelta(hours=1)),
            TimeSlot("RUS", T0 + timedelta(hours=1), T0 + timedelta(hours=2)),
        )
    ),
]
OFFICER_MOVES = {
    CaseEvent.PROPOSE,
    CaseEvent.COUNTER,
    CaseEvent.ACCEPT,
    CaseEvent.REJECT,
    CaseEvent.ESCALATE,
    CaseEvent.RESOLVE,
}
ACTIONS = [*sorted(OFFICER_MOVES), "clock", "conflict_cleared", "lapse"]
WINDOW_END = T0 + timedelta(hours=3)

steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from(OFFICERS),
        st.sampled_from(TERMS),
        st.integers(0, 40),  # minutes elapsed before the step
    ),
    max_size=25,
)


def step(case: Case, action: object, officer: Officer, terms: Terms, now: datetime) -> Case:
    if action == CaseEvent.PROPOSE:
        return propose(case, officer, terms, now=now)
    if action == CaseEvent.COUNTER:
        return counter(case, officer, terms, now=now)
    if action == CaseEvent.ACCEPT:
        return accept(case, officer, now=now)
    if action == CaseEvent.REJECT:
        return reject(case, officer, now=now)
    if action == CaseEvent.ESCALATE:
        return escalate(case, officer, now=now)[0]
    if action == CaseEvent.RESOLVE:
        return resolve(case, officer, now=now)
    if action == "clock":
        return check_deadline(case, now=now)[0]
    if action == "conflict_cleared":
        return on_conflicts_changed(case, [], now=now)
    return check_lapse(case, window_end=WINDOW_END, now=now)


def check_well_formed(case: Case) -> None:
    assert case.state in CaseState
    assert Case.from_dict(json.loads(json.dumps(case.as_dict()))) == case
    assert sum(entry.state is CaseState.ESCALATED for entry in case.history) <= 1
    assert (case.deadline is not None) == case.state.awaits_response
    for previous, entry in zip(case.history, case.history[1:], strict=False):
        assert CASE_TRANSITIONS[(previous.state, entry.event)] is entry.state


@settings(max_examples=300, deadline=None)
@given(steps=steps, contention=st.booleans(), urgent=st.booleans())
def test_random_walks_stay_well_formed(
    steps: list[tuple[object, Officer, Terms, int]], contention: bool, urgent: bool
) -> None:
    subject = ContentionSubject("orbit crossing") if contention else ConflictSubject("C-1")
    case = open_case(
        case_id="CASE-1", parties=["USA", "RUS"], subject=subject, opened_by=OFFICERS[0], now=T0, urgent=urgent
    )
    now = T0
    for action, officer, terms, minutes in steps:
        now += timedelta(minutes=minutes)
        before = case.as_dict()
        permitted = permitted_events(case, officer) if action in OFFICER_MOVES else None
        refused: IllegalTransition | PermissionDenied | InvalidInput | None
        try:
            moved = step(case, action, officer, terms, now)
        except (IllegalTransition, PermissionDenied, InvalidInput) as error:
            refused = error
        else:
            refused = None
        if refused is not None:
            assert case.as_dict() == before
            assert permitted is not None, f"system step {action} raised {refused!r}"
            # permitted_events predicts every refusal except terms naming a party outside the case.
            third_party_terms = isinstance(refused, InvalidInput) and refused.field.startswith("terms")
            assert third_party_terms or action not in permitted, refused
            continue
        if permitted is not None:
            assert action in permitted
        if moved is not case:
            assert len(moved.history) == len(case.history) + 1
            assert moved.state is CASE_TRANSITIONS[(case.state, moved.history[-1].event)]
            if moved.history[-1].actor is not None:
                assert case.escalated_at is None or moved.history[-1].actor.tier is Tier.SENIOR
        if case.state.is_final:
            assert moved is case
        check_well_formed(moved)
        case = moved
    event(f"ended {case.state.value}{' after escalation' if case.escalated_at else ''}")
