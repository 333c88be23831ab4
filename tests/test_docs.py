"""Docs that cannot go stale: every CLI command is documented in the README, with its options."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer.main

from airparley.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        # typer may bundle its own click, so its groups need not be this click's Group: duck-type.
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_there_are_commands() -> None:
    assert len(COMMANDS) >= 3


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_option_is_in_the_readme(path: str, command: click.Command) -> None:
    assert f"airparley {path}" in README, f"README does not document `airparley {path}`"
    for parameter in command.params:
        if getattr(parameter, "param_type_name", "") == "option" and not getattr(parameter, "hidden", False):
            longest = max(parameter.opts, key=len)
            if longest == "--help":
                continue
            assert longest in README, f"README does not mention {longest} of `airparley {path}`"


def test_no_placeholder_is_left_in_the_readme() -> None:
    assert "_SECTION" not in README


def test_every_setting_is_in_the_readme() -> None:
    from airparley.hotline import HOTLINE_SETTINGS
    from airparley.node import SETTINGS

    for setting in SETTINGS:
        assert f"`{setting.env}`" in README, f"README does not list {setting.env}"
    for hotline_setting in HOTLINE_SETTINGS:
        assert f"`AIRPARLEY_{hotline_setting.name.upper()}`" in README
