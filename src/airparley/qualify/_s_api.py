"""Scenario: how the API answers what it cannot take (API-002..005, API-007, API-009) and its idempotency."""

from __future__ import annotations

import json
from typing import Any

from airparley.qualify._builders import circle_notice, collection
from airparley.qualify._client import Exchange
from airparley.qualify._scenario import Context, Scenario

__all__ = ["API"]

_MAX_PROBED_BODY_BYTES = 8 * 1024 * 1024


def _websocket_close(url: str, token: str) -> str:
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10) as socket:
            try:
                socket.recv(timeout=3.0)
            except TimeoutError:
                return "open (nothing received within 3 s)"
            except ConnectionClosed as closed:
                return f"closed {closed.rcvd.code if closed.rcvd else None}"
            return "open (an event received)"
    except InvalidStatus as refused:
        return f"handshake refused with HTTP {refused.response.status_code}"


def _play(ctx: Context) -> None:
    a, b = ctx.parties
    duty = ctx.desk(a)
    start, end = ctx.at(days=1), ctx.at(days=1, hours=1)

    def notice(**props: Any) -> dict[str, Any]:
        return collection(circle_notice(ctx.unique(a), a, start, end, **props))

    def raw(document: dict[str, Any], marker: str, replacement: str) -> bytes:
        return json.dumps(document).replace(json.dumps(marker), replacement).encode()

    with ctx.step("ordinary bad input is a 422 naming the field and the reason"):
        cases: list[tuple[str, Exchange]] = [
            ("lower above upper", duty.post("/notices", notice(lower_fl=300, upper_fl=200))),
            ("unknown kind", duty.post("/notices", notice(kind="bombing"))),
            ("a radius of 900 NM", duty.post("/notices", notice(radius_nm=900))),
            ("a property the format lacks", duty.post("/notices", notice(callsign="X1"))),
            ("an unknown phrase", duty.post("/messages", {"recipients": [b], "template": "no_such_phrase_q"})),
            ("a frequency of 5,000 MHz", duty.post("/frequencies", {"name": "Q", "mhz": 5000})),
            (
                "no recipient",
                duty.post("/messages", {"recipients": [], "template": "stand_by"}),
            ),
        ]
        for label, answer in cases:
            document = answer.json if isinstance(answer.json, dict) else {}
            ok = (
                answer.status == 422 and answer.problem and bool(document.get("field")) and bool(document.get("reason"))
            )
            ctx.check("names-field", ok, f"{label}: 422 problem+json with field and reason", exchange=answer)

    with ctx.step("hostile input never makes a 500"):
        base = notice(remarks="MARK")
        hostile: list[tuple[str, Exchange]] = [
            ("NaN for a number", duty.post("/notices", content=raw(base, "MARK", "NaN").replace(b'"NaN"', b"NaN"))),
            (
                "an integer beyond 2^64",
                duty.post(
                    "/notices", content=raw(notice(radius_nm=12345), "", "").replace(b"12345", b"18446744073709551617")
                ),
            ),
            ("1e400", duty.post("/notices", content=raw(notice(radius_nm=12345), "", "").replace(b"12345", b"1e400"))),
            ("a lone surrogate", duty.post("/notices", content=raw(base, "MARK", '"\\ud800"'))),
            ("nesting 200 deep", duty.post("/notices", notice(private={"n": _deep(200)}))),
            ("a string for the features", duty.post("/notices", {"type": "FeatureCollection", "features": "all"})),
            ("malformed JSON", duty.post("/notices", content=b'{"type": "FeatureCollection", "features": [')),
            (
                "a direction override in message text",
                duty.post("/messages", {"recipients": [b], "text": "turn \u202eleft", "language": "en"}),
            ),
            (
                "a list for the params",
                duty.post("/messages", {"recipients": [b], "template": "stand_by", "params": [1, 2]}),
            ),
            ("a number for the recipients", duty.post("/messages", {"recipients": 7, "template": "stand_by"})),
            ("an object for mhz", duty.post("/frequencies", {"name": "Q", "mhz": {"v": 1}})),
            ("text for a latitude", ctx.desk(a, "sensor").post("/tracks", {"states": "north"})),
            ("a case subject of unknown kind", duty.post("/cases", {"subject": {"kind": "grudge"}})),
            ("a 500-character notice id", duty.get("/notices/" + a + "-" + "x" * 500)),
            ("a case move that does not exist", duty.post("/cases/QUALIFY-none/dance", {})),
        ]
        for label, answer in hostile:
            ok = 400 <= answer.status < 500 and answer.problem
            ctx.check("no-500", ok, f"{label}: a 4xx problem, never a 5xx", exchange=answer)

    with ctx.step("a retried POST acts once"):
        key = f"qualify-{ctx.run_id}-{ctx.token()}"
        body = {"recipients": [b], "template": "stand_by"}
        first = duty.post("/messages", body, headers={"Idempotency-Key": key})
        ctx.need(first, 201, what="sending a routine message with an Idempotency-Key")
        second = ctx.remember(duty.post("/messages", body, headers={"Idempotency-Key": key}))
        message_id = (first.json.get("message") or {}).get("message_id") if isinstance(first.json, dict) else None
        count = sum(
            1 for m in duty.get("/messages").items() if (m.get("message") or {}).get("message_id") == message_id
        )
        ctx.check(
            "idempotent",
            second.status == first.status and second.json == first.json and count == 1,
            "the retry gets the first answer and one message exists",
            f"retry {second.status}, same answer: {second.json == first.json}, messages with its id: {count}",
            second,
        )
        other = ctx.remember(duty.post("/messages", {**body, "urgency": "urgent"}, headers={"Idempotency-Key": key}))
        ctx.check(
            "key-reuse-422",
            other.status == 422 and other.field() == "Idempotency-Key",
            "the key reused for another body: 422 naming Idempotency-Key",
            exchange=other,
        )

    with ctx.step("a body over the limit"):
        limit = int(ctx.config.setting("max_body_bytes"))
        if limit > _MAX_PROBED_BODY_BYTES:
            ctx.skip("body-413", f"max_body_bytes {limit} is above the {_MAX_PROBED_BODY_BYTES} bytes the suite sends")
        else:
            padding = b"a" * (limit + 1)
            answer = ctx.remember(
                duty.post("/notices", content=b'{"type":"FeatureCollection","features":[],"x":"' + padding + b'"}')
            )
            ctx.check(
                "body-413",
                answer.status == 413 and answer.problem,
                f"a body of {limit + 40} bytes is 413 problem+json",
                exchange=answer,
            )

    with ctx.step("no such route, no such method"):
        route = ctx.remember(duty.get("/no-such-route-qualify"))
        ctx.check(
            "route-404-405", route.status == 404 and route.problem, "no such route: 404 problem+json", exchange=route
        )
        method = ctx.remember(duty.request("DELETE", "/notices"))
        ctx.check(
            "route-404-405",
            method.status == 405 and method.problem,
            "no such method: 405 problem+json",
            exchange=method,
        )

    with ctx.step("cursors beyond 64 bits"):
        polled = ctx.remember(duty.get("/events", after=2**63))
        ctx.check(
            "cursor-bounds",
            polled.status == 422 and polled.field() == "after",
            "GET /events?after=2^63: 422 naming after",
            exchange=polled,
        )
        url = duty.url.replace("http://", "ws://").replace("https://", "wss://") + f"/api/v1/events?after={2**64}"
        closed = _websocket_close(url, duty.token)
        ctx.check(
            "cursor-bounds", closed == "closed 4422", "the WebSocket with after=2^64 is closed with code 4422", closed
        )


def _deep(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


API = Scenario(
    "S03-api",
    "API behaviour: bad and hostile input, idempotency, limits, unknown routes, cursors",
    {
        "names-field": "API-002",
        "no-500": "API-003",
        "idempotent": "API-004",
        "key-reuse-422": "API-004",
        "body-413": "API-005",
        "route-404-405": "API-007",
        "cursor-bounds": "API-009",
    },
    _play,
)
