"""The checks the body door makes before any route reads a request: I-JSON bodies and clean URLs.

A JSON body is held to I-JSON (RFC 7493): UTF-8, no lone surrogate, no ``NaN``/``Infinity``, no number
outside an IEEE double's range, and nesting at most :data:`MAX_JSON_DEPTH` deep (:func:`json_door`). A path
or query must be UTF-8 once percent-decoded and hold no NUL (:func:`url_door`). Each check answers the field
and the reason, naming the JSON path of the offending value where there is one. The cheap checks run on the
raw bytes (C-speed regular expressions and a NumPy running sum), and the parsed document is walked only when
they flag a candidate, so a well-formed megabyte of track states costs one extra ``json.loads``.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any, Final

import numpy as np
from starlette.types import Scope

__all__ = ["MAX_JSON_DEPTH", "json_door", "url_door"]

#: Deeper than any document the node takes (a GeoJSON multipolygon inside a notice is about 10), and far
#: below Python's recursion limit, which a deeper document would reach in the parser or the encoders.
MAX_JSON_DEPTH: Final = 64
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
# +1 for an opening bracket, -1 for a closing one, 0 for any other byte.
_NESTING: Final = np.zeros(256, dtype=np.int8)
_NESTING[list(b"[{")] = 1
_NESTING[list(b"]}")] = -1
_QUOTE: Final = ord('"')
_NOT_NESTING: Final = bytes(sorted(set(range(256)) - set(b'[]{}"')))


class _NotIJson(ValueError):
    pass


class _Huge(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotIJson(f"{name} is not JSON")


def _checked_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _Huge(text)
    return value


def _checked_int(text: str) -> int:
    value = int(text)
    if len(text) >= 309:  # 309 digits or more may be beyond a double (1.8e308)
        try:
            float(value)
        except OverflowError:
            raise _Huge(text) from None
    return value


def _depth(body: bytes) -> int:
    """The deepest nesting of brackets outside strings, without parsing (NumPy over the bytes)."""
    # With escaped backslashes and escaped quotes gone, every quote left opens or closes a string; of the
    # rest only brackets and quotes matter, and bytes.translate drops the others at C speed.
    plain = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    plain = plain.translate(None, _NOT_NESTING)
    marks = np.frombuffer(plain, dtype=np.uint8)
    if marks.size == 0:
        return 0
    inside = (np.cumsum(marks == _QUOTE) & 1).astype(bool)
    steps = _NESTING[marks].astype(np.int32)
    steps[inside] = 0
    return int(np.cumsum(steps).max())


def json_door(body: bytes) -> tuple[str, str] | None:
    """``(field, reason)`` if ``body`` is not an I-JSON document the node takes, else None.

    About twice a plain ``json.loads`` on a megabyte of track states (the nesting runs in NumPy, numbers are
    checked as the parser meets them); the document is walked for a path only when something is refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return "(body)", f"not UTF-8 (byte {error.start})"
    if _depth(body) > MAX_JSON_DEPTH:
        return "(body)", f"nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_checked_float, parse_int=_checked_int)
    except (_NotIJson, _Huge) as error:
        # Name the field that holds it: parsed again as Python would, the walk finds its path.
        reason = str(error) if isinstance(error, _NotIJson) else "a number beyond the range of a double"
        try:
            for path, _ in _bad_values(json.loads(text), ()):
                return ".".join(path) or "(body)", reason
        except ValueError:  # an integer past Python's digit limit: no path to give
            pass
        return "(body)", reason
    except RecursionError:
        return "(body)", f"nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError as error:  # malformed JSON
        return "(body)", f"not JSON: {error}"
    if _SURROGATE_ESCAPE.search(body):
        for path, reason in _bad_values(document, ()):
            return ".".join(path) or "(body)", reason
    return None


def _bad_values(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Lone surrogates (in keys and strings) and numbers beyond a double, with their JSON paths."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _encodes(item):
                yield where, "contains a lone surrogate (not Unicode text)"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                yield where, "a number beyond the range of a double"
        elif isinstance(item, int):
            try:
                float(item)
            except OverflowError:
                yield where, "a number beyond the range of a double"
        elif isinstance(item, dict):
            for key, inner in reversed(list(item.items())):
                name = str(key)
                if not _encodes(name):
                    yield (*where, name), "a field name with a lone surrogate"
                stack.append((inner, (*where, name)))
        elif isinstance(item, list):
            stack.extend((inner, (*where, str(index))) for index, inner in reversed(list(enumerate(item))))


def url_door(scope: Scope) -> tuple[str, str] | None:
    """``(field, reason)`` if the request's path or query, percent-decoded, is not UTF-8 or holds a NUL (no id,
    cursor or name of the API may: PostgreSQL refuses NUL in text, and SQLite would store it), else None."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    refused = _url_part(urllib.parse.unquote_to_bytes(raw_path))
    if refused is not None:
        return "(path)", refused
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded_name = urllib.parse.unquote_to_bytes(name.replace(b"+", b" "))
        refused = _url_part(decoded_name) or _url_part(urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")))
        if refused is not None:
            readable = decoded_name.decode("utf-8", "replace").replace("\x00", "") or "(query)"
            return readable, refused
    return None


def _url_part(decoded: bytes) -> str | None:
    if b"\x00" in decoded:
        return "contains a NUL character"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 (byte {error.start} after percent-decoding)"
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
