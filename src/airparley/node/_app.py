"""The FastAPI application: REST under ``/api/v1``, OpenAPI at ``/docs``, WebSocket ``/api/v1/events``.

The composition of the feature routers (node/_routes_*.py, each over its service), the federation router, the
error handlers and the scheduler's lifespan; no route is written here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from airparley import __version__
from airparley.errors import AirparleyError
from airparley.node._access import ACCESS
from airparley.node._auth import route_act, route_acts
from airparley.node._bodies import BodyLimit
from airparley.node._core import Node
from airparley.node._docs import serve_docs
from airparley.node._federation_routes import federation_router
from airparley.node._limits import rate_limiter
from airparley.node._problems import document_problems, http_problem, problem_for, validation_problem
from airparley.node._routes_agreements import agreements_router
from airparley.node._routes_events import events_router
from airparley.node._routes_hotline import hotline_router
from airparley.node._routes_incidents import incidents_router
from airparley.node._routes_notices import notices_router
from airparley.node._routes_parties import parties_router
from airparley.node._routes_replay import replay_router
from airparley.node._routes_reports import reports_router
from airparley.node._routes_tracks import tracks_router
from airparley.node._scheduler import Wake, run_scheduler
from airparley.node._simlag import simlag_router

__all__ = ["create_app"]


def create_app(node: Node) -> FastAPI:
    """The app for one node. The scheduler runs while the app is served (see lifespan)."""

    wake = Wake()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        wake.attach(asyncio.get_running_loop())
        task = asyncio.create_task(run_scheduler(node, wake))
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
        docs_url=None,  # FastAPI's pages load from a CDN: serve_docs serves /docs and /redoc from local files
        redoc_url=None,
    )
    app.state.node = node
    app.state.limiter = rate_limiter(node.store, node.settings.rate_per_s, node.settings.rate_burst)
    app.add_middleware(BodyLimit, max_bytes=node.settings.max_body_bytes)

    @app.exception_handler(AirparleyError)
    async def _airparley_error(_request: Request, error: AirparleyError) -> JSONResponse:
        return problem_for(error)

    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)  # no such route, 405: problem+json too

    # In the order the routes were declared before the split (the OpenAPI document lists them so).
    routers = (
        parties_router(node),
        agreements_router(node),
        notices_router(node),
        hotline_router(node),
        tracks_router(node, wake),
        replay_router(node),
        incidents_router(node),
        events_router(node),
        simlag_router(node),
        reports_router(node),
        federation_router(node),  # feeds, hints, evidence; the puller and pusher run with the app
    )
    # Who may call each route, in the OpenAPI document and on the app (for the route x tier test): set on the
    # routers' own routes before they are included.
    app.state.route_acts = route_acts(*routers)
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and (act := route_act(route)) is not None:
                route.openapi_extra = {
                    **(route.openapi_extra or {}),
                    "x-airparley-act": act.name.lower(),
                    "x-airparley-tiers": sorted(ACCESS[act]),
                }
        app.include_router(router)
    document_problems(app)  # every operation declares its problem+json answers
    serve_docs(app)
    return app
