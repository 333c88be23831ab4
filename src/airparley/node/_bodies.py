"""The body door: ASGI middleware that reads and checks every request before a route sees it.

The door reads a request body whole (at most ``max_bytes``, declared or streamed, chunked included) and
refuses, as a problem document, a URL or a JSON body that the checks of ``node/_ijson.py`` refuse (422,
naming the field) and a body over the limit (413).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airparley.node._ijson import json_door, url_door
from airparley.node._problems import input_problem, problem

__all__ = ["BodyLimit"]


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(
                media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
            )
    return False


class BodyLimit:
    """ASGI middleware: the door. A path or query that is not UTF-8 or holds a NUL gets 422; a body over
    ``max_bytes`` (declared, or streamed in chunks) gets 413; a JSON body that is not I-JSON gets 422 naming
    the field; the route then reads the body as buffered."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (refused_url := url_door(scope)) is not None:
            await input_problem(*refused_url)(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left before its body ended: nobody to answer
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope) and (refused := json_door(body)) is not None:
            await input_problem(*refused)(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Request too large", f"request bodies are limited to {self.max_bytes} bytes")
        await response(scope, receive, send)
