"""Cases are moved on both nodes: when the two copies diverge, both nodes merge them to the same case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airparley import hotline as hl
from airparley.node._replica import merge_case

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
USA = hl.Officer("USA", "usa-duty", hl.Tier.DUTY)
RUS = hl.Officer("RUS", "rus-duty", hl.Tier.DUTY)
SETTINGS = hl.HotlineSettings()


def _opened() -> hl.Case:
    return hl.open_case(
        case_id="case-1",
        parties=("RUS", "USA"),
        subject=hl.ConflictSubject("c" * 64),
        opened_by=USA,
        now=T0,
        settings=SETTINGS,
    )


def test_a_longer_history_is_taken_and_a_shorter_one_ignored() -> None:
    opened = _opened()
    proposed = hl.propose(
        opened, RUS, hl.terms_from_dict({"kind": "shift_time", "party": "RUS", "minutes": 60}), now=T0
    )
    assert merge_case(opened, proposed, SETTINGS) == proposed
    assert merge_case(proposed, opened, SETTINGS) == proposed
    assert merge_case(None, opened, SETTINGS) == opened


def test_two_escalations_of_one_missed_deadline_merge_to_one() -> None:
    opened = _opened()
    late = opened.deadline + timedelta(seconds=1)  # type: ignore[operator]
    on_usa, _ = hl.check_deadline(opened, now=late, settings=SETTINGS)
    on_rus, _ = hl.check_deadline(opened, now=late + timedelta(seconds=2), settings=SETTINGS)
    merged = merge_case(on_usa, on_rus, SETTINGS)
    assert merged == merge_case(on_rus, on_usa, SETTINGS)  # the same whichever node merges
    assert merged.state is hl.CaseState.ESCALATED
    assert [step.event for step in merged.history] == [hl.CaseEvent.OPEN, hl.CaseEvent.DEADLINE_MISSED]
    assert merged.escalated_at == late  # the first escalation stands


def test_a_move_made_impossible_by_an_earlier_one_has_no_effect() -> None:
    terms = hl.terms_from_dict({"kind": "shift_time", "party": "RUS", "minutes": 60})
    proposed = hl.propose(_opened(), USA, terms, now=T0 + timedelta(minutes=1))
    # RUS accepts on its node at 01:02; the USA desk, not yet told, escalates on its own at 01:03.
    on_rus = hl.accept(proposed, RUS, now=T0 + timedelta(minutes=2))
    on_usa, _ = hl.escalate(proposed, USA, now=T0 + timedelta(minutes=3), settings=SETTINGS)
    merged = merge_case(on_usa, on_rus, SETTINGS)
    assert merged == merge_case(on_rus, on_usa, SETTINGS)
    assert merged.state is hl.CaseState.AGREED  # escalating an agreed case is not a move: it is left out
    assert merged == on_rus
