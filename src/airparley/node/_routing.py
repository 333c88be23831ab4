"""What every feature router shares: the idempotent write path and the request annotations."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, Header
from fastapi.responses import JSONResponse

from airparley.node._core import Node
from airparley.store import Officer, Tx

__all__ = ["GeoJSON", "IdempotencyKey", "json_response", "once"]

GeoJSON = Annotated[dict[str, Any], Body(description="A GeoJSON FeatureCollection of notices (docs/formats.md).")]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Retrying with the same key returns the first answer.")
]


def json_response(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _body_bytes(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def once(
    node: Node,
    who: Officer,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    act: Callable[[Tx], tuple[int, Any]],
) -> JSONResponse:
    """A write acted on once per Idempotency-Key (a retry gets the first answer back)."""
    body = _body_bytes(payload) if payload is not None else b""
    status, answer = node.idempotent(who, key, method, path, body, act)
    return json_response(status, answer)
