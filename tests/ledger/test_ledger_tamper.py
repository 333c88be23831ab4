"""Every single-byte change of an exported ledger is detected, and located at the changed line.

What "detected" means here: ``check_export`` reports at least one problem *at the line that holds the
changed byte* (a changed newline merges or splits lines; the problem is then at the first line involved),
and ``verify_export`` raises. A problem elsewhere only would not count: the changed line must be named.

The honest subtlety: some one-byte changes keep the JSON *value* equal, so a verifier that parsed each
line and re-canonicalised it would accept them: ``\\u001f`` -> ``\\u001F`` inside a string, ``1e+30`` ->
``1E+30`` or ``1e030`` in a number. The entry they parse to is the signed one, with a valid signature.
They are still detected because a line must be byte-for-byte its canonical form (``Entry.from_json``);
``test_value_preserving_changes_are_found_and_rejected`` enumerates every such change of a line and checks
that. Likewise a signature or hash in upper-case hex decodes to the same bytes; lower case is required.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput, LedgerError
from airparley.ledger import Entry, check_export, verify_export

DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"
EXPORT = (DATA / "golden.jsonl").read_bytes()
KEYS: dict[str, str] = json.loads((DATA / "golden-keys.json").read_text(encoding="utf-8"))
LINE_OF = [EXPORT.count(b"\n", 0, position) + 1 for position in range(len(EXPORT))]
# The first four lines (USA#0, RUS#0, USA#1, RUS#1) verify on their own and hold every kind of field, links
# by prev and by seen, non-ASCII text, a control character and exponent numbers: the exhaustive sweeps run
# over them to stay fast; the sampled tests below run over the whole golden export.
SMALL = b"".join(EXPORT.splitlines(keepends=True)[:4])


def _assert_detected(data: bytes, line: int) -> None:
    report = check_export(data, KEYS)
    assert not report.ok
    assert line in {problem.position for problem in report.problems}, (line, [str(p) for p in report.problems])
    with pytest.raises((LedgerError, InvalidInput)):
        verify_export(data, KEYS)


def _replace(position: int, byte: int, data: bytes = EXPORT) -> bytes:
    return data[:position] + bytes([byte]) + data[position + 1 :]


def test_the_exports_verify() -> None:
    assert check_export(EXPORT, KEYS).ok
    assert check_export(SMALL, KEYS).ok
    assert len(LINE_OF) == len(EXPORT) > 4000
    assert len(SMALL) > 2000


@pytest.mark.parametrize("mask", [0x01, 0x20], ids=["xor01", "xor20"])
def test_every_position(mask: int) -> None:
    # Exhaustive over positions: 0x01 flips digits, hex letters, quotes, colons, commas, braces and newlines;
    # 0x20 flips letter case, the class where lenient parsers see "the same" value.
    for position in range(len(SMALL)):
        if mask == 0x20 and not chr(SMALL[position]).isalpha():
            continue  # non-letters under 0x20 become controls or punctuation, as under 0x01 above
        _assert_detected(_replace(position, SMALL[position] ^ mask, SMALL), LINE_OF[position])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(EXPORT) - 1), byte=st.integers(0, 255))
def test_any_replacement(position: int, byte: int) -> None:
    if byte != EXPORT[position]:
        _assert_detected(_replace(position, byte), LINE_OF[position])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(EXPORT)), byte=st.integers(0, 255))
def test_any_insertion(position: int, byte: int) -> None:
    data = EXPORT[:position] + bytes([byte]) + EXPORT[position:]
    if position == len(EXPORT):
        # Appending after the final newline starts a new, unterminated line.
        _assert_detected(data, LINE_OF[-1] + 1)
    else:
        _assert_detected(data, LINE_OF[position])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(0, len(EXPORT) - 1))
def test_any_deletion(position: int) -> None:
    _assert_detected(EXPORT[:position] + EXPORT[position + 1 :], LINE_OF[position])


def test_value_preserving_changes_are_found_and_rejected() -> None:
    # Exhaustive over one line (RUS#1, which has a control character and exponent numbers): every position,
    # every byte. Collect the changes after which the line still parses to an *equal* JSON value.
    lines = EXPORT.split(b"\n")
    index = next(i for i, line in enumerate(lines) if b'"party":"RUS","prev"' in line and b'"seq":1,' in line)
    line = lines[index]
    value = json.loads(line)
    preserving: set[tuple[str, str]] = set()
    for position in range(len(line)):
        for byte in range(256):
            if byte == line[position]:
                continue
            changed = line[:position] + bytes([byte]) + line[position + 1 :]
            try:
                if json.loads(changed) != value:
                    continue
            except ValueError:  # not JSON (or not UTF-8) at all
                continue
            preserving.add((line[position - 2 : position + 3].decode(), changed[position - 2 : position + 3].decode()))
            # Such a line parses to the signed entry itself, with a valid signature...
            assert Entry.from_dict(json.loads(changed)) == Entry.from_json(line)
            # ...and is detected only because it is not canonical.
            with pytest.raises(InvalidInput, match="not in canonical form"):
                Entry.from_json(changed)
            data = b"\n".join([*lines[:index], changed, *lines[index + 1 :]])
            _assert_detected(data, index + 1)
    assert preserving == {
        ('01f",', '01F",'),  # \u001f -> \u001F
        ("[1e+3", "[1E+3"),  # 1e+30 -> 1E+30
        ("1e+30", "1e030"),  # 1e+30 -> 1e030 (JSON allows leading zeros in an exponent)
        (",1e-2", ",1E-2"),  # 1e-27 -> 1E-27
    }


def test_upper_case_hex_is_rejected_although_it_decodes_to_the_same_bytes() -> None:
    last_line = EXPORT.rstrip(b"\n").split(b"\n")[-1]
    entry = Entry.from_json(last_line)
    flipped = entry.sig.upper()
    assert bytes.fromhex(flipped) == bytes.fromhex(entry.sig)
    changed = last_line.replace(entry.sig.encode(), flipped.encode())
    with pytest.raises(InvalidInput) as caught:
        Entry.from_json(changed)
    assert caught.value.field == "sig"
    _assert_detected(EXPORT.replace(last_line, changed), EXPORT.count(b"\n"))
