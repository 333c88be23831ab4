"""Routes of operation notices and the conflicts between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import Conflict, Filed, NoticeCollection, NoticeResult, described
from airparley.node._notices import read_document
from airparley.node._request_models import NoticesBody
from airparley.node._routing import IdempotencyKey, once
from airparley.store import Officer
from airparley.strategic import NoticeState

__all__ = ["notices_router"]


def notices_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    notices = node.notices

    @api.post("/notices", status_code=201, response_model=Filed, summary="File new notices (GeoJSON FeatureCollection)")
    def file_notices(
        who: Annotated[Officer, officer_for(Act.FILE_NOTICES)], document: NoticesBody, key: IdempotencyKey = None
    ) -> JSONResponse:
        read = read_document(document)  # before the write lock: reading needs nothing of the node's state
        return once(
            node,
            who,
            key,
            "POST",
            "/notices",
            document,
            lambda tx: (201, {"filed": notices.file_notices(tx, who, document, read)}),
        )

    @api.get("/notices", response_model=NoticeCollection, summary="Your party's notices, in full (GeoJSON)")
    def list_notices(who: Annotated[Officer, officer_for(Act.READ_NOTICES)]) -> JSONResponse:
        return described(notices.notices_for(who))

    @api.get("/notices/{notice_id}", response_model=NoticeCollection, summary="One of your party's notices (GeoJSON)")
    def get_notice(who: Annotated[Officer, officer_for(Act.READ_NOTICES)], notice_id: str) -> JSONResponse:
        return described(notices.notice_for(who, notice_id))

    @api.put(
        "/notices/{notice_id}",
        response_model=NoticeResult,
        summary="Revise a notice: a new version, numbered by the node",
    )
    def revise_notice(
        who: Annotated[Officer, officer_for(Act.REVISE_NOTICES)],
        notice_id: str,
        document: NoticesBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        read = read_document(document)  # before the write lock, as for filing
        return once(
            node,
            who,
            key,
            "PUT",
            f"/notices/{notice_id}",
            document,
            lambda tx: (200, notices.revise_notice(tx, who, notice_id, document, read)),
        )

    @api.post("/notices/{notice_id}/cancel", response_model=NoticeResult, summary="Cancel a notice")
    def cancel_notice(
        who: Annotated[Officer, officer_for(Act.END_NOTICES)], notice_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            node,
            who,
            key,
            "POST",
            f"/notices/{notice_id}/cancel",
            None,
            lambda tx: (200, notices.end_notice(tx, who, notice_id, NoticeState.CANCELLED)),
        )

    @api.post(
        "/notices/{notice_id}/close", response_model=NoticeResult, summary="Close a notice (the activity is over)"
    )
    def close_notice(
        who: Annotated[Officer, officer_for(Act.END_NOTICES)], notice_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            node,
            who,
            key,
            "POST",
            f"/notices/{notice_id}/close",
            None,
            lambda tx: (200, notices.end_notice(tx, who, notice_id, NoticeState.CLOSED)),
        )

    @api.get(
        "/conflicts",
        response_model=list[Conflict],
        summary="Conflicts of your party's notices: your side in full, the other's overlap only",
    )
    def list_conflicts(who: Annotated[Officer, officer_for(Act.READ_CONFLICTS)]) -> JSONResponse:
        return described(notices.conflicts_for(who))

    @api.get("/conflicts/{conflict_id}", response_model=Conflict, summary="One conflict")
    def get_conflict(who: Annotated[Officer, officer_for(Act.READ_CONFLICTS)], conflict_id: str) -> JSONResponse:
        return described(notices.conflict_for(who, conflict_id))

    return api
