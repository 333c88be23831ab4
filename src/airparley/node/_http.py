"""HTTP plumbing shared by the routes: problem+json errors, body-size and rate limits, authentication."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airparley.errors import AirparleyError, IllegalTransition, InvalidInput, NotFound, PermissionDenied

__all__ = [
    "BodyLimit",
    "RateLimiter",
    "TooManyRequests",
    "Unauthorized",
    "problem",
    "problem_for",
    "validation_problem",
]

PROBLEM = "application/problem+json"


class Unauthorized(AirparleyError):
    """No bearer token, or one that is unknown or revoked."""


class TooManyRequests(AirparleyError):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"rate limit exceeded; retry in {retry_after_s:.1f} s")


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_for(error: AirparleyError) -> JSONResponse:
    """The one mapping from airparley's exceptions to HTTP problems."""
    if isinstance(error, InvalidInput):
        return problem(422, "Invalid input", error.describe(), None, **error.as_dict())
    if isinstance(error, NotFound):
        return problem(404, "Not found", str(error))
    if isinstance(error, PermissionDenied):
        return problem(403, "Forbidden", error.reason)
    if isinstance(error, IllegalTransition):
        return problem(409, "Not allowed now", str(error), state=str(error.state), event=str(error.event))
    if isinstance(error, Unauthorized):
        return problem(401, "Unauthorized", str(error), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, TooManyRequests):
        return problem(
            429, "Too many requests", str(error), headers={"Retry-After": str(max(1, round(error.retry_after_s)))}
        )
    return problem(500, "Internal error", str(error))


def validation_problem(_request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own request validation, in the same problem+json shape (first error named)."""
    assert isinstance(error, RequestValidationError)
    errors = []
    for item in error.errors():
        location = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
        errors.append({"field": ".".join(location) or "(body)", "reason": str(item.get("msg", "invalid")), "where": ""})
    first = errors[0] if errors else {"field": "(body)", "reason": "invalid request", "where": ""}
    return problem(
        422,
        "Invalid input",
        f"{first['field']}: {first['reason']}",
        None,
        field=first["field"],
        reason=first["reason"],
        where="",
        errors=errors,
    )


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Request too large", f"request bodies are limited to {self.max_bytes} bytes")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


@dataclass
class RateLimiter:
    """A token bucket per key (the officer): ``rate_per_s`` sustained, ``burst`` at once."""

    rate_per_s: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: MutableMapping[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise TooManyRequests((1.0 - tokens) / self.rate_per_s)
            self._buckets[key] = (tokens - 1.0, now)


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


Handler = Callable[[Request], Awaitable[Any]]
