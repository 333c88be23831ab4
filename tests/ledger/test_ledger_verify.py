"""Verification of whole ledgers: the golden export, and each kind of tampering or misbehaviour, named precisely.

Run this file as a script (``python tests/ledger/test_ledger_verify.py``) to rewrite the golden export after a
deliberate format change; the test below fails on any accidental one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airparley.errors import ChainBroken, Equivocation, InvalidInput, LedgerError, SignatureInvalid
from airparley.ledger import (
    Entry,
    KeySource,
    Kind,
    Report,
    ReportFile,
    TrustedKey,
    append,
    check,
    check_export,
    export,
    fingerprint,
    key_after,
    parse_export,
    parse_report_file,
    pin_keys,
    public_key_to_text,
    verify,
    verify_export,
    verify_next,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
PARTIES = ("USA", "RUS", "TUR", "SYR")


def golden_key(name: str) -> Ed25519PrivateKey:
    """Deterministic keys (Ed25519 signatures are deterministic too), so the golden export is reproducible."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"airparley golden ledger key " + name.encode()).digest()
    )


KEYS = {party: golden_key(party) for party in PARTIES}
USA_NEXT_KEY = golden_key("USA-2")
PUBLIC = {party: key.public_key() for party, key in KEYS.items()}


def build_golden() -> list[Entry]:
    """The golden scenario: four parties, interleaved, with seen references, unicode, numbers and a key rotation."""
    at = [T0 + timedelta(minutes=3 * i, microseconds=17 * i) for i in range(9)]
    usa0 = append(
        "USA",
        Kind.NOTICE_FILED,
        {
            "notice": "USA-0001",
            "version": 1,
            "kind": "strike",
            "volumes": [
                {
                    "geometry": {"circle": {"center": [38.27, 34.56], "radius_nm": 10.0}},
                    "lower": {"value": 15000, "unit": "ft", "reference": "MSL"},
                    "upper": {"value": 250, "unit": "ft", "reference": "FL"},
                }
            ],
            "contact_frequency_mhz": 243.0,
            "priority": "urgent",
        },
        seen={},
        now=at[0],
        signing_key=KEYS["USA"],
    )
    rus0 = append(
        "RUS",
        Kind.NOTICE_FILED,
        {"notice": "RUS-0001", "version": 1, "kind": "strike", "remarks": "Удары в районе Пальмиры"},
        seen=[usa0],
        now=at[1],
        signing_key=KEYS["RUS"],
    )
    usa1 = append(
        usa0,
        Kind.CASE_OPENED,
        {"case": "C-0001", "conflict": hashlib.sha256(b"USA-0001/1 RUS-0001/1").hexdigest(), "deadline_min": 15},
        seen=[rus0],
        now=at[2],
        signing_key=KEYS["USA"],
    )
    rus1 = append(
        rus0,
        Kind.MESSAGE_SENT,
        {
            # A control character and large/small numbers: their canonical spellings (\u001f, 1e+30) each have
            # a one-byte variant that parses to the same value; see test_ledger_tamper.py.
            "message": "M-0001",
            "urgency": "safety",
            "text": "Сдвиг на 30 минут\u001f",
            "numbers": [1e30, 4.5, 0.002, 1e-27, -0.5],
        },
        seen=[usa1],
        now=at[3],
        signing_key=KEYS["RUS"],
    )
    tur0 = append(
        "TUR",
        Kind.NOTICE_FILED,
        {"notice": "TUR-0001", "kind": "isr", "remarks": "El Bab çevresinde keşif"},
        seen={},
        now=at[4],
        signing_key=KEYS["TUR"],
    )
    syr0 = append(
        "SYR",
        Kind.MESSAGE_READ,
        {"message": "M-0001", "note": "تم الاستلام"},
        seen=[tur0, rus1],
        now=at[5],
        signing_key=KEYS["SYR"],
    )
    usa2 = append(
        usa1,
        Kind.KEY_ROTATED,
        {"public_key": public_key_to_text(USA_NEXT_KEY), "reason": "scheduled"},
        seen=[rus1, syr0, tur0],
        now=at[6],
        signing_key=KEYS["USA"],
    )
    usa3 = append(
        usa2,
        Kind.MESSAGE_ACKNOWLEDGED,
        {"message": "M-0001"},
        seen=[rus1, syr0, tur0],
        now=at[7],
        signing_key=USA_NEXT_KEY,
    )
    rus2 = append(
        rus1,
        Kind.CASE_ESCALATED,
        {"case": "C-0001", "to": "senior"},
        seen=[usa3, syr0],
        now=at[8],
        signing_key=KEYS["RUS"],
    )
    return [usa0, rus0, usa1, rus1, tur0, syr0, usa2, usa3, rus2]


GOLDEN = build_golden()
GOLDEN_BY_NAME = {f"{entry.party}{entry.seq}": entry for entry in GOLDEN}


def golden(name: str) -> Entry:
    return GOLDEN_BY_NAME[name]


def resign(entry: Entry, key: Ed25519PrivateKey, **changes: Any) -> Entry:
    """``entry`` with ``changes`` and a fresh signature by ``key``: what a key holder (or a thief) can make."""
    draft = dataclasses.replace(entry, **changes)
    return dataclasses.replace(draft, sig=key.sign(draft.signed_bytes).hex())


def problems(report: Report) -> list[tuple[str | None, int | None, type[Exception]]]:
    return [(problem.party, problem.seq, type(problem.error)) for problem in report.problems]


def test_golden_export_is_stable() -> None:
    # Byte for byte: any change to canonicalisation, field names, time format or signing breaks this.
    assert export(GOLDEN) == (DATA / "golden.jsonl").read_bytes()
    keys = json.loads((DATA / "golden-keys.json").read_text(encoding="utf-8"))
    assert keys == {party: public_key_to_text(key) for party, key in PUBLIC.items()}


def test_golden_verifies_in_any_order() -> None:
    verify(GOLDEN, PUBLIC)
    verify_export(export(GOLDEN), PUBLIC)
    report = check(reversed(GOLDEN), PUBLIC)
    assert report.ok
    assert report.first is None
    assert report.checked == len(GOLDEN)
    assert {party: entry.seq for party, entry in report.heads.items()} == {"RUS": 2, "SYR": 0, "TUR": 0, "USA": 3}
    # Keys may also be given as text, as the CLI will read them from a file.
    assert check(GOLDEN, {party: public_key_to_text(key) for party, key in PUBLIC.items()}).ok


def test_swapped_lines_are_not_tampering() -> None:
    # The order of lines carries no signature and verification groups by party: a reordered export is the
    # same ledger. Reordering *within* a feed is a different thing and is caught (test_swapped_entries).
    lines = export(GOLDEN).splitlines(keepends=True)
    lines[2], lines[3] = lines[3], lines[2]
    lines[0], lines[6] = lines[6], lines[0]
    assert check_export(b"".join(lines), PUBLIC).ok


def test_swapped_entries_within_a_feed() -> None:
    usa0, usa1 = golden("USA0"), golden("USA1")
    # Exchanging the bodies of two entries (an attacker has no key, so the signatures stay).
    forged = [
        dataclasses.replace(usa0, body=usa1.body, kind=usa1.kind),
        dataclasses.replace(usa1, body=usa0.body, kind=usa0.kind),
    ]
    report = check([forged[0], golden("RUS0"), forged[1], *GOLDEN[3:]], PUBLIC)
    assert problems(report)[:2] == [("USA", 0, SignatureInvalid), ("RUS", 0, LedgerError)]
    assert report.first is not None
    assert report.first.where == "entry 1"


def test_dropped_entry_in_the_middle() -> None:
    ledger = [entry for entry in GOLDEN if entry is not golden("USA1")]
    report = check(ledger, PUBLIC)
    found = problems(report)
    assert ("USA", 2, ChainBroken) in found
    assert "seq 1 missing" in str(report.problems[[p[:2] for p in found].index(("USA", 2))].error)
    # RUS1 had seen USA1: its reference no longer resolves, which names the entry that saw it.
    assert ("RUS", 1, LedgerError) in found
    with pytest.raises(ChainBroken):
        verify([entry for entry in ledger if entry.party == "USA"], PUBLIC)


def test_dropped_first_entry() -> None:
    report = check([entry for entry in GOLDEN if entry.party == "USA" and entry.seq > 0], PUBLIC)
    assert report.first is not None
    assert (report.first.party, report.first.seq) == ("USA", 1)
    assert "seq 0 missing" in str(report.first.error)


def test_dropped_last_entry_is_caught_only_through_seen() -> None:
    # A feed's newest entry is linked by nothing in its own feed: dropping it is detectable only if another
    # party's entry saw it. USA3 was seen by RUS2, so dropping it is caught...
    report = check([entry for entry in GOLDEN if entry is not golden("USA3")], PUBLIC)
    assert problems(report) == [("RUS", 2, LedgerError)]
    assert "seen.USA" in str(report.problems[0].error)
    # ...but RUS2 was seen by nobody: dropping it (truncating RUS's feed) leaves a valid, shorter ledger.
    # This is the documented limit of hash chains without an outside witness (see docs/ledger.md).
    assert check([entry for entry in GOLDEN if entry is not golden("RUS2")], PUBLIC).ok


def test_duplicated_entry() -> None:
    report = check([*GOLDEN, golden("TUR0")], PUBLIC)
    assert problems(report) == [("TUR", 0, ChainBroken)]
    assert report.problems[0].where == f"entry {len(GOLDEN) + 1}"
    assert "duplicate of the entry at entry 5" in str(report.problems[0].error)


def test_resigned_with_the_wrong_key() -> None:
    thief = Ed25519PrivateKey.generate()
    forged = resign(golden("TUR0"), thief, body={"notice": "TUR-0001", "kind": "strike"})
    ledger = [forged if entry is golden("TUR0") else entry for entry in GOLDEN]
    report = check(ledger, PUBLIC)
    # The forgery, and SYR0 that saw the real TUR0 (and every later USA entry that saw it).
    assert problems(report)[0] == ("TUR", 0, SignatureInvalid)
    assert {(party, seq) for party, seq, _ in problems(report)[1:]} == {("SYR", 0), ("USA", 2), ("USA", 3)}
    with pytest.raises(SignatureInvalid) as caught:
        verify(ledger, PUBLIC)
    assert (caught.value.party, caught.value.seq) == ("TUR", 0)


def test_edited_body_without_the_key() -> None:
    edited = dataclasses.replace(golden("RUS1"), body={**golden("RUS1").body, "urgency": "routine"})
    report = check([edited if entry is golden("RUS1") else entry for entry in GOLDEN], PUBLIC)
    assert problems(report)[0] == ("RUS", 1, SignatureInvalid)
    # The edited entry has another hash, so its successor's prev and others' seen no longer match.
    assert ("RUS", 2, ChainBroken) in problems(report)


def test_edited_body_with_the_chain_relinked() -> None:
    # An attacker rewrites RUS1 and recomputes every later prev; without RUS's key each rewritten entry fails.
    edited = dataclasses.replace(golden("RUS1"), body={"message": "M-0001", "urgency": "routine"})
    relinked = dataclasses.replace(golden("RUS2"), prev=edited.hash)
    ledger = [edited if e is golden("RUS1") else relinked if e is golden("RUS2") else e for e in GOLDEN]
    found = problems(check(ledger, PUBLIC))
    assert found[0] == ("RUS", 1, SignatureInvalid)
    assert ("RUS", 2, SignatureInvalid) in found
    assert ("RUS", 2, ChainBroken) not in found


def test_equivocation_is_reported_with_both_entries() -> None:
    # RUS itself signs a second, different RUS1: only the key holder can do this, so it is evidence.
    other = resign(golden("RUS1"), KEYS["RUS"], body={"message": "M-0001", "urgency": "routine", "text": "ignore"})
    report = check([*GOLDEN, other], PUBLIC)
    equivocations = [p for p in report.problems if isinstance(p.error, Equivocation)]
    assert len(equivocations) == 1
    error = equivocations[0].error
    assert isinstance(error, Equivocation)
    assert (error.party, error.seq) == ("RUS", 1)
    assert {error.first, error.second} == {golden("RUS1"), other}
    assert equivocations[0].where == f"entry {len(GOLDEN) + 1}"
    with pytest.raises(Equivocation):
        verify([*GOLDEN, other], PUBLIC)


def test_a_forged_second_entry_is_not_equivocation() -> None:
    thief = Ed25519PrivateKey.generate()
    forged = resign(golden("RUS1"), thief, body={"message": "M-0001"})
    assert problems(check([*GOLDEN, forged], PUBLIC)) == [("RUS", 1, SignatureInvalid)]


def test_unknown_party_is_reported_once() -> None:
    keys = {party: key for party, key in PUBLIC.items() if party != "RUS"}
    found = problems(check(GOLDEN, keys))
    assert found.count(("RUS", 0, LedgerError)) == 1
    assert all(party != "RUS" for party, _, _ in found[1:])


def test_time_going_backwards_in_a_feed() -> None:
    earlier = resign(golden("TUR0"), KEYS["TUR"])
    later = append(earlier, Kind.MESSAGE_SENT, {}, seen={}, now=earlier.time, signing_key=KEYS["TUR"])
    backwards = resign(later, KEYS["TUR"], time=earlier.time - timedelta(seconds=1))
    report = check([earlier, backwards], PUBLIC)
    assert problems(report) == [("TUR", 1, LedgerError)]
    assert "goes back" in str(report.problems[0].error)


def test_seen_references() -> None:
    syr0 = golden("SYR0")
    ghost = "ab" * 32
    wrong_party = resign(syr0, KEYS["SYR"], seen={"TUR": golden("RUS0").hash})
    dangling = resign(syr0, KEYS["SYR"], seen={"TUR": ghost})
    for forged, reason in [(wrong_party, "an entry of another party"), (dangling, "not the hash of any entry")]:
        ledger = [golden("RUS0"), golden("TUR0"), golden("USA0"), forged]
        report = check(ledger, PUBLIC)
        assert problems(report) == [("SYR", 0, LedgerError)]
        assert reason in str(report.problems[0].error)


def test_seen_from_the_future_beyond_clock_skew() -> None:
    tur0 = golden("TUR0")
    claims = append(
        "SYR", Kind.MESSAGE_READ, {}, seen=[tur0], now=tur0.time - timedelta(seconds=20), signing_key=KEYS["SYR"]
    )
    assert check([tur0, claims], PUBLIC).ok  # within the default 30 s of skew between two nodes' clocks
    report = check([tur0, claims], PUBLIC, clock_skew=timedelta(0))
    assert problems(report) == [("SYR", 0, LedgerError)]
    assert "later than this entry's time" in str(report.problems[0].error)


def test_configuration_errors_are_raised_not_reported() -> None:
    # Keys and the skew allowance are the verifier's own settings, not ledger content: bad ones raise.
    with pytest.raises(InvalidInput) as caught:
        check(GOLDEN, {**PUBLIC, "TUR": "not a key"})
    assert caught.value.field == "public_keys.TUR"
    with pytest.raises(InvalidInput) as caught:
        check(GOLDEN, PUBLIC, clock_skew=timedelta(seconds=-1))
    assert caught.value.field == "clock_skew"


def test_seen_never_goes_back() -> None:
    rus0, rus1 = golden("RUS0"), golden("RUS1")
    tur0 = append("TUR", Kind.MESSAGE_READ, {}, seen=[rus1], now=rus1.time, signing_key=KEYS["TUR"])
    tur1 = append(tur0, Kind.MESSAGE_READ, {}, seen=[rus0], now=rus1.time, signing_key=KEYS["TUR"])
    report = check([*GOLDEN[:4], tur0, tur1], PUBLIC)
    assert problems(report) == [("TUR", 1, LedgerError)]
    assert "goes back" in str(report.problems[0].error)


def test_rotation_is_followed_and_cannot_be_forged() -> None:
    # After USA2 (key.rotated), entries signed with USA's first key fail.
    stale = resign(golden("USA3"), KEYS["USA"])
    assert problems(check([*GOLDEN[:7], stale], PUBLIC)) == [("USA", 3, SignatureInvalid)]
    # A thief's rotation to its own key is not signed by the key in force: it rotates nothing.
    thief = Ed25519PrivateKey.generate()
    rotation = resign(golden("USA2"), thief, body={"public_key": public_key_to_text(thief)})
    follow_up = resign(golden("USA3"), thief, prev=rotation.hash)
    found = problems(check([*GOLDEN[:6], rotation, follow_up], PUBLIC))
    assert found[0] == ("USA", 2, SignatureInvalid)
    assert ("USA", 3, SignatureInvalid) in found


def test_first_entry_must_start_at_genesis() -> None:
    odd = resign(golden("TUR0"), KEYS["TUR"], prev="1" * 64)
    report = check([odd], PUBLIC)
    assert problems(report) == [("TUR", 0, ChainBroken)]
    assert "64 zeros" in str(report.problems[0].error)


def test_all_problems_are_collected_and_the_first_is_named() -> None:
    thief = Ed25519PrivateKey.generate()
    ledger = list(GOLDEN)
    ledger[4] = resign(golden("TUR0"), thief)  # TUR0 forged
    ledger[2] = dataclasses.replace(golden("USA1"), body={"case": "C-9"})  # USA1 edited
    del ledger[8]  # RUS2 dropped: undetectable on its own (see above), adds nothing
    report = check(ledger, PUBLIC)
    assert not report.ok
    assert report.first is not None
    assert (report.first.party, report.first.seq) == ("USA", 1)
    assert report.first.where == "entry 3"
    assert ("TUR", 0, SignatureInvalid) in problems(report)
    positions = [problem.position for problem in report.problems]
    assert positions == sorted(positions)
    with pytest.raises(SignatureInvalid, match=r"USA#1: .*\[entry 3\]"):
        report.raise_first()


def test_malformed_line_in_an_export_is_located_and_named() -> None:
    lines = export(GOLDEN).splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"seq":1', b'"seq":"1"')
    data = b"".join(lines)
    report = check_export(data, PUBLIC)
    assert report.first is not None
    assert (report.first.position, report.first.party, report.first.seq) == (4, "RUS", None)
    assert isinstance(report.first.error, InvalidInput)
    assert report.first.error.field == "seq"
    assert report.first.error.where == "line 4"
    with pytest.raises(InvalidInput, match="line 4"):
        verify_export(data, PUBLIC)
    with pytest.raises(InvalidInput, match="line 4"):
        parse_export(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\n", "empty line"),
        (b"{}", "no newline"),
        (b"\xef\xbb\xbf{}\n", "not JSON"),
        (b"{}\r\n", "party: missing"),
        (b"[]\n", "must be a JSON object"),
    ],
)
def test_export_framing(data: bytes, reason: str) -> None:
    report = check_export(data, PUBLIC)
    assert report.first is not None
    assert isinstance(report.first.error, InvalidInput)
    assert report.first.error.where == "line 1"
    assert re.search(reason, str(report.first.error))


def test_empty_export_verifies() -> None:
    assert check_export(b"", PUBLIC).ok
    assert parse_export(export(GOLDEN)) == GOLDEN


def test_verify_next_follows_a_feed_one_entry_at_a_time() -> None:
    key = PUBLIC["USA"]
    head: Entry | str = "USA"
    for entry in [e for e in GOLDEN if e.party == "USA"]:
        verify_next(head, entry, key)
        key, head = key_after(entry, key), entry

    usa0, usa1 = golden("USA0"), golden("USA1")
    cases: list[tuple[Entry | str, Entry, type[LedgerError], str]] = [
        ("RUS", usa0, ChainBroken, "cannot extend"),
        ("USA", usa1, ChainBroken, "expected seq 0"),
        (usa0, usa0, ChainBroken, "expected seq 1"),
        (usa0, dataclasses.replace(usa1, prev="ab" * 32), ChainBroken, "not the hash of USA#0"),
        ("USA", dataclasses.replace(usa0, prev="ab" * 32), ChainBroken, "64 zeros"),
        (usa0, resign(usa1, KEYS["USA"], time=usa0.time - timedelta(1)), LedgerError, "goes back"),
        (usa0, dataclasses.replace(usa1, body={}), SignatureInvalid, "does not verify"),
    ]
    for start, entry, error, reason in cases:
        with pytest.raises(error, match=reason):
            verify_next(start, entry, PUBLIC["USA"])


def test_fingerprint_is_the_head_of_the_sha256_of_the_raw_key() -> None:
    for key in PUBLIC.values():
        raw = bytes.fromhex(public_key_to_text(key))
        assert fingerprint(key) == hashlib.sha256(raw).hexdigest()[:16]
        assert fingerprint(public_key_to_text(key)) == fingerprint(key)
    assert len({fingerprint(key) for key in PUBLIC.values()}) == len(PUBLIC)
    assert fingerprint("00" * 32) == "66687aadf862bd77"
    with pytest.raises(InvalidInput):
        fingerprint("AB" * 32)


def _pinned(source: KeySource = KeySource.KEYS_FILE, origin: str = "keys.json", **keys: Any) -> list[TrustedKey]:
    return [TrustedKey(party, public_key_to_text(key), source, origin) for party, key in keys.items()]


def test_pinned_keys_win_and_embedded_keys_are_only_compared() -> None:
    thief = golden_key("thief").public_key()
    embedded = {
        "USA": public_key_to_text(PUBLIC["USA"]),  # the right key: nothing to say
        "RUS": public_key_to_text(thief),  # not RUS's pinned key: a mismatch, whatever the entries say
        "TUR": public_key_to_text(PUBLIC["TUR"]),  # nothing pins TUR: refused
    }
    trust = pin_keys(_pinned(USA=PUBLIC["USA"], RUS=PUBLIC["RUS"]), embedded)
    assert [(k.party, k.source, k.pinned) for k in trust.trusted] == [
        ("RUS", KeySource.KEYS_FILE, True),
        ("USA", KeySource.KEYS_FILE, True),
    ]
    assert trust.keys == {"RUS": public_key_to_text(PUBLIC["RUS"]), "USA": public_key_to_text(PUBLIC["USA"])}
    assert [m.party for m in trust.mismatches] == ["RUS"]
    assert str(trust.mismatches[0]) == (
        f"the embedded key of RUS (fingerprint {fingerprint(thief)}) is not RUS's pinned key"
        f" (fingerprint {fingerprint(PUBLIC['RUS'])}, from --keys keys.json)"
    )
    assert trust.refused == ("TUR",)
    assert trust.unpinned == ()

    told = pin_keys(_pinned(USA=PUBLIC["USA"], RUS=PUBLIC["RUS"]), embedded, trust_embedded=True)
    assert [m.party for m in told.mismatches] == ["RUS"]  # being told to trust embedded keys never beats a pin
    assert told.keys["RUS"] == public_key_to_text(PUBLIC["RUS"])
    assert [(k.party, k.source) for k in told.unpinned] == [("TUR", KeySource.EMBEDDED)]
    assert told.unpinned[0].describe() == "embedded in the report (NOT pinned)"
    assert told.refused == ()

    nothing = pin_keys([], embedded)
    assert nothing.trusted == ()
    assert nothing.refused == ("RUS", "TUR", "USA")


def test_pinned_sources_must_agree_and_keys_must_be_keys() -> None:
    agreeing = pin_keys([*_pinned(USA=PUBLIC["USA"]), *_pinned(KeySource.NODE_DB, "sqlite:///n.db", USA=PUBLIC["USA"])])
    assert [k.describe() for k in agreeing.trusted] == ["--keys keys.json"]
    with pytest.raises(InvalidInput, match="the pinned keys disagree") as raised:
        pin_keys([*_pinned(USA=PUBLIC["USA"]), *_pinned(KeySource.NODE_DB, "sqlite:///n.db", USA=PUBLIC["RUS"])])
    assert raised.value.field == "keys.USA"
    assert f"--db sqlite:///n.db gives {fingerprint(PUBLIC['RUS'])}" in raised.value.reason
    with pytest.raises(InvalidInput) as malformed:
        pin_keys(_pinned(USA=PUBLIC["USA"]), {"RUS": "not a key"})
    assert malformed.value.field == "keys.RUS"
    with pytest.raises(InvalidInput):
        TrustedKey("USA", "ab" * 31, KeySource.KEYS_FILE, "keys.json")
    with pytest.raises(InvalidInput, match="not a pinned key"):
        pin_keys(_pinned(KeySource.EMBEDDED, "the report", USA=PUBLIC["USA"]))


def test_a_feed_resigned_by_a_thief_is_consistent_only_under_the_thiefs_key() -> None:
    thief = golden_key("thief")
    (usa0,) = [e for e in GOLDEN if e.party == "USA" and e.seq == 0]
    forged = append("USA", usa0.kind, {**usa0.body, "priority": "routine"}, seen={}, now=usa0.time, signing_key=thief)
    embedded = {"USA": public_key_to_text(thief.public_key())}
    assert check([forged], pin_keys([], embedded, trust_embedded=True).keys).ok  # consistent, proves nothing
    pinned = pin_keys(_pinned(USA=PUBLIC["USA"]), embedded)
    assert [m.party for m in pinned.mismatches] == ["USA"]
    assert problems(check([forged], pinned.keys)) == [("USA", 0, SignatureInvalid)]


def test_case_report_files() -> None:
    lines = [entry.to_json() for entry in GOLDEN[:3]]
    keys = {"USA": public_key_to_text(PUBLIC["USA"])}
    report = {"case_id": "case-1", "case": {}, "entries": lines, "keys": keys}
    parsed = parse_report_file(json.dumps(report, indent=1).encode())
    assert parsed == ReportFile(export(GOLDEN[:3]), keys, "case-1")
    assert parse_report_file(export(GOLDEN)) is None  # an export
    assert parse_report_file(export(GOLDEN[:1])) is None  # an export of one line is one object, without entries
    assert parse_report_file(b"{not json") is None  # then verification says what is wrong with the line
    assert parse_report_file(json.dumps({"entries": []}).encode()) == ReportFile(b"", {}, None)
    for change, field in (
        ({"entries": "x"}, "entries"),
        ({"entries": [lines[0], 7]}, "entries[1]"),
        ({"entries": [lines[0] + "\n" + lines[1]]}, "entries[0]"),
        ({"keys": ["USA"]}, "keys"),
        ({"keys": {"USA": 1}}, "keys.USA"),
    ):
        with pytest.raises(InvalidInput) as raised:
            parse_report_file(json.dumps({**report, **change}).encode())
        assert raised.value.field == field
    # The entries of a report are located as "entry N", N counting its entries from 1.
    tampered = export(GOLDEN[:3]).replace(b'"priority":"urgent"', b'"priority":"routine"', 1)
    first = check_export(tampered, PUBLIC, label="entry").first
    assert first is not None
    assert first.where == "entry 1"


def _write_golden(write: Callable[[Path, bytes], object]) -> None:
    write(DATA / "golden.jsonl", export(GOLDEN))
    keys = {party: public_key_to_text(key) for party, key in PUBLIC.items()}
    write(DATA / "golden-keys.json", (json.dumps(keys, indent=2) + "\n").encode("utf-8"))


if __name__ == "__main__":
    _write_golden(lambda path, data: path.write_bytes(data))
    sys.stdout.write(f"wrote {DATA / 'golden.jsonl'} and golden-keys.json\n")
