"""Scenarios: hotline messages, safety calls that ring and escalate, negotiation cases and their deadlines
(HOT, CAS, VIS-006)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from airparley.qualify._builders import circle_notice, collection, polygon_notice
from airparley.qualify._client import Desk
from airparley.qualify._config import QualifyConfig
from airparley.qualify._s_notices import cancel_later, conflicts_between
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["CASES", "CASE_DEADLINE", "MESSAGES", "SAFETY"]


def _message_id(answer: Any) -> str:
    return str(((answer or {}).get("message") or {}).get("message_id") or "") if isinstance(answer, dict) else ""


def _events_about(
    desk: Desk, kind: str, key: Callable[[dict[str, Any]], Any], wanted: str, after: int = 0
) -> list[dict[str, Any]]:
    events, _, _ = desk.events(after)
    found = []
    for event in events:
        if event.get("kind") != kind:
            continue
        try:
            if key(event.get("data") or {}) == wanted:
                found.append(event)
        except (AttributeError, TypeError):
            continue
    return found


def _of_message(data: dict[str, Any]) -> Any:
    return data["message"]["message_id"]


def _of_case(data: dict[str, Any]) -> Any:
    return data["case"]["case_id"]


def _languages(ctx: Context) -> dict[str, str]:
    answer = ctx.desk(ctx.parties[0]).get("/parties")
    return {str(p.get("code")): str(p.get("language")) for p in answer.items() if isinstance(p, dict)}


# -- S04: messages --------------------------------------------------------------------------------------------
def _play_messages(ctx: Context) -> None:
    a, b = ctx.parties
    others = [p.party for p in ctx.config.parties[2:] if p.node == ctx.node_of(a) or ctx.config.federated]
    recipients = [b, *others[:1]]
    callsign = f"Q{ctx.run_id[-6:]}"
    with ctx.step(f"{a} sends a phrase to {', '.join(recipients)}"):
        body = {
            "recipients": recipients,
            "template": "traffic_turn",
            "params": {"callsign": callsign, "distance_nm": 0.5, "direction": "right"},
        }
        sent = ctx.need(ctx.desk(a).post("/messages", body), 201)
        message_id = _message_id(sent.json)
    with ctx.step(f"{b} reads it in its language"):
        language = _languages(ctx).get(b)
        view = ctx.wait_for(lambda: _got(ctx.desk(b), message_id), max(ctx.replication_s, 1.0))
        rendered = (view or {}).get("rendered") or {}
        ctx.check(
            "rendered-in-language",
            bool(language) and rendered.get("language") == language and callsign in str(rendered.get("text")),
            f"rendered in {b}'s language ({language}) with the callsign {callsign}",
            str(rendered)[:300],
            ctx.remember(ctx.desk(b).get(f"/messages/{message_id}")),
        )
    with ctx.step("free text is as written"):
        text = f"Qualify free text {ctx.run_id}: call on 251.3"
        sent_text = ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "text": text, "language": "en"}), 201)
        view = ctx.wait_for(lambda: _got(ctx.desk(b), _message_id(sent_text.json)), max(ctx.replication_s, 1.0))
        rendered = (view or {}).get("rendered") or {}
        ctx.check(
            "free-text",
            rendered.get("text") == text and rendered.get("untranslated") is True,
            "the text as written, marked untranslated",
            str(rendered)[:300],
        )
    with ctx.step("receipts"):
        before = ctx.remember(ctx.desk(a).post(f"/messages/{message_id}/ack"))
        read = ctx.remember(ctx.desk(b).post(f"/messages/{message_id}/read"))
        state_read = _receipt(read.json, b)
        acked = ctx.remember(ctx.desk(b).post(f"/messages/{message_id}/ack"))
        state_acked = _receipt(acked.json, b)
        ctx.check(
            "receipt-moves",
            400 <= before.status < 500
            and read.status == 200
            and state_read == "read"
            and state_acked == "acknowledged",
            "the author's own ack refused (4xx); the recipient moves read, then acknowledged",
            f"author ack {before.status}; read {read.status} -> {state_read}; ack {acked.status} -> {state_acked}",
            acked,
        )
        observer = ctx.remember(ctx.desk(b, "observer").post(f"/messages/{message_id}/ack"))
        ctx.check("observer-refused", observer.status == 403, "an observer may not acknowledge: 403", exchange=observer)
    with ctx.step("who sees which receipt"):
        author_view = _got(ctx.desk(a), message_id) or {}
        author_parties = sorted(r.get("party") for r in (author_view.get("message") or {}).get("receipts", []))
        ctx.check(
            "receipts-seen",
            author_parties == sorted(recipients),
            f"the author's party sees every recipient's receipt ({sorted(recipients)})",
            str(author_parties),
        )
        for reader in recipients:
            view = _got(ctx.desk(reader), message_id) or {}
            parties = sorted(r.get("party") for r in (view.get("message") or {}).get("receipts", []))
            ctx.check("receipts-seen", parties == [reader], f"{reader} sees its own receipt only", str(parties))
        outsiders = [p.party for p in ctx.config.parties if p.party not in (a, b)]
        if not outsiders:
            ctx.skip("outsider-404", "the config names only two parties")
        for outsider in outsiders:  # the free text went to b alone
            answer = ctx.remember(ctx.desk(outsider).get(f"/messages/{_message_id(sent_text.json)}"))
            ctx.check("outsider-404", answer.status == 404, f"{outsider} gets 404 for the message", exchange=answer)
    with ctx.step("bad messages"):
        count = len(ctx.desk(a).get("/messages").items())
        bad: list[tuple[dict[str, Any], str]] = [
            ({"recipients": [b], "template": "no_such_phrase"}, "template"),
            ({"recipients": [b], "template": "traffic_turn", "params": {"callsign": "X1"}}, "params"),
            ({"recipients": ["ZZQ9"], "template": "stand_by"}, "recipients"),
            ({"recipients": [a], "template": "stand_by"}, "recipients"),
            ({"recipients": [b], "text": "hello"}, "language"),
            ({"recipients": [b], "template": "stand_by", "urgency": "panic"}, "urgency"),
        ]
        for body, field in bad:
            answer = ctx.remember(ctx.desk(a).post("/messages", body))
            named = str(answer.field() or "")
            ctx.check(
                "bad-message",
                answer.status == 422 and named.startswith(field),
                f"422 naming {field}",
                f"{answer.status} field={named!r}",
                answer,
            )
        after = len(ctx.desk(a).get("/messages").items())
        ctx.check("bad-message", after == count, "no bad message stored", f"{after - count} stored")


def _got(desk: Desk, message_id: str) -> dict[str, Any] | None:
    answer = desk.get(f"/messages/{message_id}")
    return answer.json if answer.status == 200 and isinstance(answer.json, dict) else None


def _receipt(document: Any, party: str) -> str | None:
    if not isinstance(document, dict):
        return None
    for receipt in (document.get("message") or {}).get("receipts", []):
        if receipt.get("party") == party:
            return str(receipt.get("state"))
    return None


MESSAGES = Scenario(
    "S04-messages",
    "Hotline messages: rendered in the reader's language, receipts, who sees them, bad messages",
    {
        "rendered-in-language": "HOT-001",
        "free-text": "HOT-002",
        "receipt-moves": "HOT-003",
        "observer-refused": "ACC-002",
        "receipts-seen": "VIS-006",
        "outsider-404": "VIS-005",
        "bad-message": "HOT-007",
    },
    _play_messages,
)


# -- S05: a safety message rings, escalates once, and stops when acknowledged --------------------------------
def _safety_wait_s(config: QualifyConfig) -> float:
    ring = config.setting("ring_interval_s")
    return config.setting("escalate_after_s") + 4 * ring + 4 * config.setting("scheduler_interval_s") + 3.0


def _play_safety(ctx: Context) -> None:
    a, b = ctx.parties
    ring_s = ctx.config.setting("ring_interval_s")
    escalate_s = ctx.config.setting("escalate_after_s")
    tick_s = ctx.config.setting("scheduler_interval_s")
    slack_s = 2 * tick_s + 2.0 + ctx.replication_s
    with ctx.step(f"{a} sends a safety message and a routine one to {b}"):
        safety = {
            "recipients": [b],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": f"Q{ctx.run_id[-6:]}", "distance_nm": 0.5, "direction": "left"},
        }
        sent_at = time.monotonic()
        safety_id = _message_id(ctx.need(ctx.desk(a).post("/messages", safety), 201).json)
        routine_id = _message_id(
            ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "template": "stand_by"}), 201).json
        )

        def acknowledge() -> None:
            ctx.desk(b).post(f"/messages/{safety_id}/ack")

        ctx.on_cleanup(f"acknowledge {safety_id}", acknowledge)
    with ctx.step("it rings again"):

        def rings() -> int:
            # A late tick rings every ring it owes in one event ("rings": [...]): count rings, not events.
            events = _events_about(ctx.desk(b), "message.ring", _of_message, safety_id, ctx.start)
            return sum(max(1, len((e.get("data") or {}).get("rings") or [])) for e in events)

        rang = ctx.wait_for(lambda: rings() >= 2, 2 * ring_s + slack_s, interval_s=0.2)
        ctx.check(
            "rings-again",
            bool(rang),
            f"at least two rings (message.ring) for {b} within {2 * ring_s + slack_s:.1f} s",
            f"{rings()} rings after {time.monotonic() - sent_at:.1f} s",
            ctx.remember(ctx.desk(b).events(ctx.start)[2]),
        )
    with ctx.step("it escalates to the senior tier, once, and both parties hear it"):
        remaining = max(0.0, escalate_s + slack_s - (time.monotonic() - sent_at))
        for party in (b, a):
            senior = ctx.desk(party, "senior")
            seen = ctx.wait_for(
                partial(_events_about, senior, "message.escalated", _of_message, safety_id, ctx.start), remaining + 0.5
            )
            tier = (((seen or [{}])[0].get("data") or {}).get("escalation") or {}).get("tier") if seen else None
            ctx.check(
                "escalates",
                bool(seen) and tier in (None, "senior"),
                f"{party} hears message.escalated (to the senior tier) within escalate_after_s {escalate_s:.0f} s"
                " and slack",
                f"escalated events: {len(seen or [])}, tier {tier!r}, after {time.monotonic() - sent_at:.1f} s",
            )
            remaining = 0.0
        time.sleep(ring_s + tick_s)
        count = len(_events_about(ctx.desk(b), "message.escalated", _of_message, safety_id, ctx.start))
        ctx.check("escalates", count == 1, "escalated once", f"{count} message.escalated events for {b}")
    with ctx.step("acknowledged, it rings no more; a routine message never rang"):
        ctx.need(ctx.desk(b).post(f"/messages/{safety_id}/ack"), 200)
        time.sleep(tick_s + 0.3)
        before = len(_events_about(ctx.desk(b), "message.ring", _of_message, safety_id, ctx.start))
        time.sleep(1.5 * ring_s + 2 * tick_s)
        after = len(_events_about(ctx.desk(b), "message.ring", _of_message, safety_id, ctx.start))
        routine = len(_events_about(ctx.desk(b), "message.ring", _of_message, routine_id, ctx.start))
        ctx.check(
            "silent-when-acknowledged",
            after == before and routine == 0,
            "no ring after the acknowledgement, and none ever for the routine message",
            f"rings after ack: {after - before}; routine rings: {routine}",
        )


SAFETY = Scenario(
    "S05-safety-rings",
    "A safety message rings every ring_interval_s, escalates once after escalate_after_s, stops when acknowledged",
    {"rings-again": "HOT-004", "escalates": "HOT-005", "silent-when-acknowledged": "HOT-006"},
    _play_safety,
    wait_s=_safety_wait_s,
)


# -- S06: cases ------------------------------------------------------------------------------------------------
def _case_view(desk: Desk, case_id: str) -> dict[str, Any]:
    answer = desk.get(f"/cases/{case_id}")
    return answer.json if answer.status == 200 and isinstance(answer.json, dict) else {}


def _state(desk: Desk, case_id: str) -> str | None:
    return (_case_view(desk, case_id).get("case") or {}).get("state")


def _case_id(answer: Any) -> str:
    return str(((answer or {}).get("case") or {}).get("case_id") or "") if isinstance(answer, dict) else ""


def settle(ctx: Context, case_id: str, a: str, b: str) -> None:
    """Drive a contention case to ``resolved`` as the senior officers of its parties (who may act on any case):
    terms put forward, accepted, then resolved; a case already final is left as it is."""
    proposal = {"terms": {"kind": "yield", "party": b}, "text": "qualify cleanup"}
    for _ in range(6):
        state = _state(ctx.desk(a, "senior"), case_id)
        if state in (None, "resolved", "lapsed"):
            return
        if state in ("open", "rejected", "escalated"):
            answer = ctx.desk(a, "senior").post(f"/cases/{case_id}/propose", proposal)
        elif state == "proposed":
            answer = ctx.desk(b, "senior").post(f"/cases/{case_id}/accept", {"note": "qualify cleanup"})
            if answer.status == 403:  # the proposal was b's own
                answer = ctx.desk(a, "senior").post(f"/cases/{case_id}/accept", {"note": "qualify cleanup"})
        else:
            answer = ctx.desk(a, "senior").post(f"/cases/{case_id}/resolve", {"note": "qualify cleanup"})
        if answer.status != 200:
            raise RuntimeError(f"{answer.describe()} in state {state}: {answer.text[:200]}")
        time.sleep(ctx.replication_s / 5)
    raise RuntimeError(f"case {case_id} is still {_state(ctx.desk(a, 'senior'), case_id)}")


def settle_later(ctx: Context, case_id: str, a: str, b: str) -> None:
    ctx.on_cleanup(f"settle case {case_id}", lambda: settle(ctx, case_id, a, b))


def open_contention(ctx: Context, a: str, b: str, *, urgent: bool = False) -> str:
    body = {"subject": {"kind": "contention", "reason": f"qualify {ctx.run_id}"}, "with": b, "urgent": urgent}
    case_id = _case_id(ctx.need(ctx.desk(a).post("/cases", body), 201, what="opening a contention case").json)
    settle_later(ctx, case_id, a, b)
    return case_id


def _play_cases(ctx: Context) -> None:
    a, b = ctx.parties
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    a_id, b_id = ctx.unique(a), ctx.unique(b)
    with ctx.step("two overlapping notices"):
        ctx.need(ctx.desk(a).post("/notices", collection(circle_notice(a_id, a, start, end))), 201)
        cancel_later(ctx, a, a_id)
        ctx.need(ctx.desk(b).post("/notices", collection(polygon_notice(b_id, b, start, end))), 201)
        cancel_later(ctx, b, b_id)
        listed = ctx.wait_for(lambda: conflicts_between(ctx.desk(a), a_id, b_id), max(ctx.replication_s, 1.0))
        if not listed:
            raise Aborted(f"no conflict of {a_id} and {b_id}")
        conflict_id = listed[0]["id"]
    with ctx.step(f"{a} opens a case about the conflict"):
        opened = ctx.need(
            ctx.desk(a).post("/cases", {"subject": {"kind": "conflict", "conflict_id": conflict_id}}), 201
        )
        case_id = _case_id(opened.json)  # resolves by itself when the cleanup cancels the notices
        parties = sorted(((opened.json or {}).get("case") or {}).get("parties") or [])
        ctx.check(
            "case-parties", parties == sorted([a, b]), f"the case is between {sorted([a, b])}", str(parties), opened
        )
        seen_by_b = ctx.wait_for(lambda: _case_view(ctx.desk(b), case_id), max(ctx.replication_s, 1.0))
        ctx.check("case-parties", bool(seen_by_b), f"{b} reads the case", "404", ctx.desk(b).get(f"/cases/{case_id}"))
        for outsider in [p.party for p in ctx.config.parties if p.party not in (a, b)]:
            answer = ctx.remember(ctx.desk(outsider).get(f"/cases/{case_id}"))
            ctx.check("case-parties", answer.status == 404, f"{outsider} gets 404 for the case", exchange=answer)
    with ctx.step("the moves each may make"):
        view_a, view_b = _case_view(ctx.desk(a), case_id), _case_view(ctx.desk(b), case_id)
        ctx.check(
            "moves-listed",
            "propose" in (view_a.get("permitted") or [])
            and "accept" not in (view_a.get("permitted") or [])
            and "awaiting" in view_b,
            "an open case lists propose (not accept) among the reader's moves, and whose move it is",
            f"{a}: permitted={view_a.get('permitted')}, awaiting={view_a.get('awaiting')}",
        )
    with ctx.step("a move the state does not permit"):
        refused = ctx.remember(ctx.desk(b).post(f"/cases/{case_id}/accept", {"note": "nothing to accept"}))
        ctx.check(
            "illegal-409",
            refused.status == 409 and _state(ctx.desk(b), case_id) == "open",
            "accepting with no proposal pending: 409, the case still open",
            exchange=refused,
        )
    with ctx.step("propose, accept, carry out"):
        terms = {"terms": {"kind": "shift_time", "party": b, "minutes": 240}, "text": "qualify: move yours 4 h later"}
        ctx.need(ctx.desk(a).post(f"/cases/{case_id}/propose", terms), 200)
        ctx.wait_for(lambda: _state(ctx.desk(b), case_id) == "proposed", max(ctx.replication_s, 1.0))
        agreed = ctx.remember(ctx.desk(b).post(f"/cases/{case_id}/accept", {"note": "agreed"}))
        ctx.check(
            "agreement-resolves",
            agreed.status == 200 and ((agreed.json or {}).get("case") or {}).get("state") == "agreed",
            "the acceptance makes the case agreed",
            exchange=agreed,
        )
        moved = polygon_notice(b_id, b, ctx.at(days=1, hours=4), ctx.at(days=1, hours=6))
        ctx.need(ctx.desk(b).put(f"/notices/{b_id}", collection(moved)), 200)
        resolved = ctx.wait_for(lambda: _state(ctx.desk(a), case_id) == "resolved", max(ctx.replication_s, 2.0))
        heard = _events_about(ctx.desk(a), "case.resolved", _of_case, case_id, ctx.start)
        ctx.check(
            "agreement-resolves",
            bool(resolved) and bool(heard),
            "the revision removes the conflict; the case resolves by itself and case.resolved is heard",
            f"state {_state(ctx.desk(a), case_id)}, case.resolved events {len(heard)}",
        )
    with ctx.step("escalated, only the senior tier acts"):
        other = open_contention(ctx, a, b)
        ctx.need(ctx.desk(a).post(f"/cases/{other}/escalate", {"note": "qualify"}), 200)
        ctx.wait_for(lambda: _state(ctx.desk(b), other) == "escalated", max(ctx.replication_s, 1.0))
        proposal = {"terms": {"kind": "yield", "party": a}}
        duty = ctx.remember(ctx.desk(b).post(f"/cases/{other}/propose", proposal))
        senior = ctx.remember(ctx.desk(b, "senior").post(f"/cases/{other}/propose", proposal))
        ctx.check(
            "senior-only",
            duty.status in (403, 409) and senior.status == 200,
            "the duty officer is refused (403/409), the senior officer's proposal taken (200)",
            f"duty {duty.status}, senior {senior.status}: {senior.text[:200]}",
            duty,
        )
    with ctx.step("an agreed contention resolved by hand takes no further move"):
        third = open_contention(ctx, a, b)
        ctx.need(ctx.desk(a).post(f"/cases/{third}/propose", {"terms": {"kind": "yield", "party": b}}), 200)
        ctx.wait_for(lambda: _state(ctx.desk(b), third) == "proposed", max(ctx.replication_s, 1.0))
        ctx.need(ctx.desk(b).post(f"/cases/{third}/accept", {"note": "agreed"}), 200)
        ctx.wait_for(lambda: _state(ctx.desk(a), third) == "agreed", max(ctx.replication_s, 1.0))
        resolved_answer = ctx.remember(ctx.desk(a).post(f"/cases/{third}/resolve", {"note": "settled by phone"}))
        after = ctx.remember(ctx.desk(a).post(f"/cases/{third}/propose", {"terms": {"kind": "yield", "party": b}}))
        ctx.check(
            "resolve-final",
            resolved_answer.status == 200 and after.status == 409,
            "resolve 200, then a proposal 409",
            f"resolve {resolved_answer.status}, propose {after.status}: {after.text[:200]}",
            after,
        )
    with ctx.step("undeclared fields"):
        opening = {"subject": {"kind": "contention", "reason": "q"}, "with": b, "colour": "red"}
        answer = ctx.remember(ctx.desk(a).post("/cases", opening))
        ctx.check(
            "unknown-field", answer.status == 422 and answer.field() == "colour", "422 naming colour", exchange=answer
        )
        move = ctx.remember(
            ctx.desk(a).post(f"/cases/{other}/propose", {"terms": {"kind": "yield", "party": b}, "extra": 1})
        )
        ctx.check("unknown-field", move.status == 422 and move.field() == "extra", "422 naming extra", exchange=move)


CASES = Scenario(
    "S06-cases",
    "Cases: their parties, the moves permitted, an agreement carried out, escalation, resolution",
    {
        "case-parties": "CAS-001",
        "moves-listed": "CAS-003",
        "illegal-409": "CAS-002",
        "agreement-resolves": "CAS-004",
        "senior-only": "CAS-006",
        "resolve-final": "CAS-007",
        "unknown-field": "CAS-008",
    },
    _play_cases,
)


# -- S07: a missed deadline escalates a case, once ---------------------------------------------------------
def _deadline_wait_s(config: QualifyConfig) -> float:
    return 2 * config.setting("urgent_response_deadline_s") + 4 * config.setting("scheduler_interval_s") + 3.0


def _play_deadline(ctx: Context) -> None:
    a, b = ctx.parties
    deadline_s = ctx.config.setting("urgent_response_deadline_s")
    tick_s = ctx.config.setting("scheduler_interval_s")
    with ctx.step(f"{a} opens an urgent case and proposes; {b} does not answer"):
        case_id = open_contention(ctx, a, b, urgent=True)
        ctx.need(ctx.desk(a).post(f"/cases/{case_id}/propose", {"terms": {"kind": "yield", "party": b}}), 200)
    with ctx.step("the deadline passes"):
        limit = deadline_s + 2 * tick_s + 2.0 + ctx.replication_s
        for party in (a, b):
            senior = ctx.desk(party, "senior")
            seen = ctx.wait_for(
                partial(_events_about, senior, "case.escalated", _of_case, case_id, ctx.start), limit, 0.2
            )
            ctx.check(
                "deadline-escalates",
                bool(seen),
                f"{party} hears case.escalated within urgent_response_deadline_s {deadline_s:.0f} s and slack",
                "no case.escalated",
                ctx.remember(ctx.desk(party, "senior").get(f"/cases/{case_id}")),
            )
        state = _state(ctx.desk(b, "senior"), case_id)
        ctx.check("deadline-escalates", state == "escalated", "the case is escalated", f"state {state}")
        time.sleep(deadline_s + 2 * tick_s)
        # Once is the case's own history: two federated nodes may each announce the escalation they merge.
        history = (_case_view(ctx.desk(a, "senior"), case_id).get("case") or {}).get("history") or []
        moves = [step.get("event") for step in history if step.get("event") in ("escalate", "deadline_missed")]
        ctx.check(
            "deadline-escalates", moves == ["deadline_missed"], "escalated once, by the deadline", f"history: {moves}"
        )


CASE_DEADLINE = Scenario(
    "S07-case-deadline",
    "A case with no response within its deadline escalates to the senior tier of both parties, once",
    {"deadline-escalates": "CAS-005"},
    _play_deadline,
    wait_s=_deadline_wait_s,
)
