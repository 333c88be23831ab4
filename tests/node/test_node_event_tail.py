"""The node's in-memory caches on the message path: the tail of recent committed events (the WebSocket fan-out
reads it instead of the database) and the cached ledger heads (each act chains on them). Both follow commits
only: a rolled-back transaction leaves no event in the tail and no head in the cache, and what another process
writes to the same database is found, not missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airparley.ledger import Entry, Kind, check, generate_key
from airparley.node._ledger import LedgerWriter
from airparley.store import Event, EventTail, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _event(seq: int) -> Event:
    return Event(seq, T0, "k", ["USA"], {"USA": {"n": seq}})


def test_the_tail_answers_only_cursors_it_reaches_back_to() -> None:
    tail = EventTail(size=3)
    assert tail.after(0, 10) is None  # not started
    tail.add([_event(5)])  # committed while starting: already in the database
    tail.start(5)
    assert tail.after(4, 10) is None
    assert tail.after(5, 10) == []
    tail.add([_event(6), _event(7)])
    assert [e.seq for e in tail.after(5, 10) or []] == [6, 7]
    assert [e.seq for e in tail.after(6, 1) or []] == [7]
    tail.add([_event(9)])  # 8 was written by another process: the tail starts anew after it
    assert tail.after(7, 10) is None
    assert [e.seq for e in tail.after(8, 10) or []] == [9]
    tail.add([_event(8)])  # out of order: left to the database
    assert tail.after(8, 10) is None
    assert tail.after(9, 10) == []
    tail.add([_event(s) for s in range(10, 17)])  # more than twice the size: the oldest are dropped
    assert tail.after(9, 10) is None
    assert [e.seq for e in tail.after(13, 10) or []] == [14, 15, 16]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_committed_events_reach_the_tail(db_url: str) -> None:
    store = Store.open(db_url)
    other = Store.open(db_url, migrate=False)  # another process on the same database
    try:
        store.keep_event_tail(100)
        with store.begin() as tx:
            first = tx.append_event("a", ["USA"], {"USA": {"x": [1, 2]}}, T0)

        def rolled_back() -> None:
            with store.begin() as tx:
                tx.append_event("rolled.back", ["USA"], {"USA": {}}, T0)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            rolled_back()
        with store.begin() as tx:
            second = tx.append_event("b", ["RUS", "USA"], {"USA": {}, "RUS": {}}, T0 + timedelta(seconds=1))
        recent = store.recent_events(0)
        assert recent is not None
        with store.begin() as tx:
            assert recent == tx.events_after(0)  # the same events as the database holds, read back alike
        assert [e.seq for e in recent] == [first, second]
        with other.begin() as tx:
            tx.append_event("elsewhere", ["USA"], {"USA": {}}, T0)
        with store.begin() as tx:
            tx.append_event("c", ["USA"], {"USA": {}}, T0)
        assert store.recent_events(second) is None  # the gap is seen: that cursor is answered by the database
    finally:
        other.close()
        store.close()


def test_a_rolled_back_entry_is_never_chained_on_and_other_writers_are_seen(db_url: str) -> None:
    store = Store.open(db_url)
    other = Store.open(db_url, migrate=False)
    keys = {"USA": generate_key(), "RUS": generate_key()}
    try:
        with store.begin() as tx:
            tx.add_party("USA", "Coalition desk", "en", T0)
            tx.add_party("RUS", "Russian desk", "ru", T0)
        writer = LedgerWriter(keys)
        with store.begin() as tx:
            writer.record(tx, "USA", Kind.MESSAGE_SENT, {"n": 1}, T0)

        def rolled_back() -> None:
            with store.begin() as tx:
                writer.record(tx, "USA", Kind.MESSAGE_SENT, {"n": "rolled back"}, T0)
                writer.record(tx, "RUS", Kind.MESSAGE_SENT, {"n": "rolled back"}, T0)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            rolled_back()
        with store.begin() as tx:
            second = writer.record(tx, "USA", Kind.MESSAGE_SENT, {"n": 2}, T0)
            third = writer.record(tx, "USA", Kind.MESSAGE_SENT, {"n": 3}, T0)  # twice in one transaction
        assert (second.seq, third.seq) == (1, 2)
        assert third.prev == second.hash
        # Another process (another writer over the same database) signs for RUS, then for USA.
        with other.begin() as tx:
            rus = LedgerWriter({"RUS": keys["RUS"]}).record(tx, "RUS", Kind.MESSAGE_SENT, {"n": 1}, T0)
        with other.begin() as tx:
            usa_elsewhere = LedgerWriter({"USA": keys["USA"]}).record(tx, "USA", Kind.MESSAGE_SENT, {"n": 4}, T0)
        with store.begin() as tx:
            fourth = writer.record(tx, "USA", Kind.MESSAGE_SENT, {"n": 5}, T0)
        assert fourth.prev == usa_elsewhere.hash
        assert fourth.seen == {"RUS": rus.hash}
        with store.begin() as tx:
            entries = [Entry.from_json(line) for line in tx.ledger_lines()]
        public = {party: key.public_key() for party, key in keys.items()}
        assert not check(entries, public).problems
    finally:
        other.close()
        store.close()
