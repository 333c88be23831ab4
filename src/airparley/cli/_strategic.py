"""``airparley notice validate|export`` and ``airparley check``: notices files (GeoJSON or KML) in, conflicts out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    RICH_TABLE_ROWS,
    JsonLinesWriter,
    err_console,
    json_line,
    out_console,
    read_text,
    report_errors,
    write_table,
)
from airparley.cli._progress import Bar, bars_shown, progress
from airparley.strategic import Buffers, Conflict, ConflictIndex, draw_overlaps

if TYPE_CHECKING:
    from airparley.strategic import NoticeFile

__all__ = ["check_command", "notice_app", "read_notices"]

notice_app = typer.Typer(
    help="Operation notices: validate and export notice files (GeoJSON or KML).", no_args_is_help=True
)

NoticesFile = Annotated[
    Path,
    typer.Argument(
        help="Notices as a GeoJSON FeatureCollection or a KML document, told apart by content (see docs/formats.md);"
        " - for stdin."
    ),
]


def read_notices(file: Path) -> NoticeFile:
    """The notices of a file, GeoJSON or KML: a document whose first character is ``<`` is KML."""
    from airparley.strategic import looks_like_kml, parse_notices, parse_notices_kml

    text = read_text(file)
    return parse_notices_kml(text) if looks_like_kml(text) else parse_notices(text)


@notice_app.command("validate")
def validate_command(
    file: NoticesFile,
    as_json: Annotated[
        bool, typer.Option("--json", help="The result as one JSON line, each error with its where, field and reason.")
    ] = False,
) -> None:
    """Check a notices file and report every error (feature or placemark, notice, field, reason). Exit 2 if any."""
    parsed = read_notices(file)
    errors = report_errors(str(file), parsed.errors)
    volumes = sum(len(n.volumes) for n in parsed.notices)
    parties = sorted({n.party for n in parsed.notices})
    if as_json:
        result = {
            "file": str(file),
            "notices": len(parsed.notices),
            "volumes": volumes,
            "parties": parties,
            "errors": [{"where": e.where, "field": e.field, "reason": e.reason} for e in parsed.errors],
        }
        out_console.out(json_line(result))
    else:
        # One plain line (party codes are the file's text, never markup): no console needed for it.
        sys.stdout.write(
            f"{len(parsed.notices)} valid notice(s), {volumes} volume(s), parties: {', '.join(parties) or '-'}; "
            f"{errors} error(s)\n"
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


#: Conflicts drawn in one vectorised pass before they are written: large enough to pay off, small enough
#: that the first lines come at once.
_DRAW_BLOCK = 2000


def _drawn(conflicts: list[Conflict]) -> Iterator[Conflict]:
    """The conflicts in order, their overlaps drawn a block at a time. The list is emptied as they go, so only
    one block's geometry is held at once: 20,000 notices drew 117,605 conflicts into 0.95 GB otherwise, and
    100,000 draw ten times as many."""
    conflicts.reverse()
    while conflicts:
        block = [conflicts.pop() for _ in range(min(_DRAW_BLOCK, len(conflicts)))]
        draw_overlaps(block)
        yield from block


#: A notices file at least this large gets ``check``'s progress bar (about a thousand notices).
_LARGE_BYTES = 1 << 20


def _large(file: Path) -> bool:
    if str(file) == "-":
        return bars_shown()
    try:
        return bars_shown() and file.stat().st_size >= _LARGE_BYTES
    except OSError:
        return False  # read_notices names the problem


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
    with ExitStack() as stack:
        # A staged bar (read, index, pair) for a large file on a terminal only: small files finish first.
        bar = stack.enter_context(progress(f"{file.name}: reading", 3)) if _large(file) else Bar()
        parsed = read_notices(file)
        errors = report_errors(str(file), parsed.errors)  # printed above the bar while it runs
        bar.stage(f"{file.name}: indexing {len(parsed.notices)} notices", 1)
        index = ConflictIndex.build(parsed.notices, buffers)
        bar.stage(f"{file.name}: finding conflicts", 2)
        conflicts = index.conflicts()
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(conflict.as_dict() for conflict in _drawn(conflicts))
    else:
        draw_overlaps(conflicts)  # the table shows each conflict's smallest measured gap
        _print_table(conflicts, buffers)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)


class ExportFormat(StrEnum):
    KML = "kml"
    GEOJSON = "geojson"


@notice_app.command("export")
def export_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Notices, GeoJSON or KML (told apart by content); - for stdin. Leave out to export your party's "
            "notices on the node (--url, --token).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[ExportFormat, typer.Option("--format", help="kml (Google Earth) or geojson.")] = (
        ExportFormat.KML
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
    with_private: Annotated[
        bool, typer.Option("--private", help="Keep the private parts (only for your own party's copy).")
    ] = False,
    url: Annotated[str, typer.Option("--url", envvar="AIRPARLEY_URL", help="The node's base URL.")] = (
        "http://127.0.0.1:8787"
    ),
    token: Annotated[
        str, typer.Option("--token", envvar="AIRPARLEY_TOKEN", help="Your bearer token.", show_default=False)
    ] = "",
) -> None:
    """Write notices as KML (circles, corridors and orbits as true polygons) or GeoJSON.

    Private parts are left out unless --private. A file with any error is not exported: the errors are
    reported and the exit code is 2.
    """
    import json

    from airparley.strategic import notices_to_geojson, notices_to_kml, parse_notices_data

    if file is None:
        from airparley.cli._client import node_client, request

        with node_client(url, token) as client:
            parsed = parse_notices_data(request(client, "GET", "/notices"))
        source = url
    else:
        parsed = read_notices(file)
        source = str(file)
    if report_errors(source, parsed.errors):
        err_console.print("error: nothing exported: the notices above are not valid")
        raise typer.Exit(EXIT_BAD_INPUT)
    private = parsed.private if with_private else None
    if output_format is ExportFormat.KML:
        text = notices_to_kml(parsed.notices, private)
    else:
        text = json.dumps(notices_to_geojson(parsed.notices, private), ensure_ascii=False, indent=1) + "\n"
    if output is None:
        typer.get_text_stream("stdout").write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        err_console.print(f"error: {output}: {error.strerror}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
