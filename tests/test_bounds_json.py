"""bounds.check_json, the check every door runs on a decoded body, against the plain walk it replaced."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from airparley import bounds
from airparley.errors import InvalidInput

_SURROGATE = re.compile("[\ud800-\udfff]")


def _reference(data: Any, field: str = "") -> None:
    """The walk as first written: every value's path spelled out as it is pushed."""
    depth_max = int(bounds.BOUNDS["json_depth"].high)
    stack: list[tuple[Any, str, int]] = [(data, field, 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInput(path or "(body)", f"must be a finite number, got {value!r}")
        elif isinstance(value, int):
            if abs(value) > bounds.MAX_SAFE_INTEGER:
                raise InvalidInput(path or "(body)", "must be a number within ±2^53 (9007199254740992)")
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidInput(path or "(body)", "must not contain NUL characters")
            if _SURROGATE.search(value) is not None:
                raise InvalidInput(path or "(body)", "must be valid Unicode text (it holds a lone surrogate)")
        elif isinstance(value, Mapping | list | tuple):
            if depth > depth_max:
                raise InvalidInput(path or "(body)", f"nests deeper than {depth_max} levels")
            if isinstance(value, Mapping):
                for key, item in value.items():
                    key_text = str(key)
                    name = f"{path}.{key_text}" if path else key_text
                    if _SURROGATE.search(key_text) or "\x00" in key_text:
                        raise InvalidInput(path or "(body)", "a key is not valid Unicode text (lone surrogate or NUL)")
                    stack.append((item, name, depth + 1))
            else:
                for index, item in enumerate(value):
                    stack.append((item, f"{path}.{index}" if path else str(index), depth + 1))


_TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\x00", "\ud800", "é", "."]), max_size=4)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**60), 2**60),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1]),
    _TEXT,
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=40,
)


def _outcome(check: Any, data: Any, field: str) -> tuple[str, str] | None:
    try:
        check(data, field)
    except InvalidInput as error:
        return error.field, error.reason
    return None


@settings(max_examples=500, deadline=None)
@given(_JSON, st.sampled_from(["", "properties", "a.b"]))
def test_check_json_refuses_what_the_plain_walk_refuses_and_names_the_same_place(data: Any, field: str) -> None:
    assert _outcome(bounds.check_json, data, field) == _outcome(_reference, data, field)


def test_check_json_names_a_deep_path_and_refuses_deep_nesting() -> None:
    assert _outcome(bounds.check_json, {"a": [1, {"b": float("nan")}]}, "") == (
        "a.1.b",
        "must be a finite number, got nan",
    )
    deep: Any = 1
    for _ in range(int(bounds.BOUNDS["json_depth"].high) + 1):
        deep = [deep]
    assert _outcome(bounds.check_json, deep, "body") is not None
