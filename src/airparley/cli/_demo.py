"""``airparley demo``: a scenario played on one node (a neutral hub hosting every party).

The scenario ships with the package (``airparley demo --list``), so the command works from any directory;
a scenario file can also be given by path.

Two ways to play it:

* **live** (the default): the node serves the desk UI and its API while the simulator drives it through the
  HTTP API with each party's sensor and duty tokens, ``--speed`` times faster than the wall clock. The node's
  clock (:class:`LiveClock`) is scenario time that follows the wall but never runs more than one sensor
  period past what the node has answered of the simulator's reports, nor more than two scheduler intervals
  past the node's last scheduler pass; the simulator sends each report when that clock reaches its time. On
  a busy machine the whole story slows down together, so states are judged fresh or stale against the time
  they were meant for and no close pass falls between two scans; the demo says so (a warning line on
  standard error, ``demo.lagging`` and ``demo.max_behind_s`` in the summary, and a ``simulation.lag`` event
  that every desk shows as a banner until the demo has caught up).
* **headless** (``--headless``): virtual time (``airparley.sim.play_virtual``). No server, no wall clock: a
  step of the simulation (its sensor reports through ``node.pictures.post``, the path ``POST /tracks``
  takes; its safety calls and messages through the node methods the routes call), then the node's own
  scheduler work at that time (``node.tick``), then the next step, as fast as the machine goes. The same
  scenario and seed give the same summary and the same ledger, entry for entry, on any machine under any
  load; ``--speed`` plays no part. For that, everything random in a run is drawn from the seed: the parties'
  signing keys (so a headless demo's ledger proves nothing: anyone can derive its keys), officer, message
  and case ids. The officers' tokens are random, and are not in the ledger or the summary.

The story the Syria/Iraq scenario tells: strikes near Palmyra in overlapping windows (a conflict), a Russian
fighter passing within half a mile of the E-3 (a warning-level alert, then an incident), a Russian pilot who
does not answer the safety calls (they ring, then escalate to the generals, and the aircraft is flagged
non-responsive when it has not manoeuvred by the deadline), and a Palmyra case the colonels cannot settle
(its deadline passes and it escalates to the generals). The summary says, for each beat the scenario's
``story`` lists, whether the node's events show it and when (scenario time).

Heavy modules (the node, the store, uvicorn) are imported inside the command, not when the CLI loads.
"""

from __future__ import annotations

import collections
import hashlib
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from airparley.cli._common import EXIT_BAD_INPUT, database_url, err_console, out_console, report_errors
from airparley.errors import AirparleyError, InvalidInput, InvalidInputs
from airparley.sim import (
    DEFAULT_SCENARIO,
    CallEvent,
    SafetyCallEvent,
    Scenario,
    SensorReport,
    load_scenario,
    shipped_scenarios,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from airparley.node import Node, NodeSettings
    from airparley.store import Officer, Store

__all__ = ["DeskLag", "demo_command", "play_headless", "play_virtual_command"]

#: Stable officer ids in a headless run (uuid5 of seed, party, tier and name).
_OFFICER_NAMESPACE = uuid.UUID("6f0a6e2c-61d4-4b8e-9a52-8a0f8c3d5e17")
#: How far the live node's clock may run ahead of the last report the simulator sent, beyond the longest
#: sensor period: a runner on time is never held back.
_LIVE_LEAD_S = 2.0
#: How far the live node's clock may run past its scheduler's last pass (at least two intervals): a scan at
#: least this often in scenario time, so that a close pass of a few seconds is not missed on a busy machine.
_TICK_LEAD_S = 3.0


# -- clocks ------------------------------------------------------------------------------------------------
class LiveClock:
    """Scenario time for a live demo: its start plus the wall time since the demo began, times ``speed``,
    but never more than ``lead_s`` past the scenario time the simulator has had answered (:meth:`reached`),
    nor more than ``tick_lead_s`` past the node's last scheduler pass (:meth:`ticked`). A runner or a
    scheduler that lags (a busy machine) holds the node's clock instead of letting states go stale or a close
    pass fall between two scans. :meth:`release` lets the clock run free again (the scenario is over), from
    where it is: it never jumps and never goes back."""

    def __init__(
        self,
        start_s: float,
        speed: float,
        lead_s: float,
        tick_lead_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.start_s = start_s
        self.speed = speed
        self.lead_s = lead_s
        self.tick_lead_s = tick_lead_s
        self._monotonic = monotonic
        self._began = monotonic()
        self._reached_s = 0.0
        self._ticked_s = 0.0
        self._held = True
        self._lock = threading.Lock()
        self._last_s = 0.0

    def reached(self, t_s: float) -> None:
        with self._lock:
            self._reached_s = max(self._reached_s, t_s)

    def ticked(self, now: datetime) -> None:
        """The node's scheduler has done its pass for ``now``."""
        with self._lock:
            self._ticked_s = max(self._ticked_s, now.timestamp() - self.start_s)

    def story_s(self) -> float:
        """The node's clock, seconds since the scenario's start."""
        return self().timestamp() - self.start_s

    def behind_s(self) -> float:
        """How far (scenario seconds) the node's clock is behind the wall's (0 when it keeps up)."""
        with self._lock:
            return max(0.0, (self._monotonic() - self._began) * self.speed - self._last_s)

    def release(self) -> None:
        with self._lock:
            self._held = False
            self._began = self._monotonic() - self._last_s / self.speed

    def __call__(self) -> datetime:
        with self._lock:
            t_s = (self._monotonic() - self._began) * self.speed
            if self._held:
                t_s = min(t_s, self._reached_s + self.lead_s, self._ticked_s + self.tick_lead_s)
            self._last_s = max(self._last_s, t_s)
            return datetime.fromtimestamp(self.start_s + self._last_s, UTC)


class SeededIds:
    """Message, case and share ids drawn from the seed, in the order they are asked for (one counter per kind):
    a virtual run asks in the same order every time."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._counts: collections.Counter[str] = collections.Counter()

    def __call__(self, prefix: str) -> str:
        self._counts[prefix] += 1
        digest = hashlib.sha256(f"airparley-demo/{self.seed}/{prefix}/{self._counts[prefix]}".encode()).hexdigest()
        return f"{prefix}-{digest[:16]}"


def seeded_keys(parties: list[str], seed: int) -> dict[str, Ed25519PrivateKey]:
    """Each party's signing key derived from the seed: the same ledger on every run, and no secret at all."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return {
        p: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"airparley-demo/{seed}/{p}".encode()).digest())
        for p in parties
    }


# -- setting the scene -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scene:
    """The officers the demo made: each party's tokens by tier, and its duty officer (who makes the acts)."""

    tokens: dict[str, dict[str, str]]
    duty: dict[str, Officer]


def _set_up(node: Node, scenario: Scenario, seed: int | None) -> Scene:
    """Officers with tokens, frequencies and every party's notices filed by its duty officer.
    With a ``seed``, officer ids are derived from it (they are in the ledger); else random."""
    tokens: dict[str, dict[str, str]] = collections.defaultdict(dict)
    duty: dict[str, Officer] = {}
    now = node.clock()
    with node.store.begin() as tx:
        for officer in scenario.officers:
            officer_id = None
            if seed is not None:
                officer_id = str(
                    uuid.uuid5(_OFFICER_NAMESPACE, f"{seed}/{officer.party}/{officer.tier}/{officer.name}")
                )
            added, token = tx.add_officer(officer.party, officer.name, officer.tier, now, officer_id)
            tokens[officer.party].setdefault(officer.tier, token)
            if officer.tier == "duty":
                duty.setdefault(officer.party, added)
    _agree_frequencies(node, duty, [f for f in scenario.frequencies if f.mhz not in (121.5, 243.0)])
    for party, desk in duty.items():
        features = [f for f in scenario.notices["features"] if f["properties"]["party"] == party]
        if features:
            _file_notices(node, desk, {"type": "FeatureCollection", "features": features})
    return Scene(dict(tokens), duty)


def _agree_frequencies(node: Node, duty: Mapping[str, Officer], frequencies: list[Any]) -> None:
    """The scenario's frequencies agreed (docs/agreements.md): for each set of parties that use them (every
    party when a frequency names none), an agreement the first duty desk proposes and the others sign, as
    ``POST /agreements`` and ``POST /agreements/{id}/versions/1/sign`` do."""
    groups: dict[tuple[str, ...], list[Any]] = collections.defaultdict(list)
    for frequency in frequencies:
        groups[tuple(sorted(frequency.parties or duty))].append(frequency)
    for parties, group in sorted(groups.items()):
        if len(parties) < 2 or any(party not in duty for party in parties):
            continue
        agreement_id = "frequencies-" + "-".join(parties)
        body = {
            "agreement_id": agreement_id,
            "parties": list(parties),
            "start": node.clock().isoformat(),
            "title": "Theatre frequencies",
            "terms": {
                "frequencies": [{"name": f.name or f"{f.mhz:g} MHz", "mhz": f.mhz, "area": "theatre"} for f in group]
            },
        }
        proposer = duty[parties[0]]
        with node.write() as tx:
            node.agreements.propose(tx, proposer, node.agreements.checked_proposal(proposer, body))
            for party in parties[1:]:
                node.agreements.sign(tx, duty[party], agreement_id, 1)


def _file_notices(node: Node, officer: Officer, document: dict[str, Any]) -> None:
    """What ``POST /notices`` does."""
    node.idempotent(officer, None, "POST", "/notices", b"", lambda tx: (201, node.file_notices(tx, officer, document)))


def _palmyra_case(node: Node, duty: Mapping[str, Officer]) -> str | None:
    """The coalition desk opens an urgent case on the Palmyra conflict and proposes; nobody answers.
    Through the node methods the ``POST /cases`` and ``POST /cases/{id}/propose`` routes call."""
    usa = duty.get("USA")
    if usa is None:
        return None
    strikes = [
        c
        for c in node.conflicts_for(usa)
        if c["other"]["party"] == "RUS" and "strike" in (c["other"].get("kind") or "")
    ]
    if not strikes:
        return None
    case = {"subject": {"kind": "conflict", "conflict_id": strikes[0]["id"]}, "urgent": True}
    case["note"] = "Palmyra strikes overlap"
    _, opened = node.idempotent(
        usa, None, "POST", "/cases", b"", lambda tx: (201, node.hotline.open(tx, usa, case, node.clock()))
    )
    case_id = str(opened["case"]["case_id"])
    terms = {"kind": "altitude_split", "at_ft": 26000, "above": "USA", "below": "RUS"}
    move = {"terms": terms, "text": "We stay above FL260"}
    node.idempotent(
        usa,
        None,
        "POST",
        f"/cases/{case_id}/propose",
        b"",
        lambda tx: (200, node.hotline.act(tx, usa, case_id, "propose", move, node.clock())),
    )
    return case_id


class NodeTarget:
    """The virtual player's target: a node in this process, reached through the methods its routes call."""

    def __init__(self, node: Node, duty: Mapping[str, Officer]) -> None:
        self.node = node
        self.duty = duty

    def post(self, report: SensorReport) -> int:
        from airparley.ingest import state_record

        # What POST /tracks does with a sensor's batch: the party's picture, each state validated.
        _, rejected = self.node.pictures.post(report.party, [state_record(s) for s in report.states])
        return len(rejected)

    def act(self, event: CallEvent) -> str | None:
        officer = self.duty.get(event.sender)
        if officer is None:
            return f"skipped (no duty officer for {event.sender})"
        node, body = self.node, event.body()
        try:
            if isinstance(event, SafetyCallEvent):
                node.idempotent(
                    officer,
                    None,
                    "POST",
                    "/alerts/safety-call",
                    b"",
                    lambda tx: (201, node.safety_call(tx, officer, body)),
                )
            else:
                node.idempotent(
                    officer, None, "POST", "/messages", b"", lambda tx: (201, node.send_message(tx, officer, body))
                )
        except InvalidInputs as errors:
            return "; ".join(e.describe() for e in errors.errors)
        except InvalidInput as error:
            return error.describe()
        except AirparleyError as error:
            return str(error)
        return None

    def tick(self) -> None:
        self.node.tick()


# -- the summary -----------------------------------------------------------------------------------------
def summarise(node: Node, scenario: Scenario, extra: Mapping[str, Any]) -> dict[str, Any]:
    """What happened, from the node's events, cases, conflicts and ledger (no database path, no token, no
    wall-clock time: a headless run's summary is the same on every run)."""
    from airparley.sim import tell_story

    with node.store.begin() as tx:
        events = tx.events_after(0, 10_000_000)
        cases = [c for p in tx.parties() for c in tx.cases_for(p.code)]
        heads = tx.ledger_heads()
        entries = {party: len(tx.ledger_lines(party)) for party in heads}
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
    states = {c.case.case_id: c.case.state.value for c in cases}
    return {
        "scenario": scenario.name,
        "conflicts": len(node.conflicts_for_all()),
        "cases": dict(sorted(collections.Counter(states.values()).items())),
        "case_escalations": kinds["case.escalated"],
        "alerts_by_level": dict(sorted(levels.items())),
        "incidents": kinds["incident.recorded"],
        "intrusions": kinds["intrusion.detected"],
        "safety_calls_escalated": kinds["message.escalated"],
        "non_responsive_flags": sorted(flags.values(), key=lambda f: (f["callsign"], f["track"])),
        "messages": kinds["message.sent"],
        "story": [beat.as_dict() for beat in tell_story(scenario, events)],
        "ledger": {party: {"entries": entries[party], "head": heads[party]} for party in sorted(heads)},
        **extra,
    }


# -- the command -----------------------------------------------------------------------------------------
def _list_scenarios() -> None:
    for shipped in shipped_scenarios():
        typer.echo(f"{shipped.name}\t{shipped.title}\t{shipped.location}")  # tab-separated, for scripts too


def _open_store(db: str | None, folder: Path | None) -> tuple[Store, str]:
    """A new or empty database for the demo (``db``, else a file in ``folder``), or one line naming the problem
    and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from airparley.store import Store, hold_sqlite_file

    url = database_url(db) if db else f"sqlite:///{(folder or Path('.')) / 'demo.db'}"
    shown = db if db else url
    try:
        hold_sqlite_file(url)  # one process per SQLite file: a second demo or serve on it is refused
        store = Store.open(url)
        with store.begin() as tx:
            used = bool(tx.parties())
    except InvalidInput as error:
        err_console.print(f"error: --db {shown}: {error.reason}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (SQLAlchemyError, OSError, ValueError, ImportError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        err_console.print(f"error: --db {shown}: cannot open the database: {reason}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if used:
        store.close()
        err_console.print(
            f"error: --db {shown}: already holds a node's parties; the demo needs a new or empty database", markup=False
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    return store, url


def _print_tokens(tokens: Mapping[str, Mapping[str, str]]) -> None:
    for code in sorted(tokens):
        for tier in ("duty", "senior"):
            if tier in tokens[code]:
                out_console.print(f"  {code} {tier:<6} token: {tokens[code][tier]}", markup=False)


def play_headless(scenario: Scenario, store: Store, seed: int, duration_s: float | None) -> dict[str, Any]:
    """The scenario played on a node over ``store`` in virtual time; the summary. The tokens are printed."""
    from airparley.node import Node, NodeSettings
    from airparley.sim import VirtualClock, play_virtual, sensor_reports, simulate

    clock = VirtualClock(scenario.start_s)
    parties = [p.code for p in scenario.parties]
    with store.begin() as tx:
        for party in scenario.parties:
            tx.add_party(party.code, party.name, party.language, clock())
    settings = NodeSettings(rate_per_s=10_000, rate_burst=100_000)
    node = Node(store, settings, clock, keys=seeded_keys(parties, seed), ids=SeededIds(seed))
    scene = _set_up(node, scenario, seed)
    _print_tokens(scene.tokens)
    case_id = _palmyra_case(node, scene.duty)
    if case_id:
        out_console.print(f"  the coalition desk opened case {case_id} on the Palmyra conflict; nobody answers it")
    truth = simulate(scenario, duration_s)
    reports = sensor_reports(scenario, truth, seed)
    run = play_virtual(
        scenario,
        reports,
        NodeTarget(node, scene.duty),
        clock,
        duration_s=duration_s,
        tick_s=settings.scheduler_interval_s,
        log=lambda message: out_console.print(f"  {message}", markup=False),
    )
    extra = {
        "demo": {
            "clock": "virtual",
            "seed": seed,
            "duration_s": run.duration_s,
            "reports": run.reports,
            "states": run.states,
            "refused_states": run.refused_states,
            "acts": run.acts,
            "act_errors": run.act_errors,
            "lagging": False,
        }
    }
    return summarise(node, scenario, extra)


class DeskLag:
    """Tells every desk (``simulation.lag``, through ``tell``) that the live demo is behind the wall clock, so
    that the desk shows it in a banner: when it falls more than ``warn_s`` scenario seconds behind, again when
    how far changes by a second or more (at most every ``every_s`` wall seconds: the banner's figure follows
    without an event per report), and once when it has caught up (1 s or less), which clears the banner."""

    def __init__(
        self,
        tell: Callable[[float, bool, str], None],
        warn_s: float = 5.0,
        every_s: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tell = tell
        self.warn_s = warn_s
        self.every_s = every_s
        self.monotonic = monotonic
        self.lagging = False
        self.told_s = 0.0
        self.told_at = 0.0

    def see(self, behind_s: float) -> None:
        now = self.monotonic()
        if behind_s > self.warn_s:
            if self.lagging and (abs(behind_s - self.told_s) < 1.0 or now - self.told_at < self.every_s):
                return
            self.lagging, self.told_s, self.told_at = True, behind_s, now
            self.tell(
                behind_s,
                True,
                f"the demo is {behind_s:.0f} s of scenario time behind the wall clock (a busy machine?);"
                " the node's clock waits for the simulator and its scheduler",
            )
        elif self.lagging and behind_s <= 1.0:
            self.lagging, self.told_s, self.told_at = False, 0.0, now
            self.tell(0.0, False, "the demo has caught up with the wall clock")

    def stopped(self) -> None:
        """The demo stops (Ctrl-C) while behind: clear the banner, or a node later served from this database
        would tell its desks, from the newest note, that a simulation nobody runs is lagging."""
        if self.lagging:
            self.lagging, self.told_s = False, 0.0
            self.tell(0.0, False, "the demo stopped")


def _paced_node(store: Store, settings: NodeSettings, clock: LiveClock, keys: dict[str, Any]) -> Node:
    """A node whose scheduler passes tell the live clock they are done (it waits for them when they lag)."""
    from airparley.node import Node

    class PacedNode(Node):
        def tick(self, *args: Any, **kwargs: Any) -> None:
            now = self.clock()
            super().tick(*args, **kwargs)
            clock.ticked(now)

    return PacedNode(store, settings, clock, keys=keys)


def _play_live(
    scenario: Scenario,
    store: Store,
    db_shown: str,
    folder: Path,
    host: str,
    port: int,
    speed: float,
    seed: int,
    duration_s: float | None,
) -> dict[str, Any]:
    import uvicorn

    from airparley.ledger import generate_key
    from airparley.node import NodeSettings, tell_lag
    from airparley.sim import LagNotes, PartyTokens, run_scenario, sensor_reports, simulate
    from airparley.web import desk_app  # the desks log in to the demo's node: the page is served with the API

    lead_s = max((s.update_s for s in scenario.sensors), default=1.0) + _LIVE_LEAD_S
    clock = LiveClock(scenario.start_s, speed, lead_s)
    with store.begin() as tx:
        for party in scenario.parties:
            tx.add_party(party.code, party.name, party.language, clock())
    interval_s = max(0.05, 1.0 / speed)
    clock.tick_lead_s = max(_TICK_LEAD_S, 2.0 * interval_s * speed)
    settings = NodeSettings(scheduler_interval_s=interval_s, rate_per_s=10_000, rate_burst=100_000)
    node = _paced_node(store, settings, clock, {p.code: generate_key() for p in scenario.parties})
    scene = _set_up(node, scenario, None)
    server = uvicorn.Server(uvicorn.Config(desk_app(node), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            err_console.print(f"error: the node could not listen on {host}:{port}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT)
        time.sleep(0.05)
    url = f"http://{host}:{port}"
    out_console.print(f"airparley demo: {scenario.name} at {speed:g}x, node at {url}/ (database {db_shown})")
    _print_tokens(scene.tokens)
    (folder / "tokens.json").write_text(json.dumps(scene.tokens, indent=1))
    case_id = _palmyra_case(node, scene.duty)
    if case_id:
        out_console.print(f"  the coalition desk opened case {case_id} on the Palmyra conflict; nobody answers it")
    truth = simulate(scenario, duration_s)
    reports = sensor_reports(scenario, truth, seed)
    party_tokens = {p: PartyTokens(t["sensor"], t.get("duty")) for p, t in scene.tokens.items() if "sensor" in t}
    lag = {"lagging": False, "max_behind_s": 0.0, "lag_notes": 0}

    def warn(message: str) -> None:
        lag["lagging"] = True
        lag["lag_notes"] = int(lag["lag_notes"]) + 1
        err_console.print(f"  warning: {message}", markup=False)

    notes = LagNotes(warn, who="the demo", then="the node's clock waits for the simulator and its scheduler")

    def tell_desks(behind_s: float, lagging: bool, note: str) -> None:
        with node.write() as tx:
            tell_lag(tx, node.clock(), behind_s, lagging, note)

    desks = DeskLag(tell_desks)

    def progress(t_s: float) -> None:
        clock.reached(t_s)
        behind_s = clock.behind_s()
        lag["max_behind_s"] = max(float(lag["max_behind_s"]), round(behind_s, 1))
        notes.see(t_s, behind_s)
        desks.see(behind_s)

    try:
        run = run_scenario(
            scenario,
            reports,
            party_tokens,
            url,
            speed=speed,
            clock="scenario",
            duration_s=duration_s,
            on_progress=progress,
            story_s=clock.story_s,
            on_lag=lambda _note: None,  # paced by the node's clock: the lag that matters is the clock's (above)
            log=lambda message: out_console.print(f"  {message}", markup=False),
        )
        # The last reports are in: let the node's clock reach them and the scheduler see them.
        clock.reached(run.duration_s)
        time.sleep(max(0.2, 3.0 / speed))
        clock.release()
        desks.see(0.0)  # released, the clock runs with the wall again: the desks' banner goes
        if not run.stopped:  # (a Ctrl-C during the run stops the demo)
            out_console.print("scenario played; the node keeps serving until Ctrl-C")
            while thread.is_alive():
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        desks.stopped()
        summary = summarise(node, scenario, {"demo": {"clock": "live", "speed": speed, "seed": seed, **lag}})
        server.should_exit = True
        thread.join(timeout=10)
    return summary


def demo_command(
    scenario_file: Annotated[
        str, typer.Argument(help="The scenario to play: a shipped one's name (see --list) or a YAML file.")
    ] = DEFAULT_SCENARIO,
    list_scenarios: Annotated[bool, typer.Option("--list", help="Name the scenarios that ship and stop.")] = False,
    host: Annotated[str, typer.Option(help="Address the node listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the node listens on.")] = 8787,
    speed: Annotated[
        float, typer.Option(help="Scenario seconds per wall-clock second (live only: --headless runs in virtual time).")
    ] = 1.0,
    duration: Annotated[float | None, typer.Option(help="Seconds of scenario to play (default: all).")] = None,
    headless: Annotated[
        bool,
        typer.Option(help="No server: play in virtual time as fast as the machine goes, print a summary and stop."),
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the sensor noise (default: the scenario's).")] = None,
    db: Annotated[
        str | None,
        typer.Option(help="Database URL or SQLite file path, new or empty (default: a fresh temporary SQLite file)."),
    ] = None,
) -> None:
    """Play a scenario (the Syria/Iraq one by default) on one node: live with the desk UI (a URL and a login
    token per desk), or --headless in virtual time with a summary.

    Without --headless the node keeps serving after the scenario ends, until Ctrl-C."""
    if list_scenarios:
        _list_scenarios()
        return
    try:
        scenario = load_scenario(scenario_file)
    except (InvalidInput, InvalidInputs) as error:
        for each in error.errors if isinstance(error, InvalidInputs) else [error]:
            err_console.print(f"error: {each.describe()}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    problems = []
    if not speed > 0:
        problems.append(InvalidInput("speed", f"must be > 0, got {speed:g}"))
    if duration is not None and not duration > 0:
        problems.append(InvalidInput("duration", f"must be > 0, got {duration:g}"))
    if seed is not None and seed < 0:
        problems.append(InvalidInput("seed", f"must be >= 0, got {seed}"))
    if problems:
        report_errors("options", problems)
        raise typer.Exit(EXIT_BAD_INPUT)
    if headless:
        play_virtual_command(scenario, duration, seed, db)
        return
    folder = Path(tempfile.mkdtemp(prefix="airparley-demo-"))
    store, url = _open_store(db, folder)
    noise_seed = scenario.seed if seed is None else seed
    try:
        summary = _play_live(scenario, store, db or url, folder, host, port, speed, noise_seed, duration)
    finally:
        store.close()
    out_console.print_json(json.dumps(summary))


def play_virtual_command(scenario: Scenario, duration_s: float | None, seed: int | None, db: str | None) -> None:
    """``demo --headless`` and ``sim run --virtual-time``: the scenario in virtual time, then its summary."""
    store, url = _open_store(db, Path(tempfile.mkdtemp(prefix="airparley-demo-")) if db is None else None)
    noise_seed = scenario.seed if seed is None else seed
    out_console.print(
        f"airparley demo: {scenario.name}, headless in virtual time (seed {noise_seed}, database {db or url})"
    )
    try:
        summary = play_headless(scenario, store, noise_seed, duration_s)
    finally:
        store.close()
    out_console.print_json(json.dumps(summary))
