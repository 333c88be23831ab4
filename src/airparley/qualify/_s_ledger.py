"""Scenario: the signed ledger, read as a peer reads it (LED).

The feeds of the parties a node hosts are served to a peer token (``GET /api/v1/ledger/{party}``); the suite
reads them, checks each act it makes is there when the act is answered, and verifies every signature and
chain link with the parties' public keys from the config (``airparley.ledger``, the verifier an auditor uses).
"""

from __future__ import annotations

import json
import re

from airparley.errors import AirparleyError
from airparley.ledger import Entry, check
from airparley.ledger._canonical import canonical
from airparley.qualify._builders import circle_notice, collection, polygon_notice, secret
from airparley.qualify._client import Desk
from airparley.qualify._s_hotline import settle_later
from airparley.qualify._s_notices import cancel_later
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["LEDGER", "read_feed"]


def read_feed(peer: Desk, party: str, after: int = -1) -> list[Entry]:
    """Every entry of ``party``'s feed after ``after``, paged; raises ``Aborted`` if the node will not serve it."""
    entries: list[Entry] = []
    while True:
        answer = peer.get(f"/ledger/{party}", after=after, limit=1000)
        if answer.status != 200 or not isinstance(answer.json, dict):
            raise Aborted(f"the feed of {party} could not be read: {answer.describe()} {answer.text[:200]}")
        lines = answer.json.get("entries") or []
        for line in lines:
            entries.append(Entry.from_json(line if isinstance(line, str) else json.dumps(line)))
        if not lines:
            return entries
        after = entries[-1].seq


def _body_text(entry: Entry) -> str:
    return canonical(entry.body).decode("utf-8")


def _unserved_seen(problem: str, hosted: list[str]) -> bool:
    """Whether a problem is only a ``seen`` reference into the feed of a party the node does not serve."""
    match = re.search(r"seen\.([A-Z][A-Z0-9_-]*) [0-9a-f]+… is not the hash of any entry", problem)
    return match is not None and match.group(1) not in hosted


def _head(peer: Desk, party: str) -> int:
    entries = read_feed(peer, party)
    return entries[-1].seq if entries else -1


def _kinds_about(entries: list[Entry], needle: str) -> list[str]:
    return [str(e.kind) for e in entries if needle in _body_text(e)]


def _play(ctx: Context) -> None:
    a, b = ctx.parties
    hosted = [p.party for p in ctx.config.parties if p.node == ctx.config.peer_node]
    if a not in hosted:
        raise Aborted(f"the peer token is for node {ctx.config.peer_node}, which does not host {a}")
    b_hosted = b in hosted
    peer = ctx.peer
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    heads = {party: _head(peer, party) for party in hosted}
    a_id, b_id = ctx.unique(a), ctx.unique(b)

    def fresh(party: str) -> list[Entry]:
        return read_feed(peer, party, heads[party])

    with ctx.step(f"{a} files a notice: its entry is there when the filing is answered"):
        document = collection(circle_notice(a_id, a, start, end, private={"mission": secret(ctx.run_id, a)}))
        ctx.need(ctx.desk(a).post("/notices", document), 201)
        cancel_later(ctx, a, a_id)
        now = _kinds_about(fresh(a), a_id)
        ctx.check("entry-in-transaction", "notice.filed" in now, f"a notice.filed entry about {a_id} at once", str(now))
    with ctx.step("a message, a case, a cancellation"):
        sent = ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "template": "stand_by"}), 201)
        message_id = str((sent.json or {}).get("message", {}).get("message_id"))
        ctx.check("entry-in-transaction", "message.sent" in _kinds_about(fresh(a), message_id), "message.sent at once")
        body = {"subject": {"kind": "contention", "reason": f"qualify {ctx.run_id}"}, "with": b}
        opened = ctx.need(ctx.desk(a).post("/cases", body), 201)
        case_id = str((opened.json or {}).get("case", {}).get("case_id"))
        settle_later(ctx, case_id, a, b)
        ctx.check("entry-in-transaction", "case.opened" in _kinds_about(fresh(a), case_id), "case.opened at once")
        proposal = {"terms": {"kind": "yield", "party": b}}
        ctx.need(ctx.desk(a).post(f"/cases/{case_id}/propose", proposal), 200)
        ctx.need(ctx.desk(a).post(f"/notices/{a_id}/cancel"), 200)
        ctx.check(
            "entry-in-transaction", "notice.cancelled" in _kinds_about(fresh(a), a_id), "notice.cancelled at once"
        )
    settle_s = max(2.0, ctx.replication_s)  # LED-001 asks for the entry, LED-004 (above) for it at once

    def entries_about(party: str, needle: str, kind: str) -> list[Entry]:
        return [e for e in fresh(party) if str(e.kind) == kind and needle in _body_text(e)]

    with ctx.step("every shared act has its entry"):
        ctx.wait_for(lambda: entries_about(a, a_id, "notice.cancelled"), settle_s)
        entries = fresh(a)
        wanted = {
            a_id: {"notice.filed", "notice.cancelled"},
            message_id: {"message.sent"},
            case_id: {"case.opened", "case.proposal"},
        }
        for needle, kinds in wanted.items():
            got = set(_kinds_about(entries, needle))
            ctx.check(
                "every-act", kinds <= got, f"{a}'s feed holds {sorted(kinds)} about {needle}", f"holds {sorted(got)}"
            )
        if b_hosted:
            ctx.need(ctx.desk(b).post(f"/messages/{message_id}/ack"), 200)
            ctx.wait_for(lambda: entries_about(b, message_id, "message.acknowledged"), settle_s)
            got_b = set(_kinds_about(fresh(b), message_id))
            ctx.check("every-act", "message.acknowledged" in got_b, f"{b}'s feed holds its acknowledgement", str(got_b))
    with ctx.step("no private part in the ledger"):
        leaked = [
            f"{e.party}#{e.seq}"
            for party in hosted
            for e in fresh(party)
            if ctx.run_id in _body_text(e) and "QSECRET" in _body_text(e)
        ]
        ctx.check("no-private", not leaked, "no entry holds the private part's marker", f"in {leaked[:5]}")
    with ctx.step("seen names the other party's newest entry"):
        if not b_hosted:
            ctx.skip("seen", f"{b} is not hosted on the node the peer token reads")
        else:
            ctx.need(ctx.desk(b).post("/notices", collection(polygon_notice(b_id, b, start, end))), 201)
            cancel_later(ctx, b, b_id)
            ctx.wait_for(lambda: entries_about(b, b_id, "notice.filed"), settle_s)
            b_head = read_feed(peer, b)[-1]
            sent = ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "template": "stand_by"}), 201)
            latest = str((sent.json or {}).get("message", {}).get("message_id"))
            found = ctx.wait_for(lambda: entries_about(a, latest, "message.sent"), settle_s)
            if not found:
                raise Aborted(f"no message.sent entry about {latest} in {a}'s feed")
            a_last = found[-1]
            ctx.check(
                "seen",
                a_last.seen.get(b) == b_head.hash,
                f"{a}'s next entry has seen[{b}] = the hash of {b}#{b_head.seq}",
                f"seen[{b}] = {a_last.seen.get(b)}; {b}#{b_head.seq} hashes to {b_head.hash}",
            )
    with ctx.step("every served feed verifies"):
        keys = {party: key for party, key in ctx.config.public_keys.items() if party in hosted}
        if set(keys) != set(hosted):
            ctx.skip("feeds-verify", f"the config gives no public key for {sorted(set(hosted) - set(keys))}")
            return
        entries_all = [e for party in hosted for e in read_feed(peer, party)]
        try:
            report = check(entries_all, keys)
            # A seen reference into a feed this node does not serve (another node's party) cannot be resolved
            # from here; everything else must hold.
            problems = [str(p) for p in report.problems if not _unserved_seen(str(p), hosted)]
        except AirparleyError as error:
            problems = [str(error)]
        ctx.check(
            "feeds-verify",
            not problems,
            f"the {len(entries_all)} entries of {', '.join(hosted)} verify (signatures, chains, seen)",
            "; ".join(problems[:3])[:600],
        )


LEDGER = Scenario(
    "S09-ledger",
    "The ledger: every act an entry of its party's feed at once, no private part, seen, every feed verifies",
    {
        "entry-in-transaction": "LED-004",
        "every-act": "LED-001",
        "no-private": "LED-003",
        "seen": "LED-005",
        "feeds-verify": "LED-002",
    },
    _play,
)
