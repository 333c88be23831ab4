"""The desk listens for the node's event kinds and no others (issue 16): every kind its scripts name, in an
``onEvent`` subscription or compared with an event's ``kind``, is one of ``EventKind`` (or a prefix ending
in "." that some kind starts with)."""

from __future__ import annotations

import re

from airparley.node._events import EventKind
from airparley.web import STATIC

KINDS = {kind.value for kind in EventKind}
NAMED = re.compile(r"""onEvent\(\s*"([^"]+)"|kind\s*===?\s*"([a-z_]+\.[a-z_.]*)"|"([a-z]+\.[a-z_]+)"\s*\]""")


def _named_kinds() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((STATIC / "js").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        for match in NAMED.finditer(text):
            kind = next(group for group in match.groups() if group)
            found.setdefault(kind, []).append(path.name)
        # A list of kinds subscribed in a loop: for (const kind of ["tracks.update", ...]) onEvent(kind, ...)
        for listed in re.findall(r"for \(const kind of \[([^\]]*)\]\)", text):
            for kind in re.findall(r'"([^"]+)"', listed):
                found.setdefault(kind, []).append(path.name)
    return found


def test_every_kind_the_desk_listens_for_is_one_the_node_sends() -> None:
    named = _named_kinds()
    assert {"tracks.update", "track.non_responsive", "simulation.lag"} <= set(named)
    unknown = {
        kind: files
        for kind, files in named.items()
        if kind not in KINDS and not (kind.endswith(".") and any(k.startswith(kind) for k in KINDS))
    }
    assert unknown == {}, f"the desk listens for kinds the node never sends: {unknown}"
