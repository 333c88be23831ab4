"""Authentication at the node's doors: one bearer parser, the officer of a request, and the act it
performs checked against the access table (``node/_access.py``).

A request names its officer by ``Authorization: Bearer <token>``, or (the desk UI) by its session cookie.
The node does not know how sessions work: the UI (``airparley.web``) registers a resolver on the app
(``app.state.session_officer`` for requests, ``app.state.socket_officer`` for WebSockets), so ``node``
never imports ``web``.

Every route takes its officer through :func:`officer_for` with the act it performs; the act is kept on
the dependency, so :func:`route_acts` can list every route's act (for the OpenAPI document and for the
test that walks every route × tier).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Request, WebSocket
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from airparley.errors import Unauthorized
from airparley.node._access import ACCESS, Act, Tier, require
from airparley.node._limits import RateLimiter, client_address, token_key
from airparley.store import Officer

if TYPE_CHECKING:
    from airparley.node._core import Node

__all__ = [
    "SessionResolver",
    "SocketResolver",
    "bearer_token",
    "officer_for",
    "request_officer",
    "route_act",
    "route_acts",
]

SessionResolver = Callable[[Request], Officer | None]
SocketResolver = Callable[[WebSocket], Officer | None]

#: The attribute that carries a route dependency's act.
_ACT: Final = "airparley_act"


def bearer_token(authorization: str | None, token: str | None = None) -> str:
    """The token of an ``Authorization: Bearer`` header, else of a ``?token=`` query (WebSockets); 401 if none."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        return value.strip()
    if token:
        return token
    raise Unauthorized("missing bearer token")


def request_officer(request: Request, authorization: str | None, *, peer: bool = False) -> Officer:
    """The officer (or, with ``peer``, the peer node) whose bearer token came with the request, after the
    rate limits (failed authentications per client address, then requests per known token); with no
    Authorization header, the officer of the UI's session cookie if the UI
    is mounted."""
    resolver: SessionResolver | None = getattr(request.app.state, "session_officer", None)
    if authorization is None and not peer and resolver is not None and (session := resolver(request)) is not None:
        return session
    token = bearer_token(authorization)
    limiter: RateLimiter = request.app.state.limiter
    address = client_address(request)
    limiter.knock(address)  # an address that keeps failing is refused before its token is looked up
    node: Node = request.app.state.node
    found = node.authenticate(token, peer=peer)
    if found is None:
        limiter.failed(address)
        raise Unauthorized("unknown or revoked token" + (" (this route takes a peer token)" if peer else ""))
    limiter.check(token_key(token))  # buckets for known tokens only: unknown ones cannot grow the limiter
    return found


def _answers_from_memory(request: Request, authorization: str | None) -> bool:
    """Whether :func:`request_officer` can answer without the store: a bearer token whose officer the node
    holds cached, and rate buckets kept in this process (not the shared ones in the database)."""
    if authorization is None:
        return False  # the UI's session resolver may read the store
    limiter: RateLimiter = request.app.state.limiter
    if limiter.shared is not None:
        return False
    scheme, _, value = authorization.partition(" ")
    node: Node = request.app.state.node
    return scheme.lower() == "bearer" and bool(value.strip()) and node.holds_token(value.strip())


def _dependency(act: Act) -> Callable[..., Awaitable[Officer]]:
    peer = ACCESS[act] == frozenset({Tier.PEER})

    # Async, so that a request whose officer is in memory costs no trip through the thread pool before its
    # (sync) endpoint takes one: a POST used to wait for a pool thread twice. Anything that may read the
    # store (a token not cached, the UI's session, shared rate buckets) still runs in the pool.
    async def officer(request: Request, authorization: Annotated[str | None, Header()] = None) -> Officer:
        if _answers_from_memory(request, authorization):
            found = request_officer(request, authorization, peer=peer)
        else:
            found = await run_in_threadpool(request_officer, request, authorization, peer=peer)
        require(found.tier, act)
        return found

    setattr(officer, _ACT, act)
    officer.__name__ = f"officer_for_{act.name.lower()}"
    return officer


_DEPENDENCIES: Final = {act: _dependency(act) for act in Act}


def officer_for(act: Act) -> Any:
    """A route parameter's ``Depends``: the request's officer, refused (403) unless its tier may ``act``."""
    return Depends(_DEPENDENCIES[act])


def route_act(route: APIRoute) -> Act | None:
    """The act a route performs, if it takes its officer through :func:`officer_for`."""
    for dependency in route.dependant.dependencies:
        act = getattr(dependency.call, _ACT, None)
        if isinstance(act, Act):
            return act
    return None


def route_acts(*routers: APIRouter) -> dict[tuple[str, str], Act]:
    """``(METHOD, path) -> act`` for every route of ``routers`` that takes its officer through :func:`officer_for`
    (``create_app`` keeps it as ``app.state.route_acts``)."""
    found: dict[tuple[str, str], Act] = {}
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and (act := route_act(route)) is not None:
                for method in route.methods or ():
                    found[(method, route.path)] = act
    return found
