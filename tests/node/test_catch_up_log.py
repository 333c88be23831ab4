"""Federation catch-up progress (issue 19 item 6): in the node log, a feed more than a page behind is told
page by page against the head the serving node gives with each page (ordinary replication says nothing);
`peer list --remote` asks each peer's node for that head and shows how much of the feed is held."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from node_support import FedNode, wait_until
from palmyra import usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.node._sync import FEED_PAGE, _log_catch_up

runner = CliRunner()


def test_a_feed_pages_behind_is_told_with_its_share(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="airparley.federation"):
        assert _log_catch_up("RUS", FEED_PAGE - 1, 4 * FEED_PAGE, FEED_PAGE)
        assert not _log_catch_up("RUS", 4 * FEED_PAGE, 4 * FEED_PAGE, FEED_PAGE)  # the last page: caught up
        assert not _log_catch_up("RUS", 10, 12, 0)  # nothing accepted: no progress to tell
        for head in (None, True, "12"):  # an older node, or a wrong value: nothing to tell
            assert not _log_catch_up("RUS", 10, head, 3)
    assert [r.getMessage() for r in caplog.records] == [
        f"catching up with RUS: #{FEED_PAGE - 1} of #{4 * FEED_PAGE} (24%)"
    ]


def _head(node: FedNode, party: str) -> int | None:
    assert node.node is not None
    with node.node.store.begin() as tx:
        head = tx.ledger_head(party)
    return None if head is None else head.seq


def test_peer_list_remote_shows_each_peers_catch_up(fed_nodes: Callable[..., list[FedNode]]) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS", poll_s=0.3)
    with usa_node.desk() as usa:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    wait_until(lambda: _head(rus_node, "USA") == _head(usa_node, "USA"), what="USA's feed on the RUS node")
    plain = runner.invoke(app, ["peer", "list", "--db", rus_node.db_url, "--json"])
    assert "peer_head_seq" not in plain.stdout  # without --remote, nothing is asked of the peers
    (caught_up,) = [json.loads(line) for line in _peers(rus_node)]
    assert caught_up["peer_head_seq"] == caught_up["head_seq"] == _head(usa_node, "USA")
    assert (caught_up["behind"], caught_up["held_percent"], caught_up["peer_head_error"]) == (0, 100, None)

    rus_node.stop()  # the RUS node stops pulling; the USA feed grows
    with usa_node.desk() as usa:
        for _ in range(3):
            assert usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"}).status_code < 300
    usa_head = _head(usa_node, "USA")
    assert usa_head is not None
    (behind,) = [json.loads(line) for line in _peers(rus_node)]
    assert behind["peer_head_seq"] == usa_head
    assert behind["behind"] == usa_head - behind["head_seq"] > 0
    assert 0 < behind["held_percent"] < 100
    text = runner.invoke(app, ["peer", "list", "--db", rus_node.db_url, "--remote"]).stdout
    assert f"peer head {usa_head}: {behind['held_percent']}% held, {behind['behind']} behind" in text

    usa_node.stop()  # the peer's node is gone: said, not fatal
    (unknown,) = [json.loads(line) for line in _peers(rus_node)]
    assert unknown["peer_head_seq"] is None
    assert unknown["peer_head_error"].startswith("ConnectError")


def _peers(node: FedNode) -> list[str]:
    listed = runner.invoke(app, ["peer", "list", "--db", node.db_url, "--json", "--remote"])
    assert listed.exit_code == 0, listed.output
    return listed.stdout.splitlines()
