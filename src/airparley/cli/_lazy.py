"""The root command group, whose areas are imported only when a command of theirs runs.

``airparley notice validate`` must not pay for FastAPI, SQLAlchemy and the web routes, and ``airparley --help``
for none of them: each area (a sub-app or a single command) is named here with its one-line help and the
loader that imports it. ``--help`` of the root lists the areas from these lines without importing them;
anything else that asks for a command (running it, ``AREA --help``, a walk over ``commands``) loads it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from airparley.errors import AirparleyError

__all__ = ["Area", "LazyGroup", "group_class"]

_LOADED: dict[str, Any] = {}


@dataclass(frozen=True)
class Area:
    """One root command: ``module:attribute`` is a ``typer.Typer`` (a group) or a command function.

    ``extend`` names further ``module:function`` hooks called with the loaded Typer, for groups whose
    commands live in several modules (``notice``: validate offline, file/revise/... against a node)."""

    name: str
    target: str
    help: str
    extend: tuple[str, ...] = ()

    def load(self) -> Any:
        """The Typer or function, its ``extend`` hooks run once per process (each root built reuses it)."""
        if self.target not in _LOADED:
            module, _, attribute = self.target.partition(":")
            loaded = getattr(importlib.import_module(module), attribute)
            for hook in self.extend:
                hook_module, _, function = hook.partition(":")
                getattr(importlib.import_module(hook_module), function)(loaded)
            _LOADED[self.target] = loaded
        return _LOADED[self.target]

    def command(self) -> Any:
        """The loaded area as the click command typer makes of it, named as the root calls it."""
        loaded = self.load()
        built: Any
        if isinstance(loaded, typer.Typer):
            built = typer.main.get_group(loaded)
        else:
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
            single.command(self.name)(loaded)
            built = typer.main.get_command(single)
        built.name = self.name
        return built


class _Commands(MutableMapping[str, Any]):
    """The root's ``commands``: names known up front, each command built the first time it is looked up."""

    def __init__(self, areas: dict[str, Area], built: MutableMapping[str, Any]) -> None:
        self.areas = areas
        self.built = dict(built)

    def __getitem__(self, name: str) -> Any:
        if name not in self.built:
            if name not in self.areas:
                raise KeyError(name)
            self.built[name] = self.areas[name].command()
        return self.built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        self.built.pop(name, None)
        self.areas.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self.areas
        yield from (name for name in self.built if name not in self.areas)

    def __len__(self) -> int:
        return len(set(self.areas) | set(self.built))


class LazyGroup(TyperGroup):
    """A typer group over :class:`Area` entries (set ``AREAS`` on a subclass)."""

    AREAS: tuple[Area, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands({area.name: area for area in self.AREAS}, self.commands)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        commands = self.commands
        assert isinstance(commands, _Commands)
        area = commands.areas.get(cmd_name)
        if self._listing and area is not None and cmd_name not in commands.built:
            # Only its line in the root's help is needed: a stand-in that carries it, nothing imported.
            return TyperCommand(cmd_name, help=area.help, short_help=area.help)
        return commands.get(cmd_name)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AirparleyError as error:
            from airparley.cli._common import exit_on

            exit_on(error)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def group_class(areas: tuple[Area, ...]) -> type[LazyGroup]:
    """A :class:`LazyGroup` class over ``areas``, for ``typer.Typer(cls=...)``."""
    return type("AirparleyGroup", (LazyGroup,), {"AREAS": areas})
