"""``airparley tactical alert`` and ``airparley tactical bands`` (DO-365 alerting and manoeuvre bands).

Both read JSON lines, report each bad line on stderr (line number and field) and skip it, and exit 2 when
the file cannot be read or holds no usable line. ``--json`` prints JSON lines (``null`` for infinite or
undefined numbers, never NaN); otherwise rich tables.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import numpy as np
import typer

from airparley.cli._common import JsonLinesWriter, out_console
from airparley.cli._tactical import tactical_app
from airparley.errors import IngestError, InvalidInput
from airparley.tactical import (
    ALERT_LEVEL_NAMES,
    Alerts,
    DimensionBands,
    FlightState,
    FlightStates,
    ManoeuvreBands,
    alert_encounters,
    bands_geodetic,
    extrapolate_to,
    latest_per_id,
    parse_track_lines,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["alert_command", "bands_command", "tactical_app"]

_STATE_FIELDS: Final = ("lat", "lon", "alt_ft", "gs_kt", "trk_deg", "vs_fpm")
_ALERT_FIELDS: Final = (
    "time_to_lowc_s",
    "time_to_lowc_preventive_s",
    "time_to_lowc_corrective_s",
    "time_to_lowc_warning_s",
    "caution",
    "time_to_caution_s",
    "horizontal_sep_nm",
    "vertical_sep_ft",
    "horizontal_closure_rate_kt",
    "vertical_closure_rate_fpm",
    "range_rate_kt",
    "hmd_nm",
    "vmd_ft",
    "tcpa_s",
    "dcpa_nm",
    "tau_mod_s",
    "tcoa_s",
)
_LEVEL_STYLE: Final = {
    "none": "green",
    "recovery": "cyan",
    "caution": "yellow",
    "preventive": "yellow",
    "corrective": "dark_orange",
    "warning": "bold red",
}

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON lines instead of tables.")]


def _number(value: float) -> float | None:
    """A JSON-safe number: ``None`` for infinite or undefined values."""
    return round(value, 6) if math.isfinite(value) else None


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        _err(f"cannot read {path}: {reason}")
        raise typer.Exit(2) from None


def _flight_state(record: Any, name: str) -> FlightState:
    if not isinstance(record, dict):
        raise InvalidInput(name, f"must be an object with {', '.join(_STATE_FIELDS)}")
    values: dict[str, float] = {}
    for key in _STATE_FIELDS:
        if key not in record:
            raise InvalidInput(f"{name}.{key}", "is missing")
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{name}.{key}", f"must be a number, got {value!r}")
        values[key] = float(value)
    try:
        return FlightState(**values)
    except InvalidInput as error:
        raise InvalidInput(f"{name}.{error.field}", error.reason) from None


def _encounter(text: str, number: int) -> tuple[Any, FlightState, FlightState]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput("(line)", f"not valid JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise InvalidInput("(line)", f"must be a JSON object, got {type(record).__name__}")
    case = record.get("case", number)
    if isinstance(case, dict | list) or (isinstance(case, float) and not math.isfinite(case)):
        raise InvalidInput("case", f"must be a number or a string, got {case!r}")
    return case, _flight_state(record.get("own"), "own"), _flight_state(record.get("intruder"), "intruder")


def _alert_record(case: Any, alerts: Alerts, index: int) -> dict[str, Any]:
    alert = alerts.at(index)
    record: dict[str, Any] = {"case": case, "level": alert.level, "level_name": alert.level_name}
    for name in _ALERT_FIELDS:
        value = getattr(alert, name)
        record[name] = value if isinstance(value, bool) else _number(value)
    return record


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _alert_table(records: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title="DO-365 alerts (DAIDALUS DO_365B_no_SUM)")
    columns = (
        ("case", "case", 0),
        ("level", "level_name", 0),
        ("t LoWC s", "time_to_lowc_s", 1),
        ("caution", "caution", 0),
        ("h sep NM", "horizontal_sep_nm", 2),
        ("v sep ft", "vertical_sep_ft", 0),
        ("HMD NM", "hmd_nm", 2),
        ("TCPA s", "tcpa_s", 1),
        ("DCPA NM", "dcpa_nm", 2),
        ("tau mod s", "tau_mod_s", 1),
    )
    for title, _, _ in columns:
        table.add_column(title, justify="left" if title in ("case", "level") else "right")
    for record in records:
        style = _LEVEL_STYLE[record["level_name"]]
        table.add_row(*(_fmt(record[key], digits) for _, key, digits in columns), style=style)
    return table


@tactical_app.command("alert")
def alert_command(
    encounters: Annotated[
        Path,
        typer.Argument(help="JSON lines: {case, own: {lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm}, intruder: {...}}."),
    ],
    json_output: JsonFlag = False,
) -> None:
    """DO-365 alert level of each encounter, as NASA DAIDALUS computes it (DO_365B_no_SUM, no hysteresis)."""
    out = out_console
    cases: list[Any] = []
    own: list[FlightState] = []
    intruders: list[FlightState] = []
    bad = 0
    for number, raw in enumerate(_read_lines(encounters), start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            case, own_state, intruder_state = _encounter(text, number)
        except InvalidInput as error:
            bad += 1
            _err(IngestError(error.field, error.reason, str(encounters), number).describe())
            continue
        cases.append(case)
        own.append(own_state)
        intruders.append(intruder_state)
    if not cases:
        _err(f"{encounters}: no valid encounter ({bad} bad lines)")
        raise typer.Exit(2)
    alerts = alert_encounters(FlightStates.of(own), FlightStates.of(intruders))
    records = [_alert_record(case, alerts, i) for i, case in enumerate(cases)]
    if json_output:
        with JsonLinesWriter() as lines:
            for record in records:
                lines.line(json.dumps(record, allow_nan=False))
    else:
        out.print(_alert_table(records))
    counts = np.bincount(alerts.level, minlength=len(ALERT_LEVEL_NAMES))
    summary = ", ".join(f"{int(n)} {name}" for name, n in zip(ALERT_LEVEL_NAMES, counts, strict=True))
    _err(f"{len(cases)} encounters ({summary}); {bad} bad lines skipped")


def _dimension_record(dimension: DimensionBands) -> dict[str, Any]:
    recovery = dimension.recovery
    return {
        "dimension": dimension.dimension,
        "unit": dimension.unit,
        "current": _number(dimension.current),
        "bands": [{"lo": _number(b.lo), "hi": _number(b.hi), "region": b.region} for b in dimension.intervals],
        "recovery": {
            "time_s": _number(recovery.time_s),
            "horizontal_nm": _number(recovery.horizontal_nm),
            "vertical_ft": _number(recovery.vertical_ft),
            "reductions": recovery.reductions,
            "possible": math.isfinite(recovery.time_s),
        }
        if recovery.computed
        else None,
    }


def _bands_table(dimension: DimensionBands, title: str) -> Table:
    from rich.table import Table

    table = Table(title=f"{title}: {dimension.dimension} ({dimension.unit}), now {dimension.current:.0f}")
    for column in ("from", "to", "region"):
        table.add_column(column, justify="right" if column != "region" else "left")
    for band in dimension.intervals:
        table.add_row(f"{band.lo:.0f}", f"{band.hi:.0f}", band.region, style=_LEVEL_STYLE[band.region])
    if dimension.recovery.computed:
        recovery = dimension.recovery
        note = (
            f"recovery in {recovery.time_s:.1f} s keeping {recovery.horizontal_nm:.2f} NM / "
            f"{recovery.vertical_ft:.0f} ft"
            if math.isfinite(recovery.time_s)
            else "no recovery manoeuvre exists"
        )
        table.caption = note
    return table


@tactical_app.command("bands")
def bands_command(
    ownship_id: Annotated[str, typer.Argument(help="Track id of the ownship.")],
    tracks: Annotated[
        Path,
        typer.Argument(
            help="Track JSON lines: {id, party, time, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm, callsign?, source?}."
        ),
    ],
    json_output: JsonFlag = False,
) -> None:
    """Heading, vertical speed and altitude bands of one ownship against all traffic within range.

    Each aircraft's newest state is used; other aircraft are flown straight to the ownship's time.
    """
    out = out_console
    parsed = parse_track_lines(_read_lines(tracks), source=str(tracks))
    for error in parsed.errors:
        _err(error.describe())
    states = latest_per_id(parsed.states)
    if len(states) == 0:
        _err(f"{tracks}: no valid track state ({len(parsed.errors)} bad lines)")
        raise typer.Exit(2)
    mine = states.id == ownship_id
    if not mine.any():
        _err(f"{tracks}: no track with id {ownship_id!r}")
        raise typer.Exit(2)
    own_track = states.take(mine)[0]
    others = extrapolate_to(states.take(~mine), own_track.time_s)
    try:
        own = FlightState(*(getattr(own_track, name) for name in _STATE_FIELDS))
        intruders = FlightStates(*(getattr(others, name) for name in _STATE_FIELDS))
        bands = bands_geodetic(own, intruders)
    except InvalidInput as error:
        _err(f"{tracks}: {error.describe()}")
        raise typer.Exit(2) from None
    _print_bands(bands, ownship_id, own_track.time_s, [str(others.id[i]) for i in bands.intruders], json_output, out)
    _err(f"{len(bands.intruders)} of {len(others)} other aircraft within range; {len(parsed.errors)} bad lines skipped")


def _print_bands(
    bands: ManoeuvreBands, ownship_id: str, time_s: float, intruder_ids: list[str], json_output: bool, out: Console
) -> None:
    dimensions = (bands.heading, bands.vertical_speed, bands.altitude)
    if json_output:
        with JsonLinesWriter() as lines:
            for dimension in dimensions:
                record = {
                    "ownship": ownship_id,
                    "time_s": _number(time_s),
                    **_dimension_record(dimension),
                    "intruders": intruder_ids,
                }
                lines.line(json.dumps(record, allow_nan=False))
        return
    for dimension in dimensions:
        out.print(_bands_table(dimension, ownship_id))
    out.print(f"intruders: {', '.join(intruder_ids) if intruder_ids else 'none'}", markup=False, highlight=False)
