"""``airparley notice validate|export`` and ``airparley check``: notices files (GeoJSON or KML) in, conflicts out."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from airparley.cli._common import (
    EXIT_BAD_INPUT,
    RICH_TABLE_ROWS,
    JsonLinesWriter,
    err_console,
    json_line,
    out_console,
    paused_gc,
    read_text,
    report_errors,
    write_table,
)
from airparley.cli._processes import blocks, forked_pool, in_blocks, jobs_for
from airparley.cli._progress import Bar, bars_shown, progress
from airparley.strategic import Buffers, Conflict, ConflictIndex, draw_overlaps

if TYPE_CHECKING:
    from airparley.strategic import FeatureRead, NoticeFile

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


def read_notices(file: Path, jobs: int | None = 1) -> NoticeFile:
    """The notices of a file, GeoJSON or KML: a document whose first character is ``<`` is KML. A large
    GeoJSON file's features are read by ``jobs`` processes (``None``: one per core), with the same result."""
    from airparley.strategic import looks_like_kml, parse_notices, parse_notices_kml

    text = read_text(file)
    if looks_like_kml(text):
        return parse_notices_kml(text)
    return parse_notices(text, read=partial(_read_in_processes, jobs=jobs))


#: Features a worker process reads at a time.
_READ_BLOCK = 1000


def _read_in_processes(features: Sequence[Any], jobs: int | None) -> list[FeatureRead]:
    """:func:`airparley.strategic.read_features` of every feature, spread over forked processes a block at a
    time when there are enough (reading a feature, its schema, bounds and footprint, needs no other one);
    the reads come back in order, so grouping them into notices gives what reading in one process gives."""
    from airparley.strategic import read_features

    workers = jobs_for(jobs, len(features), _READ_BLOCK)
    if workers == 1:
        return read_features(features)
    with in_blocks(read_features, features, len(features), _READ_BLOCK, workers) as read:
        return [feature for block in read for feature in block]


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


#: Table rows a worker process writes at a time (their gaps measured together, one vectorised pass).
_ROW_BLOCK = 2000
_HEADERS = ("id", "notice A", "notice B", "band in conflict", "window in conflict", "gap NM")


def _table_rows(conflicts: Sequence[Conflict]) -> list[tuple[str, ...]]:
    """The table's row of each conflict. A conflict's gap is its own (each volume pair measured in its own
    frame), so the rows of a block are those of the whole list."""
    from airparley.strategic import smallest_gaps_nm

    gaps = smallest_gaps_nm(conflicts)  # measured without drawing the overlaps, which the table does not show
    return [
        (
            conflict.id[:12],
            f"{conflict.a.party} {conflict.a.notice_id} v{conflict.a.version}",
            f"{conflict.b.party} {conflict.b.notice_id} v{conflict.b.version}",
            f"{_altitude(conflict.lower_ft)} - {_altitude(conflict.upper_ft)}",
            f"{_time(conflict.start_s)} - {_time(conflict.end_s)}",
            "-" if gap is None else f"{gap:.1f}",
        )
        for conflict, gap in zip(conflicts, gaps, strict=True)
    ]


def _rows_of_block(conflicts: Sequence[Conflict], start: int, stop: int) -> list[tuple[str, ...]]:
    return _table_rows(conflicts[start:stop])


def _print_table(conflicts: list[Conflict], buffers: Buffers, jobs: int | None) -> None:
    title = (
        f"{len(conflicts)} conflict(s) - buffers {buffers.lateral_nm:g} NM / {buffers.vertical_ft:g} ft / "
        f"{buffers.time_min:g} min"
    )
    workers = jobs_for(jobs, len(conflicts), _ROW_BLOCK)
    if workers > 1:
        with in_blocks(_rows_of_block, conflicts, len(conflicts), _ROW_BLOCK, workers) as written:
            rows = [row for block in written for row in block]
    else:  # a block at a time here too: measuring every pair's gap at once held 1.9 GB for 20,000 notices
        rows = [
            row for start, stop in blocks(len(conflicts), _ROW_BLOCK) for row in _rows_of_block(conflicts, start, stop)
        ]
    if len(rows) > RICH_TABLE_ROWS:
        write_table(title, _HEADERS, rows)
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in _HEADERS:
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


#: The conflicts the worker processes of ``_drawn_in_processes`` draw: set before they are forked, so each
#: inherits the list instead of receiving it (pickling a conflict costs more than drawing it).
_TO_DRAW: list[Conflict | None] = []


def _draw_block(start: int, stop: int) -> list[str]:
    """In a worker process: the JSON lines of conflicts ``start:stop``, drawn together, then let go (the
    worker keeps no block's geometry once it has sent the block)."""
    block = cast("list[Conflict]", _TO_DRAW[start:stop])
    _TO_DRAW[start:stop] = [None] * (stop - start)
    draw_overlaps(block)
    return [json_line(conflict.as_dict()) for conflict in block]


def _drawn_in_processes(conflicts: list[Conflict], jobs: int) -> Iterator[list[str]]:
    """The JSON lines of ``_drawn``, in the same order and to the byte, drawn by ``jobs`` forked processes a
    block each at a time (the blocks are independent). At most two blocks a process wait to be written, so a
    slow reader of the output holds the drawing back instead of filling the memory."""
    from collections import deque
    from multiprocessing.pool import AsyncResult

    global _TO_DRAW
    _TO_DRAW = list(conflicts)
    conflicts.clear()
    pending = iter(blocks(len(_TO_DRAW), _DRAW_BLOCK))
    try:
        with forked_pool(jobs) as pool:
            waiting: deque[tuple[tuple[int, int], AsyncResult[list[str]]]] = deque()
            for block in itertools.islice(pending, 2 * jobs):
                waiting.append((block, pool.apply_async(_draw_block, block)))
            while waiting:
                (start, stop), drawing = waiting.popleft()
                lines = drawing.get()
                _TO_DRAW[start:stop] = [None] * (stop - start)  # written: this process lets its conflicts go too
                following = next(pending, None)
                if following is not None:
                    waiting.append((following, pool.apply_async(_draw_block, following)))
                yield lines
    finally:
        _TO_DRAW = []


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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=1,
            max=256,
            help="Processes reading the notices and drawing the overlaps (--json) or measuring the gaps (the table):"
            " the same output, faster on many cores; default: one per core, but one for fewer than 2,000 features"
            " or 4,000 conflicts.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Find the conflicts between notices of different parties, with the overlap of each.

    Bad features are reported on stderr and left out; the valid notices are still checked, and the
    exit code is then 2.
    """
    buffers = Buffers(lateral_nm, vertical_ft, time_min)
    # Conflicts, their overlaps and their records hold no reference cycles, and there are millions of them on a
    # large file: the cyclic collector's passes over them, ever longer, were half of finding the conflicts.
    with paused_gc():
        with ExitStack() as stack:
            # A staged bar (read, index, pair) for a large file on a terminal only: small files finish first.
            bar = stack.enter_context(progress(f"{file.name}: reading", 3)) if _large(file) else Bar()
            parsed = read_notices(file, jobs)
            errors = report_errors(str(file), parsed.errors)  # printed above the bar while it runs
            bar.stage(f"{file.name}: indexing {len(parsed.notices)} notices", 1)
            index = ConflictIndex.build(parsed.notices, buffers)
            bar.stage(f"{file.name}: finding conflicts", 2)
            conflicts = index.conflicts()
        if as_json:
            with JsonLinesWriter() as out:
                workers = jobs_for(jobs, len(conflicts), _DRAW_BLOCK)
                if workers > 1:
                    for lines in _drawn_in_processes(conflicts, workers):
                        out.write_lines(lines)
                else:
                    out.write_all(conflict.as_dict() for conflict in _drawn(conflicts))
        else:
            _print_table(conflicts, buffers, jobs)
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
