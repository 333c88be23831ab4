"""What every command shares: reading input files, writing output and reporting errors the same way.

Output at the speed of the core: JSON lines go through one :class:`JsonLinesWriter` (a large buffer, one
write per megabyte), never one rich console call per line; human text and tables go through ``out_console``,
which renders at full width when standard output is not a terminal (a table piped to a file or ``less`` keeps
every column) and at the terminal's width when it is.
"""

from __future__ import annotations

import gc
import json
import math
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Final, NoReturn, cast

import typer

from airparley.errors import AirparleyError, InvalidInput, InvalidInputs

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FOUND",
    "PIPE_WIDTH",
    "RICH_TABLE_ROWS",
    "JsonLinesWriter",
    "database_url",
    "err_console",
    "exit_on",
    "json_line",
    "out_console",
    "paused_gc",
    "read_text",
    "report_errors",
    "rich_console",
    "write_table",
]

EXIT_FOUND = 1
EXIT_BAD_INPUT = 2

# The width of a table written to a pipe or a file: wide enough for any row, so no column is dropped; rich
# does not pad a table beyond its content, so a narrow table stays narrow.
PIPE_WIDTH: Final = 10_000


def _make_out_console() -> Console:
    from rich.console import Console, ConsoleDimensions

    class _OutConsole(Console):
        """A console that renders at :data:`PIPE_WIDTH` when its file is not a terminal (unless ``COLUMNS`` says).

        Rich would otherwise take the width of whichever standard stream is a terminal, or 80, and fold or drop
        the columns of a table piped to another program."""

        @property
        def size(self) -> ConsoleDimensions:
            if not self.is_terminal:
                # COLUMNS is read when asked, not when the console was made (rich reads it once, at import).
                columns = self._environ.get("COLUMNS", "")
                return ConsoleDimensions(int(columns) if columns.isdigit() else PIPE_WIDTH, 25)
            return Console.size.fget(self)  # type: ignore[attr-defined,no-any-return]

        @size.setter
        def size(self, new_size: tuple[int, int]) -> None:
            Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    return _OutConsole(highlight=False, soft_wrap=True)


def _make_err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


class _ConsoleOnFirstUse:
    """A rich console made when first used: importing rich's console is 20 ms, a fifteenth of a small
    command's start (``notice validate`` of a valid file prints one plain line and never needs it)."""

    def __init__(self, make: Callable[[], Console]) -> None:
        self._make = make
        self._console: Console | None = None

    def made(self) -> Console:
        if self._console is None:
            self._console = self._make()
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)


def rich_console(console: Console) -> Console:
    """The console itself, for handing to rich (a ``Progress``, a ``Live``), which uses it as a context manager."""
    return console.made() if isinstance(console, _ConsoleOnFirstUse) else console


# Up to this many rows a table is drawn by rich (styles, wrapping to a terminal); beyond, by write_table in
# the same box, at a few microseconds a row instead of rich's half a millisecond.
RICH_TABLE_ROWS: Final = 1000

out_console = cast("Console", _ConsoleOnFirstUse(_make_out_console))
err_console = cast("Console", _ConsoleOnFirstUse(_make_err_console))


def read_text(path: Path) -> str:
    """The file's text (``-`` reads standard input); an unreadable file exits 2 with the reason."""
    try:
        if str(path) == "-":
            return typer.get_text_stream("stdin").read()
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        err_console.print(f"error: {path}: no such file")
    except IsADirectoryError:
        err_console.print(f"error: {path}: is a directory")
    except UnicodeDecodeError as error:
        err_console.print(f"error: {path}: not UTF-8 text ({error.reason})")
    except OSError as error:
        err_console.print(f"error: {path}: {error.strerror}")
    raise typer.Exit(EXIT_BAD_INPUT)


def report_errors(source: str, errors: Iterable[InvalidInput]) -> int:
    """Print each error as ``SOURCE: where: field: reason`` on stderr; return how many there were."""
    count = 0
    for error in errors:
        err_console.print(f"{source}: {error.describe()}", markup=False)
        count += 1
    return count


def exit_on(error: AirparleyError) -> NoReturn:
    """The CLI's one mapping of an error no command handled itself: a line on stderr per error, exit 2.

    The root group (``_lazy.LazyGroup.invoke``) calls it for every command, so a command only catches an
    error where it has more to say (a file and line) or more to do (close a feed, go on with the next line).
    """
    errors = error.errors if isinstance(error, InvalidInputs) else [error]
    for one in errors:
        text = one.describe() if isinstance(one, InvalidInput) else str(one) or type(one).__name__
        err_console.print(f"error: {text}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block: a short command that builds tens of thousands of
    records (which hold no cycles) would otherwise spend a tenth of its time in collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _orjson_line(data: Any) -> str:
    # Imported on the first line written, not by every command (orjson brings uuid, dataclasses, inspect).
    global _fast_line
    from orjson import dumps

    def line(value: Any) -> str:
        return dumps(value).decode()

    _fast_line = line
    return line(data)


_fast_line: Callable[[Any], str] = _orjson_line


def json_line(data: Any) -> str:
    """One compact JSON line; infinities and NaN become null (JSON has no such numbers).

    Written by orjson (C: a fourteenth of ``json``'s time on a drawn conflict, which made encoding a third of
    ``check --json``). Its text is what ``json.dumps(data, ensure_ascii=False, separators=(",", ":"))`` writes,
    to the byte, but for floats below 1e-4 (``0.00001234`` and ``1e-7`` for ``1.234e-05`` and ``1e-07``: the
    same numbers). What orjson refuses (a key that is not a string, an integer beyond 64 bits, a lone
    surrogate, a type it does not know) is written by ``json`` exactly as before.
    """
    try:
        return _fast_line(data)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        return _ENCODE(data)
    except ValueError:
        # Rare (an unbounded time): only then is the whole value walked to replace the non-finite numbers.
        return _ENCODE(_finite(data))


class JsonLinesWriter:
    """JSON lines (or ready-made text lines) to standard output through one large buffer.

    Use it as a context manager: what is left is written and flushed when the block ends, also on an error.
    """

    def __init__(self, stream: IO[str] | None = None, buffer_chars: int = 1 << 20) -> None:
        # Standard output as it is now (a test runner may have replaced it since import).
        self.stream = stream if stream is not None else sys.stdout
        self.buffer_chars = buffer_chars
        self.parts: list[str] = []
        self.pending = 0
        self.lines = 0

    def write(self, data: Any) -> None:
        """One value as one JSON line."""
        self.line(json_line(data))

    def line(self, text: str) -> None:
        """One line of text as it is (no newline in it)."""
        self.parts.append(text)
        self.pending += len(text) + 1
        self.lines += 1
        if self.pending >= self.buffer_chars:
            self._drain()

    def write_lines(self, texts: Sequence[str]) -> None:
        """Many lines of text as they are (none with a newline in it), in one write: no per-line call."""
        if not texts:
            return
        self._drain()
        self.stream.write("\n".join(texts))
        self.stream.write("\n")
        self.lines += len(texts)

    def write_all(self, values: Iterable[Any]) -> None:
        for value in values:
            self.line(json_line(value))

    def _drain(self) -> None:
        if self.parts:
            self.parts.append("")
            self.stream.write("\n".join(self.parts))
            self.parts = []
            self.pending = 0

    def flush(self) -> None:
        self._drain()
        self.stream.flush()

    def __enter__(self) -> JsonLinesWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.flush()


def write_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[str]], right: Collection[int] = ()) -> None:
    """A large table in rich's default box (heavy head), as rich draws it to a pipe: the title on its own
    line, every column as wide as its widest cell plus a space each side, columns ``right`` right-aligned;
    no wrapping, no styles. Cells are written as they are (not read as rich markup)."""
    from rich.cells import cell_len

    table = [list(headers), *(list(row) for row in rows)]
    widths = [max(cell_len(row[k]) for row in table) for k in range(len(headers))]

    def line(cells: list[str], edge: str) -> str:
        padded = []
        for k, cell in enumerate(cells):
            gap = " " * (widths[k] - cell_len(cell))
            padded.append(f" {gap}{cell} " if k in right else f" {cell}{gap} ")
        return edge + edge.join(padded) + edge

    def rule(left: str, fill: str, cross: str, end: str) -> str:
        return left + cross.join(fill * (width + 2) for width in widths) + end

    with JsonLinesWriter() as out:
        out.line(title)
        out.line(rule("┏", "━", "┳", "┓"))
        out.line(line(table[0], "┃"))
        out.line(rule("┡", "━", "╇", "┩"))
        for cells in table[1:]:
            out.line(line(cells, "│"))
        out.line(rule("└", "─", "┴", "┘"))


def database_url(value: str) -> str:
    """The one meaning of ``--db`` in every command: a database URL (``sqlite:///node.db``,
    ``postgresql://user@host/db``), or a bare file path, taken as an SQLite file (made absolute, so a
    command run from another folder still means the same file)."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"
