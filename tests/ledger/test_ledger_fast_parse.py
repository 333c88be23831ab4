"""The fast path of ``Entry.from_json`` against the reference path: entry for entry, error for error.

``entry_if_canonical`` may decline any line (``None``: the reference path then decides), but when it gives an
entry, the reference must give the same entry, field for field and byte for byte; and ``Entry.from_json``
must end exactly as the reference does, with the same entry or the same error, on canonical lines and on
lines made non-canonical in the ways an attacker or a careless tool would: whitespace, duplicate keys,
unicode escapes, other spellings of numbers, bytes changed at random.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.ledger import Entry, Kind, append, public_key_to_text
from airparley.ledger._entries import entry_from_json_reference, entry_if_canonical

KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"fast parse test").digest())
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _outcome(parse: Any, line: str | bytes) -> tuple[str, ...]:
    try:
        entry = parse(line)
    except InvalidInput as error:
        return (type(error).__name__, error.field, error.reason, str(error))
    return ("entry", *_fields(entry))


def _fields(entry: Entry) -> tuple[str, ...]:
    # repr of the frozen body and seen shows every type (243 against 243.0, tuples, nested mapping proxies).
    return (
        entry.party,
        str(entry.seq),
        entry.prev,
        repr(entry.time),
        repr(entry.time.tzinfo),
        repr(entry.kind),
        repr(entry.body),
        repr(entry.seen),
        entry.sig,
        entry.to_bytes().hex(),
        entry.signed_bytes.hex(),
        entry.hash,
    )


def _agree(line: str | bytes) -> None:
    reference = _outcome(entry_from_json_reference, line)
    assert _outcome(Entry.from_json, line) == reference
    if isinstance(line, bytes):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return
    else:
        text = line
    fast = entry_if_canonical(text, line)
    if fast is not None:
        assert ("entry", *_fields(fast)) == reference


_special_text = st.text(
    st.characters(codec="utf-8")
    | st.sampled_from(["\x00", "\x1f", "\x7f", '"', "\\", "/", "\u2028", "\ue000", "\ufb33", "\U0001f602"]),
    max_size=8,
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-4, 9.999999999999999e-5, 1e16, 9999999999999998.0, 1e21, 1e-7, 25000.0, -0.0, 0.1, -1.5])
    | _special_text
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_special_text, children, max_size=3),
    max_leaves=10,
)
_bodies = st.dictionaries(_special_text, _values, max_size=4)
_parties = st.sampled_from(["RUS", "TUR", "SYR", "NATO-1", "A_B"])


@st.composite
def _entries(draw: st.DrawFn) -> Entry:
    body = draw(_bodies)
    kind = draw(st.sampled_from(list(Kind)))
    if kind is Kind.KEY_ROTATED:
        body["public_key"] = public_key_to_text(KEY.public_key())
    seen = draw(st.dictionaries(_parties, st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=3))
    seq = draw(st.sampled_from([0, 1, 2**53 - 1]))
    prev = "0" * 64 if seq == 0 else draw(st.binary(min_size=32, max_size=32)).hex()
    draft = Entry("USA", seq, prev, draw(_moments), kind, body, seen, "0" * 128)
    # The signature need not verify here: parsing never checks it, and its form is what matters.
    return Entry(draft.party, draft.seq, draft.prev, draft.time, draft.kind, draft.body, draft.seen, "ab" * 64)


_moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(_entries())
def test_canonical_lines_agree_and_take_the_fast_path(entry: Entry) -> None:
    line = entry.to_bytes()
    _agree(line)
    _agree(line.decode("utf-8"))
    fast = entry_if_canonical(line.decode("utf-8"), line)
    # Declined only for what is documented: a key rotation, floats it cannot vouch for, characters beyond U+FFFF.
    text = line.decode("utf-8")
    if fast is None:
        assert (
            entry.kind is Kind.KEY_ROTATED
            or any(ord(character) > 0xFFFF for character in text)
            or _has_float(entry.body)
        )
    else:
        assert fast == entry
        assert fast.hash == entry.hash
        assert fast.signed_bytes == entry.signed_bytes


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, MappingProxyType):
        return any(_has_float(item) for item in value.values())
    return isinstance(value, tuple) and any(_has_float(item) for item in value)


_NUMBER_SPELLINGS = [
    "1",
    "1.0",
    "1e0",
    "1E0",
    "10e-1",
    "-0",
    "0",
    "0.0",
    "-0.0",
    "1.50",
    "1.5",
    "0.1",
    "1e-05",
    "1e-5",
    "0.00001",
    "1e+16",
    "1e16",
    "10000000000000000",
    "9007199254740991",
    "9007199254740993",
    "1e+21",
    "1e21",
    "100000000000000000000",
    "NaN",
    "Infinity",
    "-Infinity",
    "1.5e300",
    "1.5e+300",
    "01",
    "+1",
    ".5",
]


@st.composite
def _altered(draw: st.DrawFn) -> str | bytes:
    entry = draw(_entries())
    text = entry.to_json()
    how = draw(st.sampled_from(["space", "duplicate", "escape", "number", "byte", "seen_order", "case"]))
    if how == "space":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from([" ", "\t", "\n", "\r", "\u00a0"])) + text[at:]
    if how == "duplicate":
        name = draw(st.sampled_from(["party", "seq", "prev", "time", "kind", "body", "seen", "sig"]))
        member = json.dumps({name: json.loads(text)[name]}, separators=(",", ":"), sort_keys=True)[1:-1]
        where = draw(st.sampled_from(["front", "back", "body"]))
        if where == "front":
            return "{" + member + "," + text[1:]
        if where == "back":
            return text[:-1] + "," + member + "}"
        inner = '{"body":{' + member + ("" if text.startswith('{"body":{}') else ",")
        return inner + text[len('{"body":{') :]
    if how == "escape":
        # One character written as a \\u escape, in lower or upper case hex: the same JSON, not the same bytes.
        at = draw(st.integers(0, len(text) - 1))
        assume(ord(text[at]) <= 0xFFFF and text[at] not in '{}[],:"\\')
        code = f"{ord(text[at]):04x}"
        return text[:at] + "\\u" + (code.upper() if draw(st.booleans()) else code) + text[at + 1 :]
    if how == "number":
        spelling = draw(st.sampled_from(_NUMBER_SPELLINGS))
        target = draw(st.sampled_from(["seq", "body"]))
        if target == "seq":
            head, _, rest = text.partition(',"seq":')
            return head + ',"seq":' + spelling + rest[rest.index(",") :]
        return '{"body":{"n":' + spelling + ("}" if text.startswith('{"body":{}') else ",") + text[len('{"body":{') :]
    if how == "seen_order":
        seen = json.loads(text)["seen"]
        assume(len(seen) > 1)
        written = json.dumps(seen, separators=(",", ":"), sort_keys=True)
        backwards = json.dumps(dict(reversed(list(seen.items()))), separators=(",", ":"))
        return text.replace('"seen":' + written, '"seen":' + backwards)
    if how == "case":
        return text.replace(entry.sig, entry.sig.upper(), 1) if draw(st.booleans()) else text.replace("Z", "z")
    data = bytearray(text.encode("utf-8"))
    at = draw(st.integers(0, len(data) - 1))
    data[at] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=1500, deadline=None)
@given(_altered())
def test_altered_lines_agree_with_the_reference(line: str | bytes) -> None:
    _agree(line)
    _agree(line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line)


@pytest.mark.parametrize(
    "line",
    [
        # Keys beyond U+FFFF: Python's code-point order puts U+FB33 first, RFC 8785's UTF-16 order U+1F602.
        '{"body":{"\ufb33":1,"\U0001f602":2},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{"\U0001f602":2,"\ufb33":1},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        # Hour 24, which some Pythons read as the next midnight.
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T24:00:00.000000Z"}',
        # A party citing itself in seen; a seq beyond 2**53 - 1; a lone surrogate in a str line.
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{"USA":"' + "1" * 64 + '"},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":9007199254740992,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{"t":"\ud800"},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        # An unknown kind, a bool seq, a body that is a list, a ninth member.
        '{"body":{},"kind":"notice.eaten","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":true,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":[],"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z","x":1}',
        # The same party twice in seen, seen out of order, a seq with a leading zero.
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '","seen":{"RUS":"' + "1" * 64 + '",'
        '"RUS":"' + "2" * 64 + '"},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '","seen":{"TUR":"' + "1" * 64 + '",'
        '"RUS":"' + "2" * 64 + '"},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        '{"body":{},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":00,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z"}',
        # A body whose own members look like the envelope.
        '{"body":{"kind":"notice.filed","seq":0},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '",'
        '"seen":{},"seq":0,"sig":"' + "ab" * 64 + '","time":"2026-11-26T03:00:00.000000Z","sig":"' + "ab" * 64 + '"}',
        "",
        "[]",
        "{}",
    ],
)
def test_adversarial_lines_agree_with_the_reference(line: str) -> None:
    _agree(line)
    assert entry_if_canonical(line) is None


def test_an_ordinary_line_takes_the_fast_path_and_its_body_is_frozen_on_reading() -> None:
    body = {"message": {"recipients": ["RUS"], "content": {"params": {}, "ratio": 0.25}}}
    entry = append("USA", Kind.MESSAGE_SENT, body, seen={}, now=T0, signing_key=KEY)
    fast = entry_if_canonical(entry.to_json(), entry.to_bytes())
    assert fast is not None
    assert fast == entry
    assert isinstance(fast.body, MappingProxyType)
    assert fast.body is fast.body
    assert isinstance(fast.body["message"]["recipients"], tuple)
    with pytest.raises(TypeError):
        fast.body["message"]["content"]["x"] = 1
    KEY.public_key().verify(bytes.fromhex(fast.sig), fast.signed_bytes)


def test_a_key_rotation_is_left_to_the_reference_path() -> None:
    entry = append(
        "USA", Kind.KEY_ROTATED, {"public_key": public_key_to_text(KEY.public_key())}, seen={}, now=T0, signing_key=KEY
    )
    assert entry_if_canonical(entry.to_json()) is None
    assert Entry.from_json(entry.to_json()) == entry
