"""The WebSocket's event frames (orjson) say what ``json.dumps`` said, and what orjson refuses is still sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airparley.node._routes_events import _frame

EVENTS: list[Any] = [
    {"seq": 1, "kind": "message.sent", "data": {"rendered": {"text": "Приём, نعم, 中文, 😀", "language": "ru"}}},
    {"seq": 2, "kind": "alert.raised", "data": {"cpa_nm": 0.1, "alt_ft": -1200, "ids": ["A", "B"], "x": None}},
    {"seq": None, "kind": "tracks.update", "data": {"tracks": [{"lat": 1e-7, "lon": 179.99999999999997}]}},
    {"seq": 3, "kind": "x", "data": {"control": '\u0000\u001f\u2028\u2029"\\/'}},
]


@pytest.mark.parametrize("event", EVENTS)
def test_frame_equals_starlette_send_json(event: Any) -> None:
    expected = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    frame = _frame(event)
    assert json.loads(frame) == json.loads(expected) == event
    # Texts byte for byte (non-ASCII as UTF-8, the same escapes); a float may be spelled otherwise (1e-7 for
    # 1e-07), the same number.
    if event["kind"] != "tracks.update":
        assert frame == expected


@pytest.mark.parametrize(
    "event",
    [
        {"seq": 4, "kind": "x", "data": {"n": 2**70}},  # beyond 64 bits: orjson refuses
        {"seq": 5, "kind": "x", "data": {"id": "A\ud800"}},  # a lone surrogate: orjson refuses
        {"seq": 6, "kind": "x", "data": {1: "int key"}},
    ],
)
def test_frame_falls_back_to_json_for_what_orjson_refuses(event: Any) -> None:
    assert _frame(event) == json.dumps(event, separators=(",", ":"), ensure_ascii=False)
