"""``airparley ingest sbs|aircraft-json|opensky|csv``: real feeds -> a node, or a track file.

Each command posts the states it makes to a node (``--url``/``AIRPARLEY_URL``, ``--token``/``AIRPARLEY_TOKEN``,
the token of a ``sensor`` officer) in batches, or with ``--out FILE`` writes them in the JSON-lines track
format instead. Every bad line is reported on stderr with its line number and reason, and skipped; a
summary follows. Exit 0 when the feed was read to its end (or stopped with Ctrl-C), 1 when states could
not be delivered (node unreachable), 2 on bad input (unreadable file, bad option, a CSV header without a
mapped column) or when the node refused the token.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import IO, Annotated, Any

import httpx
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from airparley.cli._client import DEFAULT_URL, Token, Url
from airparley.cli._common import EXIT_BAD_INPUT, EXIT_FOUND, err_console, json_line, report_errors, rich_console
from airparley.errors import IngestError, InvalidInput
from airparley.ingest import (
    DEFAULT_MAX_POSITION_AGE_S,
    CsvMapping,
    Pacer,
    Retimer,
    SbsMerger,
    Tally,
    Thinner,
    TrackPoster,
    file_size,
    parse_aircraft_json,
    parse_csv,
    parse_host_port,
    parse_opensky_text,
    parse_utc_offset,
    read_url,
    state_record,
    tcp_lines,
    text_lines,
)
from airparley.tactical import TrackState, parse_track_lines

__all__ = ["StateSink", "ingest_app", "open_sink"]

ingest_app = typer.Typer(
    help="Track feeds in (SBS-1, aircraft.json, OpenSky, CSV): post them to a node or write a track file.",
    no_args_is_help=True,
)

Out = Annotated[
    Path | None,
    typer.Option("--out", help="Write the JSON-lines track format to this file (- for stdout) instead of a node."),
]
Source = Annotated[str, typer.Option("--source", help="Sensor name put on every state (default: the feed).")]
Party = Annotated[str, typer.Option("--party", help="Party owning every aircraft of the feed (default: unknown).")]
BatchSize = Annotated[int, typer.Option("--batch-size", help="States per request to the node (1-5000).")]
BatchS = Annotated[float, typer.Option("--batch-s", help="Longest a state waits before its batch is sent, s.")]
RetryS = Annotated[
    float, typer.Option("--retry-s", help="How long a batch is retried while the node cannot take it, s.")
]
Speed = Annotated[
    float, typer.Option("--speed", help="Replay pace of a file: 1 real time, 10 ten times, 0 as fast as possible.")
]
Retime = Annotated[bool, typer.Option("--retime", help="Shift all times so the first state is now.")]
UtcOffset = Annotated[str, typer.Option("--utc-offset", help="Zone of times written without one: UTC, +03:00, -05:00.")]


# -- where states go ------------------------------------------------------------------------------------------


class StateSink:
    """A node (batched posts) or a JSON-lines file; ``close`` prints the summary and returns the exit code."""

    def __init__(self, poster: TrackPoster | None, stream: IO[str] | None, label: str) -> None:
        self.poster = poster
        self.stream = stream
        self.label = label
        self.written = 0

    @property
    def refused(self) -> str | None:
        return self.poster.refused if self.poster is not None else None

    def put(self, states: Iterable[TrackState]) -> None:
        batch = list(states)
        if self.poster is not None:
            self.poster.submit(batch)
        elif self.stream is not None:
            for state in batch:
                self.stream.write(json_line(state_record(state)) + "\n")
            self.written += len(batch)

    def flush(self) -> None:
        if self.poster is not None:
            self.poster.flush()
        elif self.stream is not None:
            self.stream.flush()

    def close(self) -> int:
        if self.poster is None:
            if self.stream is not None:
                self.stream.flush()
            err_console.print(f"{self.label}: wrote {self.written} state(s)", markup=False)
            return 0
        summary = self.poster.close(timeout_s=self.poster.retry_for_s + 10.0)
        err_console.print(f"node {self.label}: {summary.describe()}", markup=False)
        for rejection in summary.rejections[:20]:
            err_console.print(
                f"  rejected {rejection.id} at {rejection.time}: {rejection.field}: {rejection.reason}", markup=False
            )
        if summary.rejected > 20:
            err_console.print(f"  ... and {summary.rejected - 20} more rejection(s)", markup=False)
        for message in summary.errors[:5]:
            err_console.print(f"  {message}", markup=False)
        if summary.refused is not None:
            err_console.print(f"error: the node refused the token: {summary.refused}", markup=False)
            return EXIT_BAD_INPUT
        return 0 if summary.ok else EXIT_FOUND


def open_sink(
    stack: ExitStack, out: Path | None, url: str, token: str, batch_size: int, batch_s: float, retry_s: float = 30.0
) -> StateSink:
    """The sink the options ask for; exits 2 with the reason on a bad option or an unwritable file."""
    if out is not None:
        if str(out) == "-":
            return StateSink(None, sys.stdout, "stdout")
        try:
            stream = stack.enter_context(out.open("w", encoding="utf-8"))
        except OSError as error:
            err_console.print(f"error: {out}: {error.strerror}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        return StateSink(None, stream, str(out))
    if not token:
        err_console.print("error: no token: pass --token (a sensor officer's) or set AIRPARLEY_TOKEN, or use --out")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        poster = TrackPoster(url, token, batch_size=batch_size, max_delay_s=batch_s, retry_for_s=retry_s)
    except InvalidInput as error:
        report_errors("options", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    return StateSink(poster, None, url)


# -- the shared pipeline --------------------------------------------------------------------------------------


def _reporter(name: str) -> Callable[[IngestError], None]:
    def report(error: IngestError) -> None:
        err_console.print(error.describe() if error.where else f"{name}: {error.describe()}", markup=False)

    return report


def _options_or_exit(build: Callable[[], Any]) -> Any:
    try:
        return build()
    except InvalidInput as error:
        report_errors("options", [error])
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _pump(
    states: Iterable[TrackState],
    sink: StateSink,
    *,
    party: str = "",
    speed: float = 0.0,
    retime: bool = False,
    thinner: Thinner | None = None,
) -> None:
    """States through thinning, re-timing, pacing and the party override into the sink."""
    pacer = _options_or_exit(lambda: Pacer(speed, time.monotonic, time.sleep))
    retimer = Retimer(time.time()) if retime else None
    owner = party.strip().upper()
    for state in states:
        if sink.refused is not None:
            return
        if thinner is not None and not thinner.admit(state):
            continue
        if retimer is not None:
            state = retimer(state)
        pacer.wait(state.time_s)
        if owner:
            state = replace(state, party=owner)
        sink.put([state])
        if speed:
            sink.flush()


def _open_binary(stack: ExitStack, path: Path) -> IO[bytes]:
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return stack.enter_context(path.open("rb"))
    except FileNotFoundError:
        err_console.print(f"error: {path}: no such file", markup=False)
    except IsADirectoryError:
        err_console.print(f"error: {path}: is a directory", markup=False)
    except OSError as error:
        err_console.print(f"error: {path}: {error.strerror}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _file_lines(stack: ExitStack, path: Path) -> Iterator[str]:
    """The file's lines, with a progress bar on stderr when the file's size is known."""
    stream = _open_binary(stack, path)
    size = file_size(path) if str(path) != "-" else None
    if not size or not err_console.is_terminal:
        return text_lines(stream)
    progress = stack.enter_context(
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=rich_console(err_console),
            transient=True,
        )
    )
    task = progress.add_task(path.name, total=size)
    last = [0]

    def advance(done: int) -> None:
        if done - last[0] >= 65536 or done == size:
            progress.update(task, completed=done)
            last[0] = done

    return text_lines(stream, advance)


def _finish(tally: Tally, sink: StateSink, unit: str = "line") -> None:
    err_console.print(f"{tally.source}: {tally.describe(unit)}", markup=False)
    code = sink.close()
    if code:
        raise typer.Exit(code)


# -- the commands -----------------------------------------------------------------------------------------------


@ingest_app.command("sbs")
def sbs_command(
    target: Annotated[
        str, typer.Argument(help="HOST:PORT of an SBS-1 server (dump1090: port 30003), or a FILE; - for stdin.")
    ],
    url: Url = DEFAULT_URL,
    token: Token = "",
    out: Out = None,
    source: Source = "",
    party: Party = "",
    utc_offset: UtcOffset = "UTC",
    max_age_s: Annotated[
        float, typer.Option("--max-age-s", help="Velocity and altitude older than this do not complete a state, s.")
    ] = 30.0,
    min_interval_s: Annotated[
        float, typer.Option("--min-interval-s", help="At most one state per aircraft this often, s (0: all).")
    ] = 1.0,
    max_reconnects: Annotated[
        int | None, typer.Option("--max-reconnects", help="Give up a TCP feed after this many reconnections.")
    ] = None,
    speed: Speed = 0.0,
    retime: Retime = False,
    batch_size: BatchSize = 500,
    batch_s: BatchS = 1.0,
    retry_s: RetryS = 30.0,
) -> None:
    """SBS-1/BaseStation MSG lines (types 1, 3, 4 merged per aircraft) from a TCP server or a file."""
    tz = _options_or_exit(lambda: parse_utc_offset(utc_offset))
    thinner = _options_or_exit(lambda: Thinner(min_interval_s))
    address = parse_host_port(target) if not Path(target).exists() else None
    name = source or (f"sbs:{target}" if address else Path(target).name)
    tally = Tally(target, listener=_reporter(target))
    merger = SbsMerger(tally, tz=tz, max_age_s=max_age_s, source=name)
    stop = threading.Event()
    with ExitStack() as stack:
        sink = open_sink(stack, out, url, token, batch_size, batch_s, retry_s)
        if address is not None:
            lines: Iterable[str] = tcp_lines(
                address[0],
                address[1],
                stop=stop,
                max_reconnects=max_reconnects,
                notify=lambda message: err_console.print(message, markup=False),
            )
        else:
            lines = _file_lines(stack, Path(target))

        def states() -> Iterator[TrackState]:
            for number, line in enumerate(lines, start=1):
                yield from merger.feed(line, number)

        try:
            _pump(states(), sink, party=party, speed=0.0 if address else speed, retime=retime, thinner=thinner)
        except KeyboardInterrupt:
            stop.set()
            err_console.print("stopped", markup=False)
        _finish(tally, sink)


@ingest_app.command("aircraft-json")
def aircraft_json_command(
    target: Annotated[str, typer.Argument(help="URL of a readsb/dump1090 aircraft.json, or a FILE.")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    out: Out = None,
    source: Source = "",
    party: Party = "",
    interval: Annotated[float, typer.Option("--interval", help="Seconds between two reads of the URL or file.")] = 1.0,
    polls: Annotated[
        int | None, typer.Option("--polls", help="How many reads (default: a URL forever, a file once).")
    ] = None,
    max_age_s: Annotated[
        float, typer.Option("--max-age-s", help="Positions older than this (seen_pos) are skipped, s.")
    ] = DEFAULT_MAX_POSITION_AGE_S,
    batch_size: BatchSize = 500,
    batch_s: BatchS = 1.0,
    retry_s: RetryS = 30.0,
) -> None:
    """readsb/dump1090 aircraft.json, read once or polled every --interval seconds."""
    is_url = target.startswith(("http://", "https://"))
    count = polls if polls is not None else (0 if is_url else 1)
    if interval <= 0 or count < 0:
        err_console.print("error: --interval must be > 0 and --polls >= 0", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    name = source or (target if is_url else Path(target).name)
    tally = Tally(target, listener=_reporter(target))
    thinner = Thinner(0.0)
    with ExitStack() as stack:
        sink = open_sink(stack, out, url, token, batch_size, batch_s, retry_s)
        client = stack.enter_context(httpx.Client(timeout=10.0)) if is_url else None
        done = 0
        try:
            while (count == 0 or done < count) and sink.refused is None:
                started = time.monotonic()
                done += 1
                for document, line in _read_documents(client, target, tally, done):
                    states = parse_aircraft_json(document, tally, max_position_age_s=max_age_s, source=name, line=line)
                    _pump(states, sink, party=party, thinner=thinner)
                sink.flush()
                if count == 0 or done < count:
                    time.sleep(max(0.0, interval - (time.monotonic() - started)))
        except KeyboardInterrupt:
            err_console.print("stopped", markup=False)
        _finish(tally, sink, "aircraft record")


def _read_documents(client: httpx.Client | None, target: str, tally: Tally, poll: int) -> list[tuple[Any, int | None]]:
    """The documents of one read: the whole body, or (a recording) one document per line."""
    try:
        raw = read_url(client, target) if client is not None else Path(target).read_bytes()
    except httpx.HTTPError as error:
        err_console.print(f"{target}: read {poll}: {error}; trying again", markup=False)
        return []
    except OSError as error:
        if poll == 1:
            err_console.print(f"error: {target}: {error.strerror}", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        err_console.print(f"{target}: read {poll}: {error.strerror}; trying again", markup=False)
        return []
    text = raw.decode("utf-8", errors="replace")
    try:
        return [(json.loads(text), None)]
    except json.JSONDecodeError as error:
        if client is not None or text.count("\n") < 2:
            tally.records += 1
            tally.error("(document)", f"not valid JSON: {error.msg} at line {error.lineno}")
            return []
    documents: list[tuple[Any, int | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.append((json.loads(line), number))
        except json.JSONDecodeError as error:
            tally.records += 1
            tally.error("(line)", f"not valid JSON: {error.msg} at column {error.colno}", number)
    return documents


@ingest_app.command("opensky")
def opensky_command(
    target: Annotated[Path, typer.Argument(help="OpenSky state-vector responses: one, a list, or one per line.")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    out: Out = None,
    source: Source = "",
    party: Party = "",
    speed: Speed = 0.0,
    retime: Retime = False,
    batch_size: BatchSize = 500,
    batch_s: BatchS = 1.0,
    retry_s: RetryS = 30.0,
) -> None:
    """OpenSky Network state vectors (metres and m/s converted to feet and knots)."""
    tally = Tally(str(target), listener=_reporter(str(target)))
    with ExitStack() as stack:
        sink = open_sink(stack, out, url, token, batch_size, batch_s, retry_s)
        lines = list(_file_lines(stack, target))
        states = parse_opensky_text(lines, tally, source=source or target.name)
        states.sort(key=lambda s: s.time_s)
        try:
            _pump(states, sink, party=party, speed=speed, retime=retime, thinner=Thinner(0.0))
        except KeyboardInterrupt:
            err_console.print("stopped", markup=False)
        _finish(tally, sink, "state vector")


@ingest_app.command("tracks")
def tracks_command(
    target: Annotated[Path, typer.Argument(help="A JSON-lines track file (docs/tactical.md); - for stdin.")],
    url: Url = DEFAULT_URL,
    token: Token = "",
    out: Out = None,
    party: Party = "",
    speed: Speed = 0.0,
    retime: Retime = False,
    batch_size: BatchSize = 500,
    batch_s: BatchS = 1.0,
    retry_s: RetryS = 30.0,
) -> None:
    """Post a track file (from --out, or `airparley sim tracks`) to a node, in time order."""
    tally = Tally(str(target), listener=_reporter(str(target)))
    with ExitStack() as stack:
        sink = open_sink(stack, out, url, token, batch_size, batch_s, retry_s)
        parsed = parse_track_lines(_file_lines(stack, target), source=str(target))
        for error in parsed.errors:
            tally.error(error.field, error.reason, error.line)
        tally.records = len(parsed.states) + len(parsed.errors)
        tally.states = len(parsed.states)
        states = sorted(parsed.states, key=lambda s: s.time_s)
        try:
            _pump(states, sink, party=party, speed=speed, retime=retime)
        except KeyboardInterrupt:
            err_console.print("stopped", markup=False)
        _finish(tally, sink, "state")


@ingest_app.command("csv")
def csv_command(
    target: Annotated[Path, typer.Argument(help="CSV file with a header row; - for stdin.")],
    mapping: Annotated[
        str, typer.Option("--map", help="field=column pairs: id, time, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, ...")
    ] = "",
    alt_unit: Annotated[str, typer.Option("--alt-unit", help="Unit of the altitude column: ft, m or fl.")] = "ft",
    speed_unit: Annotated[str, typer.Option("--speed-unit", help="Unit of the speed column: kt, ms or kmh.")] = "kt",
    vs_unit: Annotated[str, typer.Option("--vs-unit", help="Unit of the vertical speed column: fpm or ms.")] = "fpm",
    time_format: Annotated[str, typer.Option("--time-format", help="auto, iso, epoch (seconds) or epoch_ms.")] = "auto",
    utc_offset: UtcOffset = "UTC",
    delimiter: Annotated[str, typer.Option("--delimiter", help="Column separator.")] = ",",
    url: Url = DEFAULT_URL,
    token: Token = "",
    out: Out = None,
    source: Source = "",
    party: Party = "",
    speed: Speed = 0.0,
    retime: Retime = False,
    batch_size: BatchSize = 500,
    batch_s: BatchS = 1.0,
    retry_s: RetryS = 30.0,
) -> None:
    """Replay a CSV recording through a column mapping, at real time, --speed N, or as fast as possible."""
    columns = _options_or_exit(lambda: CsvMapping.parse_map(mapping))
    tz = _options_or_exit(lambda: parse_utc_offset(utc_offset))
    csv_mapping = _options_or_exit(
        lambda: CsvMapping(columns, alt_unit, speed_unit, vs_unit, time_format, tz, delimiter.replace("\\t", "\t"))
    )
    tally = Tally(str(target), listener=_reporter(str(target)))
    with ExitStack() as stack:
        sink = open_sink(stack, out, url, token, batch_size, batch_s, retry_s)
        states = parse_csv(_file_lines(stack, target), csv_mapping, tally, source=source or target.name)
        try:
            _pump(states, sink, party=party, speed=speed, retime=retime)
        except InvalidInput as error:
            report_errors(str(target), [error])
            sink.close()
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            err_console.print("stopped", markup=False)
        _finish(tally, sink, "row")
