"""Entries, append and keys: validation, round trips, the exact hash and signature definitions."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from hypothesis import given, settings
from hypothesis import strategies as st

import airparley.ledger as ledger
from airparley.errors import InvalidInput
from airparley.ledger import (
    FIRST_SEQ,
    GENESIS,
    SIGNING_CONTEXT,
    Entry,
    Kind,
    append,
    format_time,
    generate_key,
    key_after,
    parse_time,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_text,
    public_key_to_text,
)

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
USA_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"entries test USA").digest())
RUS_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"entries test RUS").digest())


def test_exported_members() -> None:
    # The public surface is exactly what __all__ claims, and every name in it exists.
    public = {name for name in dir(ledger) if not name.startswith("_")}
    modules = {"annotations"} | {name for name in public if type(getattr(ledger, name)).__name__ == "module"}
    assert set(ledger.__all__) == public - modules
    assert ledger.__all__ == sorted(ledger.__all__, key=lambda name: (not name.isupper(), name))


def _first(body: dict[str, Any] | None = None, **changes: Any) -> Entry:
    entry = append("USA", Kind.NOTICE_FILED, body or {"notice": "USA-0001"}, seen={}, now=T0, signing_key=USA_KEY)
    return dataclasses.replace(entry, **changes) if changes else entry


def test_first_entry_fields() -> None:
    entry = _first()
    assert (entry.party, entry.seq, entry.prev, entry.kind) == ("USA", FIRST_SEQ, GENESIS, Kind.NOTICE_FILED)
    assert entry.prev == "0" * 64
    assert entry.time == T0
    assert dict(entry.seen) == {}
    assert entry.to_json() == (
        '{"body":{"notice":"USA-0001"},"kind":"notice.filed","party":"USA","prev":"' + "0" * 64 + '","seen":{},'
        '"seq":0,"sig":"' + entry.sig + '","time":"2025-03-01T06:00:00.000000Z"}'
    )


def test_hash_and_signature_are_exactly_as_documented() -> None:
    entry = _first({"notice": "USA-0001", "remarks": "Пальмира", "f": 243.0})
    line = entry.to_bytes()
    assert line == entry.to_json().encode("utf-8") == rfc8785.dumps(json.loads(line))
    assert entry.hash == hashlib.sha256(line).hexdigest()
    unsigned = {name: value for name, value in json.loads(line).items() if name != "sig"}
    assert SIGNING_CONTEXT == b"airparley-ledger-entry-v1\x00"
    assert entry.signed_bytes == SIGNING_CONTEXT + rfc8785.dumps(unsigned)
    USA_KEY.public_key().verify(bytes.fromhex(entry.sig), entry.signed_bytes)
    assert len(entry.sig) == 128
    # Ed25519 is deterministic: the same key and message give the same signature, so entries are reproducible.
    assert _first({"notice": "USA-0001", "remarks": "Пальмира", "f": 243.0}) == entry


def test_append_chains_and_uses_seen() -> None:
    first = _first()
    rus = append("RUS", "notice.filed", {"notice": "RUS-0001"}, seen=[first], now=T0, signing_key=RUS_KEY)
    second = append(
        first, Kind.CASE_OPENED, {"case": "C-1"}, seen=[rus], now=T0 + timedelta(minutes=1), signing_key=USA_KEY
    )
    assert (second.seq, second.prev, dict(second.seen)) == (1, first.hash, {"RUS": rus.hash})
    same = append(
        first,
        Kind.CASE_OPENED,
        {"case": "C-1"},
        seen={"RUS": rus.hash},
        now=T0 + timedelta(minutes=1),
        signing_key=USA_KEY,
    )
    assert same == second


def test_body_is_normalised_and_read_only() -> None:
    entry = _first({"frequency_mhz": 243.0, "zero": -0.0, "volumes": [{"radius_nm": 5}]})
    assert entry.body["frequency_mhz"] == 243
    assert isinstance(entry.body["frequency_mhz"], int)
    assert entry.body["volumes"] == ({"radius_nm": 5},)
    with pytest.raises(TypeError):
        entry.body["frequency_mhz"] = 121.5  # type: ignore[index]
    with pytest.raises(TypeError):
        entry.seen["RUS"] = "0" * 64  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.seq = 5  # type: ignore[misc]
    plain = entry.to_dict()
    plain["body"]["volumes"].append({})
    assert entry.to_dict()["body"]["volumes"] == [{"radius_nm": 5}]


def test_equality_is_byte_equality() -> None:
    entry = _first()
    assert entry == Entry.from_json(entry.to_json()) == Entry.from_json(entry.to_bytes())
    assert entry == Entry.from_dict(json.loads(entry.to_json()))
    assert len({entry, Entry.from_json(entry.to_json())}) == 1
    assert entry != _first({"notice": "USA-0002"})
    assert entry != entry.to_json()
    assert "USA#0 notice.filed" in repr(entry)


BAD_FIELDS: list[tuple[str, Any, str]] = [
    ("party", "usa", "party"),
    ("party", "U", "party"),
    ("party", 7, "party"),
    ("seq", -1, "seq"),
    ("seq", True, "seq"),
    ("seq", 1.0, "seq"),
    ("seq", 2**53, "seq"),
    ("prev", "0" * 63, "prev"),
    ("prev", "A" * 64, "prev"),
    ("time", datetime(2025, 3, 1), "time"),
    ("time", "2025-03-01T06:00:00.000000Z", "time"),
    ("kind", "notice.burned", "kind"),
    ("kind", 3, "kind"),
    ("body", ["not", "an", "object"], "body"),
    ("body", {"x": float("inf")}, "body.x"),
    ("body", {"x": {"y": b"bytes"}}, "body.x.y"),
    ("seen", {"USA": "0" * 64}, "seen.USA"),
    ("seen", {"RUS": "f" * 63}, "seen.RUS"),
    ("seen", {"rus": "f" * 64}, "seen.rus"),
    ("seen", [], "seen"),
    ("sig", "ab", "sig"),
    ("sig", "AB" * 64, "sig"),
]


@pytest.mark.parametrize(("name", "value", "field"), BAD_FIELDS)
def test_malformed_fields_name_the_field(name: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _first(**{name: value})
    assert caught.value.field == field


def test_key_rotated_body_must_announce_a_key() -> None:
    with pytest.raises(InvalidInput) as caught:
        append(_first(), Kind.KEY_ROTATED, {"public_key": "xyz"}, seen={}, now=T0, signing_key=USA_KEY)
    assert caught.value.field == "body.public_key"


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"party": "USA"}, "seq", "missing"),
        ({**json.loads(_first().to_json()), "extra": 1}, "extra", "unknown field"),
        ({**json.loads(_first().to_json()), "time": "2025-03-01T06:00:00Z"}, "time", "six fractional digits"),
        ({**json.loads(_first().to_json()), "time": "2025-03-01T06:00:00.000000+00:00"}, "time", "RFC 3339"),
        ({**json.loads(_first().to_json()), "time": "2025-02-30T06:00:00.000000Z"}, "time", "not a valid date"),
        ({**json.loads(_first().to_json()), "time": "２０２５-03-01T06:00:00.000000Z"}, "time", "RFC 3339"),
        ({**json.loads(_first().to_json()), "sig": 5}, "sig", "string"),
    ],
)
def test_from_dict_rejects(data: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        Entry.from_dict(data)
    assert caught.value.field == field


def test_from_json_requires_the_canonical_line() -> None:
    line = _first().to_json()
    for variant in [line + "\n", " " + line, json.dumps(json.loads(line)), json.dumps(json.loads(line), indent=1)]:
        with pytest.raises(InvalidInput, match="canonical"):
            Entry.from_json(variant)
    with pytest.raises(InvalidInput, match="not UTF-8"):
        Entry.from_json(line.encode() + b"\xff")
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        Entry.from_json("[]")


def test_time_format_round_trip_and_zones() -> None:
    moment = datetime(2025, 3, 1, 8, 30, 1, 5, tzinfo=timezone(timedelta(hours=2, minutes=30)))
    assert format_time(moment) == "2025-03-01T06:00:01.000005Z"
    assert parse_time(format_time(moment)) == moment
    assert format_time(datetime(9, 1, 2, tzinfo=UTC)) == "0009-01-02T00:00:00.000000Z"
    with pytest.raises(InvalidInput, match="timezone-aware"):
        format_time(datetime(2025, 1, 1))
    with pytest.raises(InvalidInput, match="RFC 3339"):
        parse_time("2025-03-01T06:00:6.000000Z")
    with pytest.raises(InvalidInput, match="not a valid date"):
        parse_time("2025-03-01T06:00:60.000000Z")


def test_append_refuses_time_going_back_and_the_wrong_key() -> None:
    first = _first()
    with pytest.raises(InvalidInput) as caught:
        append(first, Kind.CASE_OPENED, {}, seen={}, now=T0 - timedelta(microseconds=1), signing_key=USA_KEY)
    assert caught.value.field == "now"
    with pytest.raises(InvalidInput) as caught:
        append(first, Kind.CASE_OPENED, {}, seen={}, now=T0, signing_key=RUS_KEY)
    assert caught.value.field == "signing_key"
    with pytest.raises(InvalidInput) as caught:
        append(first, Kind.CASE_OPENED, {}, seen={}, now=datetime(2025, 3, 2), signing_key=USA_KEY)
    assert caught.value.field == "now"
    with pytest.raises(InvalidInput) as caught:
        append("usa", Kind.CASE_OPENED, {}, seen={}, now=T0, signing_key=USA_KEY)
    assert caught.value.field == "head"
    with pytest.raises(InvalidInput, match="given twice"):
        append(first, Kind.CASE_OPENED, {}, seen=[_first(), _first()], now=T0, signing_key=USA_KEY)
    with pytest.raises(InvalidInput, match="newest entries"):
        append(first, Kind.CASE_OPENED, {}, seen=["RUS"], now=T0, signing_key=USA_KEY)  # type: ignore[list-item]
    # Equal times are fine: two acts in the same microsecond keep their seq order.
    assert append(first, Kind.CASE_OPENED, {}, seen={}, now=T0, signing_key=USA_KEY).seq == 1


def test_rotation_hands_over_to_the_announced_key() -> None:
    new_key = generate_key()
    rotation = append(
        _first(),
        Kind.KEY_ROTATED,
        {"public_key": public_key_to_text(new_key), "reason": "scheduled"},
        seen={},
        now=T0,
        signing_key=USA_KEY,
    )
    assert public_key_to_text(key_after(rotation, USA_KEY.public_key())) == public_key_to_text(new_key)
    public = USA_KEY.public_key()
    assert key_after(_first(), public) is public
    with pytest.raises(InvalidInput) as caught:
        append(rotation, Kind.CASE_OPENED, {}, seen={}, now=T0, signing_key=USA_KEY)
    assert caught.value.field == "signing_key"
    after = append(rotation, Kind.CASE_OPENED, {}, seen={}, now=T0, signing_key=new_key)
    new_key.public_key().verify(bytes.fromhex(after.sig), after.signed_bytes)


@pytest.mark.parametrize("passphrase", [None, b"correct horse", "pässphrase"])
def test_private_key_pem_round_trip(passphrase: bytes | str | None) -> None:
    key = generate_key()
    pem = private_key_to_pem(key, passphrase)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----" if passphrase else b"-----BEGIN PRIVATE KEY-----")
    loaded = private_key_from_pem(pem, passphrase)
    assert public_key_to_text(loaded) == public_key_to_text(key)
    assert public_key_to_text(private_key_from_pem(pem.decode("ascii"), passphrase)) == public_key_to_text(key)


def test_private_key_pem_errors() -> None:
    key = generate_key()
    encrypted = private_key_to_pem(key, b"right")
    with pytest.raises(InvalidInput) as caught:
        private_key_from_pem(encrypted, b"wrong")
    assert caught.value.field == "private_key"
    with pytest.raises(InvalidInput) as caught:
        private_key_from_pem(encrypted)
    assert caught.value.field == "passphrase"
    with pytest.raises(InvalidInput) as caught:
        private_key_from_pem(private_key_to_pem(key), b"unexpected")
    assert caught.value.field == "passphrase"
    with pytest.raises(InvalidInput, match="must not be empty"):
        private_key_to_pem(key, b"")
    with pytest.raises(InvalidInput) as caught:
        private_key_from_pem(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    assert caught.value.field == "private_key"
    ec_pem = generate_private_key(SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(InvalidInput, match="not an Ed25519 key"):
        private_key_from_pem(ec_pem)


def test_public_key_text() -> None:
    key = generate_key()
    text = public_key_to_text(key)
    assert text == public_key_to_text(key.public_key())
    assert len(text) == 64
    assert text == text.lower()
    assert public_key_to_text(public_key_from_text(text)) == text
    for bad in [text.upper(), text[:-1], text + "0", "g" * 64, 5]:
        with pytest.raises(InvalidInput):
            public_key_from_text(bad)  # type: ignore[arg-type]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)
bodies = st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), json_values, max_size=5)
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(
    body=bodies,
    kind=st.sampled_from([kind for kind in Kind if kind is not Kind.KEY_ROTATED]),
    now=moments,
    seen=st.dictionaries(st.sampled_from(["RUS", "TUR", "SYR", "NATO-1"]), st.binary(min_size=32, max_size=32)),
)
def test_round_trip(body: dict[str, Any], kind: Kind, now: datetime, seen: dict[str, bytes]) -> None:
    entry = append("USA", kind, body, seen={p: h.hex() for p, h in seen.items()}, now=now, signing_key=USA_KEY)
    again = Entry.from_json(entry.to_json())
    assert again == entry
    assert again.hash == entry.hash == hashlib.sha256(entry.to_bytes()).hexdigest()
    assert Entry.from_dict(entry.to_dict()) == entry
    assert again.body == entry.body
    assert again.time == now
    USA_KEY.public_key().verify(bytes.fromhex(again.sig), again.signed_bytes)
