"""docs/ledger.md cannot go stale: its by-hand verifier runs, and it names every kind and public name."""

from __future__ import annotations

import doctest
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature

import airparley.ledger as ledger
from airparley.ledger import SIGNING_CONTEXT, Kind, _entries

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
DATA = Path(__file__).resolve().parents[1] / "data" / "ledger"


def _by_hand_code() -> str:
    match = re.search(r"<!-- verify-by-hand[^>]*-->\n```python\n(.*?)```", DOC, re.DOTALL)
    assert match is not None, "the by-hand block is marked in docs/ledger.md"
    return match.group(1)


def _run_by_hand(directory: Path, data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    (directory / "ledger.jsonl").write_bytes(data)
    shutil.copy(DATA / "golden-keys.json", directory / "keys.json")
    monkeypatch.chdir(directory)
    exec(compile(_by_hand_code(), "docs/ledger.md", "exec"), {"__name__": "by_hand"})


def test_by_hand_verifier_accepts_the_golden_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run_by_hand(tmp_path, (DATA / "golden.jsonl").read_bytes(), monkeypatch)
    assert capsys.readouterr().out == "OK: 9 entries\n"


def _upper_case_last_sig(data: bytes) -> bytes:
    sig = re.findall(rb'"sig":"([0-9a-f]{128})"', data)[-1]
    return data.replace(sig, sig.upper())


TAMPERINGS: dict[str, Callable[[bytes], bytes]] = {
    "edited body": lambda data: data.replace(b'"urgency":"safety"', b'"urgency":"routine"', 1),
    "renumbered": lambda data: data.replace(b'"seq":1,', b'"seq":2,', 1),
    "dropped first line": lambda data: data.split(b"\n", 1)[1],
    "upper-case signature": _upper_case_last_sig,
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_by_hand_verifier_rejects_tampering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    data = (DATA / "golden.jsonl").read_bytes()
    tampered = TAMPERINGS[name](data)
    assert tampered != data
    with pytest.raises((AssertionError, InvalidSignature)):
        _run_by_hand(tmp_path, tampered, monkeypatch)


def test_documented_constants_match_the_code() -> None:
    assert SIGNING_CONTEXT == b"airparley-ledger-entry-v1\x00"
    assert len(SIGNING_CONTEXT) == 26
    assert 'b"airparley-ledger-entry-v1\\x00"' in DOC
    assert "26-byte context" in DOC
    assert ledger.GENESIS == "0" * 64
    assert ledger.FIRST_SEQ == 0


def test_every_kind_is_documented() -> None:
    for kind in Kind:
        assert f"`{kind.value}`" in DOC, kind


def test_every_public_name_is_documented() -> None:
    for name in ledger.__all__:
        assert f"`{name}" in DOC, name


def test_doctests() -> None:
    results = doctest.testmod(_entries, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0
    assert results.failed == 0
