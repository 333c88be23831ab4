"""Routes of the air picture: track states, track shares, tactical alerts, safety calls, non-response flags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import MessageView, described
from airparley.node._models_picture import AcceptedTracks, Alert, Flag, Share, ShareView, TrackState
from airparley.node._request_models import SafetyCallBody, ShareBody, TrackBatchBody
from airparley.node._routing import IdempotencyKey, json_response, once
from airparley.node._scheduler import Wake
from airparley.store import Officer, Tx

__all__ = ["tracks_router"]


def tracks_router(node: Node, wake: Wake) -> APIRouter:
    """``wake`` tells the scheduler whose new states are in, so their picture is scanned at once."""
    api = APIRouter(prefix="/api/v1")
    picture = node.picture_service

    # -- tracks --------------------------------------------------------------------------------------
    @api.post(
        "/tracks",
        status_code=202,
        response_model=AcceptedTracks,
        summary="Track states from your party's sensors (private to your party)",
    )
    def post_tracks(
        who: Annotated[Officer, officer_for(Act.POST_TRACKS)],
        batch: TrackBatchBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        picture.check_batch(batch)

        def post(_tx: Tx | None = None) -> tuple[int, Any]:
            answer = picture.post_tracks(who, batch)
            if answer["accepted"]:
                wake.tracks(who.party)
            return 202, answer

        if key is None:  # the radar's hot path: states are held in memory, no transaction to take
            return json_response(*post())
        return once(node, who, key, "POST", "/tracks", batch, post)

    @api.get(
        "/tracks",
        response_model=list[TrackState],
        summary="Your party's live air picture: the newest state of each track, and of each track shared with it",
    )
    def get_tracks(who: Annotated[Officer, officer_for(Act.READ_TRACKS)]) -> JSONResponse:
        return described(picture.tracks_for(who))

    # -- shares --------------------------------------------------------------------------------------
    @api.post(
        "/tracks/shares",
        status_code=201,
        response_model=ShareView,
        summary="Share a track of your own picture with other parties",
    )
    def share_track(
        who: Annotated[Officer, officer_for(Act.SHARE_TRACKS)],
        share: ShareBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(
            node, who, key, "POST", "/tracks/shares", share, lambda tx: (201, picture.share_track(tx, who, share))
        )

    @api.get(
        "/tracks/shares",
        response_model=list[Share],
        summary="Track shares your party made and those made with it, newest first",
    )
    def list_shares(who: Annotated[Officer, officer_for(Act.READ_SHARES)]) -> JSONResponse:
        return described(picture.shares_for(who))

    @api.post(
        "/tracks/shares/{share_id}/revoke", response_model=ShareView, summary="Revoke one of your party's track shares"
    )
    def revoke_share(
        who: Annotated[Officer, officer_for(Act.SHARE_TRACKS)], share_id: str, key: IdempotencyKey = None
    ) -> JSONResponse:
        return once(
            node,
            who,
            key,
            "POST",
            f"/tracks/shares/{share_id}/revoke",
            None,
            lambda tx: (200, picture.unshare_track(tx, who, share_id)),
        )

    # -- alerts, safety calls and non-response flags -------------------------------------------------
    @api.get(
        "/alerts",
        response_model=list[Alert],
        summary="Your party's tactical alerts in force (from its own picture), most severe first",
    )
    def list_alerts(who: Annotated[Officer, officer_for(Act.READ_ALERTS)]) -> JSONResponse:
        return described(picture.alerts_for(who))

    @api.post(
        "/alerts/safety-call",
        status_code=201,
        response_model=MessageView,
        summary="Call another party about its aircraft in your picture: a safety message, watched for a response",
    )
    def safety_call(
        who: Annotated[Officer, officer_for(Act.SAFETY_CALL)],
        call: SafetyCallBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(
            node,
            who,
            key,
            "POST",
            "/alerts/safety-call",
            call,
            lambda tx: (201, node.hotline_service.safety_call(tx, who, call)),
        )

    @api.get(
        "/flags",
        response_model=list[Flag],
        summary="Aircraft flagged non-responsive that your party called or owns, newest first",
    )
    def list_flags(who: Annotated[Officer, officer_for(Act.READ_FLAGS)]) -> JSONResponse:
        return described(picture.flags_for(who))

    return api
