"""A JSON Schema per event kind: what ``data`` each kind of the feed carries (docs/events.md says it in prose).

The schemas come from the same models as the routes' (``node/_models.py``): a ``conflict.detected`` carries
what ``GET /conflicts/{id}`` returns, a ``case.*`` what ``GET /cases/{id}`` returns. :func:`events_schema`
writes one JSON Schema (draft 2020-12) document: an event is one of the kinds, each an envelope
(``seq``, ``kind``, ``time``) around its ``data``. ``docs/events.schema.json`` is that document, written by
``python -m airparley.node._event_schemas`` (a test keeps the file and the code alike, and checks every event
the headless demo produces against it).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Final

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from airparley.node._events import EventKind
from airparley.node._models import (
    AgreementVersion,
    CaseView,
    Conflict,
    ConflictCleared,
    Frequency,
    MessageView,
    NoticeChange,
)
from airparley.node._models_picture import (
    Alert,
    AlertCleared,
    Flag,
    Incident,
    Intrusion,
    LiveTracks,
    Share,
    SimulationLag,
)

__all__ = ["EVENT_DATA", "events_schema"]

_CASE = {kind: CaseView for kind in EventKind if kind.value.startswith("case.")}
_MESSAGE = {kind: MessageView for kind in EventKind if kind.value.startswith("message.")}
_NOTICE = {kind: NoticeChange for kind in EventKind if kind.value.startswith("notice.")}

#: The model of each kind's ``data``.
EVENT_DATA: Final[dict[EventKind, type[BaseModel]]] = {
    **_NOTICE,
    EventKind.CONFLICT_DETECTED: Conflict,
    EventKind.CONFLICT_CLEARED: ConflictCleared,
    EventKind.FREQUENCY_ADDED: Frequency,
    EventKind.AGREEMENT_PROPOSED: AgreementVersion,
    EventKind.AGREEMENT_SIGNED: AgreementVersion,
    **_MESSAGE,
    **_CASE,
    EventKind.ALERT_RAISED: Alert,
    EventKind.ALERT_CLEARED: AlertCleared,
    EventKind.INCIDENT_RECORDED: Incident,
    EventKind.INCIDENT_DISCLOSED: Incident,
    EventKind.INTRUSION_DETECTED: Intrusion,
    EventKind.TRACK_SHARED: Share,
    EventKind.TRACK_UNSHARED: Share,
    EventKind.TRACK_NON_RESPONSIVE: Flag,
    EventKind.TRACKS_UPDATE: LiveTracks,
    EventKind.SIMULATION_LAG: SimulationLag,
}


def _envelope(kind: EventKind, data_ref: str) -> dict[str, Any]:
    pushed_only = kind is EventKind.TRACKS_UPDATE
    return {
        "title": kind.value,
        "type": "object",
        "required": ["seq", "kind", "data"],
        "properties": {
            "seq": {"type": "null"} if pushed_only else {"type": "integer", "minimum": 1},
            "kind": {"const": kind.value},
            "time": {"type": "string", "description": "When the act was recorded (ISO 8601, Z)."},
            "data": {"$ref": data_ref},
        },
    }


def events_schema() -> dict[str, Any]:
    """The JSON Schema of an event of the feed (``GET /api/v1/events``, ``WS /api/v1/events``)."""
    models = sorted(set(EVENT_DATA.values()), key=lambda model: model.__name__)
    refs, document = models_json_schema([(model, "serialization") for model in models], ref_template="#/$defs/{model}")
    by_model = {model: refs[(model, "serialization")]["$ref"] for model in models}
    kinds = {kind.value: _envelope(kind, by_model[EVENT_DATA[kind]]) for kind in EventKind}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "An event of the airparley node's feed",
        "description": "One object per kind under $defs.kinds; docs/events.md says who receives each.",
        "oneOf": [{"$ref": f"#/$defs/kinds/{kind}"} for kind in kinds],
        "$defs": {**document.get("$defs", {}), "kinds": kinds},
    }


def main() -> None:
    sys.stdout.write(json.dumps(events_schema(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
