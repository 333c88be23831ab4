"""Scenario: a dishonest peer (FED-004). The suite plays a peer node the node under test replicates from and
serves it a forged entry: a notice of that peer's party signed with another key than the one registered. The
node must refuse it, keep it as evidence, and apply nothing of it.

The node's operator prepares this once, out of band, as for any peer: ``airparley party add SYR ... --public-key
<the party's real key>`` and ``airparley peer add SYR http://<listen> --public-key ... --token ...``; the config
names the party and the address (``hostile_peer``), where the suite then listens while the scenario runs.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from airparley.ledger import Kind, append, generate_key
from airparley.qualify._builders import circle_notice, collection
from airparley.qualify._config import QualifyConfig
from airparley.qualify._s_notices import cancel_later
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["HOSTILE_PEER"]


class _Feed(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], party: str, lines: list[str]) -> None:
        self.party = party
        self.lines = lines
        self.pulled = 0
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Feed

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != f"/api/v1/ledger/{self.server.party}":
            self._answer(404, {"status": 404, "title": "Not found"})
            return
        after = int((parse_qs(url.query).get("after") or ["-1"])[0])
        self.server.pulled += 1
        self._answer(
            200, {"party": self.server.party, "after": after, "entries": self.server.lines if after < 0 else []}
        )

    def do_POST(self) -> None:
        self._answer(202, {})

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _no_hostile(config: QualifyConfig) -> str | None:
    if config.hostile_listen is None:
        return "the config names no hostile_peer (a peer party and address the node pulls from, served by the suite)"
    return None


def _wait_s(config: QualifyConfig) -> float:
    return config.setting("peer_poll_s") + 5.0


def _play(ctx: Context) -> None:
    if ctx.config.hostile_party is None or ctx.config.hostile_listen is None:
        raise Aborted("no hostile_peer in the config")
    a = next(p.party for p in ctx.config.parties if p.node == next(iter(ctx.config.nodes)))
    hostile = ctx.config.hostile_party
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    a_id, forged_id = ctx.unique(a), ctx.unique(hostile)
    with ctx.step(f"{a} files a notice"):
        ctx.need(ctx.desk(a).post("/notices", collection(circle_notice(a_id, a, start, end))), 201)
        cancel_later(ctx, a, a_id)
    with ctx.step(f"the suite, as {hostile}'s node, serves a notice over it signed with a key not {hostile}'s"):
        notice = collection(circle_notice(forged_id, hostile, start, end, version=1, state="filed"))
        forged = append(
            hostile, Kind.NOTICE_FILED, {"notice": notice}, seen={}, now=datetime.now(UTC), signing_key=generate_key()
        )
        line = forged.to_json()
        try:
            server = _Feed(ctx.config.hostile_listen, hostile, [line])
        except OSError as error:
            raise Aborted(f"cannot listen on {ctx.config.hostile_listen}: {error}") from None
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        ctx.on_cleanup("stop the hostile peer", stop)
        ctx.peer.post("/ledger/hint", {"party": hostile, "seq": 0})  # pull now if it takes the hint; else at its poll
    with ctx.step("the node refuses it and keeps it as evidence"):
        desk = ctx.desk(a)

        def kept() -> list[Any]:
            answer = desk.get("/ledger/evidence", party=hostile)
            return [r for r in answer.items() if isinstance(r, dict) and r.get("line") == line]

        records = ctx.wait_for(kept, _wait_s(ctx.config), 0.2)
        ctx.check(
            "forged-refused",
            bool(records) and (records or [{}])[0].get("kind") == "forged",
            f"GET /ledger/evidence lists the served line as forged within {_wait_s(ctx.config):.0f} s",
            f"records of it: {json.dumps(records)[:300] if records else 'none'};"
            f" the feed was pulled {server.pulled} times",
            ctx.remember(desk.get("/ledger/evidence", party=hostile)),
        )
        conflicts = desk.get("/conflicts")
        ctx.check(
            "forged-not-applied",
            conflicts.status == 200 and forged_id not in conflicts.text,
            f"nothing of it applied: {a} has no conflict with {forged_id}",
            exchange=conflicts,
        )


HOSTILE_PEER = Scenario(
    "S15-hostile-peer",
    "A dishonest peer serves a forged entry: refused, kept as evidence, not applied",
    {"forged-refused": "FED-004", "forged-not-applied": "FED-004"},
    _play,
    wait_s=_wait_s,
    needs=_no_hostile,
)
