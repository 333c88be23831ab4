"""What each write route takes, as pydantic models: the OpenAPI document's request body schemas.

As the response models (``node/_models.py``), these describe and do not validate: a body is still read as the
JSON object it is and checked by the node's own parsers, which name the field and the reason in a 422
(``bounds.py`` and the parsers of each feature). So the document's schema of a body (``WithJsonSchema``) is
the model's, inlined, while FastAPI hands the route a plain ``dict``: an unknown key or a wrong type is the
node's 422 with the node's words, never pydantic's.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, WithJsonSchema

from airparley.node._models import (
    AgreementTerms,
    ConflictSubject,
    ContentionSubject,
    LineStringGeometry,
    PointGeometry,
    PolygonGeometry,
    ProposalTerms,
)

__all__ = [
    "AgreementBody",
    "CaseBody",
    "CaseMoveBody",
    "DisclosureBody",
    "MessageBody",
    "NoticesBody",
    "SafetyCallBody",
    "ShareBody",
    "TrackBatchBody",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


_NOTICES = "A GeoJSON FeatureCollection of notices: one Feature per volume (schemas/notices.schema.json)."


class TrackStateIn(_Request):
    """One sensor state: WGS84 degrees, feet MSL, knots, degrees true, feet per minute."""

    model_config = ConfigDict(extra="allow")
    id: str
    party: str | None = None
    time: str | float = Field(description="ISO 8601 instant, or POSIX seconds; near the node's clock.")
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    trk_deg: float
    vs_fpm: float = 0.0
    callsign: str | None = None
    source: str | None = None


class TrackBatchIn(_Request):
    states: list[TrackStateIn] = Field(description="Up to 5,000 states.")


class ShareIn(_Request):
    track: str = Field(description="A track of your party's own picture (GET /tracks).")
    with_: list[str] = Field(alias="with", description="The parties to share it with.")
    minutes: int | None = Field(default=None, description="For how long (default: until revoked).")


class SafetyCallIn(_Request):
    track: str = Field(description="The other party's aircraft, as your picture names it.")
    frequency_mhz: float | None = Field(default=None, description="The frequency called on (default: guard).")
    to: str | None = Field(default=None, description="The party called (default: the aircraft's owner).")


class DisclosureIn(_Request):
    to: list[str] = Field(description="The parties to disclose the trails to.")
    case_id: str | None = Field(default=None, description="The case the disclosure is for, if any.")


class ReferenceIn(_Request):
    kind: str = Field(description="notice, conflict, case, track, ...")
    id: str


class MessageIn(_Request):
    """A phrase of the catalogue (``template`` and ``params``) or free text (``text`` and ``language``)."""

    recipients: list[str]
    urgency: str = Field(description="routine, urgent or safety.")
    template: str | None = Field(default=None, description="A phrase id (GET /phrases).")
    # Free-form on purpose: each phrase declares its own parameters and their kinds (GET /phrases: params), so
    # their names and types are the catalogue's, not the API's; the node checks them against it.
    params: dict[str, Any] | None = Field(default=None, description="The phrase's parameters by name.")
    text: str | None = None
    language: str | None = None
    references: list[ReferenceIn] | None = None


_CASE_TEXT_LANGUAGE = (
    "The language the text (note, a contention's reason) is written in: en, ru, tr or ar. Required for a text"
    " between parties whose agreement in force covers languages, and then one of them (docs/agreements.md)."
)


class CaseIn(_Request):
    subject: ConflictSubject | ContentionSubject = Field(
        description='{"kind": "conflict", "conflict_id": ...} or {"kind": "contention", "reason": ...}'
    )
    with_: str | None = Field(default=None, alias="with", description="The other party (a contention).")
    urgent: bool | None = None
    note: str | None = None
    language: str | None = Field(default=None, description=_CASE_TEXT_LANGUAGE)


class CaseMoveIn(_Request):
    terms: ProposalTerms | None = Field(default=None, description="A proposal's or counter's terms.")
    note: str | None = None
    text: str | None = Field(default=None, description="The same as note.")
    language: str | None = Field(default=None, description=_CASE_TEXT_LANGUAGE)


class AgreementIn(_Request):
    agreement_id: str | None = Field(default=None, description="A new version of this agreement.")
    parties: list[str]
    start: str = Field(description="ISO 8601 instant it comes into force once signed.")
    terms: AgreementTerms = Field(description="docs/agreements.md")
    title: str | None = None
    supersedes: int | None = None


def _inlined(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema (by alias), with its ``$defs`` put in place: a body schema needs no components."""
    return _placed(model.model_json_schema(by_alias=True, mode="validation"))


@cache
def _notices_schema() -> dict[str, Any]:
    """The notices' own JSON Schema, as shipped (what ``notice validate`` and the node check a file against)."""
    text = resources.files("airparley").joinpath("schemas/notices.schema.json").read_text(encoding="utf-8")
    shipped: dict[str, Any] = json.loads(text)
    body = {key: value for key, value in shipped.items() if key not in ("$schema", "$id", "title")}
    # The file says only that coordinates are an array; the document says what each geometry's are, as the
    # node's notices answer them (a client generator needs the items of every array).
    geometry = TypeAdapter(PointGeometry | LineStringGeometry | PolygonGeometry).json_schema(mode="validation")
    body["$defs"] = {**body["$defs"], **geometry.pop("$defs", {}), "geometry": geometry}
    return _placed({**body, "description": _NOTICES})


def _placed(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``#/$defs/...`` reference replaced by what it names (a body has no $defs)."""
    defs = schema.pop("$defs", {})

    def place(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return place(defs[node["$ref"].rsplit("/", 1)[-1]])
            # A discriminator's mapping names $defs, gone once placed; each choice's const kind still tells.
            return {key: place(value) for key, value in node.items() if key != "discriminator"}
        if isinstance(node, list):
            return [place(item) for item in node]
        return node

    placed: dict[str, Any] = place(schema)
    return placed


def _body(model: type[BaseModel]) -> WithJsonSchema:
    return WithJsonSchema(_inlined(model))


NoticesBody = Annotated[dict[str, Any], Body(description=_NOTICES), WithJsonSchema(_notices_schema())]
TrackBatchBody = Annotated[dict[str, Any], Body(), _body(TrackBatchIn)]
ShareBody = Annotated[dict[str, Any], Body(), _body(ShareIn)]
SafetyCallBody = Annotated[dict[str, Any], Body(), _body(SafetyCallIn)]
DisclosureBody = Annotated[dict[str, Any], Body(), _body(DisclosureIn)]
MessageBody = Annotated[dict[str, Any], Body(), _body(MessageIn)]
CaseBody = Annotated[dict[str, Any], Body(), _body(CaseIn)]
CaseMoveBody = Annotated[dict[str, Any] | None, Body(), _body(CaseMoveIn)]
AgreementBody = Annotated[dict[str, Any], Body(), _body(AgreementIn)]
