"""``airparley demo``: the Syria/Iraq scenario played live on one node (a neutral hub hosting every party).

The node runs on embedded SQLite with a clock that follows the scenario (time 0 is the scenario's start,
``--speed`` times faster than the wall clock), so notices, deadlines and tracks share one timeline. The
simulator drives it exactly as real sensors would, through the HTTP API with each party's sensor token.
The story the scenario tells: strikes near Palmyra in overlapping windows (a conflict), a Russian fighter
passing within half a mile of the E-3 (a warning-level alert, then an incident), a Russian pilot who does
not answer the safety calls (they ring, then escalate to the generals, and the aircraft is flagged
non-responsive when it has not manoeuvred by the deadline), and a Palmyra case the colonels
cannot settle (its deadline passes and it escalates to the generals).
"""

from __future__ import annotations

import collections
import json
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from airparley.cli._common import EXIT_BAD_INPUT, err_console, out_console, report_errors
from airparley.errors import AirparleyError, InvalidInput
from airparley.ledger import generate_key
from airparley.node import Node, NodeSettings, create_app
from airparley.sim import DEFAULT_SCENARIO, load_scenario, run_scenario, sensor_reports, shipped_scenarios, simulate
from airparley.sim._runner import PartyTokens
from airparley.store import Officer, Store

__all__ = ["demo_command"]


class ScenarioClock:
    """Scenario time: its start plus the wall time since the demo began, times ``speed``."""

    def __init__(self, start_s: float, speed: float) -> None:
        self.start_s = start_s
        self.speed = speed
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.start_s + (time.monotonic() - self.began) * self.speed, UTC)


def _set_up(node: Node, scenario: Any, now: datetime) -> tuple[dict[str, dict[str, str]], dict[str, Officer]]:
    """Officers with tokens, frequencies and every party's notices filed by its duty officer."""
    tokens: dict[str, dict[str, str]] = collections.defaultdict(dict)
    duty: dict[str, Officer] = {}
    with node.store.begin() as tx:
        for officer in scenario.officers:
            added, token = tx.add_officer(officer.party, officer.name, officer.tier, now)
            tokens[officer.party].setdefault(officer.tier, token)
            if officer.tier == "duty":
                duty.setdefault(officer.party, added)
        for frequency in scenario.frequencies:
            if frequency.mhz not in (121.5, 243.0):
                tx.add_frequency(
                    frequency.name or f"{frequency.mhz} MHz", frequency.mhz, "theatre", "agreed for the demo"
                )
    for party, officer in duty.items():
        features = [f for f in scenario.notices["features"] if f["properties"]["party"] == party]
        if features:
            with node.write() as tx:
                node.file_notices(tx, officer, {"type": "FeatureCollection", "features": features})
    return dict(tokens), duty


def _palmyra_case(node: Node, duty: dict[str, Officer]) -> str | None:
    """The coalition desk opens an urgent case on the Palmyra conflict and proposes; nobody answers."""
    usa = duty.get("USA")
    if usa is None:
        return None
    for conflict in node.conflicts_for(usa):
        if conflict["other"]["party"] == "RUS" and "strike" in (conflict["other"].get("kind") or ""):
            with node.write() as tx:
                opened = node.hotline.open(
                    tx,
                    usa,
                    {
                        "subject": {"kind": "conflict", "conflict_id": conflict["id"]},
                        "urgent": True,
                        "note": "Palmyra strikes overlap",
                    },
                    node.clock(),
                )
            case_id = str(opened["case"]["case_id"])
            terms = {"kind": "altitude_split", "at_ft": 26000, "above": "USA", "below": "RUS"}
            with node.write() as tx:
                node.hotline.act(
                    tx, usa, case_id, "propose", {"terms": terms, "text": "We stay above FL260"}, node.clock()
                )
            return case_id
    return None


def _summary(node: Node) -> dict[str, Any]:
    with node.store.begin() as tx:
        events = tx.events_after(0, 1_000_000)
        cases = [c for p in tx.parties() for c in tx.cases_for(p.code)]
    kinds = collections.Counter(e.kind for e in events)
    levels: collections.Counter[str] = collections.Counter()
    for event in events:
        if event.kind == "alert.raised":
            for payload in event.payload.values():
                levels["caution" if payload["level"] == 0 else payload["level_name"]] += 1
    flags: dict[tuple[str, str], dict[str, str]] = {}
    for event in events:
        if event.kind == "track.non_responsive":
            for payload in event.payload.values():
                track = payload["track"]
                flags[(payload["message_id"], track["id"])] = {
                    "callsign": track["callsign"],
                    "track": track["id"],
                    "owner": payload["owner"],
                    "caller": payload["caller"],
                }
    states = {c["case_id"]: c["state"] for c in cases}
    return {
        "conflicts": len(node.conflicts_for_all()),
        "cases": dict(collections.Counter(states.values())),
        "case_escalations": kinds["case.escalated"],
        "alerts_by_level": dict(levels),
        "incidents": kinds["incident.recorded"],
        "intrusions": kinds["intrusion.detected"],
        "safety_calls_escalated": kinds["message.escalated"],
        "non_responsive_flags": sorted(flags.values(), key=lambda f: (f["callsign"], f["track"])),
        "messages": kinds["message.sent"],
    }


def demo_command(
    scenario_file: Annotated[
        str, typer.Argument(help="The scenario to play: a shipped one's name (see --list) or a YAML file.")
    ] = DEFAULT_SCENARIO,
    list_scenarios: Annotated[bool, typer.Option("--list", help="Name the scenarios that ship and stop.")] = False,
    host: Annotated[str, typer.Option(help="Address the node listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the node listens on.")] = 8787,
    speed: Annotated[float, typer.Option(help="Scenario seconds per wall-clock second.")] = 1.0,
    duration: Annotated[float | None, typer.Option(help="Seconds of scenario to play (default: all).")] = None,
    headless: Annotated[
        bool, typer.Option(help="Play without waiting for a browser; print a summary and stop.")
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the sensor noise (default: the scenario's).")] = None,
    db: Annotated[Path | None, typer.Option(help="SQLite file for the demo (default: a fresh temporary one).")] = None,
) -> None:
    """Play the Syria/Iraq scenario live on one node: prints the URL and a login token per desk.

    Without --headless the node keeps serving after the scenario ends, until Ctrl-C."""
    if list_scenarios:
        for shipped in shipped_scenarios():
            typer.echo(f"{shipped.name}\t{shipped.title}\t{shipped.location}")  # tab-separated, for scripts too
        return
    try:
        scenario = load_scenario(scenario_file)
    except (AirparleyError, OSError) as error:
        report_errors(
            scenario_file, [error if isinstance(error, InvalidInput) else InvalidInput("(file)", str(error))]
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if speed <= 0:
        report_errors("options", [InvalidInput("speed", "must be positive")])
        raise typer.Exit(EXIT_BAD_INPUT)
    folder = Path(tempfile.mkdtemp(prefix="airparley-demo-"))
    db_path = db or folder / "demo.db"
    if db_path.exists():
        db_path.unlink()
    store = Store.open(f"sqlite:///{db_path}")
    clock = ScenarioClock(scenario.start_s, speed)
    keys = {p.code: generate_key() for p in scenario.parties}
    with store.begin() as tx:
        for party in scenario.parties:
            tx.add_party(party.code, party.name, party.language, clock())
    settings = NodeSettings(scheduler_interval_s=max(0.05, 1.0 / speed), rate_per_s=10_000, rate_burst=100_000)
    node = Node(store, settings, clock, keys=keys)
    tokens, duty = _set_up(node, scenario, clock())
    server = uvicorn.Server(uvicorn.Config(create_app(node), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            err_console.print(f"error: the node could not listen on {host}:{port}")
            raise typer.Exit(EXIT_BAD_INPUT)
        time.sleep(0.05)
    url = f"http://{host}:{port}"
    out_console.print(f"airparley demo: {scenario.name} at {speed:g}x, node at {url}/ (database {db_path})")
    for code in sorted(tokens):
        for tier in ("duty", "senior"):
            if tier in tokens[code]:
                out_console.print(f"  {code} {tier:<6} token: {tokens[code][tier]}", markup=False)
    (folder / "tokens.json").write_text(json.dumps(tokens, indent=1))
    case_id = _palmyra_case(node, duty)
    if case_id:
        out_console.print(f"  the coalition desk opened case {case_id} on the Palmyra conflict; nobody answers it")
    truth = simulate(scenario, duration)
    reports = sensor_reports(scenario, truth, scenario.seed if seed is None else seed)
    party_tokens = {p: PartyTokens(t["sensor"], t.get("duty")) for p, t in tokens.items() if "sensor" in t}
    try:
        run_scenario(
            scenario,
            reports,
            party_tokens,
            url,
            speed=speed,
            clock="scenario",
            duration_s=duration,
            log=lambda message: out_console.print(f"  {message}", markup=False),
        )
        time.sleep(max(0.2, 3.0 / speed))  # let the scheduler see the last reports
        if not headless:
            out_console.print("scenario played; the node keeps serving until Ctrl-C")
            while thread.is_alive():
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        summary = _summary(node)
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    out_console.print_json(json.dumps(summary))
