"""Routes of what a party gives out: case reports (issue 14 part 3) and the disclosure accounting (part 4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from airparley.errors import InvalidInput, NotFound, PermissionDenied
from airparley.node._access import Act
from airparley.node._auth import officer_for
from airparley.node._core import Node
from airparley.node._models import CaseReport, described
from airparley.node._models_picture import Disclosure
from airparley.node._report_render import incident_ids, render_html, render_pdf
from airparley.node._reports import verify_report
from airparley.store import Officer
from airparley.tactical import trails_svg

__all__ = ["reports_router"]

_FORMATS = ("json", "html", "pdf")


def reports_router(node: Node) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    reports = node.report_service
    disclosure = node.disclosure_service

    def _trails(who: Officer, report: dict[str, Any]) -> dict[str, str]:
        """The trails plot of each incident of the report whose record the officer's party may read."""
        drawn = {}
        for incident_id in incident_ids(report):
            try:
                record = node.incident_service.incident_for(who, incident_id)
            except (NotFound, PermissionDenied):
                continue  # not the reader's to see: the closest point the entry shares is drawn alone
            svg = trails_svg(record)
            if svg is not None:
                drawn[incident_id] = svg
        return drawn

    @api.get(
        "/cases/{case_id}/report",
        summary="A case's minimal verifiable report (JSON), or it rendered as HTML or PDF, verified by this node",
        response_model=CaseReport,
        responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
    )
    def case_report(
        who: Annotated[Officer, officer_for(Act.EXPORT_REPORTS)],
        case_id: str,
        format: Annotated[str, Query(description="json (the report), html or pdf (a printable document)")] = "json",
    ) -> Response:
        if format not in _FORMATS:
            raise InvalidInput("format", f"must be one of {', '.join(_FORMATS)}, got {format[:20]!r}")
        report = reports.case_report(who, case_id)
        if format == "json":
            return described(report)
        verdict = verify_report(report, reports.registered_keys(), "the keys registered on the exporting node")
        if format == "html":
            return HTMLResponse(render_html(report, verdict, _trails(who, report)))
        filename = f"case-report-{report['case_id']}.pdf"
        return Response(
            render_pdf(report, verdict, _trails(who, report)),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @api.get(
        "/disclosure",
        response_model=Disclosure,
        summary="What your party's node sent or made readable to a party, by kind, checked",
    )
    def disclosure_account(
        who: Annotated[Officer, officer_for(Act.READ_DISCLOSURE)],
        to: Annotated[str, Query(description="The receiving party's code")],
        since: Annotated[str | None, Query(description="ISO 8601 instant, inclusive")] = None,
        until: Annotated[str | None, Query(description="ISO 8601 instant, exclusive (default now)")] = None,
    ) -> JSONResponse:
        return described(disclosure.account(who, to, since, until))

    return api
