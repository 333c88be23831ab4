"""Each layer's public surface is exactly what its ``__all__`` claims (httpx's test, per layer)."""

from __future__ import annotations

import importlib

import pytest

LAYERS = [
    "airparley",
    "airparley.geo",
    "airparley.strategic",
    "airparley.tactical",
    "airparley.hotline",
    "airparley.ledger",
]


@pytest.mark.parametrize("name", LAYERS)
def test_every_exported_name_exists_and_is_public(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names {member!r}, which does not exist"
    assert len(set(exported)) == len(exported)
    assert not [m for m in exported if m.startswith("_") and m != "__version__"]
