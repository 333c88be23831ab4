"""A JSON Schema per event kind (issue 19 item 1): ``docs/events.schema.json`` is what the code writes, names
every kind, and every event a node sends validates against its kind's schema: those of a desk session here,
and (slow) every event of the headless Syria/Iraq demo, as each party receives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from incidents_support import near_miss
from jsonschema import Draft202012Validator
from node_support import Running
from palmyra import rus_strike, usa_strike
from websockets.sync.client import connect

from airparley.node import Node
from airparley.node._event_schemas import EVENT_DATA, events_schema
from airparley.node._events import EventKind
from airparley.store import Store

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def _failures(events: list[dict[str, Any]], party: str) -> list[str]:
    schema = events_schema()
    failures = []
    for event in events:
        kind_schema = {"$ref": f"#/$defs/kinds/{event['kind']}", "$defs": schema["$defs"]}
        for error in Draft202012Validator(kind_schema).iter_errors(event):
            failures.append(f"{party} seq {event['seq']} {event['kind']} {list(error.absolute_path)}: {error.message}")
    return failures


def test_the_shipped_schema_is_the_codes_and_names_every_kind() -> None:
    shipped = json.loads((DOCS / "events.schema.json").read_text(encoding="utf-8"))
    assert shipped == events_schema(), "regenerate: python -m airparley.node._event_schemas > docs/events.schema.json"
    assert set(EVENT_DATA) == set(EventKind)
    assert set(shipped["$defs"]["kinds"]) == {kind.value for kind in EventKind}
    Draft202012Validator.check_schema(shipped)


def test_a_desk_sessions_events_validate_against_their_kinds(running: Running) -> None:
    usa = running.desk("usa_duty").client
    sensor = running.desk("usa_sensor").client

    def post(states: list[dict[str, Any]]) -> None:
        assert sensor.post("/api/v1/tracks", json={"states": states}).json()["accepted"] == len(states)

    near_miss(post, running.clock, running.node.tick)  # alerts, an incident, and a live picture to push
    assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
    assert running.desk("rus_duty").client.post("/api/v1/notices", json=rus_strike()).status_code == 201
    conflict = usa.get("/api/v1/conflicts").json()[0]["id"]
    sent = usa.post(
        "/api/v1/messages", json={"recipients": ["RUS"], "urgency": "routine", "text": "hello", "language": "en"}
    )
    assert sent.status_code == 201, sent.text
    opened = usa.post("/api/v1/cases", json={"subject": {"kind": "conflict", "conflict_id": conflict}})
    assert opened.status_code == 201, opened.text
    seen: set[str] = set()
    failures: list[str] = []
    for name, party in (("usa_duty", "USA"), ("rus_duty", "RUS")):
        events = running.desk(name).client.get("/api/v1/events", params={"after": 0}).json()["events"]
        seen |= {event["kind"] for event in events}
        failures += _failures(events, party)
    # tracks.update is pushed on the WebSocket only (never stored): read one there.
    url = running.url.replace("http://", "ws://") + "/api/v1/events?after=0"
    token = running.desk("usa_duty").token
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=5) as socket:
        pushed: list[dict[str, Any]] = []
        while all(event["kind"] != "tracks.update" for event in pushed):
            pushed.append(json.loads(socket.recv(timeout=5)))
    seen |= {event["kind"] for event in pushed}
    failures += _failures(pushed, "USA")
    assert failures == []
    assert {
        "notice.filed",
        "conflict.detected",
        "message.sent",
        "case.opened",
        "alert.raised",
        "incident.recorded",
        "tracks.update",
    } <= seen


@pytest.mark.slow
def test_every_event_of_the_headless_demo_validates_against_its_kind(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--duration", "470", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    node = Node(Store.open(f"sqlite:///{db}"))
    seen: set[str] = set()
    failures: list[str] = []
    checked = 0
    for party in ("USA", "RUS", "TUR", "SYR"):
        cursor = 0
        while True:
            events, after = node.events_for(party, cursor, 500)
            seen |= {event["kind"] for event in events}
            failures += _failures(events, party)
            checked += len(events)
            if after == cursor:
                break
            cursor = after
    assert failures == [], failures[:10]
    # The story's kinds: notices, conflicts, agreements, messages that ring and escalate, a case escalated, an
    # alert raised and cleared, an intrusion, an incident and a non-responsive aircraft.
    assert {
        "notice.filed",
        "conflict.detected",
        "agreement.proposed",
        "agreement.signed",
        "message.sent",
        "message.ring",
        "message.escalated",
        "case.opened",
        "case.escalated",
        "alert.raised",
        "alert.cleared",
        "intrusion.detected",
        "incident.recorded",
        "track.non_responsive",
    } <= seen, seen
    assert checked > 100
