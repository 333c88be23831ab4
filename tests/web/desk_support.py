"""A desk in a browser tab, for the UI tests (a module of its own: test modules import it by name)."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from node_support import Running

LOOPBACK = {"127.0.0.1"}


class Desk:
    """One browser tab of a desk: the page, every request it made, every WebSocket frame it received."""

    def __init__(self, page: Any, running: Running) -> None:
        self.page = page
        self.running = running
        self.requests: list[str] = []
        self.bodies: list[str] = []
        self.frames: list[str] = []
        self.errors: list[str] = []
        # Console messages of type "error" (a failed resource load shows as one too), each as
        # "<text> (<url of the script or resource that logged it>)".
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", self._response)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def _frame(self, payload: Any) -> None:
        self.frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    def _response(self, response: Any) -> None:
        # A response without a body (204, a redirect) has nothing to keep.
        if "/api/" in response.url:
            with contextlib.suppress(Exception):
                self.bodies.append(response.text())

    def open(self, desk: str | None = None) -> None:
        """Open the node's page; with ``desk`` (e.g. ``usa_duty``), log in with that officer's token."""
        self.page.goto(self.running.url + "/")
        if desk is not None:
            self.login(desk)

    def login(self, desk: str) -> None:
        self.page.fill("#login-token", self.running.desk(desk).token)
        self.page.click("#login-submit")
        self.page.wait_for_selector("body[data-ready=true]", timeout=10_000)
        self.page.wait_for_selector("#link[data-state=live]", timeout=10_000)

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = self.page.evaluate("window.airparley.snapshot()")
        return data

    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not _local(url)]


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK


def forgive_console_errors(tab: Desk, status: int, path: str) -> int:
    """Remove from ``tab.console_errors`` the "Failed to load resource" lines Chromium logs for the
    ``status`` answers of ``path`` (e.g. 422 of ``/api/v1/notices``) that a test provoked on purpose;
    returns how many there were (a test asserts it provoked them)."""
    marker = f"status of {status} "
    kept = [line for line in tab.console_errors if not (marker in line and f"{path})" in line)]
    forgiven = len(tab.console_errors) - len(kept)
    tab.console_errors[:] = kept
    return forgiven
