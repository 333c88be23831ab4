"""Merging two nodes' copies (airparley.hotline._merge): both nodes come to the same case, whichever merges."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley import hotline as hl
from airparley.errors import IllegalTransition, InvalidInput, PermissionDenied

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
USA = hl.Officer("USA", "usa-duty", hl.Tier.DUTY)
RUS = hl.Officer("RUS", "rus-duty", hl.Tier.DUTY)
USA_SENIOR = hl.Officer("USA", "usa-gen", hl.Tier.SENIOR)
RUS_SENIOR = hl.Officer("RUS", "rus-gen", hl.Tier.SENIOR)
SETTINGS = hl.HotlineSettings()
SHIFT = hl.terms_from_dict({"kind": "shift_time", "party": "RUS", "minutes": 60})
SPLIT = hl.terms_from_dict({"kind": "altitude_split", "at_ft": 25_000, "below": "USA", "above": "RUS"})


def _opened(urgent: bool = False) -> hl.Case:
    return hl.open_case(
        case_id="case-1",
        parties=("RUS", "USA"),
        subject=hl.ConflictSubject("c" * 64),
        opened_by=USA,
        now=T0,
        urgent=urgent,
        settings=SETTINGS,
    )


def test_a_longer_history_is_taken_and_a_shorter_one_ignored() -> None:
    opened = _opened()
    proposed = hl.propose(opened, RUS, SHIFT, now=T0)
    assert hl.merge_case(opened, proposed, SETTINGS) == proposed
    assert hl.merge_case(proposed, opened, SETTINGS) == proposed
    assert hl.merge_case(None, opened, SETTINGS) == opened


def test_two_escalations_of_one_missed_deadline_merge_to_one() -> None:
    opened = _opened()
    assert opened.deadline is not None
    late = opened.deadline + timedelta(seconds=1)
    on_usa, _ = hl.check_deadline(opened, now=late, settings=SETTINGS)
    on_rus, _ = hl.check_deadline(opened, now=late + timedelta(seconds=2), settings=SETTINGS)
    merged = hl.merge_case(on_usa, on_rus, SETTINGS)
    assert merged == hl.merge_case(on_rus, on_usa, SETTINGS)  # the same whichever node merges
    assert merged.state is hl.CaseState.ESCALATED
    assert [step.event for step in merged.history] == [hl.CaseEvent.OPEN, hl.CaseEvent.DEADLINE_MISSED]
    assert merged.escalated_at == late  # the first escalation stands


def test_a_move_made_impossible_by_an_earlier_one_has_no_effect() -> None:
    proposed = hl.propose(_opened(), USA, SHIFT, now=T0 + timedelta(minutes=1))
    # RUS accepts on its node at 01:02; the USA desk, not yet told, escalates on its own at 01:03.
    on_rus = hl.accept(proposed, RUS, now=T0 + timedelta(minutes=2))
    on_usa, _ = hl.escalate(proposed, USA, now=T0 + timedelta(minutes=3), settings=SETTINGS)
    merged = hl.merge_case(on_usa, on_rus, SETTINGS)
    assert merged == hl.merge_case(on_rus, on_usa, SETTINGS)
    assert merged.state is hl.CaseState.AGREED  # escalating an agreed case is not a move: it is left out
    assert merged == on_rus


def test_moves_at_the_same_instant_are_ordered_as_moves_follow_each_other() -> None:
    at = T0 + timedelta(minutes=5)
    first, second = hl.propose(_opened(), USA, SHIFT, now=at).history[-1], _opened().history[0]
    assert hl.merge_histories([first], [second]) == [second, first]  # the opening before the proposal
    assert hl.merge_histories([second], [first]) == [second, first]
    assert list(hl.CASE_EVENT_ORDER) == [
        hl.CaseEvent.OPEN,
        hl.CaseEvent.PROPOSE,
        hl.CaseEvent.COUNTER,
        hl.CaseEvent.REJECT,
        hl.CaseEvent.ACCEPT,
        hl.CaseEvent.ESCALATE,
        hl.CaseEvent.DEADLINE_MISSED,
        hl.CaseEvent.RESOLVE,
        hl.CaseEvent.CONFLICT_CLEARED,
        hl.CaseEvent.LAPSE,
    ]
    assert set(hl.CASE_EVENT_ORDER) == set(hl.CaseEvent)  # every move has its place


def test_case_with_move_adds_a_move_once() -> None:
    opened = _opened()
    proposal = hl.propose(opened, RUS, SHIFT, now=T0 + timedelta(minutes=1)).history[-1]
    moved = hl.case_with_move(opened, proposal, SETTINGS)
    assert moved.state is hl.CaseState.PROPOSED
    assert hl.case_with_move(moved, proposal, SETTINGS) is moved
    # A move that cannot follow is left out: an acceptance by its own proposer.
    own = hl.CaseEntry.from_dict({**proposal.as_dict(), "event": "accept", "state": "agreed", "proposal": None})
    assert hl.case_with_move(moved, own, SETTINGS) == moved


def test_a_replay_starts_with_the_opening() -> None:
    opened = _opened()
    proposal = hl.propose(opened, RUS, SHIFT, now=T0 + timedelta(minutes=1)).history[-1]
    with pytest.raises(InvalidInput) as raised:
        hl.replay_case(opened, [proposal], SETTINGS)
    assert raised.value.field == "history.0"


# -- any two divergent copies ----------------------------------------------------------------------------------

ACTIONS = ["propose", "counter", "accept", "reject", "escalate", "resolve", "clock", "cleared", "lapse"]
WINDOW_END = T0 + timedelta(hours=3)

# Each step: the move, who, the terms, and minutes since that node's previous move. At least a minute: one
# node's moves are strictly ordered in time (its clock never repeats an instant).
moves = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from([USA, RUS, USA_SENIOR, RUS_SENIOR]),
        st.sampled_from([SHIFT, SPLIT]),
        st.integers(1, 30),
    ),
    min_size=1,
    max_size=10,
)
Moves = list[tuple[str, hl.Officer, hl.Terms, int]]


def _step(case: hl.Case, action: str, officer: hl.Officer, terms: hl.Terms, now: datetime) -> hl.Case:
    if action == "propose":
        return hl.propose(case, officer, terms, now=now, settings=SETTINGS)
    if action == "counter":
        return hl.counter(case, officer, terms, now=now, settings=SETTINGS)
    if action == "accept":
        return hl.accept(case, officer, now=now)
    if action == "reject":
        return hl.reject(case, officer, now=now, settings=SETTINGS)
    if action == "escalate":
        return hl.escalate(case, officer, now=now, settings=SETTINGS)[0]
    if action == "resolve":
        return hl.resolve(case, officer, now=now)
    if action == "clock":
        return hl.check_deadline(case, now=now, settings=SETTINGS)[0]
    if action == "cleared":
        return hl.on_conflicts_changed(case, (), now=now)
    return hl.check_lapse(case, window_end=WINDOW_END, now=now)


def _moved(case: hl.Case, steps: Moves, at: datetime) -> tuple[hl.Case, datetime]:
    for action, officer, terms, minutes in steps:
        at += timedelta(minutes=minutes)
        with contextlib.suppress(IllegalTransition, PermissionDenied, InvalidInput):  # an impossible move: none
            case = _step(case, action, officer, terms, at)
    return case, at


@settings(max_examples=300, deadline=None)
@given(shared=moves, on_first=moves, on_second=moves, urgent=st.booleans())
def test_any_two_copies_merge_to_one_case_whichever_node_merges(
    shared: Moves, on_first: Moves, on_second: Moves, urgent: bool
) -> None:
    """A case moved together by ``shared`` (both nodes saw every move), then apart on each node."""
    common, at = _moved(_opened(urgent), shared, T0)
    first, _ = _moved(common, on_first, at)
    second, _ = _moved(common, on_second, at)
    merged = hl.merge_case(first, second, SETTINGS)
    assert merged == hl.merge_case(second, first, SETTINGS)
    # Well formed: a case the state machine could have made, each move once, the common past kept.
    assert hl.Case.from_dict(json.loads(json.dumps(merged.as_dict()))) == merged
    identities = [json.dumps(step.as_dict(), sort_keys=True) for step in merged.history]
    assert len(identities) == len(set(identities))
    for previous, entry in zip(merged.history, merged.history[1:], strict=False):
        assert hl.CASE_TRANSITIONS[(previous.state, entry.event)] is entry.state
    assert merged.history[: len(common.history)] == common.history
    # Learning either copy again changes nothing.
    assert hl.merge_case(merged, merged, SETTINGS) == merged
    assert hl.merge_case(first, first, SETTINGS) == first


# -- receipts ----------------------------------------------------------------------------------------------------

CATALOGUE = hl.load_catalogue()


def _message() -> hl.Message:
    return hl.compose_message(
        message_id="msg-1",
        author=USA,
        recipients=["RUS"],
        created_at=T0,
        urgency="safety",
        text="Traffic at your 12 o'clock",
        language="en",
        catalogue=CATALOGUE,
    )


def test_a_receipt_only_moves_forward() -> None:
    delivered = _message()
    read = hl.read_message(delivered, RUS, now=T0 + timedelta(seconds=10))
    acknowledged = hl.acknowledge_message(read, RUS, now=T0 + timedelta(seconds=20))
    assert hl.merge_receipt(delivered, read.receipt("RUS")) == read
    assert hl.merge_receipt(delivered, acknowledged.receipt("RUS")) == acknowledged
    assert hl.merge_receipt(acknowledged, read.receipt("RUS")) is None
    assert hl.merge_receipt(read, read.receipt("RUS")) is None


def test_when_this_node_escalated_is_kept() -> None:
    late = T0 + timedelta(seconds=SETTINGS.escalate_after_s + 1)
    escalated, escalations = hl.escalate_unacknowledged(_message(), now=late, settings=SETTINGS)
    assert escalations
    # The recipient's node acknowledged without ever escalating on this node's clock.
    remote = hl.acknowledge_message(_message(), RUS, now=late + timedelta(seconds=5))
    merged = hl.merge_receipt(escalated, remote.receipt("RUS"))
    assert merged is not None
    assert merged.receipt("RUS").state is hl.ReceiptState.ACKNOWLEDGED
    assert merged.receipt("RUS").escalated_at == escalated.receipt("RUS").escalated_at


def test_a_receipt_of_a_party_that_is_not_a_recipient_is_refused() -> None:
    other = hl.Receipt.from_dict({"party": "TUR", "state": "delivered"})
    with pytest.raises(InvalidInput) as raised:
        hl.merge_receipt(_message(), other)
    assert raised.value.field == "party"


def test_the_language_of_a_moves_text_survives_merging_and_old_entries_keep_their_bytes() -> None:
    opened = hl.open_case(
        case_id="case-1",
        parties=("RUS", "USA"),
        subject=hl.ContentionSubject("Palmyra airspace"),
        opened_by=USA,
        now=T0,
        settings=SETTINGS,
        language=hl.Language.EN,
    )
    proposed, _ = hl.officer_move(
        opened,
        RUS,
        hl.CaseEvent.PROPOSE,
        now=T0 + timedelta(minutes=1),
        note="сдвиг на час",
        terms=SHIFT,
        language=hl.Language.RU,
    )
    assert [step.language for step in proposed.history] == [hl.Language.EN, hl.Language.RU]
    assert proposed.history[-1].as_dict()["language"] == "ru"
    # The other node replays the moves from their entries: the same case, languages included.
    assert hl.merge_case(opened, proposed, SETTINGS) == proposed
    assert hl.Case.from_dict(json.loads(json.dumps(proposed.as_dict()))) == proposed
    # An entry from before moves said their language: read as it was, written back byte for byte.
    old = {
        "event": "open",
        "actor": USA.as_dict(),
        "at": "2026-11-26T01:00:00Z",
        "state": "open",
        "proposal": None,
        "note": "as written",
    }
    entry = hl.CaseEntry.from_dict(old)
    assert entry.language is None
    assert entry.as_dict() == old
    with pytest.raises(InvalidInput, match="language"):
        hl.CaseEntry.from_dict({**old, "language": "xx"})
