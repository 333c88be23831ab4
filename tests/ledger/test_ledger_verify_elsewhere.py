"""Signatures checked elsewhere (``ledger verify --jobs``): ``signature_work`` names the checks, other
processes make them (``signatures_valid``), and ``check_lines`` takes the ones that held. Whatever the ledger
(honest, rotated, forged, forked, damaged byte by byte), the report must be the one ``check_export`` gives."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airparley.ledger import (
    Entry,
    Kind,
    Report,
    append,
    check_export,
    check_lines,
    export,
    parse_export,
    public_key_to_text,
    signature_work,
    signatures_valid,
    split_export,
    verified_signatures,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
EXPORT = (DATA / "golden.jsonl").read_bytes()
KEYS: dict[str, str] = json.loads((DATA / "golden-keys.json").read_text(encoding="utf-8"))
ENTRIES = parse_export(EXPORT)


def _golden_key(name: str) -> Ed25519PrivateKey:
    # As tests/ledger/test_ledger_verify.py derives the golden ledger's keys.
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"airparley golden ledger key " + name.encode()).digest()
    )


def _checked_elsewhere(data: bytes, keys: dict[str, str], label: str = "line") -> tuple[Report, dict[str, bytes]]:
    lines = split_export(data, label)
    work = signature_work(lines, keys)
    # In blocks of three, as worker processes would take them (any split gives the same verdicts).
    verdicts = b"".join(signatures_valid(work, start, start + 3) for start in range(0, len(work), 3))
    valid = verified_signatures(work, verdicts)
    return check_lines(lines, keys, label=label, valid_signatures=valid), valid


def _summary(report: Report) -> object:
    # Problems hold exceptions, which compare by identity: compare what they say.
    problems = [(p.position, p.where, p.party, p.seq, type(p.error), str(p.error)) for p in report.problems]
    return report.checked, problems, dict(report.heads), report.rotations


def _assert_same(data: bytes, keys: dict[str, str] = KEYS) -> dict[str, bytes]:
    report, valid = _checked_elsewhere(data, keys)
    assert _summary(report) == _summary(check_export(data, keys))
    return valid


def test_an_honest_ledger_is_checked_entirely_elsewhere() -> None:
    valid = _assert_same(EXPORT)
    # Every signature was predicted with the right key: nothing is left for the walk to check itself.
    assert set(valid) == {entry.hash for entry in ENTRIES}
    assert check_export(EXPORT, KEYS).ok


def test_a_rotation_hands_the_predicted_key_over() -> None:
    old, new, rus = _golden_key("X-old"), _golden_key("X-new"), _golden_key("RUS")
    usa: Entry | str = "USA"
    entries = []
    steps = [(Kind.MESSAGE_SENT, {"n": 0}, old), (Kind.KEY_ROTATED, {"public_key": public_key_to_text(new)}, old)]
    steps += [(Kind.MESSAGE_SENT, {"n": n}, new) for n in range(2, 6)]
    for n, (kind, body, key) in enumerate(steps):
        usa = append(usa, kind, body, seen={}, now=ENTRIES[0].time.replace(second=n), signing_key=key)
        entries.append(usa)
    keys = {"USA": public_key_to_text(old.public_key()), "RUS": public_key_to_text(rus.public_key())}
    valid = _assert_same(export(entries), keys)
    assert set(valid) == {entry.hash for entry in entries}
    assert set(valid.values()) == {old.public_key().public_bytes_raw(), new.public_key().public_bytes_raw()}


def test_a_rotation_that_does_not_verify_leaves_the_walk_to_check_what_follows() -> None:
    old, thief = _golden_key("X-old"), _golden_key("X-thief")
    first = append("USA", Kind.MESSAGE_SENT, {"n": 0}, seen={}, now=ENTRIES[0].time, signing_key=old)
    # The thief signs a rotation to its own key, then entries with it: predicted under the thief's key, so
    # their verdicts hold for a key the walk never tries (it keeps the old one) and it checks them itself.
    body = {"public_key": public_key_to_text(thief.public_key())}
    draft = Entry("USA", 1, first.hash, first.time, Kind.KEY_ROTATED, body, {}, "0" * 128)
    rotation = dataclasses.replace(draft, sig=thief.sign(draft.signed_bytes).hex())  # append would refuse
    after = append(rotation, Kind.MESSAGE_SENT, {"n": 2}, seen={}, now=first.time, signing_key=thief)
    keys = {"USA": public_key_to_text(old.public_key())}
    _assert_same(export([first, rotation, after]), keys)
    assert not check_export(export([first, rotation, after]), keys).ok


def test_forks_forgeries_and_unkeyed_parties_give_the_same_report() -> None:
    rus1 = next(e for e in ENTRIES if (e.party, e.seq) == ("RUS", 1))
    signed_twice = dataclasses.replace(rus1, body={"message": "M-0001", "text": "ignore"})
    signed_twice = dataclasses.replace(signed_twice, sig=_golden_key("RUS").sign(signed_twice.signed_bytes).hex())
    forged = dataclasses.replace(signed_twice, sig=_golden_key("thief").sign(signed_twice.signed_bytes).hex())
    for extra in ([signed_twice], [forged], [signed_twice, forged]):
        _assert_same(export([*ENTRIES, *extra]))
    without_rus = {party: key for party, key in KEYS.items() if party != "RUS"}
    _assert_same(EXPORT, without_rus)
    _assert_same(export(ENTRIES[::-1]))  # any order


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(EXPORT) - 1), byte=st.integers(0, 255))
def test_any_damaged_byte_gives_the_same_report(position: int, byte: int) -> None:
    _assert_same(EXPORT[:position] + bytes([byte]) + EXPORT[position + 1 :])


def test_a_verdict_for_another_key_proves_nothing() -> None:
    """The cache answers only for the key the walk tries: a forged entry said to verify under some other
    key is still checked, and refused."""
    thief = _golden_key("thief")
    forged = dataclasses.replace(ENTRIES[-1], sig=thief.sign(ENTRIES[-1].signed_bytes).hex())
    data = export([*ENTRIES[:-1], forged])
    lines = split_export(data)
    claimed = {entry.hash: thief.public_key().public_bytes_raw() for entry in [*ENTRIES, forged]}
    report = check_lines(lines, KEYS, valid_signatures=claimed)
    assert _summary(report) == _summary(check_export(data, KEYS))
    assert not report.ok


def test_verdicts_must_match_the_work() -> None:
    work = signature_work(split_export(EXPORT), KEYS)
    with pytest.raises(ValueError, match="verdicts for"):
        verified_signatures(work, b"\x01")
