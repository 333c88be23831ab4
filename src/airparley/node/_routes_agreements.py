"""Routes of the agreements between parties: propose, sign, list, show, and the terms in force."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import AgreementHistory, AgreementVersion, InForce, described
from airparley.node._request_models import AgreementBody
from airparley.node._routing import IdempotencyKey, once
from airparley.store import Officer

__all__ = ["agreements_router"]


def agreements_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    service = node.agreements

    @api.post(
        "/agreements",
        status_code=201,
        response_model=AgreementVersion,
        summary="Propose an agreement, or a new version superseding one",
    )
    def propose(
        who: Annotated[Officer, officer_for(Act.PROPOSE_AGREEMENTS)],
        body: AgreementBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        proposal = service.checked_proposal(who, body)
        return once(
            node, who, key, "POST", "/agreements", proposal, lambda tx: (201, service.propose(tx, who, proposal))
        )

    @api.get(
        "/agreements",
        response_model=list[AgreementVersion],
        summary="Every version of the agreements your party is named in",
    )
    def list_agreements(who: Annotated[Officer, officer_for(Act.READ_AGREEMENTS)]) -> JSONResponse:
        return described(service.list_for(who))

    @api.get(
        "/agreements/in-force",
        response_model=InForce,
        summary="The terms in force now between parties (yours among them)",
    )
    def in_force(
        who: Annotated[Officer, officer_for(Act.READ_AGREEMENTS)],
        parties: Annotated[str, Query(description="party codes, comma separated: USA,RUS")],
    ) -> JSONResponse:
        return described(service.in_force_for(who, [p.strip() for p in parties.split(",") if p.strip()][:64]))

    @api.get(
        "/agreements/{agreement_id}",
        response_model=AgreementHistory,
        summary="One agreement: every version and the one in force",
    )
    def show(who: Annotated[Officer, officer_for(Act.READ_AGREEMENTS)], agreement_id: str) -> JSONResponse:
        return described(service.show_for(who, agreement_id))

    @api.post(
        "/agreements/{agreement_id}/versions/{version}/sign",
        response_model=AgreementVersion,
        summary="Sign one version for your party",
    )
    def sign(
        who: Annotated[Officer, officer_for(Act.SIGN_AGREEMENTS)],
        agreement_id: str,
        version: int,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        path = f"/agreements/{agreement_id}/versions/{version}/sign"
        return once(node, who, key, "POST", path, None, lambda tx: (200, service.sign(tx, who, agreement_id, version)))

    return api
