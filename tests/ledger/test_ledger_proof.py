"""Extracts (issue 14 part 3): chosen entries with the hash path to a head another party signed in ``seen``.

An extract verifies alone, holds no entry of a party outside the witnesses allowed, and any change of any
byte of any of its entries, or of its proofs' structure, fails verification.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput, LedgerError
from airparley.ledger import (
    Entry,
    Kind,
    append,
    check_export,
    check_extract,
    export,
    extract,
    generate_key,
    parse_extract,
    public_key_to_text,
    verify_extract,
)

PARTIES = ("USA", "RUS", "TUR")
T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
KEYS: dict[str, Ed25519PrivateKey] = {party: generate_key() for party in PARTIES}
PUBLIC = {party: public_key_to_text(key.public_key()) for party, key in KEYS.items()}


def _ledger(authors: list[int]) -> list[Entry]:
    """A hub's ledger: the ``authors[i]``-th party writes entry i, having seen every other party's newest."""
    heads: dict[str, Entry] = {}
    entries: list[Entry] = []
    for index, author in enumerate(authors):
        party = PARTIES[author % len(PARTIES)]
        seen = [head for other, head in heads.items() if other != party]
        entry = append(
            heads.get(party, party),
            Kind.MESSAGE_SENT,
            {"n": index, "text": f"entry {index} by {party}", "about": "case-1" if index % 3 == 0 else "other"},
            seen=seen,
            now=T0 + timedelta(seconds=index),
            signing_key=KEYS[party],
        )
        heads[party] = entry
        entries.append(entry)
    return entries


LEDGER = _ledger([0, 1, 2, 0, 0, 2, 1, 2, 0, 1, 0, 2, 2, 1, 0, 1])
CASE = [e for e in LEDGER if e.party in {"USA", "RUS"} and e.body["about"] == "case-1"]


def _document(ledger: list[Entry], subjects: list[Entry], witnesses: set[str] | None = None) -> dict[str, object]:
    return extract(ledger, subjects, witnesses=witnesses).to_document()


def test_an_extract_verifies_alone_and_holds_only_the_witnessing_parties() -> None:
    assert check_export(export(LEDGER), PUBLIC).ok
    made = extract(LEDGER, CASE, witnesses={"USA", "RUS"})
    document = made.to_document()
    assert all(json.loads(line)["party"] in {"USA", "RUS"} for line in document["entries"])
    assert len(document["entries"]) < len([e for e in LEDGER if e.party != "TUR"])  # not the whole feeds
    checked = check_extract(parse_extract(document), PUBLIC)
    assert checked.ok, [str(p) for p in checked.report.problems]
    assert [a.subject for a in checked.anchors] == CASE
    for anchor, proof in zip(checked.anchors, made.proofs, strict=True):
        assert anchor.anchor == proof.anchor
        if anchor.witness is not None:
            assert anchor.witness.party != anchor.subject.party
            assert anchor.witness.seen[anchor.subject.party] == anchor.anchor.hash
    # USA's last case entry was followed by RUS entries that saw it; every subject but the newest is witnessed.
    assert len(checked.unwitnessed) <= 1
    verify_extract(parse_extract(document), PUBLIC)


def test_a_subject_witnessed_by_an_entry_of_the_extract_costs_no_extra_entry() -> None:
    usa = [e for e in LEDGER if e.party == "USA"]
    rus_after = next(e for e in LEDGER if e.party == "RUS" and e.seen.get("USA") == usa[0].hash)
    made = extract(LEDGER, [usa[0], rus_after], witnesses={"USA", "RUS"})
    assert made.proofs[0].path == ()
    assert made.proofs[0].witness == rus_after
    assert set(made.entries()) == {usa[0], rus_after, *(e for p in made.proofs for e in p.path)} | {
        p.witness for p in made.proofs if p.witness is not None
    }


def test_an_unacknowledged_entry_stands_on_its_signature_alone() -> None:
    newest = LEDGER[-1]
    made = extract(LEDGER, [newest], witnesses={"USA", "RUS"})
    assert made.proofs[0].path == ()
    assert made.proofs[0].witness is None
    checked = check_extract(parse_extract(made.to_document()), PUBLIC)
    assert checked.ok
    assert checked.unwitnessed == (newest,)


def test_a_subject_outside_the_ledger_is_refused() -> None:
    stranger = _ledger([0])[0]
    with pytest.raises(InvalidInput, match=r"subjects\[0\]"):
        extract(LEDGER[1:], [stranger])


def _fails(document: dict[str, object]) -> None:
    try:
        file = parse_extract(document)
    except InvalidInput:
        return
    assert not check_extract(file, PUBLIC).ok
    with pytest.raises((LedgerError, InvalidInput)):
        verify_extract(file, PUBLIC)


DOCUMENT = _document(LEDGER, CASE, {"USA", "RUS"})
LINES: list[str] = list(DOCUMENT["entries"])  # type: ignore[call-overload]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=st.integers(0, len(LINES) - 1),
    position=st.integers(0, 10_000),
    byte=st.integers(0, 255),
)
def test_any_byte_of_any_entry_changed_fails(line: int, position: int, byte: int) -> None:
    raw = LINES[line].encode("utf-8")
    position %= len(raw)
    if raw[position] == byte:
        byte ^= 0x01
    changed = raw[:position] + bytes([byte]) + raw[position + 1 :]
    text = changed.decode("utf-8", "surrogateescape")
    lines = [*LINES[:line], text, *LINES[line + 1 :]]
    _fails({**DOCUMENT, "entries": lines})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(authors=st.lists(st.integers(0, 2), min_size=2, max_size=24), data=st.data())
def test_random_ledgers_extract_verify_and_any_change_fails(authors: list[int], data: st.DataObject) -> None:
    ledger = _ledger(authors)
    subjects = data.draw(st.lists(st.sampled_from(ledger), min_size=1, max_size=6, unique=True))
    document = _document(ledger, subjects)
    file = parse_extract(document)
    checked = check_extract(file, PUBLIC)
    assert checked.ok, [str(p) for p in checked.report.problems]
    assert [a.subject for a in checked.anchors] == list(dict.fromkeys(subjects))
    lines: list[str] = list(document["entries"])  # type: ignore[call-overload]
    victim = data.draw(st.integers(0, len(lines) - 1))
    raw = bytearray(lines[victim].encode("utf-8"))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    changed = [*lines[:victim], bytes(raw).decode("utf-8", "surrogateescape"), *lines[victim + 1 :]]
    _fails({**document, "entries": changed})
    # Dropping an entry breaks the proof that uses it, or leaves a subject without its line.
    if len(lines) > 1:
        _fails({**document, "entries": lines[:victim] + lines[victim + 1 :]})


def test_structural_tampering_fails() -> None:
    proofs: list[dict[str, object]] = DOCUMENT["proofs"]  # type: ignore[assignment]
    with_path = next(i for i, p in enumerate(proofs) if p["path"])
    witnessed = next(i for i, p in enumerate(proofs) if p["witness"] is not None)
    count = len(LINES)
    changes = [
        {"subjects": [*DOCUMENT["subjects"], count + 1]},  # type: ignore[misc]
        {"proofs": proofs[1:]},  # a subject without its proof
        {"proofs": [*proofs[:with_path], {**proofs[with_path], "path": []}, *proofs[with_path + 1 :]]},
        {
            "proofs": [
                *proofs[:witnessed],
                {**proofs[witnessed], "witness": proofs[witnessed]["entry"]},
                *proofs[witnessed + 1 :],
            ]
        },
        {"proofs": [*proofs, {"entry": 1, "path": "x", "witness": None}]},
        {"entries": [*LINES, LEDGER[2].to_json()]},  # TUR#0: in no proof, and TUR's key is not pinned
        {"entries": [*LINES, LINES[0]]},  # a duplicate line
    ]
    for change in changes:
        _fails({**DOCUMENT, **change})


def test_equivocation_in_an_extract_is_named() -> None:
    usa = [e for e in LEDGER if e.party == "USA"]
    other = append(usa[0], Kind.MESSAGE_SENT, {"n": 99}, seen={}, now=usa[1].time, signing_key=KEYS["USA"])
    document = _document(LEDGER, [usa[1]], {"USA", "RUS"})
    lines: list[str] = [*document["entries"], other.to_json()]  # type: ignore[misc]
    problems = check_extract(parse_extract({**document, "entries": lines}), PUBLIC).report.problems
    assert any("equivocation" in str(p) for p in problems), [str(p) for p in problems]
