"""The route of replay: the calling party's picture as it stood at a past moment (node/_replay.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from airparley.bounds import BOUNDS
from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import described
from airparley.node._models_picture import Picture
from airparley.store import Officer

__all__ = ["replay_router"]

_TRAIL = BOUNDS["trail_s"]


def replay_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    replay = node.replay_service

    @api.get(
        "/picture",
        response_model=Picture,
        summary="What your party could see at a past moment: notices, conflicts, messages, cases, tracks, alerts",
    )
    def picture_at(
        who: Annotated[Officer, officer_for(Act.READ_REPLAY)],
        at: Annotated[
            str | None, Query(description="ISO 8601 instant with a zone (2026-11-26T03:05:00Z), not after now")
        ] = None,
        trail_s: Annotated[
            int,
            Query(
                ge=_TRAIL.low,
                le=_TRAIL.high,
                description="Also each track's kept positions in this many seconds before T (`trails`); 0: none",
            ),
        ] = 0,
    ) -> JSONResponse:
        return described(replay.picture_at(who, at, trail_s))

    return api
