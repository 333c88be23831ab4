"""Scenarios: a party's air picture, its alerts, intrusions, incidents, safety calls and non-response (TAC,
VIS-008). Track states are posted with the party's sensor token, stamped with the wall clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from airparley._time import iso_z
from airparley.geo import destination
from airparley.qualify._builders import circle_notice, collection
from airparley.qualify._client import Desk
from airparley.qualify._config import QualifyConfig
from airparley.qualify._s_notices import cancel_later
from airparley.qualify._scenario import Context, Scenario

__all__ = ["NON_RESPONSE", "PICTURE"]

_DEIR_EZ_ZOR = (40.4, 35.4)  # lon, lat: away from the notices the other scenarios file near Palmyra


def _now() -> str:
    return iso_z(datetime.now(UTC), "milliseconds")


def _state(track_id: str, party: str | None, at: tuple[float, float], trk_deg: float, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "id": track_id,
        "party": party,
        "time": _now(),
        "lon": round(at[0], 6),
        "lat": round(at[1], 6),
        "alt_ft": 30000,
        "gs_kt": 450,
        "trk_deg": trk_deg,
        "vs_fpm": 0,
        "callsign": "",
        "source": "QUALIFY",
    }
    state.update(extra)
    return state


def _moved(at: tuple[float, float], bearing_deg: float, nm: float) -> tuple[float, float]:
    lon, lat = destination(at[0], at[1], bearing_deg, nm)
    return float(lon), float(lat)


def _events(desk: Desk, kind: str, after: int = 0) -> list[dict[str, Any]]:
    return [e for e in desk.events(after)[0] if e.get("kind") == kind]


def _about(events: list[dict[str, Any]], *ids: str) -> list[dict[str, Any]]:
    return [e for e in events if all(i in json.dumps(e.get("data")) for i in ids)]


# -- S10: the picture, alerts, intrusions, incidents, safety calls ------------------------------------------
def _play_picture(ctx: Context) -> None:
    a, b = ctx.parties
    sensor = ctx.desk(a, "sensor")
    tag = ctx.run_id
    own, foe, intruder = f"{a}-Q{tag}-E3", f"{b}-Q{tag}-SU35", f"{b}-Q{tag}-SU34"
    settle_s = ctx.config.setting("scan_gather_s") + 2 * ctx.config.setting("scheduler_interval_s") + 2.0
    cursor_a = ctx.desk(a).events(ctx.start)[1]
    cursor_b = ctx.desk(b).events(ctx.start)[1]
    notice_center = _moved(_DEIR_EZ_ZOR, 180.0, 60.0)
    with ctx.step(f"{a} files a notice active now"):
        notice_id = ctx.unique(a)
        document = collection(circle_notice(notice_id, a, ctx.at(minutes=-10), ctx.at(hours=1), center=notice_center))
        ctx.need(ctx.desk(a).post("/notices", document), 201)
        cancel_later(ctx, a, notice_id)
    with ctx.step(f"{a}'s sensor posts its picture, with two bad states"):
        foe_at = _moved(_DEIR_EZ_ZOR, 90.0, 2.0)
        batch = [
            _state(own, a, _DEIR_EZ_ZOR, 90.0, gs_kt=360, callsign="QSENTRY"),
            _state(foe, b, foe_at, 270.0, callsign="QFALCON"),
            _state(intruder, b, _moved(notice_center, 270.0, 25.0), 90.0, alt_ft=22000, gs_kt=480, callsign="QGRACH"),
            _state(f"{a}-Q{tag}-BAD", a, _DEIR_EZ_ZOR, 90.0, lat=95),
            {"id": f"{a}-Q{tag}-X"},
        ]
        posted = ctx.remember(sensor.post("/tracks", {"states": batch}))
        answer = posted.json if isinstance(posted.json, dict) else {}
        rejected = answer.get("rejected") or []
        ctx.check(
            "state-by-state",
            posted.status == 202
            and answer.get("accepted") == 3
            and [r.get("index") for r in rejected] == [3, 4]
            and all(r.get("field") and r.get("reason") for r in rejected)
            and rejected[0].get("field") == "lat",
            "202: 3 accepted, states 3 (field lat) and 4 rejected, each with field and reason",
            exchange=posted,
        )
    with ctx.step("the picture is the party's own"):
        mine = {str(t.get("id")) for t in ctx.desk(a).get("/tracks").items() if isinstance(t, dict)}
        theirs = {str(t.get("id")) for t in ctx.desk(b).get("/tracks").items() if isinstance(t, dict)}
        ctx.check(
            "picture-private",
            {own, foe, intruder} <= mine and not ({own, foe, intruder} & theirs),
            f"{a} sees its three tracks; {b} sees none of them",
            f"{a}: {sorted(mine & {own, foe, intruder})}; {b}: {sorted(theirs & {own, foe, intruder})}",
        )
    with ctx.step("a head-on pair raises an alert"):

        def listed() -> list[Any]:
            return [x for x in ctx.desk(a).get("/alerts").items() if own in json.dumps(x) and foe in json.dumps(x)]

        # The alert in force and its event may land a moment apart: wait for both.
        ctx.wait_for(lambda: listed() and _about(_events(ctx.desk(a), "alert.raised", cursor_a), own, foe), settle_s)
        alerts = listed()
        raised = _about(_events(ctx.desk(a), "alert.raised", cursor_a), own, foe)
        ctx.check(
            "alert-raised",
            bool(alerts) and bool(raised),
            f"GET /alerts of {a} lists the pair {own} / {foe} and {a} hears alert.raised",
            f"alerts listing it: {len(alerts or [])}, alert.raised events: {len(raised)}",
            ctx.desk(a).get("/alerts"),
        )
        leaked = [e for e in ctx.desk(b).events(cursor_b)[0] if own in json.dumps(e) or foe in json.dumps(e)]
        ctx.check("picture-private", not leaked, f"{b} hears nothing of {a}'s picture", json.dumps(leaked[:1])[:300])
    with ctx.step("an aircraft heading into the party's own notice"):
        intrusion = ctx.wait_for(
            lambda: _about(_events(ctx.desk(a), "intrusion.detected", cursor_a), intruder), settle_s
        )
        ctx.check(
            "intrusion",
            bool(intrusion) and notice_id in json.dumps(intrusion),
            f"{a} hears intrusion.detected of {intruder} into {notice_id}",
            json.dumps(intrusion or [])[:300],
        )
    with ctx.step(f"{a} calls {b} about its aircraft"):
        call = ctx.remember(ctx.desk(a).post("/alerts/safety-call", {"track": foe}))
        message = (call.json or {}).get("message", {}) if isinstance(call.json, dict) else {}
        params = (message.get("content") or {}).get("params") or {}
        ctx.check(
            "safety-call",
            call.status == 201
            and message.get("urgency") == "safety"
            and message.get("recipients") == [b]
            and params.get("frequency") == 243.0,
            f"201: a safety message to {b} on 243.0 MHz",
            exchange=call,
        )
        if message.get("message_id"):
            message_id = str(message["message_id"])
            ctx.on_cleanup(
                f"acknowledge {message_id}", lambda: ctx.desk(b).post(f"/messages/{message_id}/ack") and None
            )
    with ctx.step("a near miss is recorded as an incident"):
        close = _moved(_DEIR_EZ_ZOR, 90.0, 0.1)
        sensor.post(
            "/tracks",
            {"states": [_state(own, a, _DEIR_EZ_ZOR, 90.0, gs_kt=360), _state(foe, b, close, 270.0, alt_ft=30200)]},
        )
        # Let a scan see them close before they are apart (a scan follows scan_gather_s after a post).
        time.sleep(ctx.config.setting("scan_gather_s") + 3 * ctx.config.setting("scheduler_interval_s") + 0.5)
        apart = _moved(_DEIR_EZ_ZOR, 270.0, 3.0)
        sensor.post(
            "/tracks", {"states": [_state(own, a, _DEIR_EZ_ZOR, 90.0, gs_kt=360), _state(foe, b, apart, 270.0)]}
        )
        incident = ctx.wait_for(lambda: _about(_events(ctx.desk(a), "incident.recorded", cursor_a), own, foe), settle_s)
        entry = ((incident or [{}])[0].get("data") or {}).get("entry") or {}
        ctx.check(
            "incident",
            bool(incident) and entry.get("party") == a,
            f"{a} hears incident.recorded of {own} and {foe}, with {a}'s signed entry",
            json.dumps(incident or [])[:300],
        )


PICTURE = Scenario(
    "S10-picture",
    "A party's air picture: state-by-state ingest, privacy, an alert, an intrusion, a safety call, an incident",
    {
        "state-by-state": "TAC-003",
        "picture-private": "VIS-008",
        "alert-raised": "TAC-001",
        "intrusion": "TAC-002",
        "safety-call": "TAC-004",
        "incident": "TAC-006",
    },
    _play_picture,
)


# -- S11: a called aircraft that neither answers nor manoeuvres is flagged ------------------------------------
def _non_response_wait_s(config: QualifyConfig) -> float:
    return config.setting("non_response_s") + 2 * config.setting("scheduler_interval_s") + 3.0


def _play_non_response(ctx: Context) -> None:
    a, b = ctx.parties
    sensor = ctx.desk(a, "sensor")
    track = f"{b}-Q{ctx.run_id}-NR"
    at = _moved(_DEIR_EZ_ZOR, 0.0, 40.0)
    gs_kt, trk_deg = 480.0, 340.0

    def report(started: float) -> None:
        flown = gs_kt * (time.monotonic() - started) / 3600
        sensor.post(
            "/tracks", {"states": [_state(track, b, _moved(at, trk_deg, flown), trk_deg, gs_kt=gs_kt, alt_ft=30300)]}
        )

    began = time.monotonic()
    with ctx.step(f"{a}'s picture holds {b}'s aircraft; {a} calls"):
        report(began)
        call = ctx.need(ctx.desk(a).post("/alerts/safety-call", {"track": track}), 201)
        message_id = str((call.json or {}).get("message", {}).get("message_id"))
        ctx.on_cleanup(f"acknowledge {message_id}", lambda: ctx.desk(b).post(f"/messages/{message_id}/ack"))
    with ctx.step(f"{b} does not answer and the aircraft flies on"):
        limit = time.monotonic() + _non_response_wait_s(ctx.config)
        flags: dict[str, list[Any]] = {}
        while time.monotonic() < limit:
            report(began)
            flags = {
                party: [f for f in ctx.desk(party).get("/flags").items() if track in json.dumps(f)] for party in (a, b)
            }
            if all(flags.values()):
                break
            time.sleep(0.4)
        for party in (a, b):
            ctx.check(
                "flagged",
                bool(flags.get(party)),
                f"GET /flags of {party} lists {track} within non_response_s and slack",
                f"no flag after {time.monotonic() - began:.1f} s",
                ctx.desk(party).get("/flags"),
            )
        outsiders = [p.party for p in ctx.config.parties if p.party not in (a, b)]
        for outsider in outsiders:
            seen = [f for f in ctx.desk(outsider).get("/flags").items() if track in json.dumps(f)]
            ctx.check("flagged", not seen, f"{outsider} sees no flag of {track}", json.dumps(seen)[:300])


NON_RESPONSE = Scenario(
    "S11-non-response",
    "An aircraft called about that neither answers nor manoeuvres is flagged for the caller and its owner",
    {"flagged": "TAC-005"},
    _play_non_response,
    wait_s=_non_response_wait_s,
)
