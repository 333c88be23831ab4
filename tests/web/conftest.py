"""The desk UI in a real headless Chromium (Debian's, at /usr/bin/chromium) against a real node.

The node is the ``running`` fixture of ``tests/node`` (uvicorn on 127.0.0.1, parties USA/RUS/TUR/SYR with
officers of every tier), here on SQLite only: the browser tests are about the page, and the store is
tested on both backends by the node's own tests. Every page records the requests it makes; a request to
anything but 127.0.0.1 fails the test that made it, and so does an uncaught error or a console error
(see ``unexpected_console_errors``).

The tests save screenshots of the main views (the ``screenshots`` fixture) in ``$AIRPARLEY_SCREENSHOTS``,
or else ``build/screenshots/`` under the repository (build/ is not committed). To make them again:
``.venv/bin/pytest -q tests/web/test_two_desks.py tests/web/test_a11y.py``; docs/images/desk.png is a
copy of ``desk.png``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

NODE_TESTS = Path(__file__).resolve().parent.parent / "node"
sys.path.insert(0, str(NODE_TESTS))  # node_support and palmyra, shared with the node's tests

from desk_support import Desk  # noqa: E402
from node_support import Running  # noqa: E402

from airparley.web import STATIC  # noqa: E402
from db_support import migrated_sqlite  # noqa: E402

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
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    return migrated_sqlite(sqlite_template, tmp_path)


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


# The only console error a healthy desk logs: Chromium reports every 4xx answer to a fetch as "Failed to
# load resource", and a 401 from /api/v1/session is the node's normal answer to "is there a session?" when
# the page opens logged out (main.js boot), and to a wrong token at login (test_login_and_logout provokes
# one on purpose). Any other status or URL, or any other console error, fails the test.
_NO_SESSION = re.compile(
    r"Failed to load resource: the server responded with a status of 401 \(Unauthorized\)"
    r" \(http://127\.0\.0\.1:\d+/api/v1/session\)"
)


def unexpected_console_errors(tab: Desk) -> list[str]:
    """The page's console errors, less the expected 401 of /api/v1/session (see ``_NO_SESSION``).

    A test that provokes another error on purpose asserts it and then removes it from
    ``tab.console_errors`` itself, so that only what it meant to provoke is forgiven."""
    return [line for line in tab.console_errors if not _NO_SESSION.fullmatch(line)]


def check_clean(tab: Desk) -> None:
    """What every desk must satisfy at the end of a test: nothing fetched from outside 127.0.0.1, no
    uncaught error, no console error."""
    assert tab.external_requests() == [], "the page made requests outside 127.0.0.1"
    assert tab.errors == [], f"the page raised errors: {tab.errors}"
    assert unexpected_console_errors(tab) == [], f"the page logged console errors: {unexpected_console_errors(tab)}"


@pytest.fixture
def new_desk(browser: Any, running: Running) -> Iterator[Callable[..., Desk]]:
    """Make desks: ``new_desk(width=1280, height=800)`` -> a fresh browser context (its own cookies, so
    one officer each) with one page on the running node. Each is checked with ``check_clean`` at the end."""
    made: list[tuple[Any, Desk]] = []

    def make(width: int = 1600, height: int = 900) -> Desk:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US", timezone_id="UTC")
        context.set_default_timeout(10_000)
        tab = Desk(context.new_page(), running)
        made.append((context, tab))
        return tab

    try:
        yield make
        for _, tab in made:
            check_clean(tab)
    finally:
        for context, _ in made:
            context.close()


@pytest.fixture
def desk(new_desk: Callable[..., Desk]) -> Desk:
    """A fresh browser context (no cookies) with one page on the running node, 1600x900."""
    return new_desk()


def _screenshot_dir() -> Path:
    configured = os.environ.get("AIRPARLEY_SCREENSHOTS")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="session")
def screenshots() -> Callable[[Any, str], Path]:
    """``screenshots(page, "theatre")`` saves the page's viewport as ``theatre.png`` in the screenshot
    directory (``$AIRPARLEY_SCREENSHOTS``, else ``build/screenshots/`` under the repository) and returns
    the file. The tests that show a main view save one: login, theatre, case, hotline, ..."""
    folder = _screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path

    return save
