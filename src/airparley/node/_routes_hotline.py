"""Routes of the hotline: messages, the phrase catalogue and negotiation cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import CaseView, MessageView, PhraseCatalogue, described
from airparley.node._request_models import CaseBody, CaseMoveBody, MessageBody
from airparley.node._routing import IdempotencyKey, once
from airparley.store import Officer

__all__ = ["hotline_router"]


def hotline_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    hotline = node.hotline_service

    # -- messages ------------------------------------------------------------------------------------
    @api.post(
        "/messages",
        status_code=201,
        response_model=MessageView,
        summary="Send a hotline message (a phrase + params, or free text)",
    )
    def send_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        message: MessageBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(
            node, who, key, "POST", "/messages", message, lambda tx: (201, hotline.send_message(tx, who, message))
        )

    @api.get(
        "/messages",
        response_model=list[MessageView],
        summary="Messages your party sent or received, newest first, in your language",
    )
    def list_messages(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> JSONResponse:
        return described(hotline.messages_for(who))

    @api.get("/messages/{message_id}", response_model=MessageView, summary="One message")
    def get_message(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)], message_id: str) -> JSONResponse:
        return described(hotline.message_for(who, message_id))

    @api.post("/messages/{message_id}/read", response_model=MessageView, summary="Mark a received message read")
    def read_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)], message_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        path = f"/messages/{message_id}/read"
        return once(node, who, key, "POST", path, None, lambda tx: (200, hotline.mark(tx, who, message_id, "read")))

    @api.post("/messages/{message_id}/ack", response_model=MessageView, summary="Acknowledge a received message")
    def ack_message(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)], message_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        path = f"/messages/{message_id}/ack"
        return once(
            node, who, key, "POST", path, None, lambda tx: (200, hotline.mark(tx, who, message_id, "acknowledge"))
        )

    @api.get(
        "/phrases",
        response_model=PhraseCatalogue,
        summary="The phrase catalogue: ids, parameters and text in every language",
    )
    def phrases(_who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> JSONResponse:
        return described(hotline.phrases())

    # -- cases ---------------------------------------------------------------------------------------
    @api.post(
        "/cases",
        status_code=201,
        response_model=CaseView,
        summary="Open a case about a conflict, or a contention with a party",
    )
    def open_case(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        case: CaseBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(node, who, key, "POST", "/cases", case, lambda tx: (201, hotline.open_case(tx, who, case)))

    @api.get("/cases", response_model=list[CaseView], summary="Your party's cases")
    def list_cases(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)]) -> JSONResponse:
        return described(hotline.cases_for(who))

    @api.get("/cases/{case_id}", response_model=CaseView, summary="One case, with the moves you may make")
    def get_case(who: Annotated[Officer, officer_for(Act.READ_HOTLINE)], case_id: str) -> JSONResponse:
        return described(hotline.case_for(who, case_id))

    @api.post(
        "/cases/{case_id}/{action}",
        response_model=CaseView,
        summary="propose, counter, accept, reject, escalate or resolve",
    )
    def act_on_case(
        who: Annotated[Officer, officer_for(Act.ACT_ON_HOTLINE)],
        case_id: str,
        action: str,
        move: CaseMoveBody = None,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        payload = move or {}
        return once(
            node,
            who,
            key,
            "POST",
            f"/cases/{case_id}/{action}",
            payload,
            lambda tx: (200, hotline.act_on_case(tx, who, case_id, action, payload)),
        )

    return api
