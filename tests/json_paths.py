"""Every path into a decoded JSON value, for tests that change a body at one place (hostile input, mutations)."""

from __future__ import annotations

from typing import Any


def json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of ``value`` itself (``()``), then of everything inside it: keys and list indexes, depth first."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += json_paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += json_paths(inner, (*path, index))
    return found
