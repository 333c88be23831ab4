"""What the write path asks of the database in one statement (issue 18), held to what it asked in several.

Two ``Store`` objects on one database stand for two processes of one node: each caches the ledger heads it
committed, and must still sign after the other's newest entry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from airparley.ledger import Kind, append, generate_key
from airparley.store import Store
from airparley.store._rate_buckets import RateBuckets

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
KEY = generate_key()


def _sign_next(store: Store, party: str, at: datetime) -> None:
    with store.begin() as tx:
        head, heads = tx.ledger_chain(party)
        seen = {other: newest.hash for other, newest in heads.items() if other != party}
        tx.add_entry(append(head or party, Kind.MESSAGE_SENT, {"n": at.minute}, seen=seen, now=at, signing_key=KEY))


def test_ledger_chain_reads_the_heads_another_store_wrote_and_reuses_its_own(db_url: str) -> None:
    one = Store.open(db_url)
    other = Store.open(db_url, migrate=False)
    for minute, (writer, party) in enumerate(
        [(one, "USA"), (other, "USA"), (one, "RUS"), (one, "USA"), (other, "RUS"), (other, "USA")]
    ):
        _sign_next(writer, party, NOW + timedelta(minutes=minute))
    with one.begin() as tx:
        lines = tx.ledger_lines()
        head, heads = tx.ledger_chain("USA")
    # One contiguous chain a party, whichever store signed: each entry follows the newest, and names the
    # other party's newest as seen when it was signed.
    for party, count in (("USA", 4), ("RUS", 2)):
        with one.begin() as tx:
            chain = [tx.ledger_entry(party, seq) for seq in range(count)]
        assert all(entry is not None for entry in chain)
        assert [e.prev for e in chain[1:] if e is not None] == [e.hash for e in chain[:-1] if e is not None]
    assert len(lines) == 6
    assert head is not None
    assert head.seq == 3
    assert head == heads["USA"]
    assert heads["RUS"].seq == 1
    # Nothing changed since: the cached heads come back as they are, not read and parsed again.
    cached = one.cached_heads()
    with one.begin() as tx:
        _, again = tx.ledger_chain("USA")
    assert again == heads
    with other.begin() as tx:
        _, theirs = tx.ledger_chain("RUS")
    assert theirs == heads
    assert all(again[party] is cached.get(party, again[party]) for party in again)
    one.close()
    other.close()


# -- the shared rate buckets (PostgreSQL only: SQLite keeps them in its one process's memory) ---------------
@pytest.fixture
def buckets_url(postgres_server: str) -> str:
    from airparley.store._local_postgres import create_database

    url = create_database(postgres_server)
    Store.open(url).close()
    return url


def test_a_bucket_spends_its_burst_once_across_racing_takers(buckets_url: str) -> None:
    store = Store.open(buckets_url, migrate=False)
    # A refill of one token in 10,000 s: the race's own seconds add nothing.
    buckets = [RateBuckets(store.engine, 0.0001, 30) for _ in range(2)]
    granted: list[float] = []
    lock = threading.Lock()

    def taker(bucket: RateBuckets) -> None:
        for _ in range(10):
            tokens = bucket.take("token:race", 1.0)
            with lock:
                granted.append(tokens)

    threads = [threading.Thread(target=taker, args=(buckets[n % 2],)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 50 takes, a burst of 30: exactly 30 found a token, each a different count (no two spent the same one).
    spent = sorted(round(t) for t in granted if t >= 1.0)
    assert spent == list(range(1, 31))
    assert sum(1 for t in granted if t < 1.0) == 20
    assert buckets[0].peek("token:race") < 1.0
    store.close()


def test_a_take_refills_spends_all_or_nothing_or_what_is_left(buckets_url: str) -> None:
    store = Store.open(buckets_url, migrate=False)
    bucket = RateBuckets(store.engine, 0.0001, 25)
    assert bucket.peek("address:10.0.0.1") == 25.0  # no row yet: a full bucket
    assert bucket.take("address:10.0.0.1", 10.0) == pytest.approx(25.0)
    assert bucket.take("address:10.0.0.1", 10.0) == pytest.approx(15.0)
    assert bucket.take("address:10.0.0.1", 10.0) == pytest.approx(5.0)  # too few: nothing spent
    assert bucket.peek("address:10.0.0.1") == pytest.approx(5.0)
    assert bucket.take("address:10.0.0.1", 10.0, partial=True) == pytest.approx(5.0)  # what is left is spent
    assert bucket.peek("address:10.0.0.1") == pytest.approx(0.0, abs=0.01)
    # The refill is the database clock's: a bucket last touched 100 s ago has 100 s of rate in it.
    fast = RateBuckets(store.engine, 0.1, 25)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE rate_buckets SET at_s = at_s - 100 WHERE key = 'address:10.0.0.1'"))
    assert fast.peek("address:10.0.0.1") == pytest.approx(10.0, abs=0.05)
    assert fast.take("address:10.0.0.1", 1.0) == pytest.approx(10.0, abs=0.05)
    assert fast.peek("address:10.0.0.1") == pytest.approx(9.0, abs=0.05)
    store.close()
