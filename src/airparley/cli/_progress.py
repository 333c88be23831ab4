"""Progress bars for the CLI's long jobs (``check`` of a large file, ``sim tracks``: simulating, then
writing; ``ledger verify``, ``ledger export``; ``ingest`` has its own byte counter).

A bar is drawn on stderr, and only when stderr is a terminal: piped or redirected runs (scripts, ``--json``
consumers, tests) get no byte of it, and stdout never carries it. rich.progress is imported only when a bar is
actually drawn, so neither CLI start-up nor the piped path pays for it; the piped path's cost is one call of a
no-op per update, and callers update per chunk (a time step, a thousand entries), not per item.

The bar is transient: it disappears when the job ends, leaving the command's own summary line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from airparley.cli._common import err_console, rich_console

__all__ = ["MIN_BAR_ITEMS", "Bar", "Counter", "bars_shown", "progress"]

#: Below this many units a job is over before a bar would be read: no bar.
MIN_BAR_ITEMS: Final = 2


def bars_shown(data_on_stdout: bool = False) -> bool:
    """Whether a bar would be drawn: callers skip the work of counting a total (or of a callback) when not.
    ``data_on_stdout``: the job writes its data to stdout, so no bar when that is the same terminal (the bar
    would be drawn over the data)."""
    return err_console.is_terminal and not (data_on_stdout and sys.stdout.isatty())


class Counter:
    """Sums the increments a core function reports (``progress(n)``: ``n`` more done) into a bar's ``update``."""

    def __init__(self, update: Callable[[float], None]) -> None:
        self._update = update
        self.done = 0

    def __call__(self, more: int) -> None:
        self.done += more
        self._update(self.done)


class Bar:
    """A bar's handle: ``bar(done)`` moves it, ``bar.stage(name, done)`` names the stage a staged job is in."""

    def __call__(self, done: float) -> None:
        return None

    def stage(self, name: str, done: float) -> None:
        return None


class _RichBar(Bar):
    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, done: float) -> None:
        self._progress.update(self._task, completed=done)

    def stage(self, name: str, done: float) -> None:
        self._progress.update(self._task, description=name, completed=done)


@contextmanager
def progress(description: str, total: float | None, *, data_on_stdout: bool = False) -> Iterator[Bar]:
    """Yield a :class:`Bar` on stderr for ``total`` units (``None``: unknown, a pulsing bar); its calls do
    nothing when no bar is shown (:func:`bars_shown`) or the job is too small to show."""
    if not bars_shown(data_on_stdout) or (total is not None and total < MIN_BAR_ITEMS):
        yield Bar()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=rich_console(err_console),
        transient=True,
    ) as shown:
        yield _RichBar(shown, shown.add_task(description, total=total))
