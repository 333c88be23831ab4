"""The suite's only way to a node: HTTP requests (httpx) and WebSocket reads (websockets), each recorded.

Every request a check looks at is kept as an :class:`Exchange`, so a failed check can show the request that
showed it (method, URL, body sent, status, the start of the answer), never the token that made it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Desk", "Exchange", "body_text", "visible"]

_EXCERPT = 800


def visible(text: str) -> str:
    """``text`` with control and format characters (a direction override, a NUL) written as ``\\uXXXX``, so
    evidence reads in the order it was sent, in a terminal and in the HTML report alike."""
    return "".join(
        c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs") else f"\\u{ord(c):04x}" for c in text
    )


def body_text(body: Any, limit: int = _EXCERPT) -> str:
    """A short, one-line rendering of a JSON body (or bytes) for evidence."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        text = visible(body[:limit].decode("utf-8", "replace"))
        return text + (f"... ({len(body)} bytes)" if len(body) > limit else "")
    text = visible(json.dumps(body, ensure_ascii=False, sort_keys=True))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


@dataclass(frozen=True)
class Exchange:
    """One request and its answer."""

    method: str
    url: str
    sent: str
    status: int
    content_type: str
    text: str
    json: Any
    retry_after: str | None = None  # the header, kept: a 429 is only useful with it

    @property
    def request(self) -> str:
        return f"{self.method} {self.url}" + (f" {self.sent}" if self.sent else "")

    def describe(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"

    @property
    def problem(self) -> bool:
        return self.content_type.split(";")[0].strip() == "application/problem+json"

    def field(self) -> str | None:
        """The ``field`` a problem document names, if any."""
        return self.json.get("field") if isinstance(self.json, dict) else None

    def items(self) -> list[Any]:
        """The answer as a list (``[]`` if it is not one)."""
        return self.json if isinstance(self.json, list) else []


class Desk:
    """One officer (or peer) on one node: a bearer token bound to a base URL."""

    def __init__(self, party: str, tier: str, url: str, token: str, timeout_s: float = 15.0) -> None:
        self.party = party
        self.tier = tier
        self.url = url
        self.token = token
        #: Events up to this cursor came before the run (set by the runner): none of the run's can be there, so a
        #: long-lived node's history is paged through once, not at every look at the feed.
        self.floor = 0
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s)

    def __repr__(self) -> str:  # never the token
        return f"Desk({self.party} {self.tier} at {self.url})"

    def close(self) -> None:
        self.client.close()

    @staticmethod
    def _path(path: str) -> str:
        return path if path.startswith(("/openapi", "/api/")) else "/api/v1" + path

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Exchange:
        url = self._path(path)
        sent_headers = dict(headers or {})
        if content is not None:
            sent_headers.setdefault("Content-Type", "application/json")
        if not auth:
            sent_headers["Authorization"] = ""
        attempts = 2 if method == "GET" else 1  # a read may be retried once; a write never (it may have acted)
        for attempt in range(attempts):
            try:
                answer = self.client.request(
                    method,
                    url,
                    json=body if content is None and body is not None else None,
                    content=content,
                    headers=sent_headers,
                    params=params,
                )
                break
            except httpx.TransportError as error:
                # A node that drops the connection (a crashed handler) has not answered: evidence, not a crash of
                # the suite. Status 0 means no HTTP answer came back.
                if attempt + 1 < attempts:
                    continue
                sent = body_text(content if content is not None else body)
                return Exchange(
                    method, self.url + url, sent, 0, "", f"no answer: {type(error).__name__}: {error}", None
                )
        try:
            parsed = answer.json()
        except ValueError:
            parsed = None
        shown = str(answer.request.url)  # the node's URL too: with two nodes, which one answered matters
        return Exchange(
            method,
            shown,
            body_text(content if content is not None else body),
            answer.status_code,
            answer.headers.get("content-type", ""),
            visible(answer.text),  # whole: checks search it (a leak may sit anywhere); evidence shows its start
            parsed,
            answer.headers.get("retry-after"),
        )

    def get(self, path: str, **params: Any) -> Exchange:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request(
            "POST", path, body if body is not None else ({} if "content" not in kwargs else None), **kwargs
        )

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Exchange:
        return self.request("PUT", path, body, **kwargs)

    def events(self, after: int = 0) -> tuple[list[dict[str, Any]], int, Exchange]:
        """Every event after ``after`` (and after ``floor``) this desk may read, paged; the cursor; the last
        exchange."""
        found: list[dict[str, Any]] = []
        cursor = max(after, self.floor)
        while True:
            exchange = self.get("/events", after=cursor, limit=1000)
            if exchange.status != 200 or not isinstance(exchange.json, dict):
                return found, cursor, exchange
            batch = exchange.json.get("events") or []
            found.extend(batch)
            next_cursor = int(exchange.json.get("cursor", cursor))
            if not batch or next_cursor == cursor:
                return found, next_cursor, exchange
            cursor = next_cursor
