"""The CLI starts at once: importing it, ``--help`` and an offline command load neither the node nor its web stack.

Each check runs a fresh interpreter (a module imported once by another test would hide a regression) and
reads its ``sys.modules``. The root's help is built from the lines in ``airparley.cli.AREAS``, so a test also
holds each line to the help of the command it stands for, and every area's own ``--help`` still lists all
of its commands.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from airparley.cli import AREAS, app

# The node's stack, and the client library only node clients need.
# Rich reads the width of a non-terminal from COLUMNS: wide enough that no help line is wrapped.
WIDE = {"COLUMNS": "400"}
HEAVY = ("fastapi", "sqlalchemy", "uvicorn", "starlette", "alembic", "airparley.node", "airparley.store", "httpx")


def _modules_after(code: str) -> list[str]:
    """The modules a fresh interpreter holds after running ``code`` (printed on stderr's last line)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def _run(args: list[str]) -> str:
    return (
        "from airparley.cli import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
    )


def test_importing_the_cli_loads_no_node_stack() -> None:
    assert _heavy(_modules_after("import airparley.cli")) == []


def test_help_loads_no_area() -> None:
    modules = _modules_after(_run(["--help"]))
    assert _heavy(modules) == []
    # Not even the offline areas: the root's help is the lines of AREAS.
    assert "airparley.strategic" not in modules
    assert "airparley.tactical" not in modules


def test_an_offline_command_loads_no_node_stack(syria_iraq_path: Path) -> None:
    modules = _modules_after(_run(["notice", "validate", str(syria_iraq_path)]))
    assert _heavy(modules) == []
    assert "airparley.strategic" in modules


def test_the_root_help_lists_every_area() -> None:
    result = CliRunner().invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    for area in AREAS:
        assert f" {area.name} " in result.output
        assert area.help in result.output


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_each_line_of_the_root_help_is_the_help_of_its_command(area: object) -> None:
    from airparley.cli._lazy import Area

    assert isinstance(area, Area)
    command = area.command()
    assert command.name == area.name
    # The line typer would show (the first paragraph, one line) is the line AREAS shows without importing.
    assert " ".join((command.help or "").split("\n\n")[0].split()) == area.help


@pytest.mark.parametrize("area", AREAS, ids=[a.name for a in AREAS])
def test_each_area_help_lists_its_commands_and_options(area: object) -> None:
    from airparley.cli._lazy import Area

    assert isinstance(area, Area)
    result = CliRunner().invoke(app, [area.name, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    command = area.command()
    for name in getattr(command, "commands", {}):
        assert f" {name} " in result.output, f"`airparley {area.name} --help` does not list {name}"
    for parameter in command.params:
        if getattr(parameter, "param_type_name", "") == "option" and not getattr(parameter, "hidden", False):
            assert max(parameter.opts, key=len) in result.output


def test_a_walk_over_the_commands_sees_every_command() -> None:
    root = typer.main.get_command(app)
    names = set(root.commands)  # type: ignore[attr-defined]
    assert names == {area.name for area in AREAS}
    tactical = root.commands["tactical"]  # type: ignore[attr-defined]
    assert {"scan", "intrusions", "incidents", "alert", "bands"} <= set(tactical.commands)
    assert "report" in root.commands["case"].commands  # type: ignore[attr-defined]
    assert {"validate", "file", "revise", "cancel", "list"} <= set(root.commands["notice"].commands)  # type: ignore[attr-defined]


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["notices", "validate"])
    assert result.exit_code == 2
    assert "notice" in result.output
