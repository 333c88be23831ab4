"""Scenarios: two federated nodes (FED-005, FED-006), a token's rate limit (API-011), a case that lapses
(CAS-009)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from airparley._time import iso_z_at
from airparley.qualify._builders import circle_notice, collection, conflict_id_of, polygon_notice
from airparley.qualify._config import QualifyConfig
from airparley.qualify._s_hotline import _case_id, _events_about, _of_case, _state
from airparley.qualify._s_notices import cancel_later, conflicts_between
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["FEDERATION", "LAPSE", "RATE_LIMIT"]

_MAX_BURST = 300
_LAPSE_IN_S = 4.0


# -- S12: two nodes, one per party -------------------------------------------------------------------------
def _one_node(config: QualifyConfig) -> str | None:
    if not config.federated:
        return "needs two federated nodes, the first two parties on different nodes (the config names one)"
    return None


def _play_federation(ctx: Context) -> None:
    a, b = ctx.parties
    if ctx.node_of(a) == ctx.node_of(b):
        raise Aborted(f"{a} and {b} are on the same node")
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    a_id, b_id = ctx.unique(a), ctx.unique(b)
    wait_s = ctx.replication_s
    with ctx.step(f"{a} files on its node, {b} on its own"):
        ctx.need(ctx.desk(a).post("/notices", collection(circle_notice(a_id, a, start, end))), 201)
        cancel_later(ctx, a, a_id)
        ctx.need(ctx.desk(b).post("/notices", collection(polygon_notice(b_id, b, start, end))), 201)
        cancel_later(ctx, b, b_id)
    with ctx.step("both nodes derive the same conflict"):
        expected = conflict_id_of((a_id, 1), (b_id, 1))
        on_a = ctx.wait_for(partial(conflicts_between, ctx.desk(a), a_id, b_id), wait_s)
        on_b = ctx.wait_for(partial(conflicts_between, ctx.desk(b), b_id, a_id), wait_s)
        ids = ((on_a or [{}])[0].get("id"), (on_b or [{}])[0].get("id"))
        ctx.check(
            "same-conflict",
            ids == (expected, expected),
            f"both nodes list conflict {expected} within {wait_s:.0f} s",
            f"node of {a}: {ids[0]}, node of {b}: {ids[1]}",
        )
    with ctx.step("a message and its acknowledgement cross"):
        sent = ctx.need(ctx.desk(a).post("/messages", {"recipients": [b], "template": "stand_by"}), 201)
        message_id = str((sent.json or {}).get("message", {}).get("message_id"))
        arrived = ctx.wait_for(lambda: ctx.desk(b).get(f"/messages/{message_id}").status == 200, wait_s)
        ctx.check("message-crosses", bool(arrived), f"{b}'s node holds the message within {wait_s:.0f} s", "404")
        if arrived:
            ctx.need(ctx.desk(b).post(f"/messages/{message_id}/ack"), 200)

        def acknowledged() -> bool:
            view = ctx.desk(a).get(f"/messages/{message_id}").json or {}
            receipts = (view.get("message") or {}).get("receipts", []) if isinstance(view, dict) else []
            return any(r.get("party") == b and r.get("state") == "acknowledged" for r in receipts)

        back = ctx.wait_for(acknowledged, wait_s)
        ctx.check(
            "message-crosses",
            bool(back),
            f"{a}'s node shows {b}'s acknowledgement within {wait_s:.0f} s",
            "not acknowledged",
        )


FEDERATION = Scenario(
    "S12-federation",
    "Two federated nodes derive the same conflict and carry messages and receipts across",
    {"same-conflict": "FED-005", "message-crosses": "FED-006"},
    _play_federation,
    needs=_one_node,
)


# -- S13: a token's burst, then 429 ---------------------------------------------------------------------
def _rate_wait_s(config: QualifyConfig) -> float:
    return config.setting("rate_burst") / config.setting("rate_per_s") + 1.0


def _burst_too_large(config: QualifyConfig) -> str | None:
    burst = config.setting("rate_burst")
    if burst > _MAX_BURST:
        return f"rate_burst {burst:.0f} is above the {_MAX_BURST} requests the suite sends to spend a token's burst"
    return None


def _play_rate_limit(ctx: Context) -> None:
    party = ctx.config.parties[-1].party
    desk = ctx.desk(party, "observer")  # the token the other scenarios use least; refilled before the end
    burst = int(ctx.config.setting("rate_burst"))
    with ctx.step(f"{burst + 20} requests at once with one token"):
        refused = None
        for _ in range(burst + 20):
            answer = desk.get("/me")
            if answer.status == 429:
                refused = answer
                break
        retry = refused.retry_after if refused is not None else None
        ctx.check(
            "rate-limited",
            refused is not None and refused.problem and retry is not None,
            f"a 429 problem+json with Retry-After within {burst + 20} requests",
            "no 429" if refused is None else f"429, Retry-After {retry!r}",
            refused,
        )
    time.sleep(_rate_wait_s(ctx.config))  # leave the token as it was found


RATE_LIMIT = Scenario(
    "S13-rate-limit",
    "A token that spends its burst gets 429 with Retry-After",
    {"rate-limited": "API-011"},
    _play_rate_limit,
    wait_s=_rate_wait_s,
    needs=_burst_too_large,
)


# -- S14: a case lapses when its conflict's window has passed ------------------------------------------------
def _lapse_wait_s(config: QualifyConfig) -> float:
    return _LAPSE_IN_S + 2 * config.setting("scheduler_interval_s") + 2.0


def _play_lapse(ctx: Context) -> None:
    a, b = ctx.parties
    start = ctx.at(hours=-1)
    end = (datetime.now(UTC).timestamp()) + _LAPSE_IN_S
    end_iso = iso_z_at(round(end))
    a_id, b_id = ctx.unique(a), ctx.unique(b)
    with ctx.step("two notices whose window ends in a few seconds, and a case about their conflict"):
        ctx.need(ctx.desk(a).post("/notices", collection(circle_notice(a_id, a, start, end_iso))), 201)
        cancel_later(ctx, a, a_id)
        ctx.need(ctx.desk(b).post("/notices", collection(polygon_notice(b_id, b, start, end_iso))), 201)
        cancel_later(ctx, b, b_id)
        listed = ctx.wait_for(partial(conflicts_between, ctx.desk(a), a_id, b_id), max(ctx.replication_s, 1.0))
        if not listed:
            raise Aborted(f"no conflict of {a_id} and {b_id}")
        conflict: dict[str, Any] = listed[0]
        opened = ctx.need(
            ctx.desk(a).post("/cases", {"subject": {"kind": "conflict", "conflict_id": conflict["id"]}}), 201
        )
        case_id = _case_id(opened.json)
    with ctx.step("the window passes"):
        overlap_end = str((conflict.get("overlap") or {}).get("end", end_iso))
        ends_in_s = datetime.fromisoformat(overlap_end.replace("Z", "+00:00")).timestamp() - time.time()
        if ends_in_s > ctx.config.max_wait_s:
            ctx.skip("lapses", f"the conflict's window ends in {ends_in_s:.0f} s, beyond max_wait_s")
            return
        limit = max(0.0, ends_in_s) + 2 * ctx.config.setting("scheduler_interval_s") + 2.0 + ctx.replication_s
        lapsed = ctx.wait_for(lambda: _state(ctx.desk(a), case_id) == "lapsed", limit, 0.2)
        heard = [_events_about(ctx.desk(party), "case.lapsed", _of_case, case_id, ctx.start) for party in (a, b)]
        ctx.check(
            "lapses",
            bool(lapsed) and all(heard),
            f"the case lapses once the window ends ({overlap_end}) and both parties hear case.lapsed",
            f"state {_state(ctx.desk(a), case_id)}; case.lapsed heard by {a}: {bool(heard[0])}, {b}: {bool(heard[1])}",
        )


LAPSE = Scenario(
    "S14-case-lapse",
    "A case about a conflict lapses when the conflict's window has passed",
    {"lapses": "CAS-009"},
    _play_lapse,
    wait_s=_lapse_wait_s,
)
