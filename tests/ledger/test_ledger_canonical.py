"""Canonical bytes are RFC 8785's: published vectors, number samples, strict parsing, round trips."""

from __future__ import annotations

import csv
import json
import math
import struct
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from airparley.errors import InvalidInput
from airparley.ledger._canonical import (
    MAX_SAFE_INTEGER,
    canonical,
    canonical_with_body,
    freeze,
    parse_json,
    plain,
)

JCS = Path(__file__).resolve().parents[1] / "data" / "ledger" / "jcs"
VECTORS = ["values", "weird", "structures", "unicode", "french"]


def _appendix_b() -> list[tuple[str, str]]:
    with (JCS / "appendix_b_numbers.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["ieee754_hex"], row["json_string"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize("name", VECTORS)
def test_published_vectors(name: str) -> None:
    # json.loads is the plain reader here on purpose: the vectors' inputs are deliberately non-canonical.
    value = json.loads((JCS / f"{name}.input.json").read_text(encoding="utf-8"))
    expected = (JCS / f"{name}.output.json").read_bytes()
    assert canonical(value) == expected


@pytest.mark.parametrize("name", VECTORS)
def test_published_outputs_parse_strictly_and_are_fixed_points(name: str) -> None:
    expected = (JCS / f"{name}.output.json").read_bytes()
    assert canonical(parse_json(expected.decode("utf-8"))) == expected


@pytest.mark.parametrize(("bits", "text"), _appendix_b())
def test_appendix_b_number_samples(bits: str, text: str) -> None:
    (number,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical(number) == text.encode("ascii")
    # And back: the canonical text parses to the same double and writes the same text again.
    parsed = parse_json(text)
    assert float(parsed) == number
    assert canonical(parsed) == text.encode("ascii")


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_appendix_b_non_finite_samples_are_rejected(bits: str) -> None:
    (number,) = struct.unpack(">d", bytes.fromhex(bits))
    with pytest.raises(InvalidInput, match="not a finite number"):
        canonical({"x": number}, "body")


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # U+1F602 is D83D DE02 in UTF-16, so it sorts *before* U+FB33 although its code point is larger.
    assert canonical({"\ufb33": 1, "\U0001f602": 2, "\u20ac": 3, "a": 4}) == (
        '{"a":4,"\u20ac":3,"\U0001f602":2,"\ufb33":1}'.encode()
    )


def test_rejections_name_the_path() -> None:
    with pytest.raises(InvalidInput) as caught:
        canonical({"volumes": [{"radius_nm": math.nan}]}, "body")
    assert caught.value.field == "body.volumes.0.radius_nm"
    with pytest.raises(InvalidInput, match="2\\*\\*53"):
        canonical({"n": MAX_SAFE_INTEGER + 1}, "body")
    with pytest.raises(InvalidInput, match="surrogate"):
        canonical({"s": "\ud800"}, "body")
    with pytest.raises(InvalidInput, match="not a string"):
        canonical({1: "x"}, "body")
    with pytest.raises(InvalidInput, match="set is not a JSON type"):
        canonical({"s": {1, 2}}, "body")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a":1,"a":2}', "duplicate object key"),
        ('{"a":NaN}', "NaN is not JSON"),
        ('{"a":-Infinity}', "-Infinity is not JSON"),
        ('{"a":1', "not JSON"),
        ("[" * 100_000, "not JSON|nested too deeply"),
    ],
)
def test_strict_parser_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_json(text)


def test_integral_literals_beyond_two_to_the_53_are_doubles() -> None:
    # JCS writes the double 2**68 without an exponent; reading it back must give the double, not a big int.
    assert parse_json("295147905179352830000") == 2.0**68
    assert isinstance(parse_json("9007199254740991"), int)


def test_canonical_with_body_equals_canonical_of_the_whole() -> None:
    body = {"z": [1, 2.5, "ü"], "a": None}
    others = {"kind": "x", "seq": 3, "time": "t"}
    assert canonical_with_body(canonical(body), others) == canonical({"body": body, **others})
    with pytest.raises(ValueError, match="sort after"):
        canonical_with_body(b"{}", {"a": 1})


def test_frozen_values_canonicalise_like_plain_ones() -> None:
    value = {"b": [1, {"c": [True, None]}], "a": "x"}
    frozen = freeze(plain(value, ""))
    with pytest.raises(TypeError):
        frozen["a"] = "y"
    assert canonical(frozen) == canonical(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8")),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_bytes_are_a_fixed_point(value: Any) -> None:
    data = canonical(value)
    again = parse_json(data.decode("utf-8"))
    assert canonical(again) == data
    # Same value back (Python's 243 == 243.0 makes this hold across JCS's int/double spelling), which the
    # standard reader alone would not give: it reads the double 7.113571158447717e16, written by JCS as
    # 71135711584477170, as a different (big) integer.
    assert again == value


# Floats near the fast path's edges (1e-4 and 1e16, where repr changes notation) and integral ones.
edge_floats = st.sampled_from([1e-4, 9.999999999999999e-5, 1e16, 9999999999999998.0, 1e21, 1e-7, 25000.0, -0.0])
mixed_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | edge_floats
    | st.text(
        st.characters(codec="utf-8") | st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\ue000", "\U0001f600"])
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=6), children, max_size=4)
    ),
    max_leaves=16,
)


@settings(max_examples=500, deadline=None)
@given(mixed_values)
def test_fast_path_agrees_with_rfc8785_byte_for_byte(value: Any) -> None:
    # canonical() writes most values with the C json encoder; rfc8785 is the reference for every one.
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(InvalidInput):
            canonical(value)
    else:
        assert canonical(value) == expected


class _Urgency(StrEnum):
    SAFETY = "safety"


def test_fast_path_writes_str_enums_and_lone_surrogates_as_the_reference_does() -> None:
    assert canonical({"urgency": _Urgency.SAFETY}) == rfc8785.dumps({"urgency": "safety"})
    with pytest.raises(InvalidInput, match="lone surrogate"):
        canonical({"text": "\ud800"}, "body")
