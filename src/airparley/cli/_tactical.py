"""``airparley tactical ...``: scan, intrusions, incidents (alert and bands live in ``_tactical_alerting``).

Track files are JSON lines (docs/tactical.md). Every bad line is reported on stderr with its line number and
field and skipped; a count follows. Exit 0 on success (conflicts found are a result, not a failure), 2 when a
file cannot be read, holds no valid state, or an option is out of range. ``--json`` prints one JSON object
per line (``null`` for an unbounded time); otherwise a rich table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import numpy as np
import typer

from airparley._time import iso_z_at
from airparley.cli._common import (
    EXIT_BAD_INPUT,
    RICH_TABLE_ROWS,
    JsonLinesWriter,
    err_console,
    out_console,
    paused_gc,
    read_text,
    report_errors,
    write_table,
)
from airparley.tactical import (
    Conflicts,
    Incident,
    IncidentSettings,
    Intrusions,
    IntrusionSettings,
    ScanSettings,
    TrackStates,
    find_incidents,
    find_intrusions,
    incident_svg,
    latest_per_id,
    parse_track_lines,
    scan_conflicts,
)

__all__ = ["incidents_command", "intrusions_command", "scan_command", "tactical_app"]

tactical_app = typer.Typer(
    help="Predicted conflicts, alerts, bands, intrusions and incidents from track states.", no_args_is_help=True
)

_SCAN = ScanSettings()
_INCIDENT = IncidentSettings()
_INTRUSION = IntrusionSettings()

JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")]


def _iso(seconds: float) -> str:
    return iso_z_at(seconds)


def _load_states(path: Path) -> TrackStates:
    """The valid states of a track file; bad lines reported; exit 2 if unreadable or nothing valid."""
    parsed = parse_track_lines(read_text(path).splitlines())
    bad = report_errors(str(path), parsed.errors)
    if bad:
        err_console.print(f"{path}: skipped {bad} bad line(s) of {parsed.lines}", markup=False)
    if len(parsed.states) == 0:
        err_console.print(f"error: {path}: no valid track state", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return parsed.states


def _settings_or_exit(build: Any, **values: Any) -> Any:
    # A bad option raises InvalidInput: the CLI's one error handler prints it and exits 2.
    return build(**values)


_STATE_NUMBERS = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")


def _state_records(states: TrackStates, iso: dict[float, str] | None = None) -> list[dict[str, Any]]:
    """Every state as a record; each column is read out of its array once (not element by element).

    ``iso`` keeps the times already written: the histories of successive incidents share most states."""
    ids, parties, times = states.id.tolist(), states.party.tolist(), states.time_s.tolist()
    numbers = [getattr(states, name).tolist() for name in _STATE_NUMBERS]
    callsigns, sources = states.callsign.tolist(), states.source.tolist()
    written = {} if iso is None else iso
    records = []
    for k in range(len(ids)):
        when = written.get(times[k])
        if when is None:
            when = written[times[k]] = _iso(times[k])
        record: dict[str, Any] = {"id": ids[k], "party": parties[k], "time": when}
        for name, column in zip(_STATE_NUMBERS, numbers, strict=True):
            record[name] = column[k]
        if callsigns[k]:
            record["callsign"] = callsigns[k]
        if sources[k]:
            record["source"] = sources[k]
        records.append(record)
    return records


# -- scan -------------------------------------------------------------------------------------------------------


_CONFLICT_COLUMNS: Final = (("tin_s", 3), ("tout_s", 3), ("tcpa_s", 3), ("dcpa_nm", 4), ("dist_nm", 4), ("dalt_ft", 1))


def _rounded(values: np.ndarray[Any, Any], digits: int) -> list[float]:
    # Python's round, not numpy's: the same correctly rounded numbers as before, at list speed.
    return [round(value, digits) for value in values.tolist()]


#: Below this magnitude a number rounded to at most 4 decimals has at most 15 significant digits.
_PLAIN_DECIMAL_BELOW: Final = 1e11


def _json_rounded(values: np.ndarray[Any, Any], digits: int) -> list[str]:
    """``repr(round(value, digits))`` of each value (``null`` for an unbounded one), in half the time.

    ``"%.Nf"`` rounds exactly as ``round`` does (both correctly rounded, half to even on the binary value), and
    below :data:`_PLAIN_DECIMAL_BELOW` that decimal has at most 15 significant digits, so it is the shortest
    one that reads back as the rounded float: ``repr``'s own digits, once trailing zeros are trimmed
    (``5.000`` -> ``5.0``). Anything else takes the slow path.
    """
    form = f"%.{digits}f"
    column = values.tolist()
    texts = [
        (form % value).rstrip("0") if -_PLAIN_DECIMAL_BELOW < value < _PLAIN_DECIMAL_BELOW else "" for value in column
    ]
    for k, text in enumerate(texts):
        if not text:
            value = column[k]
            texts[k] = repr(round(value, digits)) if math.isfinite(value) else "null"
        elif text[-1] == ".":
            texts[k] = text + "0"
    return texts


def _conflict_columns(conflicts: Conflicts) -> tuple[list[str], list[str], list[np.ndarray[Any, Any]], list[int]]:
    """The smaller and larger id of each pair, each number column, and the row order (time to conflict
    rounded as written, then ids): the id arrays gathered once, one sort for all."""
    id_a, id_b = conflicts.id_a, conflicts.id_b
    swap = id_a > id_b
    first, second = np.where(swap, id_b, id_a), np.where(swap, id_a, id_b)
    columns = [getattr(conflicts, name) for name, _ in _CONFLICT_COLUMNS]
    sort_key = np.asarray(_rounded(columns[0], _CONFLICT_COLUMNS[0][1]), dtype=np.float64)
    order = np.lexsort((second, first, sort_key)).tolist()
    return first.tolist(), second.tolist(), columns, order


def _conflict_records(conflicts: Conflicts) -> list[dict[str, Any]]:
    """The pairs as records (smaller id first), ordered by time to conflict then ids."""
    a, b, raw, order = _conflict_columns(conflicts)
    columns = [_rounded(column, digits) for column, (_, digits) in zip(raw, _CONFLICT_COLUMNS, strict=True)]
    names = [name for name, _ in _CONFLICT_COLUMNS]
    records = []
    for k in order:
        record: dict[str, Any] = {"a": a[k], "b": b[k]}
        for name, column in zip(names, columns, strict=True):
            record[name] = column[k]
        records.append(record)
    return records


def _conflict_json_lines(conflicts: Conflicts) -> list[str]:
    """The records of :func:`_conflict_records` as JSON lines, byte for byte, without a dict per row: tens
    of thousands of pairs are written in the time their scan takes."""
    a, b, raw, order = _conflict_columns(conflicts)
    quote = json.encoder.encode_basestring  # json.dumps' own, ensure_ascii=False
    ids_a, ids_b = [quote(x) for x in a], [quote(x) for x in b]
    texts = [_json_rounded(column, digits) for column, (_, digits) in zip(raw, _CONFLICT_COLUMNS, strict=True)]
    template = "{" + ",".join(['"a":%s', '"b":%s', *(f'"{name}":%s' for name, _ in _CONFLICT_COLUMNS)]) + "}"
    rows = list(zip(ids_a, ids_b, *texts, strict=True))
    return [template % rows[k] for k in order]


def _seconds(value: float) -> str:
    if value == float("inf"):
        return "never"
    if value == float("-inf"):
        return "always"
    return f"{value:.0f}"


@tactical_app.command("scan")
def scan_command(
    tracks: Annotated[Path, typer.Argument(help="Track states as JSON lines (docs/tactical.md); - for stdin.")],
    rpz_nm: Annotated[float, typer.Option(help="Horizontal protected radius, NM.")] = _SCAN.rpz_nm,
    hpz_ft: Annotated[float, typer.Option(help="Vertical protected half-height, ft.")] = _SCAN.hpz_ft,
    lookahead_s: Annotated[float, typer.Option(help="Straight-line lookahead, seconds.")] = _SCAN.lookahead_s,
    party: Annotated[
        str | None, typer.Option(help="Only pairs with at least one aircraft of this party (own x all).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Predicted conflicts between every pair of aircraft (the newest state of each id).

    A pair conflicts when, flying straight on, it is within --rpz-nm horizontally and --hpz-ft vertically
    at some time within --lookahead-s. States of different times are first flown on to the newest one.
    """
    settings = _settings_or_exit(ScanSettings, rpz_nm=rpz_nm, hpz_ft=hpz_ft, lookahead_s=lookahead_s)
    with paused_gc():
        states = latest_per_id(_load_states(tracks))
        conflicts = scan_conflicts(states, settings, party=party)
        if as_json:
            with JsonLinesWriter() as out:
                for text in _conflict_json_lines(conflicts):
                    out.line(text)
            return
    records = _conflict_records(conflicts)
    title = (
        f"{len(records)} conflict(s) among {len(states)} aircraft at {_iso(conflicts.time_s)} - "
        f"{settings.rpz_nm:g} NM / {settings.hpz_ft:g} ft / {settings.lookahead_s:g} s"
    )
    headers = ("a", "b", "tin s", "tout s", "tcpa s", "dcpa NM", "dist NM", "dalt ft")
    rows = [
        (
            r["a"],
            r["b"],
            _seconds(r["tin_s"]),
            _seconds(r["tout_s"]),
            f"{r['tcpa_s']:.0f}",
            f"{r['dcpa_nm']:.2f}",
            f"{r['dist_nm']:.2f}",
            f"{r['dalt_ft']:.0f}",
        )
        for r in records
    ]
    if len(rows) > RICH_TABLE_ROWS:
        write_table(title, headers, rows, right=range(2, len(headers)))
        return
    from rich.table import Table  # only tables need it: JSON output does not pay for it

    table = Table(title=title, title_justify="left")
    widest = max((len(r["b"]) for r in records), default=1)
    table.add_column("a", no_wrap=True, min_width=max((len(r["a"]) for r in records), default=1))
    table.add_column("b", no_wrap=True, min_width=widest)
    for column in headers[2:]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    out_console.print(table)


# -- intrusions -------------------------------------------------------------------------------------------------


def _intrusion_records(found: Intrusions) -> list[dict[str, Any]]:
    columns = zip(
        found.id.tolist(),
        found.party.tolist(),
        found.notice_id.tolist(),
        found.notice_party.tolist(),
        found.volume.tolist(),
        found.entry_s.tolist(),
        found.entry_time_s.tolist(),
        found.inside_now.tolist(),
        strict=True,
    )
    return [
        {
            "id": str(aircraft),
            "party": str(party),
            "notice_id": str(notice_id),
            "notice_party": str(notice_party),
            "volume": int(volume),
            "entry_s": round(entry_s, 3),
            "entry_time": _iso(entry_time_s),
            "inside_now": bool(inside_now),
        }
        for aircraft, party, notice_id, notice_party, volume, entry_s, entry_time_s, inside_now in columns
    ]


@tactical_app.command("intrusions")
def intrusions_command(
    tracks: Annotated[Path, typer.Option("--tracks", help="Track states as JSON lines (docs/tactical.md).")],
    notices: Annotated[
        Path, typer.Option("--notices", help="Notices as GeoJSON or KML, told apart by content (docs/formats.md).")
    ],
    lookahead_s: Annotated[float, typer.Option(help="Straight-line lookahead, seconds.")] = _INTRUSION.lookahead_s,
    as_json: JsonFlag = False,
) -> None:
    """Aircraft inside, or predicted to enter within the lookahead, an active volume of another party.

    Only notices that take part in checks (filed or active) count. Bad notices are reported and left out.
    """
    settings = _settings_or_exit(IntrusionSettings, lookahead_s=lookahead_s)
    states = latest_per_id(_load_states(tracks))
    # here: only intrusions read notices (shapely, pyproj)
    from airparley.strategic import looks_like_kml, parse_notices, parse_notices_kml

    text = read_text(notices)
    parsed = parse_notices_kml(text) if looks_like_kml(text) else parse_notices(text)
    bad = report_errors(str(notices), parsed.errors)
    if bad and not parsed.notices:
        err_console.print(f"error: {notices}: no valid notice", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    active = [n for n in parsed.notices if getattr(n, "takes_part", True)]
    found = find_intrusions(states, active, settings)
    records = _intrusion_records(found)
    if as_json:
        with JsonLinesWriter() as out:
            out.write_all(records)
        return
    from rich.table import Table

    table = Table(
        title=f"{len(records)} intrusion(s): {len(states)} aircraft, {len(active)} active notice(s), "
        f"lookahead {settings.lookahead_s:g} s from {_iso(found.time_s)}",
        title_justify="left",
    )
    for column in ("aircraft", "party", "notice", "of", "volume", "entry", "in s"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r["id"],
            r["party"],
            r["notice_id"],
            r["notice_party"],
            str(r["volume"]),
            "inside now" if r["inside_now"] else r["entry_time"],
            f"{r['entry_s']:.0f}",
        )
    out_console.print(table)


# -- incidents --------------------------------------------------------------------------------------------------


def _incident_record(incident: Incident, iso: dict[float, str] | None = None) -> dict[str, Any]:
    return {
        "a": incident.id_a,
        "b": incident.id_b,
        "party_a": incident.party_a,
        "party_b": incident.party_b,
        "start": _iso(incident.start_s),
        "end": _iso(incident.end_s),
        "duration_s": round(incident.duration_s, 3),
        "min_time": _iso(incident.min_time_s),
        "min_h_nm": round(incident.min_h_nm, 4),
        "min_v_ft": round(incident.min_v_ft, 1),
        "history_a": _state_records(incident.history_a, iso),
        "history_b": _state_records(incident.history_b, iso),
    }


class _StateTexts:
    """Each observed state of a track file as its JSON text (what ``json_line`` writes for its record in
    :func:`_state_records`), written once: the histories of successive incidents share most of their states
    (a day of the shipped scenario: 54,563 incidents, 1.9 million history states, 177,705 distinct ones).

    The rows are the core's own (``find_incidents``): sorted by (id, time), one per (id, time), the later row
    of the file winning; a history is the run of one id's rows between its first and last time."""

    def __init__(self, states: TrackStates) -> None:
        rows = np.arange(len(states))
        order = np.lexsort((rows, states.time_s, states.id))
        ids, times = states.id[order], states.time_s[order]
        last = np.ones(order.size, dtype=bool)
        last[:-1] = (ids[1:] != ids[:-1]) | (times[1:] != times[:-1])
        self.states = states.take(order[last])
        ids = self.states.id
        first = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
        ends = np.append(first[1:], ids.size)
        self.rows = {str(ids[k]): (int(k), int(end)) for k, end in zip(first, ends, strict=True)}
        self.texts = self._texts(self.states)

    @staticmethod
    def _texts(states: TrackStates) -> list[str]:
        quote = json.encoder.encode_basestring  # json.dumps' own, ensure_ascii=False
        unique, inverse = np.unique(states.time_s, return_inverse=True)
        when = [quote(_iso(t)) for t in unique.tolist()]
        columns = [
            [quote(x) for x in states.id.tolist()],
            [quote(x) for x in states.party.tolist()],
            [when[k] for k in inverse.tolist()],
            *([repr(v) for v in getattr(states, name).tolist()] for name in _STATE_NUMBERS),
            [f',"callsign":{quote(x)}' if x else "" for x in states.callsign.tolist()],
            [f',"source":{quote(x)}' if x else "" for x in states.source.tolist()],
        ]
        names = ("id", "party", "time", *_STATE_NUMBERS)
        line = ("{{" + ",".join(f'"{name}":{{}}' for name in names) + "{}{}}}").format
        return [line(*row) for row in zip(*columns, strict=True)]

    def rows_of(self, history: TrackStates) -> tuple[int, int]:
        """Where ``history`` lies in :attr:`texts` (an empty range for no state, a backward one if it is not
        one id's run of rows)."""
        if len(history) == 0:
            return 0, 0
        start, end = self.rows.get(str(history.id[0]), (0, 0))
        lo = start + int(np.searchsorted(self.states.time_s[start:end], history.time_s[0], side="left"))
        hi = lo + len(history)
        return (lo, hi) if hi <= end else (0, -1)

    def same(self, histories: list[TrackStates], spans: list[tuple[int, int]]) -> bool:
        """Whether every history is exactly its span of rows (checked at once, vectorised): within one id's
        rows, one per time, the times fix the rows; the positions confirm the later row of a time won."""
        if not histories:
            return True
        if any(hi < lo for lo, hi in spans):
            return False
        index = np.concatenate([np.arange(lo, hi) for lo, hi in spans])
        for name in ("time_s", "lat", "lon"):
            taken = np.concatenate([getattr(h, name) for h in histories])
            if not np.array_equal(taken, getattr(self.states, name)[index]):
                return False
        return True


def _incident_json_lines(states: TrackStates, incidents: list[Incident]) -> Iterator[str] | None:
    """The records of :func:`_incident_record` as JSON lines, byte for byte, each state's text written once
    and a history joined from them, each line made as it is written (385 MB for a day are never held);
    ``None`` if a history is not a run of the file's rows (then the records are written one by one)."""
    table = _StateTexts(states)
    histories = [h for incident in incidents for h in (incident.history_a, incident.history_b)]
    spans = [table.rows_of(h) for h in histories]
    if not table.same(histories, spans):
        return None
    texts, quote = table.texts, json.encoder.encode_basestring
    iso: dict[float, str] = {}

    def when(seconds: float) -> str:
        text = iso.get(seconds)
        if text is None:
            text = iso[seconds] = quote(_iso(seconds))
        return text

    head = (
        '{{"a":{},"b":{},"party_a":{},"party_b":{},"start":{},"end":{},"duration_s":{!r},"min_time":{},'
        '"min_h_nm":{!r},"min_v_ft":{!r},"history_a":[{}],"history_b":[{}]}}'
    ).format

    def lines() -> Iterator[str]:
        for number, i in enumerate(incidents):
            (a_lo, a_hi), (b_lo, b_hi) = spans[2 * number], spans[2 * number + 1]
            yield head(
                quote(i.id_a),
                quote(i.id_b),
                quote(i.party_a),
                quote(i.party_b),
                when(i.start_s),
                when(i.end_s),
                round(float(i.duration_s), 3),
                when(i.min_time_s),
                round(float(i.min_h_nm), 4),
                round(float(i.min_v_ft), 1),
                ",".join(texts[a_lo:a_hi]),
                ",".join(texts[b_lo:b_hi]),
            )

    return lines()


def _plot_name(number: int, incident: Incident, suffix: str = "svg") -> str:
    # ids are free text from the track file: only a safe subset reaches the file name
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{incident.id_a}_{incident.id_b}")[:80]
    return f"incident-{number:03d}-{safe}.{suffix}"


#: PNG pixels per SVG unit: twice the drawing's size, legible when printed or put in a slide.
_PNG_SCALE = 2.0


def _png_renderer() -> Callable[[str], bytes]:
    """SVG text -> PNG bytes through CairoSVG (the optional ``png`` extra, which needs the system's libcairo)."""
    try:
        import cairosvg  # type: ignore[import-untyped]  # only a PNG plot pays for it (and needs libcairo)
    except (ImportError, OSError) as error:
        err_console.print(
            f"error: --format png needs CairoSVG and libcairo (pip install 'airparley[png]'): {error}", markup=False
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None

    def render(svg: str) -> bytes:
        png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=_PNG_SCALE)
        return png

    return render


def _write_plots(directory: Path, incidents: list[Incident], h_nm: float, form: str = "svg") -> None:
    """One plot (SVG, or PNG drawn from it) per incident, numbered in the listing's order; the paths go to stderr
    (stdout stays the data)."""
    render = _png_renderer() if form == "png" else None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for number, incident in enumerate(incidents, start=1):
            path = directory / _plot_name(number, incident, form)
            svg = incident_svg(incident, h_nm)
            if render is None:
                path.write_text(svg, encoding="utf-8")
            else:
                path.write_bytes(render(svg))
            err_console.print(f"wrote {path}", markup=False, highlight=False)
    except OSError as error:
        err_console.print(f"error: --plot {directory}: {error.strerror or error}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


class PlotFormat(StrEnum):
    SVG = "svg"
    PNG = "png"


@tactical_app.command("incidents")
def incidents_command(
    states_file: Annotated[Path, typer.Argument(help="A time series of track states as JSON lines; - for stdin.")],
    h_nm: Annotated[float, typer.Option(help="Horizontal minimum, NM.")] = _INCIDENT.h_nm,
    v_ft: Annotated[float, typer.Option(help="Vertical minimum, ft.")] = _INCIDENT.v_ft,
    step_s: Annotated[float, typer.Option(help="Interpolation step, seconds.")] = _INCIDENT.step_s,
    history_s: Annotated[float, typer.Option(help="History kept before each incident, seconds.")] = _INCIDENT.history_s,
    as_json: JsonFlag = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write one plot per incident into this directory (plan view and separation over time).",
        ),
    ] = None,
    plot_format: Annotated[
        PlotFormat,
        typer.Option("--format", help="The plots' format: svg, or png (needs the png extra: CairoSVG, libcairo)."),
    ] = PlotFormat.SVG,
) -> None:
    """Encounters whose actual separation fell below --h-nm horizontally and --v-ft vertically.

    Tracks are interpolated linearly to common steps; one incident per continuous encounter, with its
    minimum separation and both tracks' states from --history-s before it to its end.
    """
    settings = _settings_or_exit(IncidentSettings, h_nm=h_nm, v_ft=v_ft, step_s=step_s, history_s=history_s)
    states = _load_states(states_file)
    incidents = find_incidents(states, settings)
    if plot is not None:
        _write_plots(plot, incidents, settings.h_nm, plot_format.value)
    if as_json:
        with paused_gc(), JsonLinesWriter() as out:
            lines = _incident_json_lines(states, incidents)
            if lines is None:
                iso: dict[float, str] = {}
                out.write_all(_incident_record(incident, iso) for incident in incidents)
            else:
                for text in lines:
                    out.line(text)
        return
    from rich.table import Table

    table = Table(
        title=f"{len(incidents)} incident(s) below {settings.h_nm:g} NM and {settings.v_ft:g} ft",
        title_justify="left",
    )
    for column in ("a", "b", "start", "end", "closest at", "h NM", "v ft"):
        table.add_column(column)
    for i in incidents:
        table.add_row(
            f"{i.id_a} ({i.party_a})",
            f"{i.id_b} ({i.party_b})",
            _iso(i.start_s),
            _iso(i.end_s),
            _iso(i.min_time_s),
            f"{i.min_h_nm:.3f}",
            f"{i.min_v_ft:.0f}",
        )
    out_console.print(table)
