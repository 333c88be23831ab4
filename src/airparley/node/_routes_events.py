"""The event feed: ``GET /events`` (polling) and the WebSocket ``/events``, with its stream loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airparley import bounds
from airparley.errors import Unauthorized
from airparley.node._access import Act, may
from airparley.node._auth import SocketResolver, bearer_token, officer_for
from airparley.node._core import Node
from airparley.node._limits import RateLimiter, TooManyRequests, client_address
from airparley.node._models import described
from airparley.node._models_picture import EventPage
from airparley.store import Officer

__all__ = ["events_router"]


def events_router(node: Node) -> APIRouter:
    """The app's ``state.limiter`` counts failed authentications; a ``state.socket_officer`` (the desk UI's
    session cookie) is asked when a socket has no token."""
    api = APIRouter(prefix="/api/v1")

    @api.get(
        "/events",
        response_model=EventPage,
        summary="Events after a cursor (the same feed as the WebSocket, for polling)",
    )
    def poll_events(
        who: Annotated[Officer, officer_for(Act.READ_EVENTS)],
        after: Annotated[int, Query(ge=0, le=bounds.MAX_CURSOR)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> JSONResponse:
        events, cursor = node.events_for(who.party, after, limit)
        return described({"events": events, "cursor": cursor})

    @api.websocket("/events")
    async def events(socket: WebSocket, after: str = "0", token: str | None = None) -> None:
        who: Officer | None = None
        address = client_address(socket)
        limits: RateLimiter = socket.app.state.limiter
        try:
            limits.knock(address)  # failed authentications count per address, as on the REST routes
            who = await run_in_threadpool(node.authenticate, bearer_token(socket.headers.get("authorization"), token))
            if who is None:
                limits.failed(address)
        except TooManyRequests as error:
            await socket.close(code=4429, reason=str(error))
            return
        except Unauthorized:  # no token: perhaps the desk UI's session cookie
            resolver: SocketResolver | None = getattr(socket.app.state, "socket_officer", None)
            if resolver is not None:
                who = await run_in_threadpool(resolver, socket)
        if who is None:
            await socket.close(code=4401, reason="unknown, revoked or missing token")
            return
        if not may(who.tier, Act.READ_EVENTS):
            await socket.close(code=4403, reason=f"a {who.tier} officer may not {Act.READ_EVENTS.value}")
            return
        await socket.accept()
        cursor = _cursor(after)
        if cursor is None:  # closed with a reason the client can read, not a bare policy violation
            await socket.close(code=4422, reason=f"after: must be a whole number 0-{bounds.MAX_CURSOR}")
            return
        await _stream(node, socket, who, cursor)

    return api


def _cursor(after: str) -> int | None:
    """The WebSocket's ``after`` as a cursor within bounds (a negative one reads from the start, as before)."""
    text = after.strip()
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    value = int(text)
    return max(0, value) if value <= bounds.MAX_CURSOR else None


async def _stream(node: Node, socket: WebSocket, who: Officer, cursor: int) -> None:
    """Send every event after ``cursor`` the officer's party may see, then each new one as it commits."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def listener() -> None:
        loop.call_soon_threadsafe(wake.set)

    node.subscribe(listener)
    # A revoked officer's socket is closed within auth_cache_s, as its token stops opening REST routes.
    recheck_s = node.settings.auth_cache_s
    recheck_at = loop.time() + recheck_s
    live_seen = 0
    woken = False  # by a commit of this node (else: the first read, or 30 s idle)
    closed = asyncio.create_task(_until_closed(socket))
    try:
        while not closed.done():
            wake.clear()
            if loop.time() >= recheck_at:
                if not await run_in_threadpool(node.still_in_force, who):
                    await socket.close(code=4401, reason="this officer has been revoked")
                    return
                recheck_at = loop.time() + recheck_s
            # After a commit of this node, from the in-memory tail of recent events when it reaches back to the
            # cursor: no thread, so a socket never waits behind the writes queued in the thread pool. The first
            # read, an older cursor and each read after 30 s idle (which finds what another process wrote to the
            # database) go to the database.
            recent = node.recent_events_for(who.party, cursor) if woken else None
            if recent is None:
                recent = await run_in_threadpool(node.events_for, who.party, cursor)
            batch, next_cursor = recent
            for event in batch:
                await socket.send_text(_frame(event))
            live = node.picture_service.live_for(who.party)
            if live is not None and live.version != live_seen and may(who.tier, Act.READ_TRACKS):
                # The live air picture is replaced every second: pushed, never stored, never replayed.
                live_seen = live.version
                await socket.send_text(_frame({"seq": None, "kind": "tracks.update", "data": live.data}))
            if next_cursor != cursor:
                cursor = next_cursor
                continue
            waiter = asyncio.create_task(wake.wait())
            idle_s = min(30.0, max(0.05, recheck_at - loop.time()))
            await asyncio.wait({waiter, closed}, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            woken = wake.is_set()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        node.unsubscribe(listener)
        closed.cancel()


def _frame(event: Any) -> str:
    """``event`` as a WebSocket text frame: the compact UTF-8 JSON Starlette's ``send_json`` writes, encoded
    by orjson (C, about a tenth of ``json.dumps``' time on an event). What orjson refuses (a lone surrogate,
    which ``utf8_safe`` already replaced in stored events, an integer beyond 64 bits, a key that is not a
    string) goes through ``json.dumps`` as before, so no frame changes in meaning or stops being sent."""
    try:
        return orjson.dumps(event).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


async def _until_closed(socket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                return
