"""The primitives under the ledger's safe API: canonical bytes, hashes and the signing context.

Everything an outside verifier has to reproduce byte for byte is defined here and nowhere else, so
``docs/ledger.md`` can describe one file:

* canonical bytes are RFC 8785 (JCS) as produced by the ``rfc8785`` package: UTF-8, no insignificant
  whitespace, object members sorted by the UTF-16 code units of their names, ECMAScript number formatting;
* an entry's hash is the lowercase hex SHA-256 of the canonical bytes of the whole entry, ``sig`` included,
  with no prefix, so it is also ``sha256`` of the entry's exported line (without its newline);
* an entry's signature is Ed25519 over ``SIGNING_CONTEXT`` followed by the canonical bytes of the entry
  without ``sig``. The context separates ledger signatures from anything else a party's key signs
  (separation agreements, incident reports), so no signature made for one can be replayed as the other.

JSON values here are plain ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``. Numbers are
IEEE 754 doubles as in JCS: integers are accepted only within +-(2**53 - 1), where they are exact.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import rfc8785

from airparley.errors import InvalidInput

__all__ = [
    "GENESIS",
    "HEX_SHA256",
    "HEX_SIGNATURE",
    "MAX_SAFE_INTEGER",
    "SIGNING_CONTEXT",
    "canonical",
    "canonical_text_as_parsed",
    "canonical_with_body",
    "freeze",
    "parse_json",
    "parse_json_value_at",
    "plain",
    "sha256_hex",
    "signing_message",
]

GENESIS = "0" * 64
"""The ``prev`` of every feed's first entry (seq 0): 64 zeros, a value no SHA-256 output is expected to take."""

SIGNING_CONTEXT = b"airparley-ledger-entry-v1\x00"
"""Prefixed to the canonical bytes before signing; the NUL cannot occur in canonical JSON, so the split is unique."""

HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
HEX_SIGNATURE = re.compile(r"[0-9a-f]{128}")

MAX_SAFE_INTEGER = 2**53 - 1


class _Rejected(ValueError):
    """Raised from inside ``json.loads`` hooks; turned into ``InvalidInput`` by ``parse_json``."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signing_message(unsigned: bytes) -> bytes:
    """The bytes an entry's Ed25519 signature covers, given the canonical bytes of the entry without ``sig``."""
    return SIGNING_CONTEXT + unsigned


def plain(value: object, field: str) -> Any:
    """A deep copy of ``value`` as plain JSON types, or ``InvalidInput`` naming the first offending path.

    Accepts any ``Mapping`` and ``list``/``tuple`` (so frozen values can be re-serialised); rejects what
    RFC 8785 cannot represent exactly: non-string keys, NaN and infinities, integers outside the exact
    double range, strings that are not valid Unicode scalar values (lone surrogates), and any other type.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidInput(field, f"integer {value} is outside +-(2**53 - 1), where JSON numbers are exact")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(field, f"{value} is not a finite number")
        return float(value)
    if isinstance(value, str):
        _check_unicode(value, field)
        return str(value)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(field, f"object key {key!r} is not a string")
            _check_unicode(key, field)
            result[str(key)] = plain(item, f"{field}.{key}" if field else key)
        return result
    if isinstance(value, list | tuple):
        return [plain(item, f"{field}.{index}" if field else str(index)) for index, item in enumerate(value)]
    raise InvalidInput(field, f"{type(value).__name__} is not a JSON type")


def _check_unicode(text: str, field: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(field, "string contains a lone surrogate, which UTF-8 cannot encode") from None


class _NeedsReference(Exception):
    """The value has something the fast path does not write exactly as RFC 8785 does."""


# Within this range ``repr(float)`` is positional (no exponent) and, once a trailing ``.0`` is dropped, it is
# what RFC 8785 writes: both are the shortest round-trip digits, and ``rfc8785`` itself starts from ``str()``.
_POSITIONAL_MIN = 1e-4
_POSITIONAL_MAX = 1e16


def _json_ready(value: Any) -> Any:
    """``value`` as plain types that ``json`` writes byte for byte as RFC 8785 does, or ``_NeedsReference``.

    Floats outside the positional range, integers beyond the exact range, non-ASCII object keys (sorted by
    UTF-16 code units in JCS, by code points in Python) and anything that is not JSON go to the reference
    implementation, which writes them or names what is wrong.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict or isinstance(value, Mapping):
        ready: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _NeedsReference
            ready[key] = _json_ready(item)
        return ready
    if kind is list or kind is tuple:
        return [_json_ready(item) for item in value]
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _NeedsReference
    if kind is float:
        magnitude = abs(value)
        if magnitude == 0.0:
            return 0
        if _POSITIONAL_MIN <= magnitude < _POSITIONAL_MAX:
            return int(value) if value.is_integer() else value
        raise _NeedsReference
    if isinstance(value, str):  # a StrEnum member: its value, as rfc8785 writes it
        return str.__str__(value)
    # Other subclasses (int enums among them) and other types: the reference decides.
    raise _NeedsReference


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, check_circular=False)


def canonical(value: Any, field: str = "") -> bytes:
    """RFC 8785 canonical bytes of ``value``; ``InvalidInput`` naming the offending path if it has none.

    Most ledger values take a fast path through the C ``json`` encoder (``rfc8785`` is pure Python and was
    most of the time spent signing and verifying); the rest, and every error, go through ``rfc8785``. The
    two agree byte for byte (tests/ledger/test_ledger_canonical.py checks them against each other).
    """
    try:
        return _ENCODER.encode(_json_ready(value)).encode("utf-8")
    except (_NeedsReference, UnicodeEncodeError, RecursionError):
        pass
    try:
        data: bytes = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        # Read-only views (MappingProxyType) land here too; plain() converts them, or finds the bad path.
        data = rfc8785.dumps(plain(value, field))
    return data


def canonical_with_body(body: bytes, others: Mapping[str, object]) -> bytes:
    """``canonical({"body": <body>, **others})`` when the body's canonical bytes are already made.

    Exact, because RFC 8785 writes an object's members in sorted order and each name in ``others`` sorts
    after ``"body"``; it saves serialising the (largest) field twice more for every entry built or parsed.
    """
    if not others or any(name <= "body" for name in others):
        raise ValueError("every other member name must sort after 'body'")
    return b'{"body":' + body + b"," + canonical(others)[1:]


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last of two equal keys; a signed record must mean one thing.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Rejected(f"duplicate object key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise _Rejected(f"{name} is not JSON")


def _integer_or_double(text: str) -> int | float:
    # In JCS every number is a double: an integral literal beyond 2**53 (as JCS writes 1e20 for instance)
    # denotes the double, not a Python big integer that rfc8785 would refuse to write back.
    value = int(text)
    return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else float(text)


def parse_json(text: str, field: str = "entry") -> Any:
    """Strict JSON: no duplicate keys, no NaN/Infinity, numbers as doubles beyond the exact integer range."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
            parse_int=_integer_or_double,
        )
    except _Rejected as error:
        raise InvalidInput(field, str(error)) from None
    except json.JSONDecodeError as error:
        raise InvalidInput(field, f"not JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise InvalidInput(field, "nested too deeply") from None


def _float_as_written(text: str) -> float:
    # Only spellings the C encoder writes back byte for byte as RFC 8785 does: repr's positional range, not
    # integral (JCS writes 243.0 as 243, and an integer literal never comes here).
    value = float(text)
    if _POSITIONAL_MIN <= abs(value) < _POSITIONAL_MAX and not value.is_integer() and repr(value) == text:
        return value
    raise _NeedsReference


def _constant_needs_reference(name: str) -> Any:
    raise _NeedsReference


# Built once: json.loads with hooks builds a decoder (and its scanner) on every call. The scanner's memo
# only interns object keys, so sharing it between threads is as safe as json.loads's own default decoder.
_DECODER: Any = json.JSONDecoder(
    parse_float=_float_as_written, parse_int=_integer_or_double, parse_constant=_constant_needs_reference
)
_SCAN_ONCE: Any = _DECODER.scan_once
_C_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE_STRING: Any = getattr(json.encoder, "c_encode_basestring", None)


def _not_json(value: object) -> Any:
    raise _NeedsReference


# The C encoder itself, without JSONEncoder.encode's per-call setup; None where CPython lacks _json.
_C_ENCODE: Any = (
    _C_MAKE_ENCODER(None, _not_json, _C_ENCODE_STRING, None, ":", ",", True, False, False)
    if _C_MAKE_ENCODER is not None and _C_ENCODE_STRING is not None
    else None
)


def parse_json_value_at(text: str, start: int) -> tuple[Any, int] | None:
    """The JSON value that begins at ``text[start]`` and the index just after it, or ``None`` when it may
    need ``parse_json`` to judge it.

    Half of a fast path, the other half being ``canonical_text_as_parsed``: a caller that finds
    ``canonical_text_as_parsed(value) == text[start:end]`` (and no character beyond U+FFFF there) knows that
    this part of ``text`` is RFC 8785 canonical and that ``parse_json`` gives the same value for it. What this
    parser lets through that ``parse_json`` refuses is never written back as it was read: duplicate keys
    collapse, and whitespace, other number spellings, escapes RFC 8785 does not use and key orders it does
    not use are all written differently. Numbers it cannot promise that for (floats outside the positional
    range, integral floats, NaN and the infinities) return ``None``.
    """
    if _C_ENCODE is None:
        return None
    try:
        value, end = _SCAN_ONCE(text, start)
    except (_NeedsReference, StopIteration, ValueError, RecursionError):
        return None
    return value, end


def canonical_text_as_parsed(value: Any) -> str:
    """The C encoder's compact, key-sorted text of a value from ``parse_json_value_at`` (see there).

    Not RFC 8785 for every value on its own (keys beyond U+FFFF sort differently); it is exact for what
    ``parse_json_value_at`` returns when the result equals the parsed text and that has no such character.
    """
    return "".join(_C_ENCODE(value, 0))


def freeze(value: Any) -> Any:
    """A read-only view of a plain JSON value: mappings become ``MappingProxyType``, lists become tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(freeze(item) for item in value)
    return value
