"""Problem documents: every answer that is not a success, and how the OpenAPI document declares them.

Every answer that is not a success is an RFC 9457 problem document (``application/problem+json``): the
node's own errors (:func:`problem_for`), FastAPI's request validation (:func:`validation_problem`), the
router's 404 and 405 and any other Starlette ``HTTPException`` (:func:`http_problem`), and the body door's
413 and 422 (``node/_bodies.py``). :func:`document_problems` declares them in the OpenAPI document.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from airparley.errors import AirparleyError, IllegalTransition, InvalidInput, NotFound, PermissionDenied, Unauthorized
from airparley.node._ijson import MAX_JSON_DEPTH
from airparley.node._limits import TooManyRequests

__all__ = [
    "PROBLEM",
    "PROBLEM_STATUSES",
    "ProblemResponse",
    "document_problems",
    "http_problem",
    "input_problem",
    "problem",
    "problem_for",
    "validation_problem",
]

PROBLEM: Final = "application/problem+json"
#: The answers every route may give besides its success, each a problem document.
PROBLEM_STATUSES: Final = (400, 401, 403, 404, 409, 413, 422, 429)


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


def input_problem(field_name: str, reason: str) -> JSONResponse:
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
