"""The FastAPI application: REST under ``/api/v1``, OpenAPI at ``/docs``, WebSocket ``/api/v1/events``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from airparley import __version__, bounds
from airparley.errors import AirparleyError, InvalidInput, Unauthorized
from airparley.node._access import ACCESS, Act, may
from airparley.node._auth import SocketResolver, bearer_token, officer_for, route_act, route_acts
from airparley.node._bodies import BodyLimit
from airparley.node._core import Node
from airparley.node._events import EventKind
from airparley.node._federation_routes import federation_router
from airparley.node._limits import RateLimiter, TooManyRequests, client_address
from airparley.node._problems import document_problems, http_problem, problem_for, validation_problem
from airparley.store import Officer, Tx
from airparley.strategic import NoticeState

__all__ = ["create_app"]

_log = logging.getLogger("airparley.node")

GeoJSON = Annotated[dict[str, Any], Body(description="A GeoJSON FeatureCollection of notices (docs/formats.md).")]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Retrying with the same key returns the first answer.")
]


def _json(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _body_bytes(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def create_app(node: Node) -> FastAPI:
    """The app for one node. The scheduler runs while the app is served (see lifespan)."""

    limiter = RateLimiter(node.settings.rate_per_s, node.settings.rate_burst)

    wake = _Wake()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        wake.attach(asyncio.get_running_loop())
        task = asyncio.create_task(_scheduler(node, wake))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="airparley node",
        version=__version__,
        description="Operation notices, conflicts with minimal disclosure, the hotline and negotiation cases.",
        lifespan=lifespan,
    )

    def once(who: Officer, key: str | None, method: str, path: str, payload: Any, act: Any) -> JSONResponse:
        """A write acted on once per Idempotency-Key (a retry gets the first answer back)."""
        body = _body_bytes(payload) if payload is not None else b""
        status, answer = node.idempotent(who, key, method, path, body, act)
        return _json(status, answer)

    app.state.node = node
    app.state.limiter = limiter
    app.add_middleware(BodyLimit, max_bytes=node.settings.max_body_bytes)

    @app.exception_handler(AirparleyError)
    async def _airparley_error(_request: Request, error: AirparleyError) -> JSONResponse:
        return problem_for(error)

    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)  # no such route, 405: problem+json too

    api = APIRouter(prefix="/api/v1")

    @api.get("/me", summary="Who the token belongs to")
    def me(who: Annotated[Officer, officer_for(Act.WHOAMI)]) -> dict[str, Any]:
        with node.store.begin() as tx:
            party = tx.party(who.party)
        return {"officer": who.as_dict(), "party": party.as_dict() if party else None}

    @api.get("/parties", summary="The parties on this node")
    def parties(_who: Annotated[Officer, officer_for(Act.READ_PARTIES)]) -> list[dict[str, Any]]:
        with node.store.begin() as tx:
            return [{"code": p.code, "name": p.name, "language": p.language} for p in tx.parties()]

    # -- notices ---------------------------------------------------------------------------------------
    @api.post("/notices", status_code=201, summary="File new notices (GeoJSON FeatureCollection)")
    def file_notices(
        who: Annotated[Officer, officer_for(Act.FILE_NOTICES)], document: GeoJSON, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            who, key, "POST", "/notices", document, lambda tx: (201, {"filed": node.file_notices(tx, who, document)})
        )

    @api.get("/notices", summary="Your party's notices, in full (GeoJSON)")
    def list_notices(who: Annotated[Officer, officer_for(Act.READ_NOTICES)]) -> dict[str, Any]:
        return node.notices_for(who)

    @api.get("/notices/{notice_id}", summary="One of your party's notices (GeoJSON)")
    def get_notice(who: Annotated[Officer, officer_for(Act.READ_NOTICES)], notice_id: str) -> dict[str, Any]:
        return node.notice_for(who, notice_id)

    @api.put("/notices/{notice_id}", summary="Revise a notice: a new version, numbered by the node")
    def revise_notice(
        who: Annotated[Officer, officer_for(Act.REVISE_NOTICES)],
        notice_id: str,
        document: GeoJSON,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(
            who,
            key,
            "PUT",
            f"/notices/{notice_id}",
            document,
            lambda tx: (200, node.revise_notice(tx, who, notice_id, document)),
        )

    @api.post("/notices/{notice_id}/cancel", summary="Cancel a notice")
    def cancel_notice(
        who: Annotated[Officer, officer_for(Act.END_NOTICES)], notice_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            who,
            key,
            "POST",
            f"/notices/{notice_id}/cancel",
            None,
            lambda tx: (200, node.end_notice(tx, who, notice_id, NoticeState.CANCELLED)),
        )

    @api.post("/notices/{notice_id}/close", summary="Close a notice (the activity is over)")
    def close_notice(
        who: Annotated[Officer, officer_for(Act.END_NOTICES)], notice_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            who,
            key,
            "POST",
            f"/notices/{notice_id}/close",
            None,
            lambda tx: (200, node.end_notice(tx, who, notice_id, NoticeState.CLOSED)),
        )

    # -- conflicts -------------------------------------------------------------------------------------
    @api.get("/conflicts", summary="Conflicts of your party's notices: your side in full, the other's overlap only")
    def list_conflicts(who: Annotated[Officer, officer_for(Act.READ_CONFLICTS)]) -> list[dict[str, Any]]:
        return node.conflicts_for(who)

    @api.get("/conflicts/{conflict_id}", summary="One conflict")
    def get_conflict(who: Annotated[Officer, officer_for(Act.READ_CONFLICTS)], conflict_id: str) -> dict[str, Any]:
        return node.conflict_for(who, conflict_id)

    # -- frequencies -----------------------------------------------------------------------------------
    @api.get("/frequencies", summary="The agreed frequencies (121.5 and 243.0 MHz guard by default)")
    def list_frequencies(_who: Annotated[Officer, officer_for(Act.READ_FREQUENCIES)]) -> list[dict[str, Any]]:
        with node.store.begin() as tx:
            return tx.frequencies()

    @api.post("/frequencies", status_code=201, summary="Register an agreed frequency")
    def add_frequency(
        who: Annotated[Officer, officer_for(Act.ADD_FREQUENCIES)],
        name: Annotated[str, Body()],
        mhz: Annotated[float, Body()],
        area: Annotated[str, Body()] = "",
        notes: Annotated[str, Body()] = "",
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        # Checked before the store, so SQLite and PostgreSQL agree on what is valid (airparley/bounds.py).
        name = bounds.free_text(name, "name", "frequency_name", one_line=True)
        mhz = bounds.number(mhz, "mhz", "frequency_mhz")
        area = bounds.free_text(area, "area", "frequency_area", one_line=True)
        notes = bounds.free_text(notes, "notes", "frequency_notes")

        def add(tx: Tx) -> tuple[int, Any]:
            added = tx.add_frequency(name, mhz, area, notes)
            everyone = [p.code for p in tx.parties()]
            tx.append_event(EventKind.FREQUENCY_ADDED, everyone, dict.fromkeys(everyone, added), node.clock())
            return 201, added

        payload = {"name": name, "mhz": mhz, "area": area, "notes": notes}
        return once(who, key, "POST", "/frequencies", payload, add)

    # -- hotline: messages ----------------------------------------------------------------------------
    @api.post("/messages", status_code=201, summary="Send a hotline message (a phrase + params, or free text)")
    def send_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        message: Annotated[dict[str, Any], Body()],
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(who, key, "POST", "/messages", message, lambda tx: (201, node.send_message(tx, who, message)))

    @api.get("/messages", summary="Messages your party sent or received, newest first, in your language")
    def list_messages(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> list[dict[str, Any]]:
        with node.store.begin() as tx:
            return node.hotline.messages_for(tx, who)

    @api.get("/messages/{message_id}", summary="One message")
    def get_message(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)], message_id: str) -> dict[str, Any]:
        with node.store.begin() as tx:
            return node.hotline.message_for(tx, who, message_id)

    @api.post("/messages/{message_id}/read", summary="Mark a received message read")
    def read_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)], message_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        path = f"/messages/{message_id}/read"
        return once(
            who, key, "POST", path, None, lambda tx: (200, node.hotline.mark(tx, who, message_id, "read", node.clock()))
        )

    @api.post("/messages/{message_id}/ack", summary="Acknowledge a received message")
    def ack_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)], message_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        path = f"/messages/{message_id}/ack"
        return once(
            who,
            key,
            "POST",
            path,
            None,
            lambda tx: (200, node.hotline.mark(tx, who, message_id, "acknowledge", node.clock())),
        )

    @api.get("/phrases", summary="The phrase catalogue: ids, parameters and text in every language")
    def phrases(_who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> dict[str, Any]:
        return node.hotline.catalogue.as_dict()

    # -- hotline: cases -------------------------------------------------------------------------------
    @api.post("/cases", status_code=201, summary="Open a case about a conflict, or a contention with a party")
    def open_case(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        case: Annotated[dict[str, Any], Body()],
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(who, key, "POST", "/cases", case, lambda tx: (201, node.hotline.open(tx, who, case, node.clock())))

    @api.get("/cases", summary="Your party's cases")
    def list_cases(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> list[dict[str, Any]]:
        with node.store.begin() as tx:
            return node.hotline.cases_for(tx, who)

    @api.get("/cases/{case_id}", summary="One case, with the moves you may make")
    def get_case(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)], case_id: str) -> dict[str, Any]:
        with node.store.begin() as tx:
            return node.hotline.case_for(tx, who, case_id)

    @api.post("/cases/{case_id}/{action}", summary="propose, counter, accept, reject, escalate or resolve")
    def act_on_case(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        case_id: str,
        action: str,
        move: Annotated[dict[str, Any] | None, Body()] = None,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        payload = move or {}
        return once(
            who,
            key,
            "POST",
            f"/cases/{case_id}/{action}",
            payload,
            lambda tx: (200, node.hotline.act(tx, who, case_id, action, payload, node.clock())),
        )

    # -- tracks ----------------------------------------------------------------------------------------
    @api.post("/tracks", status_code=202, summary="Track states from your party's sensors (private to your party)")
    def post_tracks(
        who: Annotated[Officer, officer_for(Act.POST_TRACKS)],
        batch: Annotated[dict[str, Any], Body()],
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        unknown = set(batch) - {"states"}
        if unknown or "states" not in batch:
            raise InvalidInput("states", 'the body is {"states": [track state, ...]}')

        def post(_tx: Tx | None = None) -> tuple[int, Any]:
            accepted, rejected = node.pictures.post(who.party, batch["states"])
            if accepted:
                wake.tracks(who.party)
            return 202, {"accepted": accepted, "rejected": [r.as_dict() for r in rejected]}

        if key is None:  # the radar's hot path: states are held in memory, no transaction to take
            return _json(*post())
        return once(who, key, "POST", "/tracks", batch, post)

    @api.get(
        "/tracks",
        summary="Your party's live air picture: the newest state of each track, and of each track shared with it",
    )
    def get_tracks(who: Annotated[Officer, officer_for(Act.READ_TRACKS)]) -> list[dict[str, Any]]:
        return node.tracks_for(who)

    @api.post("/tracks/shares", status_code=201, summary="Share a track of your own picture with other parties")
    def share_track(
        who: Annotated[Officer, officer_for(Act.SHARE_TRACKS)],
        share: Annotated[dict[str, Any], Body()],
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(who, key, "POST", "/tracks/shares", share, lambda tx: (201, node.share_track(tx, who, share)))

    @api.get("/tracks/shares", summary="Track shares your party made and those made with it, newest first")
    def list_shares(who: Annotated[Officer, officer_for(Act.READ_SHARES)]) -> list[dict[str, Any]]:
        return node.shares_for(who)

    @api.post("/tracks/shares/{share_id}/revoke", summary="Revoke one of your party's track shares")
    def revoke_share(
        who: Annotated[Officer, officer_for(Act.SHARE_TRACKS)], share_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            who,
            key,
            "POST",
            f"/tracks/shares/{share_id}/revoke",
            None,
            lambda tx: (200, node.unshare_track(tx, who, share_id)),
        )

    # -- alerts, safety calls and non-response flags ---------------------------------------------------
    @api.get("/alerts", summary="Your party's tactical alerts in force (from its own picture), most severe first")
    def list_alerts(who: Annotated[Officer, officer_for(Act.READ_ALERTS)]) -> list[dict[str, Any]]:
        return node.alerts_for(who)

    @api.post(
        "/alerts/safety-call",
        status_code=201,
        summary="Call another party about its aircraft in your picture: a safety message, watched for a response",
    )
    def safety_call(
        who: Annotated[Officer, officer_for(Act.SAFETY_CALL)],
        call: Annotated[dict[str, Any], Body()],
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(who, key, "POST", "/alerts/safety-call", call, lambda tx: (201, node.safety_call(tx, who, call)))

    @api.get("/flags", summary="Aircraft flagged non-responsive that your party called or owns, newest first")
    def list_flags(who: Annotated[Officer, officer_for(Act.READ_FLAGS)]) -> list[dict[str, Any]]:
        return node.flags_for(who)

    # -- events ----------------------------------------------------------------------------------------
    @api.get("/events", summary="Events after a cursor (the same feed as the WebSocket, for polling)")
    def poll_events(
        who: Annotated[Officer, officer_for(Act.READ_EVENTS)],
        after: Annotated[int, Query(ge=0, le=bounds.MAX_CURSOR)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> dict[str, Any]:
        events, cursor = node.events_for(who.party, after, limit)
        return {"events": events, "cursor": cursor}

    @api.websocket("/events")
    async def events(socket: WebSocket, after: str = "0", token: str | None = None) -> None:
        who: Officer | None = None
        address = client_address(socket)
        limits: RateLimiter = app.state.limiter
        try:
            limits.knock(address)  # failed authentications count per address, as on the REST routes
            who = await run_in_threadpool(node.authenticate, bearer_token(socket.headers.get("authorization"), token))
            if who is None:
                limits.failed(address)
        except TooManyRequests as error:
            await socket.close(code=4429, reason=str(error))
            return
        except Unauthorized:  # no token: perhaps the desk UI's session cookie
            resolver: SocketResolver | None = getattr(app.state, "socket_officer", None)
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

    federation = federation_router(node)  # feeds, hints, evidence; the puller and pusher run with the app
    # Who may call each route, in the OpenAPI document and on the app (for the route x tier test): set on the
    # routers' own routes before they are included.
    app.state.route_acts = route_acts(api, federation)
    for router in (api, federation):
        for route in router.routes:
            if isinstance(route, APIRoute) and (act := route_act(route)) is not None:
                route.openapi_extra = {
                    **(route.openapi_extra or {}),
                    "x-airparley-act": act.name.lower(),
                    "x-airparley-tiers": sorted(ACCESS[act]),
                }
    app.include_router(api)
    app.include_router(federation)
    document_problems(app)  # every operation declares its problem+json answers
    return app


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
                await socket.send_json(event)
            live = node.tactical.live.get(who.party)
            if live is not None and live[0] != live_seen and may(who.tier, Act.READ_TRACKS):
                # The live air picture is replaced every second: pushed, never stored, never replayed.
                live_seen = live[0]
                await socket.send_json({"seq": None, "kind": "tracks.update", "data": live[1]})
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


async def _until_closed(socket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                return


class _Wake:
    """Tells the scheduler, from the request threads, whose new track states are in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parties: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._event = loop, asyncio.Event()

    def tracks(self, party: str) -> None:
        with self._lock:
            self._parties.add(party)
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout_s: float) -> None:
        assert self._event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(0.0, timeout_s))
        self._event.clear()

    def take(self) -> set[str]:
        with self._lock:
            parties, self._parties = self._parties, set()
        return parties


async def _scheduler(node: Node, wake: _Wake) -> None:
    """Deadlines, re-rings and escalations (state lives in the store, so a restart loses none), and the
    tactical scans.

    Ticks come at a fixed rate (every ``scheduler_interval_s`` from the first, however long each took). In
    between, a party's picture is scanned as soon as its new states are in, so an alert reaches its desk
    about one ingest and one scan after the state that raised it, not up to two intervals later; the next
    tick then leaves out the parties scanned within the last half interval."""
    loop = asyncio.get_running_loop()
    interval = node.settings.scheduler_interval_s
    gather = node.settings.scan_gather_s  # a radar's scan comes in several posts: let them land together
    due = loop.time() + interval
    while True:
        await wake.wait(due - loop.time())
        try:
            if loop.time() >= due - gather:
                await asyncio.sleep(max(0.0, due - loop.time()))
                due = max(due + interval, loop.time() + gather)  # late: skip, never bunch up
                fresh = wake.take()
                await run_in_threadpool(partial(node.tick, skip_scanned_within_s=interval / 2, fresh=fresh))
            else:
                await asyncio.sleep(gather)
                parties = wake.take()
                if parties:
                    await run_in_threadpool(node.scan_tracks, parties)
        except Exception:  # a failed tick must not stop the next one; it is logged, then retried
            _log.exception("scheduler tick failed")
