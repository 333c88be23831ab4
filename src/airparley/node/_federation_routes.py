"""The ledger federation routes, under ``/api/v1/ledger``, with the puller and hint pusher as their lifespan.

``GET /{party}?after=SEQ&limit=N`` (peer token) a hosted party's entries after ``seq``; ``POST /hint`` (peer
token) ``{"party", "seq"}``: "my feed grew, pull now"; ``GET /evidence`` (officers of the hosted parties)
what peers presented and this node refused.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import httpx
from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airparley import bounds
from airparley.ledger import PARTY_CODE
from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._federation import Federation
from airparley.node._models import described
from airparley.node._models_picture import EvidenceItem, FeedPage, Hint
from airparley.node._sync import FEED_PAGE, FederationSync
from airparley.store import Officer

__all__ = ["federation_router"]

#: The most entries the feed route serves per request (pullers ask for ``FEED_PAGE``).
_FEED_LIMIT_MAX: Final = 1000


def federation_router(node: Node, transport: httpx.AsyncBaseTransport | None = None) -> APIRouter:
    """The ledger federation routes, with the puller and the hint pusher as the router's lifespan."""
    federation = Federation(node)
    sync = FederationSync(federation, transport)
    router = APIRouter(prefix="/api/v1/ledger", tags=["federation"], lifespan=sync.running)

    @router.get(
        "/evidence",
        response_model=list[EvidenceItem],
        summary="Entries peers presented and this node refused (officers of hosted parties)",
    )
    async def evidence(
        who: Annotated[Officer, officer_for(Act.READ_EVIDENCE)],
        party: Annotated[str | None, Query(description="Only this party's entries.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> JSONResponse:
        return described(await run_in_threadpool(federation.evidence, who, party, limit))

    @router.post("/hint", status_code=202, response_model=Hint, summary="A peer's feed grew: pull it now (peer token)")
    async def hint(
        _peer: Annotated[Officer, officer_for(Act.HINT_FEED)],
        party: Annotated[str, Body(pattern=f"^{PARTY_CODE.pattern}$")],
        seq: Annotated[int, Body(ge=0, le=bounds.MAX_CURSOR)],
    ) -> dict[str, Any]:
        if await run_in_threadpool(federation.hint, party, seq):
            sync.wake()
        return {"party": party, "seq": seq}

    @router.get("/{party}", response_model=FeedPage, summary="A hosted party's signed entries after a seq (peer token)")
    async def feed(
        _peer: Annotated[Officer, officer_for(Act.READ_FEED)],
        party: str,
        after: Annotated[
            int, Query(ge=-1, le=bounds.MAX_CURSOR, description="Entries with a greater seq; -1 from the start.")
        ] = -1,
        limit: Annotated[int, Query(ge=1, le=_FEED_LIMIT_MAX)] = FEED_PAGE,
    ) -> JSONResponse:
        return described(await run_in_threadpool(federation.feed, party, after, limit))

    return router
