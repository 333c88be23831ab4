"""Scenario: the event feed, by both doors: who hears what (VIS-007), and the WebSocket misses nothing (API-008)."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from typing import Any

from airparley.qualify._builders import circle_notice, collection, polygon_notice
from airparley.qualify._client import Desk
from airparley.qualify._s_notices import cancel_later, conflicts_between
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["EVENTS"]


class _Socket:
    """A WebSocket on ``/api/v1/events`` read in the background of the scenario (stored events only)."""

    def __init__(self, desk: Desk, after: int) -> None:
        from websockets.sync.client import connect

        url = desk.url.replace("http://", "ws://").replace("https://", "wss://") + f"/api/v1/events?after={after}"
        self._stack = ExitStack()  # the client is a context manager (websockets warns otherwise)
        headers = {"Authorization": f"Bearer {desk.token}"}
        self.socket = self._stack.enter_context(connect(url, additional_headers=headers, open_timeout=10))
        self.events: list[dict[str, Any]] = []

    def read(self, until_seq: int, timeout_s: float) -> list[dict[str, Any]]:
        """Every stored event received until one with ``seq >= until_seq`` (or the timeout)."""
        deadline = time.monotonic() + timeout_s
        while not self.events or int(self.events[-1]["seq"]) < until_seq:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                event = json.loads(self.socket.recv(timeout=remaining))
            except TimeoutError:
                break
            if event.get("seq") is not None:
                self.events.append(event)
        return self.events

    def close(self) -> None:
        self._stack.close()


def _mentions(events: list[dict[str, Any]], *needles: str) -> list[dict[str, Any]]:
    return [e for e in events if any(n in json.dumps(e) for n in needles)]


def _play(ctx: Context) -> None:
    a, b = ctx.parties
    outsiders = [p.party for p in ctx.config.parties if p.party not in (a, b)]
    cursors = {party: ctx.desk(party).events(ctx.start)[1] for party in (a, b, *outsiders)}
    socket = _Socket(ctx.desk(a), cursors[a])
    ctx.on_cleanup("close the WebSocket", socket.close)
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    a_id, b_id = ctx.unique(a), ctx.unique(b)
    with ctx.step("acts of two parties"):
        ctx.need(ctx.desk(a).post("/notices", collection(circle_notice(a_id, a, start, end))), 201)
        cancel_later(ctx, a, a_id)
        ctx.need(ctx.desk(b).post("/notices", collection(polygon_notice(b_id, b, start, end))), 201)
        cancel_later(ctx, b, b_id)
        listed = ctx.wait_for(lambda: conflicts_between(ctx.desk(b), b_id, a_id), max(ctx.replication_s, 1.0))
        if not listed:
            raise Aborted(f"no conflict of {a_id} and {b_id}")
        conflict_id = listed[0]["id"]
        sent = ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "template": "stand_by"}), 201)
        message_id = str((sent.json or {}).get("message", {}).get("message_id"))
        time.sleep(ctx.replication_s / 3)
    heard = {party: ctx.desk(party).events(cursors[party])[0] for party in (a, b, *outsiders)}

    def kinds(party: str, needle: str) -> list[str]:
        return sorted({str(e.get("kind")) for e in _mentions(heard[party], needle)})

    with ctx.step("each party hears what its audience rules say"):
        expectations = [
            (a, a_id, {"notice.filed", "conflict.detected"}, set()),
            (b, b_id, {"notice.filed", "conflict.detected"}, set()),
            (b, f'"notice_id": "{a_id}"', {"conflict.detected"}, {"notice.filed"}),
            (a, f'"notice_id": "{b_id}"', {"conflict.detected"}, {"notice.filed"}),
            (a, message_id, {"message.sent"}, set()),
            (b, message_id, {"message.sent"}, set()),
        ]
        for party, needle, wanted, never in expectations:
            got = set(kinds(party, needle))
            ctx.check(
                "audience",
                wanted <= got and not (never & got),
                f"{party} hears {sorted(wanted)} about {needle}" + (f", never {sorted(never)}" if never else ""),
                f"heard {sorted(got)}",
            )
        if not outsiders:
            ctx.skip("outsider-hears-nothing", "the config names only two parties")
        for outsider in outsiders:
            leaked = _mentions(heard[outsider], a_id, b_id, conflict_id, message_id)
            ctx.check(
                "outsider-hears-nothing",
                not leaked,
                f"{outsider} hears nothing of the notices, conflict or message of {a} and {b}",
                json.dumps(leaked[:2])[:400],
            )
    with ctx.step("the WebSocket pushes what GET /events serves"):
        polled = [e for e in heard[a] if e.get("seq") is not None]
        last_seq = int(polled[-1]["seq"]) if polled else cursors[a]
        pushed = socket.read(last_seq, 5.0)
        ctx.check(
            "websocket-same",
            [e["seq"] for e in pushed] == [e["seq"] for e in polled] and pushed == polled,
            f"the WebSocket pushed the {len(polled)} events GET /events serves, in order",
            f"pushed seqs {[e['seq'] for e in pushed][:12]}, polled {[e['seq'] for e in polled][:12]}",
        )
        socket.close()
    with ctx.step("a client reconnecting with its last seq misses nothing"):
        ctx.need(ctx.desk(b).post(f"/messages/{message_id}/ack"), 200)
        missed = ctx.wait_for(
            lambda: [e for e in ctx.desk(a).events(last_seq)[0] if e.get("kind") == "message.acknowledged"],
            max(ctx.replication_s, 2.0),
        )
        again = _Socket(ctx.desk(a), last_seq)
        ctx.on_cleanup("close the second WebSocket", again.close)
        target = int(missed[-1]["seq"]) if missed else last_seq + 1
        resumed = again.read(target, 5.0)
        ok = bool(missed) and any(e.get("kind") == "message.acknowledged" for e in resumed)
        ctx.check(
            "websocket-resume",
            ok and all(int(e["seq"]) > last_seq for e in resumed),
            f"after={last_seq} replays the acknowledgement made while disconnected, and nothing before",
            f"received {[(e['seq'], e['kind']) for e in resumed][:8]}",
        )


EVENTS = Scenario(
    "S08-events",
    "The event feed: each party hears exactly its events; the WebSocket pushes them and resumes from a cursor",
    {
        "audience": "VIS-007",
        "outsider-hears-nothing": "VIS-007",
        "websocket-same": "API-008",
        "websocket-resume": "API-008",
    },
    _play,
)
