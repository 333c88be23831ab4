"""HTTP plumbing shared by the routes: problem+json errors, the body door, rate limits, the OpenAPI answers.

Every answer that is not a success is an RFC 9457 problem document (``application/problem+json``): the
node's own errors (:func:`problem_for`), FastAPI's request validation (:func:`validation_problem`), the
router's 404 and 405 and any other Starlette ``HTTPException`` (:func:`http_problem`), and the body door's
413 and 422 (:class:`BodyLimit`). :func:`document_problems` declares them in the OpenAPI document.

The body door reads a request body whole (at most ``max_bytes``, declared or streamed, chunked included)
before any route sees it, and holds a JSON body to I-JSON (RFC 7493): UTF-8, no lone surrogate, no
``NaN``/``Infinity``, no number outside an IEEE double's range, and nesting at most :data:`MAX_JSON_DEPTH`
deep. Such a body is refused as a whole with 422, naming the JSON path of the offending value where there
is one. The cheap checks run on the raw bytes (C-speed regular expressions and a NumPy running sum), and
the parsed document is walked only when they flag a candidate, so a well-formed megabyte of track states
costs one extra ``json.loads``.

Rate limits (:class:`RateLimiter`): a token bucket per known bearer token, and one per client address
charged :data:`FAILURE_COST` requests for each failed authentication (an unknown or revoked token). An
address whose bucket is spent is answered 429 before its token is even looked up, so guessing tokens or
flooding the store with lookups is held to ``rate_per_s / FAILURE_COST`` a second. The buckets are
bounded: kept in least-recently-used order, a bucket idle long enough to have refilled is dropped (a full
bucket is what a new key gets anyway), and past ``max_keys`` the least recently used is dropped.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airparley.errors import AirparleyError, IllegalTransition, InvalidInput, NotFound, PermissionDenied, Unauthorized

__all__ = [
    "FAILURE_COST",
    "MAX_JSON_DEPTH",
    "PROBLEM",
    "PROBLEM_STATUSES",
    "BodyLimit",
    "ProblemResponse",
    "RateLimiter",
    "TooManyRequests",
    "Unauthorized",
    "client_address",
    "document_problems",
    "http_problem",
    "json_door",
    "problem",
    "problem_for",
    "url_door",
    "validation_problem",
]

PROBLEM: Final = "application/problem+json"
#: Deeper than any document the node takes (a GeoJSON multipolygon inside a notice is about 10), and far
#: below Python's recursion limit, which a deeper document would reach in the parser or the encoders.
MAX_JSON_DEPTH: Final = 64
#: A failed authentication costs its address this many requests' worth of its bucket.
FAILURE_COST: Final = 10
#: The answers every route may give besides its success, each a problem document.
PROBLEM_STATUSES: Final = (400, 401, 403, 404, 409, 413, 422, 429)


class TooManyRequests(AirparleyError):
    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"rate limit exceeded; retry in {retry_after_s:.1f} s")


class ProblemResponse(JSONResponse):
    """A problem document. It may quote the input it refuses: a lone surrogate in a quoted field name is
    written as its JSON escape instead of failing to encode (which would turn a 4xx into a 500)."""

    media_type = PROBLEM

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return ProblemResponse(body, status_code=status, headers=headers)


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


def _invalid(field_name: str, reason: str) -> JSONResponse:
    return problem(422, "Invalid input", f"{field_name}: {reason}", None, field=field_name, reason=reason, where="")


def validation_problem(_request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own request validation, in the same problem+json shape (first error named)."""
    assert isinstance(error, RequestValidationError)
    errors = []
    for item in error.errors():
        if item.get("type") == "json_invalid":  # its location is a character offset, not a field
            offset = [p for p in item.get("loc", ()) if p != "body"]
            cause = (item.get("ctx") or {}).get("error", "malformed")
            where = f" at character {offset[0]}" if offset else ""
            errors.append({"field": "(body)", "reason": f"not JSON: {cause}{where}", "where": ""})
            continue
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


def http_problem(request: Request, error: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own HTTP errors (no such route, method not allowed, a body FastAPI could
    not read) as problem documents; a 405 keeps its ``Allow`` header."""
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    headers = dict(error.headers or {})
    if status == 404 and error.detail in (None, "Not Found"):
        return problem(404, title, f"no such route or resource: {request.url.path}", headers)
    if status == 405:
        # Starlette names the methods of the first route that matched the path only; a path served by
        # several routes (GET and POST /notices) allows them all.
        methods: set[str] = set()
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            scope = {**request.scope, "type": "http", "method": method}
            if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
                methods.add(method)
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        if methods:
            headers["Allow"] = ", ".join(sorted(methods))
        allowed = headers.get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}" + (f"; allowed: {allowed}" if allowed else "")
        return problem(405, title, detail, headers)
    cause = error.__cause__
    if status == 400 and cause is not None:  # FastAPI could not read the body: say why, about the body
        reason = _unreadable(cause)
        return problem(400, title, f"(body): {reason}", headers, field="(body)", reason=reason, where="")
    detail = error.detail if isinstance(error.detail, str) else title
    return problem(status, title, detail, headers)


def _unreadable(cause: BaseException) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return f"not UTF-8 (byte {cause.start})"
    if isinstance(cause, RecursionError):
        return f"nested deeper than {MAX_JSON_DEPTH} levels"
    return f"unreadable ({type(cause).__name__})"


# -- the body door ---------------------------------------------------------------------------------------
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
# +1 for an opening bracket, -1 for a closing one, 0 for any other byte.
_NESTING: Final = np.zeros(256, dtype=np.int8)
_NESTING[list(b"[{")] = 1
_NESTING[list(b"]}")] = -1
_QUOTE: Final = ord('"')
_NOT_NESTING: Final = bytes(sorted(set(range(256)) - set(b'[]{}"')))


class _NotIJson(ValueError):
    pass


class _Huge(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotIJson(f"{name} is not JSON")


def _checked_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _Huge(text)
    return value


def _checked_int(text: str) -> int:
    value = int(text)
    if len(text) >= 309:  # 309 digits or more may be beyond a double (1.8e308)
        try:
            float(value)
        except OverflowError:
            raise _Huge(text) from None
    return value


def _depth(body: bytes) -> int:
    """The deepest nesting of brackets outside strings, without parsing (NumPy over the bytes)."""
    # With escaped backslashes and escaped quotes gone, every quote left opens or closes a string; of the
    # rest only brackets and quotes matter, and bytes.translate drops the others at C speed.
    plain = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    plain = plain.translate(None, _NOT_NESTING)
    marks = np.frombuffer(plain, dtype=np.uint8)
    if marks.size == 0:
        return 0
    inside = (np.cumsum(marks == _QUOTE) & 1).astype(bool)
    steps = _NESTING[marks].astype(np.int32)
    steps[inside] = 0
    return int(np.cumsum(steps).max())


def json_door(body: bytes) -> tuple[str, str] | None:
    """``(field, reason)`` if ``body`` is not an I-JSON document the node takes, else None.

    About twice a plain ``json.loads`` on a megabyte of track states (the nesting runs in NumPy, numbers are
    checked as the parser meets them); the document is walked for a path only when something is refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return "(body)", f"not UTF-8 (byte {error.start})"
    if _depth(body) > MAX_JSON_DEPTH:
        return "(body)", f"nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_checked_float, parse_int=_checked_int)
    except (_NotIJson, _Huge) as error:
        # Name the field that holds it: parsed again as Python would, the walk finds its path.
        reason = str(error) if isinstance(error, _NotIJson) else "a number beyond the range of a double"
        try:
            for path, _ in _bad_values(json.loads(text), ()):
                return ".".join(path) or "(body)", reason
        except ValueError:  # an integer past Python's digit limit: no path to give
            pass
        return "(body)", reason
    except RecursionError:
        return "(body)", f"nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError as error:  # malformed JSON
        return "(body)", f"not JSON: {error}"
    if _SURROGATE_ESCAPE.search(body):
        for path, reason in _bad_values(document, ()):
            return ".".join(path) or "(body)", reason
    return None


def _bad_values(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Lone surrogates (in keys and strings) and numbers beyond a double, with their JSON paths."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _encodes(item):
                yield where, "contains a lone surrogate (not Unicode text)"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                yield where, "a number beyond the range of a double"
        elif isinstance(item, int):
            try:
                float(item)
            except OverflowError:
                yield where, "a number beyond the range of a double"
        elif isinstance(item, dict):
            for key, inner in reversed(list(item.items())):
                name = str(key)
                if not _encodes(name):
                    yield (*where, name), "a field name with a lone surrogate"
                stack.append((inner, (*where, name)))
        elif isinstance(item, list):
            stack.extend((inner, (*where, str(index))) for index, inner in reversed(list(enumerate(item))))


def url_door(scope: Scope) -> tuple[str, str] | None:
    """``(field, reason)`` if the request's path or query, percent-decoded, is not UTF-8 or holds a NUL (no id,
    cursor or name of the API may: PostgreSQL refuses NUL in text, and SQLite would store it), else None."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    refused = _url_part(urllib.parse.unquote_to_bytes(raw_path))
    if refused is not None:
        return "(path)", refused
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.partition(b"=")
        decoded_name = urllib.parse.unquote_to_bytes(name.replace(b"+", b" "))
        refused = _url_part(decoded_name) or _url_part(urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")))
        if refused is not None:
            readable = decoded_name.decode("utf-8", "replace").replace("\x00", "") or "(query)"
            return readable, refused
    return None


def _url_part(decoded: bytes) -> str | None:
    if b"\x00" in decoded:
        return "contains a NUL character"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 (byte {error.start} after percent-decoding)"
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
            await _invalid(*refused_url)(scope, receive, send)
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
            await _invalid(*refused)(scope, receive, send)
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


# -- rate limits -----------------------------------------------------------------------------------------
@dataclass
class RateLimiter:
    """A token bucket per key: ``rate_per_s`` sustained, ``burst`` at once; at most ``max_keys`` buckets.

    Keys are a known token (:func:`token_key`), a UI session or login, or a client address charged for
    failed authentications (:meth:`knock`, :meth:`failed`)."""

    rate_per_s: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str, cost: float = 1.0) -> None:
        """Take ``cost`` from ``key``'s bucket, or raise :class:`TooManyRequests` (taking nothing)."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            if tokens < cost:
                self._keep(key, tokens, now)
                raise TooManyRequests((cost - tokens) / self.rate_per_s)
            self._keep(key, tokens - cost, now)

    def knock(self, address: str) -> None:
        """Before a token is looked up: 429 if ``address`` has spent its failed authentications."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(_address_key(address), now)
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)

    def failed(self, address: str) -> None:
        """A failed authentication from ``address``: charged; 429 (instead of 401) once it is spent."""
        with self._lock:
            now = self.clock()
            key = _address_key(address)
            tokens = max(0.0, self._tokens(key, now) - FAILURE_COST)
            self._keep(key, tokens, now)
            if tokens < FAILURE_COST:
                raise TooManyRequests((FAILURE_COST - tokens) / self.rate_per_s)

    def _tokens(self, key: str, now: float) -> float:
        found = self._buckets.get(key)
        if found is None:
            return float(self.burst)
        tokens, last = found
        return min(float(self.burst), tokens + (now - last) * self.rate_per_s)

    def _keep(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        # Least recently used first: drop the buckets that have refilled since (nothing is lost: a new key
        # gets a full bucket), then, past the cap, the least recently used.
        refill_s = self.burst / self.rate_per_s
        while self._buckets:
            oldest, (_, last) = next(iter(self._buckets.items()))
            if oldest == key or now - last < refill_s:
                break
            del self._buckets[oldest]
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


def _address_key(address: str) -> str:
    return f"address:{address}"


def client_address(request: HTTPConnection) -> str:
    """The address a request came from, as rate limits count it: an IPv6 client by its /64 (one host's
    share of addresses), an IPv4 client by its address."""
    host = request.client.host if request.client else "unknown"
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


# -- the OpenAPI document ---------------------------------------------------------------------------------
_PROBLEM_SCHEMA: Final = {
    "type": "object",
    "description": "An RFC 9457 problem document; input errors name the field, the reason and where.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "Dotted path of the offending value, or (body)."},
        "reason": {"type": "string"},
        "where": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM_TEXT: Final = {
    400: "The request could not be read",
    401: "No bearer token or session, or an unknown or revoked one",
    403: "This officer's tier or party may not do this",
    404: "No such route, or no such thing this officer may see",
    409: "Not allowed in the current state",
    413: "The request body is over the node's limit",
    422: "Invalid input: the field and the reason are named",
    429: "Too many requests (or failed authentications from this address); see Retry-After",
}


_BEARER_TEXT: Final = (
    "An officer's token (a peer node's on the federation feed routes); the desk UI's session cookie also opens"
    " the officer routes."
)


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the problem answers of every operation (``application/problem+json``,
    schema ``Problem``), in place of FastAPI's own 422 body, and the bearer token as a security scheme."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = _PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        reference = {"$ref": "#/components/schemas/Problem"}
        for item in document.get("paths", {}).values():
            for method, operation in item.items():
                if method not in ("get", "put", "post", "delete", "patch") or not isinstance(operation, dict):
                    continue
                # The bearer token is a security scheme, not a header parameter for clients to fill in.
                parameters = operation.get("parameters", [])
                kept = [p for p in parameters if not (p.get("in") == "header" and p.get("name") == "authorization")]
                if len(kept) != len(parameters):
                    operation["parameters"] = kept
                    operation["security"] = [{"bearer": []}]
                    schemes = document["components"].setdefault("securitySchemes", {})
                    schemes["bearer"] = {"type": "http", "scheme": "bearer", "description": _BEARER_TEXT}
                if not kept:
                    operation.pop("parameters", None)
                responses = operation.setdefault("responses", {})
                for status in PROBLEM_STATUSES:
                    answer: dict[str, Any] = {
                        "description": _PROBLEM_TEXT[status],
                        "content": {PROBLEM: {"schema": reference}},
                    }
                    if status == 429:
                        answer["headers"] = {"Retry-After": {"schema": {"type": "string"}, "required": True}}
                    responses[str(status)] = answer
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


Handler = Callable[[Request], Awaitable[Any]]
