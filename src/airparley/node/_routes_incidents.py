"""Routes of incident records: a party's own records and those disclosed to it, and the disclosure act."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import described
from airparley.node._models_picture import Incident, IncidentDisclosed
from airparley.node._request_models import DisclosureBody
from airparley.node._routing import IdempotencyKey, once
from airparley.store import Officer

__all__ = ["incidents_router"]


def incidents_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    incidents = node.incident_service

    @api.get(
        "/incidents",
        response_model=list[Incident],
        summary="Incident records your party made (its trails) and those disclosed to it, newest first",
    )
    def list_incidents(who: Annotated[Officer, officer_for(Act.READ_INCIDENTS)]) -> JSONResponse:
        return described(incidents.incidents_for(who))

    @api.get(
        "/incidents/{incident_id}",
        response_model=Incident,
        summary="One incident record, trails included, if your party may read it",
    )
    def get_incident(who: Annotated[Officer, officer_for(Act.READ_INCIDENTS)], incident_id: str) -> JSONResponse:
        return described(incidents.incident_for(who, incident_id))

    @api.post(
        "/incidents/{incident_id}/disclose",
        response_model=IncidentDisclosed,
        summary="Disclose one of your party's incident records (its trails) to named parties: a signed act",
    )
    def disclose_incident(
        who: Annotated[Officer, officer_for(Act.DISCLOSE_INCIDENTS)],
        incident_id: str,
        disclosure: DisclosureBody,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        return once(
            node,
            who,
            key,
            "POST",
            f"/incidents/{incident_id}/disclose",
            disclosure,
            lambda tx: (200, incidents.disclose(tx, who, incident_id, disclosure)),
        )

    @api.get(
        "/federation/incidents/{incident_id}",
        response_model=Incident,
        summary="An incident record of a hosted party, disclosed to the asking node's party (peer token)",
    )
    def fetch_incident(peer: Annotated[Officer, officer_for(Act.FETCH_INCIDENTS)], incident_id: str) -> JSONResponse:
        return described(incidents.disclosed_to_peer(peer, incident_id))

    return api
