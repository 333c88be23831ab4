"""Federation catch-up progress in the node log (issue 19 item 6): a feed more than a page behind is told
page by page, against the head the serving node gives with each page; ordinary replication says nothing."""

from __future__ import annotations

import logging

import pytest

from airparley.node._sync import FEED_PAGE, _log_catch_up


def test_a_feed_pages_behind_is_told_with_its_share(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="airparley.federation"):
        assert _log_catch_up("RUS", FEED_PAGE - 1, 4 * FEED_PAGE, FEED_PAGE)
        assert not _log_catch_up("RUS", 4 * FEED_PAGE, 4 * FEED_PAGE, FEED_PAGE)  # the last page: caught up
        assert not _log_catch_up("RUS", 10, 12, 0)  # nothing accepted: no progress to tell
        for head in (None, True, "12"):  # an older node, or a wrong value: nothing to tell
            assert not _log_catch_up("RUS", 10, head, 3)
    assert [r.getMessage() for r in caplog.records] == [f"catching up with RUS: #{FEED_PAGE - 1} of #{4 * FEED_PAGE} (24%)"]
