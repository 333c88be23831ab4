"""Scenario: notices and conflicts, and what each party may see of them (NOT, VIS)."""

from __future__ import annotations

import json
import math
from typing import Any

from airparley.qualify._builders import (
    PALMYRA,
    circle_notice,
    collection,
    conflict_id_of,
    distance_nm,
    polygon_notice,
    positions,
    secret,
)
from airparley.qualify._client import Desk
from airparley.qualify._scenario import Aborted, Context, Scenario

__all__ = ["NOTICES", "cancel_later", "conflicts_between"]


def cancel_later(ctx: Context, party: str, notice_id: str) -> None:
    """Cancel the notice when the scenario ends (a notice already ended is left as it is)."""
    desk = ctx.desk(party)

    def cancel() -> None:
        answer = desk.post(f"/notices/{notice_id}/cancel")
        if answer.status not in (200, 422):
            raise RuntimeError(f"{answer.describe()}: {answer.text[:200]}")

    ctx.on_cleanup(f"cancel {notice_id}", cancel)


def conflicts_between(desk: Desk, own_id: str, other_id: str) -> list[dict[str, Any]]:
    answer = desk.get("/conflicts")
    return [
        c
        for c in answer.items()
        if isinstance(c, dict)
        and (c.get("own") or {}).get("notice_id") == own_id
        and (c.get("other") or {}).get("notice_id") == other_id
    ]


def _file(ctx: Context, party: str, *features: dict[str, Any], check: str = "") -> dict[str, Any]:
    answer = ctx.desk(party).post("/notices", collection(*features))
    if check:
        ctx.expect_status(check, answer, 201, fatal=True)
    else:
        ctx.need(answer, 201, what=f"{party} filing a notice")
    for feature in features:
        cancel_later(ctx, party, feature["properties"]["notice_id"])
    return answer.json if isinstance(answer.json, dict) else {}


def _play(ctx: Context) -> None:
    a, b = ctx.parties
    lateral_nm = ctx.config.setting("lateral_nm")
    start, end = ctx.at(days=1), ctx.at(days=1, hours=2)
    a_id, b_id = ctx.unique(a), ctx.unique(b)
    a_secret, b_secret = secret(ctx.run_id, a), secret(ctx.run_id, b)

    with ctx.step(f"{a} files a strike near Palmyra"):
        _file(
            ctx,
            a,
            circle_notice(a_id, a, start, end, private={"mission": a_secret}, callsigns=["VIPER11"]),
            check="desk-files",
        )
    with ctx.step(f"{b} files an overlapping strike"):
        filed = _file(ctx, b, polygon_notice(b_id, b, start, end, private={"mission": b_secret}), check="desk-files")
        if ctx.config.federated:
            # b's node may not hold a's notice yet: once b lists the conflict, a second filing must name it.
            ctx.wait_for(lambda: conflicts_between(ctx.desk(b), b_id, a_id), ctx.replication_s)
            filed = _file(ctx, b, polygon_notice(ctx.unique(b), b, start, end))
        conflicts = [c for f in filed.get("filed", []) for c in f.get("conflicts", [])]
        named = [c for c in conflicts if (c.get("other") or {}).get("notice_id") == a_id]
        ctx.check(
            "filing-names-conflict",
            bool(named),
            f"the filing answer lists a conflict with {a_id}",
            json.dumps(conflicts)[:400],
        )
    expected_id = conflict_id_of((a_id, 1), (b_id, 1))

    with ctx.step("both parties list the conflict"):
        seen_a = ctx.wait_for(lambda: conflicts_between(ctx.desk(a), a_id, b_id), ctx.replication_s)
        seen_b = ctx.wait_for(lambda: conflicts_between(ctx.desk(b), b_id, a_id), ctx.replication_s)
        ctx.check(
            "both-list",
            bool(seen_a) and bool(seen_b),
            f"GET /conflicts of {a} and of {b} list the conflict of {a_id} and {b_id}",
            f"{a}: {len(seen_a or [])}, {b}: {len(seen_b or [])}",
            ctx.remember(ctx.desk(a).get("/conflicts")),
        )
        if not seen_a or not seen_b:
            raise Aborted(f"no conflict of {a_id} and {b_id} was listed")
        conflict_a, conflict_b = seen_a[0], seen_b[0]
        ctx.check(
            "same-id",
            conflict_a.get("id") == conflict_b.get("id") == expected_id,
            f"both see id {expected_id}",
            f"{a} sees {conflict_a.get('id')}, {b} sees {conflict_b.get('id')}",
        )
        buffers = conflict_a.get("buffers") or {}
        declared = {k: ctx.config.setting(k) for k in ("lateral_nm", "vertical_ft", "time_min")}
        ctx.check(
            "buffers-shown",
            all(abs(float(buffers.get(k, -1)) - v) < 1e-6 for k, v in declared.items()),
            f"buffers {declared}",
            json.dumps(buffers),
        )

    with ctx.step("the other side's footprint is the overlap only"):
        for viewer, conflict, own_center in ((a, conflict_a, PALMYRA), (b, conflict_b, None)):
            if own_center is None:  # b's own is the box; a's circle seen by b must stay within the box + buffer
                d_lat = (lateral_nm + 0.5) / 60
                d_lon = d_lat / math.cos(math.radians(35.25))
                far = [
                    p
                    for p in positions(_other_parts(conflict))
                    if not (38.10 - d_lon <= p[0] <= 39.60 + d_lon and 34.45 - d_lat <= p[1] <= 35.25 + d_lat)
                ]
            else:
                far = [
                    p for p in positions(_other_parts(conflict)) if distance_nm(p, own_center) > 15.0 + lateral_nm + 0.5
                ]
            ctx.check(
                "overlap-only",
                not far,
                f"{viewer} sees no point of the other footprint beyond the lateral buffer of its own",
                f"{len(far)} points beyond it, e.g. {far[:3]}",
            )

    with ctx.step("private parts stay with their party"):
        ctx.check(
            "own-in-full",
            a_secret in ctx.remember(ctx.desk(a).get(f"/notices/{a_id}")).text,
            f"{a} reads its own notice with its private part",
            exchange=ctx.last,
        )
        for viewer, other_secret in ((a, b_secret), (b, a_secret)):
            for tier in ("duty", "observer"):
                desk = ctx.desk(viewer, tier)
                events, _, last = desk.events(ctx.start)
                seen = (*(desk.get(p) for p in ("/notices", "/conflicts", f"/conflicts/{expected_id}")), last)
                for answer in seen:
                    text = answer.text if answer is not last else json.dumps(events, ensure_ascii=False)
                    ctx.remember(answer)
                    ctx.check(
                        "private-never-shown",
                        other_secret not in text,
                        f"{viewer} {tier} never receives {other_secret}",
                        f"found in {answer.describe()}",
                        answer,
                    )
        for viewer, other_id in ((b, a_id), (a, b_id)):
            single = ctx.remember(ctx.desk(viewer).get(f"/notices/{other_id}"))
            listed = ctx.desk(viewer).get("/notices")
            ctx.check(
                "other-notice-hidden",
                single.status == 404 and other_id not in listed.text,
                f"{viewer} gets 404 for {other_id} and does not list it",
                f"{single.status}; listed: {other_id in listed.text}",
                single,
            )

    with ctx.step("a party outside the conflict sees nothing of it"):
        third = [p.party for p in ctx.config.parties[2:]]
        if not third:
            ctx.skip("outsider-404", "the config names only two parties")
        for outsider in third:
            answer = ctx.remember(ctx.desk(outsider).get(f"/conflicts/{expected_id}"))
            listed = ctx.desk(outsider).get("/conflicts")
            ctx.check(
                "outsider-404",
                answer.status == 404 and expected_id not in listed.text,
                f"{outsider} gets 404 for the conflict and does not list it",
                f"{answer.status}; listed: {expected_id in listed.text}",
                answer,
            )

    with ctx.step("same party, and notices beyond a buffer, do not conflict"):
        a2 = ctx.unique(a)
        filed = _file(ctx, a, circle_notice(a2, a, start, end))
        own_pairs = [
            c
            for f in filed.get("filed", [])
            for c in f.get("conflicts", [])
            if (c.get("other") or {}).get("party") == a
        ]
        ctx.check(
            "same-party-never", not own_pairs, f"no conflict between two notices of {a}", json.dumps(own_pairs)[:300]
        )
        # Each beyond one buffer by a margin, whatever the declared buffers.
        gap_min = ctx.config.setting("time_min") + 30
        lower_fl = 300 + math.ceil((ctx.config.setting("vertical_ft") + 2000) / 100)
        west_lon = PALMYRA[0] + (15.0 + lateral_nm + 5.0) / (60 * math.cos(math.radians(PALMYRA[1] + 0.7)))
        later = _file(
            ctx,
            b,
            polygon_notice(
                ctx.unique(b), b, ctx.at(days=1, hours=2, minutes=gap_min), ctx.at(days=1, hours=4, minutes=gap_min)
            ),
        )
        higher = _file(ctx, b, polygon_notice(ctx.unique(b), b, start, end, lower_fl=lower_fl, upper_fl=lower_fl + 50))
        east = _file(ctx, b, polygon_notice(ctx.unique(b), b, start, end, west_lon=west_lon, east_lon=west_lon + 0.5))
        for label, filed_answer in (
            ("after the time buffer", later),
            ("above the vertical buffer", higher),
            ("beyond the lateral buffer", east),
        ):
            found = [c for f in filed_answer.get("filed", []) for c in f.get("conflicts", [])]
            ctx.check(
                "beyond-buffer", not found, f"a notice {label} of {a}'s does not conflict", json.dumps(found)[:300]
            )

    with ctx.step("notice ids are scoped by party"):
        taken = ctx.desk(b).post("/notices", collection(circle_notice(a_id, b, start, end)))
        fresh = ctx.desk(b).post("/notices", collection(circle_notice(ctx.unique(a), b, start, end)))
        ctx.check(
            "id-scoped",
            taken.status == fresh.status == 422 and taken.json.get("field") == fresh.json.get("field")
            if isinstance(taken.json, dict) and isinstance(fresh.json, dict)
            else False,
            f"filing under {a}'s prefix is 422, the same for an existing id and a new one",
            f"existing: {taken.status} {taken.text[:150]}; new: {fresh.status} {fresh.text[:150]}",
            taken,
        )

    with ctx.step("a document with an error is refused whole"):
        good, bad = ctx.unique(a), ctx.unique(a)
        document = collection(
            circle_notice(good, a, start, end), circle_notice(bad, a, start, end, lower_fl=300, upper_fl=200)
        )
        answer = ctx.remember(ctx.desk(a).post("/notices", document))
        stored = ctx.desk(a).get(f"/notices/{good}")
        ctx.check(
            "refused-whole",
            answer.status == 422 and bool(answer.field()) and stored.status == 404,
            "422 naming the field, and the valid notice of the document not stored",
            f"{answer.status} field={answer.field()!r}; GET {good}: {stored.status}",
            answer,
        )

    with ctx.step(f"{b} revises its notice out of the way"):
        moved = polygon_notice(b_id, b, ctx.at(days=2), ctx.at(days=2, hours=2), private={"mission": b_secret})
        answer = ctx.remember(ctx.desk(b).put(f"/notices/{b_id}", collection(moved)))
        version = (answer.json or {}).get("notice", {}).get("version") if isinstance(answer.json, dict) else None
        ctx.check(
            "revision-versioned",
            answer.status == 200 and version == 2,
            f"200 and {b_id} at version 2",
            f"{answer.status} version={version}",
            answer,
        )
        cleared = ctx.wait_for(lambda: not conflicts_between(ctx.desk(a), a_id, b_id), max(ctx.replication_s, 2.0))
        events, _, exchange = ctx.desk(a).events(ctx.start)
        heard = any(
            e.get("kind") == "conflict.cleared" and (e.get("data") or {}).get("id") == expected_id for e in events
        )
        ctx.check(
            "revision-clears",
            bool(cleared) and heard,
            f"the conflict leaves {a}'s list and {a} hears conflict.cleared",
            f"still listed: {not cleared}; conflict.cleared heard: {heard}",
            exchange,
        )

    with ctx.step("cancelling a notice clears its conflicts"):
        c_id = ctx.unique(b)
        _file(ctx, b, polygon_notice(c_id, b, start, end))
        present = ctx.wait_for(lambda: conflicts_between(ctx.desk(a), a_id, c_id), ctx.replication_s)
        if not present:
            raise Aborted(f"no conflict of {a_id} and {c_id} to clear")
        ctx.need(ctx.desk(b).post(f"/notices/{c_id}/cancel"), 200)
        gone = ctx.wait_for(lambda: not conflicts_between(ctx.desk(a), a_id, c_id), max(ctx.replication_s, 2.0))
        ctx.check(
            "cancel-clears",
            bool(gone),
            f"the conflict of {a_id} and {c_id} leaves {a}'s list",
            "still listed",
            ctx.desk(a).get("/conflicts"),
        )


def _other_parts(conflict: dict[str, Any]) -> list[Any]:
    """Everything of a conflict that describes the other side's geometry (what minimal disclosure bounds)."""
    parts: list[Any] = [conflict.get("other"), (conflict.get("overlap") or {}).get("footprint")]
    parts += [volume.get("other_footprint") for volume in conflict.get("volumes") or [] if isinstance(volume, dict)]
    return parts


NOTICES = Scenario(
    "S01-notices",
    "Notices and conflicts: both sides see one conflict, the overlap only, never a private part",
    {
        "desk-files": "ACC-001",
        "filing-names-conflict": "NOT-001",
        "both-list": "NOT-001",
        "same-id": "NOT-002",
        "buffers-shown": "NOT-004",
        "overlap-only": "VIS-004",
        "own-in-full": "VIS-001",
        "private-never-shown": "VIS-003",
        "other-notice-hidden": "VIS-002",
        "outsider-404": "VIS-005",
        "same-party-never": "NOT-009",
        "beyond-buffer": "NOT-003",
        "id-scoped": "NOT-007",
        "refused-whole": "NOT-008",
        "revision-versioned": "NOT-005",
        "revision-clears": "NOT-005",
        "cancel-clears": "NOT-006",
    },
    _play,
)
