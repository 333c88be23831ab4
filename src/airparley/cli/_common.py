"""What every command shares: reading input files and reporting errors the same way."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from airparley.errors import InvalidInput

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FOUND",
    "database_url",
    "err_console",
    "json_line",
    "out_console",
    "read_text",
    "report_errors",
]

EXIT_FOUND = 1
EXIT_BAD_INPUT = 2

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_line(data: Any) -> str:
    """One compact JSON line; infinities and NaN become null (JSON has no such numbers)."""
    return json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def database_url(value: str) -> str:
    """The one meaning of ``--db`` in every command: a database URL (``sqlite:///node.db``,
    ``postgresql://user@host/db``), or a bare file path, taken as an SQLite file (made absolute, so a
    command run from another folder still means the same file)."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"

