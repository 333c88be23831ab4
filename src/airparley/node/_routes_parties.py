"""Routes about who is on the node: the token's officer, the parties, the agreed frequencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import FrequencyAgreed, Me, Party, RegisteredFrequency, described
from airparley.node._routing import IdempotencyKey, once
from airparley.store import Officer

__all__ = ["parties_router"]


def parties_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    service = node.parties_service

    @api.get("/me", response_model=Me, summary="Who the token belongs to")
    def me(who: Annotated[Officer, officer_for(Act.WHOAMI)]) -> JSONResponse:
        return described(service.whoami(who))

    @api.get("/parties", response_model=list[Party], summary="The parties on this node")
    def parties(_who: Annotated[Officer, officer_for(Act.READ_PARTIES)]) -> JSONResponse:
        return described(service.parties())

    @api.get(
        "/frequencies",
        response_model=list[FrequencyAgreed],
        summary="The frequencies agreed for your party: the guards and the agreements in force",
    )
    def list_frequencies(who: Annotated[Officer, officer_for(Act.READ_FREQUENCIES)]) -> JSONResponse:
        return described(service.frequencies(who))

    @api.get(
        "/frequencies/registered",
        response_model=list[RegisteredFrequency],
        summary="The node's frequency catalogue (registered, not agreed)",
    )
    def registered_frequencies(
        _who: Annotated[Officer, officer_for(Act.READ_FREQUENCIES)],
    ) -> JSONResponse:
        return described(service.registered_frequencies())

    @api.post(
        "/frequencies",
        status_code=201,
        response_model=RegisteredFrequency,
        summary="Register a frequency in the catalogue (agree it: /agreements)",
    )
    def add_frequency(
        who: Annotated[Officer, officer_for(Act.ADD_FREQUENCIES)],
        name: Annotated[str, Body()],
        mhz: Annotated[float, Body()],
        area: Annotated[str, Body()] = "",
        notes: Annotated[str, Body()] = "",
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        frequency = service.checked_frequency(name, mhz, area, notes)
        return once(
            node, who, key, "POST", "/frequencies", frequency, lambda tx: (201, service.add_frequency(tx, frequency))
        )

    return api
