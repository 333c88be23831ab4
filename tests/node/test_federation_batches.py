"""Catch-up takes a peer's lines many to a transaction, and keeps exactly what line by line would keep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley import hotline as hl
from airparley.ledger import Entry, Kind, append, generate_key, public_key_to_text
from airparley.ledger._canonical import canonical
from airparley.node import Node
from airparley.node._federation import ACCEPT_BATCH, Federation
from airparley.store import Peer, Store
from airparley.store._local_postgres import create_database

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
MESSAGES = ACCEPT_BATCH * 2 + 17  # three batches, the last one short
CATALOGUE = hl.load_catalogue()


@dataclass
class Catchup:
    lines: list[str]
    store: Store
    federation: Federation
    peer: Peer
    usa_key: Ed25519PrivateKey

    def head(self) -> int | None:
        with self.store.begin() as tx:
            head = tx.ledger_head("USA")
        return None if head is None else head.seq

    def messages(self) -> int:
        with self.store.begin() as tx:
            return len(tx.messages_for("RUS", catalogue=CATALOGUE, limit=MESSAGES + 10))


@pytest.fixture(params=["sqlite", "postgresql"])
def catchup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catchup]:
    """USA's feed of messages to RUS, and the RUS node (on each backend) that has yet to take it."""
    usa_key, rus_key = generate_key(), generate_key()
    source = Store.open(f"sqlite:///{tmp_path / 'usa.db'}")
    with source.begin() as tx:
        tx.add_party("USA", "Coalition", "en", NOW, public_key=public_key_to_text(usa_key))
        tx.add_party("RUS", "Russian desk", "ru", NOW, public_key=public_key_to_text(rus_key))
        officer, _ = tx.add_officer("USA", "Col. A", "duty", NOW)
    usa = Node(source, clock=lambda: NOW, keys={"USA": usa_key})
    for i in range(MESSAGES):
        with usa.write() as tx:
            usa.hotline.send(tx, officer, {"recipients": ["RUS"], "text": f"message {i}", "language": "en"}, NOW)
    with source.begin() as tx:
        lines = tx.ledger_feed("USA", -1, MESSAGES + 10)
    source.close()

    if request.param == "postgresql":
        target = Store.open(create_database(request.getfixturevalue("postgres_server")))
    else:
        target = Store.open(f"sqlite:///{tmp_path / 'rus.db'}")
    with target.begin() as tx:
        tx.add_party("RUS", "Russian desk", "ru", NOW, public_key=public_key_to_text(rus_key))
        tx.add_party("USA", "Coalition", "en", NOW, public_key=public_key_to_text(usa_key))
        peer = tx.add_peer("USA", "http://127.0.0.1:9", public_key_to_text(usa_key), "unused", NOW)
    rus = Node(target, clock=lambda: NOW, keys={"RUS": rus_key})
    try:
        yield Catchup(lines, target, Federation(rus), peer, usa_key)
    finally:
        target.close()


def test_every_line_is_taken_and_applied_across_batches(catchup: Catchup) -> None:
    assert len(catchup.lines) == MESSAGES
    result = catchup.federation.accept(catchup.peer, catchup.lines)
    assert (result.accepted, result.refused) == (len(catchup.lines), False)
    assert catchup.head() == MESSAGES - 1
    assert catchup.messages() == MESSAGES
    again = catchup.federation.accept(catchup.peer, catchup.lines)  # known lines change nothing
    assert (again.accepted, again.refused) == (0, False)


def test_a_refused_line_keeps_what_precedes_it_and_stops_the_feed(catchup: Catchup) -> None:
    bad = ACCEPT_BATCH + 40
    forged = json.loads(catchup.lines[bad])
    forged["sig"] = Ed25519PrivateKey.generate().sign(b"not this entry").hex()
    lines = [*catchup.lines[:bad], canonical(forged).decode("utf-8"), *catchup.lines[bad + 1 :]]
    result = catchup.federation.accept(catchup.peer, lines)
    assert (result.accepted, result.refused) == (bad, True)
    assert catchup.head() == bad - 1
    with catchup.store.begin() as tx:
        (evidence,) = tx.evidence("USA")
    assert (evidence.kind, evidence.seq) == ("forged", Entry.from_json(catchup.lines[bad]).seq)


def test_a_failure_while_applying_keeps_the_lines_before_it(catchup: Catchup, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = ACCEPT_BATCH + 40
    failing_seq = Entry.from_json(catchup.lines[failing]).seq
    replicator = catchup.federation.replicator
    prepare = replicator.prepare

    def broken(tx: Any, entry: Entry) -> Any:
        if entry.seq == failing_seq:
            raise RuntimeError("the database went away")
        return prepare(tx, entry)

    monkeypatch.setattr(replicator, "prepare", broken)
    with pytest.raises(RuntimeError, match="went away"):
        catchup.federation.accept(catchup.peer, catchup.lines)
    # The first batch was committed whole; the second was rolled back and retaken line by line up to the failure.
    assert catchup.head() == failing_seq - 1
    monkeypatch.setattr(replicator, "prepare", prepare)
    result = catchup.federation.accept(catchup.peer, catchup.lines)
    assert (result.accepted, result.refused) == (len(catchup.lines) - failing, False)
    assert catchup.messages() == MESSAGES


def test_the_events_are_raised_in_feed_order_once_each(catchup: Catchup) -> None:
    catchup.federation.accept(catchup.peer, catchup.lines)
    with catchup.store.begin() as tx:
        events = tx.events_after(0, MESSAGES + 10)
    assert [e.kind for e in events] == ["message.sent"] * MESSAGES
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert all(e.audience == ["RUS", "USA"] for e in events)
    sent = [json.loads(line)["body"]["message"] for line in catchup.lines]
    # Each party's view is the message as its author's node signed it (one recipient: the receipts are RUS's).
    assert [e.payload["RUS"]["message"] for e in events] == sent
    assert [e.payload["USA"]["message"]["content"]["text"] for e in events] == [f"message {i}" for i in range(MESSAGES)]


def test_known_lines_and_new_ones_in_one_batch(catchup: Catchup) -> None:
    first = catchup.federation.accept(catchup.peer, catchup.lines[:100])
    assert (first.accepted, first.refused) == (100, False)
    # A page that overlaps what is held: the held lines are known, the rest extend the feed, in one transaction.
    again = catchup.federation.accept(catchup.peer, catchup.lines[40:200])
    assert (again.accepted, again.refused) == (100, False)
    assert catchup.head() == 199
    assert catchup.messages() == 200


def test_an_equivocation_on_a_line_taken_earlier_in_the_same_batch_is_refused(catchup: Catchup) -> None:
    taken = Entry.from_json(catchup.lines[10])
    before = Entry.from_json(catchup.lines[9])
    other = append(
        before,
        Kind.KEY_ROTATED,
        {"public_key": public_key_to_text(generate_key())},
        seen={},
        now=taken.time,
        signing_key=catchup.usa_key,
    )
    assert (other.seq, other != taken) == (taken.seq, True)
    # Lines 0-19, then USA#10 again but different: the first twenty are kept, the twenty-first is evidence.
    result = catchup.federation.accept(catchup.peer, [*catchup.lines[:20], other.to_json(), *catchup.lines[20:30]])
    assert (result.accepted, result.refused) == (20, True)
    assert catchup.head() == 19
    with catchup.store.begin() as tx:
        (evidence,) = tx.evidence("USA")
    assert (evidence.kind, evidence.seq, evidence.other_line) == ("equivocation", taken.seq, taken.to_json())
