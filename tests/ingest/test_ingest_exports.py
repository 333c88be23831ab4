"""The ingest and sim layers' public surfaces are exactly what their ``__all__`` claim, and they stay outer layers."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent.parent / "src" / "airparley"


@pytest.mark.parametrize("name", ["airparley.ingest", "airparley.sim"])
def test_every_exported_name_exists_and_is_public(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names {member!r}, which does not exist"
        assert not member.startswith("_")


@pytest.mark.parametrize(
    "path",
    sorted([*SRC.joinpath("ingest").glob("*.py"), *SRC.joinpath("sim").glob("*.py")]),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_talks_to_a_node_only_through_its_api(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        for name in names:
            assert not name.startswith(("airparley.node", "airparley.store", "airparley.cli")), f"{path.name}: {name}"
