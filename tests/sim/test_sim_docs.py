"""docs/ingest.md and docs/scenario.md cannot go stale: every command, option, key, type and fact is in them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from airparley.cli._ingest import ingest_app
from airparley.cli._sim import sim_app
from airparley.sim import AIRCRAFT_CLASSES, AIRCRAFT_TYPES, EVENT_TYPES, IDENTIFY, Scenario, Truth, closest_approaches
from airparley.sim._scenario import _TOP_KEYS

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
INGEST = (DOCS / "ingest.md").read_text(encoding="utf-8")
SCENARIO = (DOCS / "scenario.md").read_text(encoding="utf-8")


def _commands(app: typer.Typer, prefix: str) -> list[tuple[str, Any]]:
    # typer vendors click (typer._click), so its objects are not instances of the installed click's classes
    group: Any = typer.main.get_command(app)
    return [(f"{prefix} {name}", command) for name, command in sorted(group.commands.items())]


COMMANDS = [(INGEST, *c) for c in _commands(ingest_app, "ingest")] + [(SCENARIO, *c) for c in _commands(sim_app, "sim")]


@pytest.mark.parametrize(("doc", "path", "command"), COMMANDS, ids=[p for _, p, _ in COMMANDS])
def test_every_command_and_option_is_documented(doc: str, path: str, command: Any) -> None:
    assert f"airparley {path}" in doc
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    assert options
    for parameter in options:
        longest = max(parameter.opts, key=len)
        assert longest in doc, f"{longest} of `airparley {path}` is not documented"


def test_every_scenario_key_type_and_event_is_documented() -> None:
    for key in _TOP_KEYS:
        assert f"`{key}`" in SCENARIO
    for name in (*EVENT_TYPES, *IDENTIFY):
        assert f"`{name}`" in SCENARIO
    rows = {line.split("|")[1].strip(): line for line in SCENARIO.splitlines() if line.startswith("| ")}
    for cls, limits in AIRCRAFT_CLASSES.items():
        row = rows[cls]
        types = [t for t, c in AIRCRAFT_TYPES.items() if c == cls]
        assert all(t in row for t in types), f"{cls}: {types}"
        numbers = [float(n.replace(",", "")) for n in re.findall(r"\| ([\d.,]+) ", row)]
        assert numbers == [limits.turn_rate_deg_s, limits.climb_fpm, limits.descent_fpm, limits.accel_kt_s]


def test_the_documented_close_pass_is_the_simulated_one(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    (close,) = list(closest_approaches(syria_iraq_truth, 0.5, 500.0))
    assert f"**0.15 NM at t = {close.t_s:.0f} s**" in SCENARIO
    assert f'"t_s":{close.t_s},"dist_nm":{round(close.dist_nm, 3)},"dalt_ft":{round(close.dalt_ft)}' in SCENARIO
