"""The event kinds a desk can receive: one enum, each documented in docs/events.md, none written as a bare string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from airparley.node._events import EventKind

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
NODE = ROOT / "src" / "airparley" / "node"


def test_every_kind_is_documented_and_every_documented_kind_exists() -> None:
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOC, flags=re.MULTILINE))
    assert documented == {kind.value for kind in EventKind}


def test_the_readme_points_to_the_event_kinds() -> None:
    assert "docs/events.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_events_are_raised_with_an_event_kind_never_a_bare_string() -> None:
    """Every call that raises an event (``append_event`` and the node's helpers around it) names an EventKind."""
    raisers = {"append_event", "_message_event", "_case_event", "_record_event"}
    bare = []
    for path in sorted(NODE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            kind = node.args[0]
            if name in raisers and isinstance(kind, ast.Constant | ast.JoinedStr):
                bare.append(f"{path.name}:{node.lineno}")
    assert not bare, f"events raised with a bare string: {bare}"
