"""Scenario: who may do what, at every door the node declares (ACC, FED-001..003, API-001, API-006, API-010).

The sweep reads the node's own OpenAPI document and calls every ``/api/v1`` operation with the token of each
tier, with a body that cannot succeed (``{}``, ids that do not exist): a tier the operation admits gets a 2xx
or a 4xx about the input, a tier it does not admit gets 401 or 403. So nothing is created, and what the node
does is compared with what it declares (``x-airparley-tiers``) and with the rules of the tiers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from airparley.qualify._client import Desk, Exchange
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["ACCESS", "websocket_refusal"]

_TIERS = ("duty", "senior", "observer", "sensor", "peer")
_REFUSED = (401, 403)
_SENSOR_MAY = {("GET", "/api/v1/me"), ("POST", "/api/v1/tracks")}
# A peer node reads feeds, hints at new heads and fetches incident records disclosed to its parties (issue 14).
_PEER_MAY = {
    ("GET", "/api/v1/ledger/{party}"),
    ("POST", "/api/v1/ledger/hint"),
    ("GET", "/api/v1/federation/incidents/{incident_id}"),
}


@dataclass(frozen=True)
class _Probe:
    method: str
    template: str
    tier: str
    declared: tuple[str, ...]
    exchange: Exchange

    @property
    def refused(self) -> bool:
        return self.exchange.status in _REFUSED


def _concrete(template: str, party: str) -> str:
    """A path of the template with ids that exist nowhere (a party's route gets the party, to reach its feed)."""
    path = template.replace("{party}", party)
    for name in ("notice_id", "conflict_id", "message_id", "case_id", "share_id"):
        path = path.replace("{" + name + "}", "QUALIFY-none")
    return path.replace("{action}", "propose")


def websocket_refusal(desk: Desk, after: str = "0") -> tuple[bool, str]:
    """Open ``WS /api/v1/events`` with the desk's token: ``(accepted, what happened)``."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    url = desk.url.replace("http://", "ws://").replace("https://", "wss://") + f"/api/v1/events?after={after}"
    try:
        with connect(url, additional_headers={"Authorization": f"Bearer {desk.token}"}, open_timeout=10) as socket:
            try:
                socket.recv(timeout=1.0)
            except TimeoutError:
                return True, "accepted (no event within 1 s)"
            except ConnectionClosed as closed:
                return (
                    False,
                    f"closed with code {closed.rcvd.code if closed.rcvd else None}:"
                    f" {closed.rcvd.reason if closed.rcvd else ''}",
                )
            return True, "accepted, an event received"
    except InvalidStatus as refused:
        return False, f"handshake refused with HTTP {refused.response.status_code}"


def _play(ctx: Context) -> None:
    a, _b = ctx.parties
    peer_party = next(p.party for p in ctx.config.parties if p.node == ctx.config.peer_node)
    with ctx.step("read the OpenAPI document"):
        document_exchange = ctx.desk(a).get("/openapi.json")
        document = document_exchange.json if isinstance(document_exchange.json, dict) else {}
        version = (document.get("info") or {}).get("version")
        operations: list[tuple[str, str, tuple[str, ...]]] = []
        for template, item in (document.get("paths") or {}).items():
            if not template.startswith("/api/v1/") or template == "/api/v1/session":
                continue
            for method, operation in item.items():
                if isinstance(operation, dict):
                    operations.append((method.upper(), template, tuple(operation.get("x-airparley-tiers") or ())))
        untiered = [f"{m} {t}" for m, t, tiers in operations if not tiers]
        ctx.check(
            "openapi-tiers",
            bool(version) and len(operations) >= 10 and not untiered,
            "info.version and x-airparley-tiers on every /api/v1 operation",
            f"version={version!r}, {len(operations)} operations, without tiers: {untiered[:5]}",
            document_exchange,
        )
        if not operations:
            raise Aborted("the node's OpenAPI document lists no /api/v1 operation")

    desks = {tier: (ctx.peer if tier == "peer" else ctx.desk(peer_party, tier)) for tier in _TIERS}
    probes: list[_Probe] = []
    with ctx.step("call every operation with every tier"):
        for method, template, declared in operations:
            path = _concrete(template, peer_party)
            for tier, desk in desks.items():
                body: dict[str, object] | None = None if method in ("GET", "DELETE") else {}
                probes.append(_Probe(method, template, tier, declared, desk.request(method, path, body)))

    with ctx.step("what the node does is what it declares"):
        for probe in probes:
            admits = probe.tier in probe.declared
            ok = probe.refused != admits and probe.exchange.status < 500
            ctx.check(
                "declared-tiers",
                ok,
                f"{probe.tier} {'admitted' if admits else 'refused (401/403)'} on {probe.method} {probe.template},"
                f" as x-airparley-tiers {list(probe.declared)} says",
                f"HTTP {probe.exchange.status}: {probe.exchange.text[:200]}",
                probe.exchange,
            )
            if 400 <= probe.exchange.status < 500:
                ctx.check(
                    "problem-json",
                    probe.exchange.problem
                    and isinstance(probe.exchange.json, dict)
                    and probe.exchange.json.get("status") == probe.exchange.status,
                    "application/problem+json with its status",
                    f"{probe.exchange.content_type}: {probe.exchange.text[:200]}",
                    probe.exchange,
                )

    def admitted(tier: str) -> set[tuple[str, str]]:
        return {(p.method, p.template) for p in probes if p.tier == tier and not p.refused}

    with ctx.step("the rules of each tier"):
        for tier in ("duty", "senior"):
            missing = {("POST", "/api/v1/notices"), ("POST", "/api/v1/messages"), ("POST", "/api/v1/cases")} - admitted(
                tier
            )
            ctx.check(
                "desk-acts",
                not missing,
                f"{tier} may file notices, send messages and open cases",
                f"refused: {sorted(missing)}",
            )
        observer = admitted("observer")
        acts = sorted(op for op in observer if op[0] != "GET")
        reads = {
            ("GET", "/api/v1/notices"),
            ("GET", "/api/v1/conflicts"),
            ("GET", "/api/v1/messages"),
            ("GET", "/api/v1/cases"),
            ("GET", "/api/v1/events"),
        }
        ctx.check(
            "observer-reads-only",
            not acts and reads <= observer,
            "an observer reads its party's notices, conflicts, messages, cases and events, and may do nothing else",
            f"acts admitted: {acts}; reads refused: {sorted(reads - observer)}",
        )
        sensor = admitted("sensor")
        ctx.check(
            "sensor-tracks-only",
            sensor == _SENSOR_MAY,
            f"a sensor is admitted to {sorted(_SENSOR_MAY)} only",
            f"admitted to {sorted(sensor)}",
        )
        peer = admitted("peer")
        ctx.check(
            "peer-feed-only",
            peer == _PEER_MAY,
            f"a peer token is admitted to {sorted(_PEER_MAY)} only",
            f"admitted to {sorted(peer)}",
        )
        officers = sorted(op for tier in ("duty", "senior", "observer", "sensor") for op in admitted(tier) & _PEER_MAY)
        ctx.check("officer-no-feed", not officers, "no officer token opens a federation route", f"admitted: {officers}")
        feed = ctx.remember(ctx.peer.get("/ledger/ZZQ9"))
        ctx.check(
            "feed-hosted-only", feed.status == 404, "the feed of a party the node does not host is 404", exchange=feed
        )

    with ctx.step("the event feed's WebSocket door"):
        accepted, what = websocket_refusal(ctx.desk(peer_party, "sensor"))
        ctx.check(
            "sensor-no-websocket", not accepted, "a sensor token's WebSocket handshake is refused or closed", what
        )
        accepted, what = websocket_refusal(ctx.desk(peer_party, "observer"))
        ctx.check("observer-websocket", accepted, "an observer's WebSocket is accepted", what)

    with ctx.step("no token, an unknown token"):
        desk = ctx.desk(a, "duty")
        for label, headers in (
            ("no token", None),
            ("an unknown token", {"Authorization": "Bearer ap_qualify_unknown_token"}),
        ):
            answer = ctx.remember(desk.request("GET", "/notices", headers=headers, auth=headers is not None))
            ctx.check(
                "unauthenticated-401",
                answer.status == 401 and answer.problem,
                f"{label}: 401 problem+json",
                exchange=answer,
            )


ACCESS = Scenario(
    "S02-access",
    "Access tiers: every operation answers each tier as the node declares and as the tiers' rules say",
    {
        "openapi-tiers": "API-010",
        "declared-tiers": "ACC-004",
        "problem-json": "API-001",
        "desk-acts": "ACC-001",
        "observer-reads-only": "ACC-002",
        "sensor-tracks-only": "ACC-003",
        "sensor-no-websocket": "ACC-003",
        "observer-websocket": "ACC-002",
        "peer-feed-only": "FED-001",
        "officer-no-feed": "FED-002",
        "feed-hosted-only": "FED-003",
        "unauthenticated-401": "API-006",
    },
    _play,
)
