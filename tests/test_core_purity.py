"""The pure core (geo, strategic, tactical, ledger, hotline) does no I/O.

import-linter (run by ``make test``) forbids the outer layers and the I/O modules; this test catches
what imports cannot show: calls of ``open``, ``print`` or ``input``, and file or process access through
``os``, ``pathlib`` or ``io``. Reading the package's own data with ``importlib.resources`` is allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "airparley"
CORE = ["geo", "strategic", "tactical", "ledger", "hotline"]
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}
FORBIDDEN_MODULES = {
    "os",
    "pathlib",
    "io",
    "socket",
    "subprocess",
    "sqlite3",
    "shutil",
    "tempfile",
    "requests",
    "urllib",
}


def _core_files() -> list[Path]:
    return sorted(p for layer in CORE for p in (SRC / layer).rglob("*.py"))


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_does_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {node.func.id}()"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] not in FORBIDDEN_MODULES, (
                    f"{path.name}:{node.lineno} imports {alias.name}"
                )
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] not in FORBIDDEN_MODULES, (
                f"{path.name}:{node.lineno} imports {node.module}"
            )
        if isinstance(node, ast.Global):
            raise AssertionError(f"{path.name}:{node.lineno} uses global state")
