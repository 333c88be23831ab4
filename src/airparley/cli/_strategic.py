"""``airparley notice validate`` and ``airparley check``: notices files in, conflicts out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    RICH_TABLE_ROWS,
    JsonLinesWriter,
    out_console,
    read_text,
    report_errors,
    write_table,
)
from airparley.strategic import Buffers, Conflict, ConflictIndex, parse_notices

__all__ = ["check_command", "notice_app"]

notice_app = typer.Typer(help="Operation notices: validate notice files.", no_args_is_help=True)

NoticesFile = Annotated[
    Path, typer.Argument(help="Notices as a GeoJSON FeatureCollection (see docs/formats.md); - for stdin.")
]


@notice_app.command("validate")
def validate_command(file: NoticesFile) -> None:
    """Check a notices file and report every error (feature, notice, field, reason). Exit 2 if any."""
    parsed = parse_notices(read_text(file))
    errors = report_errors(str(file), parsed.errors)
    volumes = sum(len(n.volumes) for n in parsed.notices)
    parties = sorted({n.party for n in parsed.notices})
    out_console.print(
        f"{len(parsed.notices)} valid notice(s), {volumes} volume(s), parties: {', '.join(parties) or '-'}; "
        f"{errors} error(s)",
        markup=False,  # party codes are the file's text, not rich markup
        emoji=False,
    )
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)


def _altitude(feet: float) -> str:
    return f"{feet:,.0f} ft" if feet < 18000 else f"FL{feet / 100:03.0f}"


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%d %H:%MZ")


def _print_table(conflicts: list[Conflict], buffers: Buffers) -> None:
    title = (
        f"{len(conflicts)} conflict(s) - buffers {buffers.lateral_nm:g} NM / {buffers.vertical_ft:g} ft / "
        f"{buffers.time_min:g} min"
    )
    headers = ("id", "notice A", "notice B", "band in conflict", "window in conflict", "gap NM")
    rows = [
        (
            conflict.id[:12],
            f"{conflict.a.party} {conflict.a.notice_id} v{conflict.a.version}",
            f"{conflict.b.party} {conflict.b.notice_id} v{conflict.b.version}",
            f"{_altitude(conflict.lower_ft)} - {_altitude(conflict.upper_ft)}",
            f"{_time(conflict.start_s)} - {_time(conflict.end_s)}",
            f"{min(v.lateral_gap_nm for v in conflict.volumes):.1f}",
        )
        for conflict in conflicts
    ]
    if len(rows) > RICH_TABLE_ROWS:
        write_table(title, headers, rows)
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in headers:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out_console.print(table)


def check_command(
    file: NoticesFile,
    lateral_nm: Annotated[float, typer.Option(help="Lateral buffer, NM.")] = 5.0,
    vertical_ft: Annotated[float, typer.Option(help="Vertical buffer, ft.")] = 1000.0,
    time_min: Annotated[float, typer.Option(help="Time buffer, minutes.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON conflict per line instead of a table.")] = False,
) -> None:
    """Find the conflicts between notices of different parties, with the overlap of each.

    Bad features are reported on stderr and left out; the valid notices are still checked, and the
    exit code is then 2.
    """
    buffers = Buffers(lateral_nm, vertical_ft, time_min)
    parsed = parse_notices(read_text(file))
    errors = report_errors(str(file), parsed.errors)
    conflicts = ConflictIndex.build(parsed.notices, buffers).conflicts()
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(conflict.as_dict() for conflict in conflicts)
    else:
        _print_table(conflicts, buffers)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)
