"""The desk UI in a real headless Chromium (Debian's, at /usr/bin/chromium) against a real node.

The node is the ``running`` fixture of ``tests/node`` (uvicorn on 127.0.0.1, parties USA/RUS/TUR/SYR with
officers of every tier), here on SQLite only: the browser tests are about the page, and the store is
tested on both backends by the node's own tests. Every page records the requests it makes; a request to
anything but 127.0.0.1 fails the test that made it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

NODE_TESTS = Path(__file__).resolve().parent.parent / "node"
sys.path.insert(0, str(NODE_TESTS))  # node_support and palmyra, shared with the node's tests

from desk_support import Desk  # noqa: E402
from node_support import Running  # noqa: E402

from airparley.web import STATIC  # noqa: E402

_spec = importlib.util.spec_from_file_location("airparley_node_test_fixtures", NODE_TESTS / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_node_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_node_fixtures)
running = _node_fixtures.running  # the same real node the node's tests use

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'airparley.db'}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    if not (STATIC / "vendor" / "leaflet" / "leaflet.js").is_file():
        pytest.fail("the desk UI's assets are not built: run 'make web' (npm ci + node web/build.mjs)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def desk(browser: Any, running: Running) -> Iterator[Desk]:
    """A fresh browser context (no cookies) with one page on the running node."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    page = context.new_page()
    tab = Desk(page, running)
    try:
        yield tab
        assert tab.external_requests() == [], "the page made requests outside 127.0.0.1"
        assert tab.errors == [], f"the page raised errors: {tab.errors}"
    finally:
        context.close()
