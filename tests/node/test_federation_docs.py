"""docs/federation.md cannot go stale: it names every federation route, command, setting and evidence kind."""

from __future__ import annotations

import re
from pathlib import Path

from airparley.node import SETTINGS, Node
from airparley.node._federation import EVIDENCE_KINDS
from airparley.node._federation_routes import federation_router
from airparley.store import Store

DOC = (Path(__file__).resolve().parents[2] / "docs" / "federation.md").read_text(encoding="utf-8")


def test_every_route_is_documented(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'docs.db'}")
    try:
        router = federation_router(Node(store))
    finally:
        store.close()
    paths = sorted({getattr(route, "path", "") for route in router.routes})
    assert paths == ["/api/v1/ledger/evidence", "/api/v1/ledger/hint", "/api/v1/ledger/{party}"]
    for path in paths:
        assert re.search(rf"`(GET|POST) {re.escape(path.removeprefix('/api/v1/ledger'))}[`?]", DOC), path


def test_every_command_setting_and_evidence_kind_is_documented() -> None:
    for command in ("peer add", "peer list", "peer remove", "ledger evidence", "officer add RUS", "party add RUS"):
        assert f"airparley {command}" in DOC, command
    for option in ("--public-key", "--token", "--tier peer", "--json"):
        assert option in DOC, option
    (poll,) = [s for s in SETTINGS if s.name == "peer_poll_s"]
    assert f"`{poll.env}`" in DOC
    for kind in EVIDENCE_KINDS:
        assert f"`{kind}`" in DOC, kind
