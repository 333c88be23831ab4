"""The store reads messages, cases and remembered responses back as typed rows (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airparley import hotline as hl
from airparley.store import RememberedResponse, Store, StoredCase, StoredMessage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USA = hl.Officer("USA", "usa-duty", hl.Tier.DUTY)
RUS = hl.Officer("RUS", "rus-duty", hl.Tier.DUTY)
CATALOGUE = hl.load_catalogue()
SETTINGS = hl.HotlineSettings()


def _message(message_id: str, recipients: list[str], created_at: datetime) -> hl.Message:
    return hl.compose_message(
        message_id=message_id,
        author=USA,
        recipients=recipients,
        created_at=created_at,
        urgency="safety",
        text="Traffic at your 12 o'clock",
        language="en",
        catalogue=CATALOGUE,
    )


def _put_message(store: Store, message: hl.Message) -> datetime | None:
    due = hl.next_alarm_at(message, now=message.created_at, settings=SETTINGS)
    with store.begin() as tx:
        tx.put_message(
            message.message_id,
            message.author.party,
            message.urgency.value,
            message.recipients,
            message.as_dict(),
            message.created_at,
            due,
        )
    return due


def test_messages_come_back_as_typed_rows_with_their_receipts(db_url: str) -> None:
    store = Store.open(db_url)
    first = _message("msg-1", ["RUS"], NOW)
    second = _message("msg-2", ["RUS", "TUR"], NOW + timedelta(minutes=1))
    due = _put_message(store, first)
    _put_message(store, second)
    acknowledged = hl.acknowledge_message(second, RUS, now=NOW + timedelta(minutes=2))
    _put_message(store, acknowledged)  # the same message, its receipt moved
    with store.begin() as tx:
        stored = tx.message("msg-1", catalogue=CATALOGUE)
        assert stored == StoredMessage(first, due)
        assert stored.as_dict() == first.as_dict()
        assert tx.message("msg-9", catalogue=CATALOGUE) is None
        assert [m.message.message_id for m in tx.messages_for("RUS", catalogue=CATALOGUE)] == ["msg-2", "msg-1"]
        assert [m.message for m in tx.messages_for("TUR", catalogue=CATALOGUE)] == [acknowledged]
        assert tx.messages_for("SYR", catalogue=CATALOGUE) == []
        assert [m.message.message_id for m in tx.messages_due(NOW + timedelta(hours=1), catalogue=CATALOGUE)] == [
            "msg-1",
            "msg-2",
        ]
        assert tx.receipt("msg-2", "RUS") == acknowledged.receipt("RUS")
        assert tx.receipt("msg-2", "USA") is None  # the author holds no receipt
        assert tx.receipt("msg-9", "RUS") is None
    store.close()


def test_cases_come_back_as_typed_rows(db_url: str) -> None:
    store = Store.open(db_url)
    opened = hl.open_case(
        case_id="case-1",
        parties=("RUS", "USA"),
        subject=hl.ConflictSubject("c" * 64),
        opened_by=USA,
        now=NOW,
        settings=SETTINGS,
    )
    with store.begin() as tx:
        tx.put_case("case-1", opened.state.value, "c" * 64, opened.parties, opened.as_dict(), NOW, opened.deadline)
    later = NOW + timedelta(minutes=1)
    terms = hl.terms_from_dict({"kind": "shift_time", "party": "RUS", "minutes": 60})
    agreed = hl.accept(hl.propose(opened, USA, terms, now=later), RUS, now=later)
    with store.begin() as tx:
        assert tx.case("case-1") == StoredCase(opened, NOW, opened.deadline)
        tx.put_case("case-1", agreed.state.value, "c" * 64, agreed.parties, agreed.as_dict(), later, None)
    with store.begin() as tx:
        stored = tx.case("case-1")
        assert stored == StoredCase(agreed, later, None)
        assert stored.as_dict() == agreed.as_dict()
        assert tx.cases_for("RUS") == [stored]
        assert tx.cases_for("TUR") == []
        assert tx.open_cases() == [stored]  # agreed is still open: it resolves when its conflict goes
        assert tx.cases_due(NOW + timedelta(days=1)) == []  # no deadline runs once agreed
        assert tx.case("case-9") is None
    store.close()


def test_the_open_cases_a_change_of_conflicts_may_resolve_are_those_about_a_conflict_gone(db_url: str) -> None:
    """Every notice act asks for them under the write lock: they must be exactly the open cases about a conflict
    not among the current ones, in the order of ``open_cases`` (which resolves them in that order before)."""
    store = Store.open(db_url)

    def put(case: hl.Case) -> None:
        subject = case.subject.conflict_id if isinstance(case.subject, hl.ConflictSubject) else None
        with store.begin() as tx:
            tx.put_case(case.case_id, case.state.value, subject, case.parties, case.as_dict(), NOW, case.deadline)

    def opened(case_id: str, subject: hl.Subject) -> hl.Case:
        return hl.open_case(
            case_id=case_id, parties=("RUS", "USA"), subject=subject, opened_by=USA, now=NOW, settings=SETTINGS
        )

    for k in range(6):  # conflicts a..f: b, d and f stay, a, c and e go
        put(opened(f"case-{k}", hl.ConflictSubject(chr(ord("a") + k) * 64)))
    put(opened("case-hand", hl.ContentionSubject("a desk's own worry")))  # no conflict: never resolved by one
    gone_but_resolved = hl.on_conflicts_changed(opened("case-done", hl.ConflictSubject("a" * 64)), (), now=NOW)
    assert gone_but_resolved.state is hl.CaseState.RESOLVED
    put(gone_but_resolved)  # final: not open
    current = {"b" * 64, "d" * 64, "f" * 64, "z" * 64}
    with store.begin() as tx:
        expected = [
            stored
            for stored in tx.open_cases()
            if isinstance(stored.case.subject, hl.ConflictSubject) and stored.case.subject.conflict_id not in current
        ]
        assert [stored.case.case_id for stored in expected] != []
        assert tx.open_cases_on_conflicts(lambda conflict_id: conflict_id not in current) == expected
        assert {s.case.case_id for s in expected} == {"case-0", "case-2", "case-4"}
        everything = {chr(ord("a") + k) * 64 for k in range(6)}
        assert tx.open_cases_on_conflicts(lambda conflict_id: conflict_id not in everything) == []
        assert [s.case.case_id for s in tx.open_cases_on_conflicts(lambda conflict_id: conflict_id == "e" * 64)] == [
            "case-4"
        ]
    store.close()


def test_a_remembered_response_comes_back_as_a_typed_row(db_url: str) -> None:
    store = Store.open(db_url)
    with store.begin() as tx:
        tx.remember_response("officer-1", "key-1", "POST", "/cases", "ab" * 32, 201, {"case_id": "case-1"}, NOW)
    with store.begin() as tx:
        seen = tx.idempotent_response("officer-1", "key-1")
        assert seen == RememberedResponse("POST", "/cases", "ab" * 32, 201, {"case_id": "case-1"})
        assert seen.as_dict() == {
            "method": "POST",
            "path": "/cases",
            "request_hash": "ab" * 32,
            "status_code": 201,
            "response": {"case_id": "case-1"},
        }
        assert tx.idempotent_response("officer-1", "key-2") is None
        assert tx.idempotent_response("officer-2", "key-1") is None
    store.close()
