"""``airparley sim check|tracks|run``: scenario files, offline track files, and driving a node.

A scenario is a YAML file or the name of one that ships with the package (``airparley demo --list``). A
scenario that does not validate prints every error (``FILE: aircraft.3.route.1.speed_kt: reason``) and
exits 2. ``run`` exits 1 when states or messages could not be delivered, 2 when the node refused a token.
``run --virtual-time`` plays the scenario in virtual time on a node in this process instead (as ``airparley
demo --headless`` does: no URL, no tokens), and prints the summary.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from airparley._time import iso_z_at
from airparley.cli._client import DEFAULT_URL, Url
from airparley.cli._common import EXIT_BAD_INPUT, EXIT_FOUND, err_console, json_line, out_console, report_errors
from airparley.cli._progress import Counter, progress
from airparley.errors import InvalidInput, InvalidInputs
from airparley.ingest import state_record
from airparley.sim import (
    CLOCKS,
    Scenario,
    closest_approaches,
    load_scenario,
    parse_tokens,
    responses,
    run_scenario,
    sensor_reports,
    simulate,
    step_count,
)

__all__ = ["sim_app"]

sim_app = typer.Typer(help="Scenario files and the traffic simulator that drives a node.", no_args_is_help=True)

ScenarioFile = Annotated[
    Path, typer.Argument(help="Scenario YAML file (docs/scenario.md), or a shipped scenario's name (syria-iraq).")
]
Duration = Annotated[float | None, typer.Option("--duration", help="Simulate this many seconds (default: the file's).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of the sensor noise (default: the file's).")]


def _load(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except InvalidInputs as errors:
        for error in errors.errors:
            err_console.print(error.describe(), markup=False)
        err_console.print(f"{path}: {len(errors.errors)} error(s)", markup=False)
    except InvalidInput as error:
        err_console.print(error.describe(), markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _duration(scenario: Scenario, duration: float | None) -> float:
    if duration is None:
        return scenario.duration_s
    if not duration > 0:
        err_console.print(f"error: --duration must be > 0, got {duration}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return duration


def _clock(scenario: Scenario, t_s: float) -> str:
    return datetime.fromtimestamp(scenario.start_s + t_s, UTC).strftime("%H:%M:%SZ")


@sim_app.command("check")
def check_command(
    scenario_file: ScenarioFile,
    duration: Duration = None,
    h_nm: Annotated[float, typer.Option("--h-nm", help="List encounters closer than this, NM.")] = 5.0,
    v_ft: Annotated[float, typer.Option("--v-ft", help="... and closer than this vertically, ft.")] = 1000.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per encounter instead of a table.")] = False,
) -> None:
    """Validate a scenario, fly it, and list the closest encounters between parties in the truth."""
    scenario = _load(scenario_file)
    truth = simulate(scenario, _duration(scenario, duration))
    approaches = closest_approaches(truth, h_nm, v_ft)
    callsigns = {a.id: a.callsign for a in scenario.aircraft}
    if as_json:
        for a in approaches:
            record = {"a": a.a, "b": a.b, "t_s": a.t_s, "dist_nm": round(a.dist_nm, 3), "dalt_ft": round(a.dalt_ft)}
            out_console.out(json_line(record))
        return
    notices = len({f.get("properties", {}).get("notice_id") for f in scenario.notices.get("features", [])})
    out_console.print(
        f"{scenario.name}: {len(scenario.parties)} parties, {len(scenario.officers)} officers, "
        f"{len(scenario.frequencies)} frequencies, {notices} notices, {len(scenario.aircraft)} aircraft, "
        f"{len(scenario.sensors)} sensors, {len(scenario.events)} events; "
        f"{truth.t_s[-1]:g} s from {iso_z_at(scenario.start_s)}",
        markup=False,
    )
    for response in responses(scenario):
        event = response.event
        verdict = "complies" if response.complied else "does not answer (ignoring calls)"
        about = f"{event.about} ({callsigns.get(event.about or '', '')})"
        out_console.print(f"t={event.at_s:g} s {event.sender} calls {about}: {verdict}", markup=False)
    table = Table("a", "b", "closest NM", "vertical ft", "at")
    for a in approaches:
        table.add_row(
            f"{a.a} {callsigns[a.a]}",
            f"{a.b} {callsigns[a.b]}",
            f"{a.dist_nm:.2f}",
            f"{a.dalt_ft:.0f}",
            f"t={a.t_s:g} s ({_clock(scenario, a.t_s)})",
        )
    out_console.print(table)


@sim_app.command("tracks")
def tracks_command(
    scenario_file: ScenarioFile,
    out: Annotated[Path, typer.Option("--out", help="Track file to write (JSON lines); - for stdout.")] = Path("-"),
    duration: Duration = None,
    seed: Seed = None,
    party: Annotated[str, typer.Option("--party", help="Only what this party's sensors report.")] = "",
    truth_only: Annotated[
        bool, typer.Option("--truth", help="Write the true state of every aircraft at every step instead.")
    ] = False,
) -> None:
    """Write what the scenario's sensors would report (offline, no node), in the JSON-lines track format."""
    scenario = _load(scenario_file)
    length = _duration(scenario, duration)
    # flying the scenario comes before any line is written: a bar of its own, counting time steps
    with progress(
        f"{scenario_file.name}: simulating", step_count(scenario, length), data_on_stdout=str(out) == "-"
    ) as flown:
        truth = simulate(scenario, length, Counter(flown))
    owner = party.strip().upper()
    if owner and owner not in {p.code for p in scenario.parties}:
        err_console.print(f"error: --party {owner}: not a party of the scenario", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    with ExitStack() as stack:
        if str(out) == "-":
            stream = sys.stdout
        else:
            try:
                stream = stack.enter_context(out.open("w", encoding="utf-8"))
            except OSError as error:
                err_console.print(f"error: {out}: {error.strerror}", markup=False)
                raise typer.Exit(EXIT_BAD_INPUT) from None
        written = 0
        # the bar counts scenario seconds written (stderr, terminals only: cli/_progress.py)
        update = stack.enter_context(
            progress(f"{scenario_file.name}: tracks", round(float(truth.t_s[-1])), data_on_stdout=str(out) == "-")
        )
        if truth_only:
            for k in range(truth.t_s.size):
                for state in truth.states(k):
                    if not owner or state.party == owner:
                        stream.write(json_line(state_record(state)) + "\n")
                        written += 1
                update(float(truth.t_s[k]))
        else:
            shown_s = -1.0
            for report in sensor_reports(scenario, truth, scenario.seed if seed is None else seed):
                if report.t_s >= shown_s + 1.0:
                    shown_s = report.t_s
                    update(shown_s)
                if owner and report.party != owner:
                    continue
                for state in report.states:
                    stream.write(json_line({**state_record(state), "reported_by": report.party}) + "\n")
                    written += 1
    err_console.print(f"{scenario_file}: wrote {written} state(s) to {out}", markup=False)


@sim_app.command("run")
def run_command(
    scenario_file: ScenarioFile,
    tokens: Annotated[
        Path | None,
        typer.Option("--tokens", help='JSON: {"USA": sensor token, ...} or {"USA": {"sensor": ..., "duty": ...}}.'),
    ] = None,
    url: Url = DEFAULT_URL,
    speed: Annotated[
        float, typer.Option("--speed", help="1 real time, 10 ten times faster, 0 as fast as possible.")
    ] = 1.0,
    duration: Duration = None,
    seed: Seed = None,
    clock: Annotated[
        str, typer.Option("--clock", help="Times on the states: now (wall clock at posting) or scenario.")
    ] = "now",
    virtual_time: Annotated[
        bool,
        typer.Option(
            "--virtual-time",
            help="Play on a node in this process in virtual time (no --url, --tokens, --speed, --clock) and print"
            " its summary, as demo --headless does.",
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="With --virtual-time: database URL or SQLite file, new or empty."),
    ] = None,
) -> None:
    """Drive a node with the scenario: each party's sensor reports posted with its sensor token."""
    scenario = _load(scenario_file)
    if virtual_time:
        from airparley.cli._demo import play_virtual_command

        play_virtual_command(scenario, _duration(scenario, duration), seed, db)
        return
    if tokens is None:
        err_console.print("error: --tokens is needed to drive a node over HTTP (or play it with --virtual-time)")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        token_map = parse_tokens(json.loads(tokens.read_text(encoding="utf-8")), str(tokens))
    except OSError as error:
        err_console.print(f"error: {tokens}: {error.strerror}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except json.JSONDecodeError as error:
        err_console.print(f"error: {tokens}: not valid JSON: {error.msg} at line {error.lineno}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InvalidInputs as errors:
        report_errors(str(tokens), errors.errors)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InvalidInput as error:
        report_errors(str(tokens), [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if clock not in CLOCKS or not speed >= 0:
        err_console.print(f"error: --clock must be one of {', '.join(CLOCKS)} and --speed >= 0", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    length = _duration(scenario, duration)
    truth = simulate(scenario, length)
    reports = sensor_reports(scenario, truth, scenario.seed if seed is None else seed)
    err_console.print(
        f"{scenario.name}: {len(reports)} sensor report(s) over {length:g} s at {speed:g}x to {url}", markup=False
    )
    try:
        summary = run_scenario(
            scenario,
            reports,
            token_map,
            url,
            speed=speed,
            clock=clock,
            duration_s=length,
            log=lambda message: err_console.print(message, markup=False),
        )
    except InvalidInputs as errors:
        report_errors(str(tokens), errors.errors)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _print_summary(summary.posts, summary.messages_sent, summary.messages_skipped, summary.message_errors)
    if any(p.refused is not None for p in summary.posts.values()):
        raise typer.Exit(EXIT_BAD_INPUT)
    if not summary.ok and not summary.stopped:
        raise typer.Exit(EXIT_FOUND)


def _print_summary(posts: dict[str, Any], sent: int, skipped: int, errors: list[str]) -> None:
    for party, post in posts.items():
        err_console.print(f"{party}: {post.describe()}", markup=False)
        for message in post.errors[:3]:
            err_console.print(f"  {message}", markup=False)
        if post.refused is not None:
            err_console.print(f"  the node refused {party}'s sensor token: {post.refused}", markup=False)
    err_console.print(f"messages: {sent} sent, {skipped} skipped, {len(errors)} failed", markup=False)
