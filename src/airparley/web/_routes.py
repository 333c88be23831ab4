"""The desk UI on a node: the page at ``/``, its files under ``/static``, and the session endpoints.

``POST /api/v1/session {token}`` logs in (sets the cookie), ``GET /api/v1/session`` answers who is logged
in with the node's clock and event cursor, ``DELETE /api/v1/session`` logs out. How the cookie is made
and checked: :mod:`airparley.web._session`; how the node's routes accept it: :func:`session_officer`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import Field

from airparley._time import iso_z, iso_z_at
from airparley.errors import PermissionDenied, Unauthorized
from airparley.node import Node, create_app
from airparley.node._limits import client_address
from airparley.node._models import Buffers, OfficerView, PartyWithKey, View, described
from airparley.store import Officer
from airparley.web._session import COOKIE, CSRF_HEADER, SAFE_METHODS, Session, Sessions, secret_from_env

__all__ = ["STATIC", "SessionAuth", "mount", "session_officer", "websocket_officer"]

_log = logging.getLogger("airparley.web")

STATIC: Final = Path(__file__).resolve().parent / "static"
#: Tiers that have a desk (machine feeds and peer nodes use their bearer tokens, not the UI).
DESK_TIERS: Final = frozenset({"duty", "senior", "observer"})
#: The page may load and connect to its own origin only: the desk works with no internet, and a
#: request that would leave the node is refused by the browser itself.
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class SessionAuth:
    """The node's sessions and a short cache of the officers they name (revocation bites within
    ``cache_s``, as for bearer tokens)."""

    def __init__(
        self, node: Node, sessions: Sessions, cache_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.node = node
        self.sessions = sessions
        self.cache_s = cache_s
        self.clock = clock
        self._officers: dict[str, tuple[Officer | None, float]] = {}
        self._lock = threading.Lock()

    def officer(self, session: Session) -> Officer | None:
        now = self.clock()
        with self._lock:
            cached = self._officers.get(session.officer_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.node.store.begin() as tx:
            found = tx.officer(session.officer_id)
        with self._lock:
            if len(self._officers) > 10_000:
                self._officers.clear()
            self._officers[session.officer_id] = (found, now + self.cache_s)
        return found


def _auth(app: Any) -> SessionAuth | None:
    found = getattr(app.state, "sessions", None)
    return found if isinstance(found, SessionAuth) else None


def session_officer(request: Request) -> Officer | None:
    """The officer of the request's session cookie; ``None`` when it carries none.

    A cookie that does not verify (expired, logged out, forged) is refused rather than ignored, and so is
    a cookie-authenticated request other than GET without ``X-Airparley: 1``.
    """
    auth = _auth(request.app)
    value = request.cookies.get(COOKIE)
    if auth is None or value is None:
        return None
    session = auth.sessions.verify(value)
    if session is None:
        raise Unauthorized("the session has expired or ended: log in again")
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
        raise PermissionDenied(f"a request made with the session cookie must carry the header '{CSRF_HEADER}: 1'")
    officer = auth.officer(session)
    if officer is None:
        raise Unauthorized("this officer has been revoked")
    request.app.state.limiter.check(f"session:{officer.id}")
    return officer


def websocket_officer(socket: WebSocket) -> Officer | None:
    """The officer of a WebSocket's session cookie, if it came from the node's own origin."""
    auth = _auth(socket.app)
    if auth is None:
        return None
    origin = socket.headers.get("origin")
    host = socket.headers.get("host")
    if origin is not None and origin.partition("://")[2] != host:
        return None
    session = auth.sessions.verify(socket.cookies.get(COOKIE))
    return None if session is None else auth.officer(session)


class SessionView(View):
    """What ``POST`` and ``GET /api/v1/session`` answer: the desk reads its officer, clock and routes from it."""

    officer: OfficerView
    party: PartyWithKey | None = Field(description="The officer's party; null if it has been removed.")
    expires_at: str = Field(description="When the session cookie expires (UTC, ISO 8601, seconds).")
    now: str = Field(description="The node's clock: the desk shows the node's time, not its own computer's.")
    cursor: int = Field(description="The last event's sequence number: the desk's event stream resumes after it.")
    buffers: Buffers = Field(description="The node's default separation buffers.")
    routes: dict[str, list[str]] = Field(
        description='The REST paths this node serves and their methods ({"/api/v1/alerts": ["get"]}).'
    )


def _cookie(request: Request, response: Response, value: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _require_header(request: Request) -> None:
    if request.headers.get(CSRF_HEADER) != "1":
        raise PermissionDenied(f"send the header '{CSRF_HEADER}: 1' with this request")


def _api_routes(app: Any) -> dict[str, list[str]]:
    """The REST paths this node serves and their methods (``{"/api/v1/alerts": ["get"]}``), from its OpenAPI
    document (built once, then cached by FastAPI), so the page offers only what the node can do: a newer page
    on an older node shows a feature as unavailable instead of calling it."""
    verbs = {"get", "post", "put", "patch", "delete"}
    paths = app.openapi().get("paths", {})
    return {
        path: sorted(verb for verb in item if verb in verbs)
        for path, item in sorted(paths.items())
        if path.startswith("/api/v1/")
    }


def _router(node: Node, auth: SessionAuth) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["session"])

    def describe(request: Request, officer: Officer, expires_s: int) -> dict[str, Any]:
        with node.store.begin() as tx:
            party = tx.party(officer.party)
            cursor = tx.last_event_seq()
        return {
            "officer": officer.as_dict(),
            "party": party.as_dict() if party else None,
            "expires_at": iso_z_at(expires_s, "seconds"),
            "now": iso_z(node.clock()),
            "cursor": cursor,
            "buffers": node.buffers.as_dict(),
            "routes": _api_routes(request.app),
        }

    @router.post(
        "/session",
        response_model=SessionView,
        summary="Log in with a bearer token: sets the session cookie (needs X-Airparley: 1)",
    )
    def login(request: Request, token: Annotated[str, Body(embed=True, min_length=1, max_length=512)]) -> Response:
        _require_header(request)
        limiter = request.app.state.limiter
        address = client_address(request)
        limiter.check(f"login:{address}")
        limiter.knock(address)  # a failed login counts against the address, as a failed bearer token does
        officer = node.authenticate(token.strip())
        if officer is None:
            limiter.failed(address)
            raise Unauthorized("unknown or revoked token")
        if officer.tier not in DESK_TIERS:
            raise PermissionDenied(f"a {officer.tier} token opens no desk: log in with an officer's token")
        value, expires_s = auth.sessions.issue(officer.id)
        response = described(describe(request, officer, expires_s))
        _cookie(request, response, value, int(auth.sessions.lifetime_s))
        return response

    @router.get(
        "/session", response_model=SessionView, summary="The logged-in officer, the node's clock and the event cursor"
    )
    def current(request: Request) -> JSONResponse:
        session = auth.sessions.verify(request.cookies.get(COOKIE))
        officer = auth.officer(session) if session is not None else None
        if session is None or officer is None:
            raise Unauthorized("not logged in")
        return described(describe(request, officer, session.expires_s))

    @router.delete("/session", status_code=204, summary="Log out: the cookie is cleared and refused from now on")
    def logout(request: Request) -> Response:
        _require_header(request)
        session = auth.sessions.verify(request.cookies.get(COOKIE))
        if session is not None:
            auth.sessions.revoke(session)
        response = Response(status_code=204)
        _cookie(request, response, "", 0)
        return response

    return router


def desk_app(node: Node) -> FastAPI:
    """The node's app (``airparley.node.create_app``) with the desk UI mounted: what ``airparley serve`` and
    ``airparley demo`` serve."""
    app = create_app(node)
    mount(app, node)
    return app


def mount(app: FastAPI, node: Node) -> None:
    """Serve the desk UI from ``app``: the page, its static files and the session endpoints; and tell the
    node's authentication how to find a session's officer (``node/_auth.py``: the node never imports web)."""
    auth = SessionAuth(node, Sessions(secret_from_env()), node.settings.auth_cache_s)
    app.state.sessions = auth
    app.state.session_officer = session_officer
    app.state.socket_officer = websocket_officer
    app.include_router(_router(node, auth))
    if not (STATIC / "vendor" / "leaflet" / "leaflet.js").is_file():
        _log.warning("the desk UI's map assets are not built (run 'make web'); the page will say so")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=_PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
