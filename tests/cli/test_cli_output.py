"""The CLI's one buffered writer of JSON lines, and JSON without NaN or infinities."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airparley.cli import _common
from airparley.cli._common import JsonLinesWriter, json_line


def test_json_line_is_compact_and_turns_non_finite_numbers_into_null() -> None:
    assert json_line({"a": 1.5, "b": "é"}) == '{"a":1.5,"b":"é"}'
    value = {"x": math.inf, "y": [1.0, -math.inf, {"z": math.nan}], "t": (1, 2)}
    assert json.loads(json_line(value)) == {"x": None, "y": [1.0, None, {"z": None}], "t": [1, 2]}


def _reference_line(value: object) -> str:
    """What json_line wrote before orjson: the standard library, non-finite numbers as null."""
    try:
        return _common._ENCODE(value)
    except ValueError:
        return _common._ENCODE(_common._finite(value))


def _has_small_float(value: object) -> bool:
    if isinstance(value, float):
        return value != 0.0 and abs(value) < 1e-4
    if isinstance(value, dict):
        return any(_has_small_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_small_float(v) for v in value)
    return False


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits: orjson refuses, json writes
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(exclude_categories=[]))  # lone surrogates too: orjson refuses, json writes
)
_VALUES = st.recursive(
    _SCALARS,
    # Integer keys too: json writes them as strings, orjson refuses them.
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.dictionaries(st.integers(-3, 3), inner, max_size=2)
    ),
    max_leaves=20,
)


@given(_VALUES)
def test_json_line_writes_what_the_standard_library_writes(value: object) -> None:
    """orjson writes the lines: the same text as json, or (small floats only) the same numbers."""
    line, reference = json_line(value), _reference_line(value)
    if _has_small_float(value):
        assert json.loads(line) == json.loads(reference)
    else:
        assert line == reference


def test_json_line_spells_small_floats_in_plain_notation() -> None:
    assert json_line([1.234e-05, 1e-07, 0.0001, 1e16]) == "[0.00001234,1e-7,0.0001,1e+16]"
    assert json_line({"s": "\ud800", 1: 2**64}) == '{"s":"\ud800","1":18446744073709551616}'  # json, as before


def test_the_writer_buffers_and_writes_every_line_in_order() -> None:
    stream = io.StringIO()
    with JsonLinesWriter(stream, buffer_chars=100) as out:
        for k in range(1000):
            out.write({"k": k})
            if k == 0:
                assert stream.getvalue() == ""  # held in the buffer, not written line by line
        out.line("plain text")
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["k"] for line in lines[:-1]] == list(range(1000))
    assert lines[-1] == "plain text"
    assert stream.getvalue().endswith("\n")
    assert out.lines == 1001


def test_what_was_written_before_an_error_is_flushed() -> None:
    stream = io.StringIO()

    def fail_midway() -> None:
        with JsonLinesWriter(stream) as out:
            out.write_all([{"n": 1}, {"n": 2}])
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert stream.getvalue() == '{"n":1}\n{"n":2}\n'


def test_an_empty_writer_writes_nothing() -> None:
    stream = io.StringIO()
    with JsonLinesWriter(stream):
        pass
    assert stream.getvalue() == ""


def test_the_one_error_handler_prints_a_line_per_error_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from airparley.cli._common import exit_on
    from airparley.errors import InvalidInput, InvalidInputs, NotFound

    with pytest.raises(typer.Exit) as stopped:
        exit_on(InvalidInputs([InvalidInput("a", "bad", "line 1"), InvalidInput("b", "worse")]))
    assert stopped.value.exit_code == 2
    with pytest.raises(typer.Exit):
        exit_on(NotFound("case", "x"))
    assert capsys.readouterr().err.splitlines() == ["error: line 1: a: bad", "error: b: worse", "error: no case 'x'"]


def test_a_command_error_goes_through_the_root_handler(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from airparley.cli import app

    result = CliRunner().invoke(app, ["check", str(tmp_path / "x.geojson"), "--lateral-nm", "-1"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == ["error: lateral_nm: must be positive, got -1.0"]


def test_write_table_draws_what_rich_draws_to_a_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    """Large tables skip rich (half a millisecond a row) but must look the same as its small ones."""
    from rich.console import Console
    from rich.table import Table

    from airparley.cli._common import PIPE_WIDTH, write_table

    headers = ("id", "party", "tin s", "gap NM")
    rows = [("AC000001", "USA", "12", "0.5"), ("Ж-7", "RUS", "-", "10.25"), ("B", "TUR", "1234", "3.0")]
    drawn = io.StringIO()
    rich = Console(file=drawn, width=PIPE_WIDTH, highlight=False, soft_wrap=True)
    table = Table(title="3 rows", title_justify="left")
    for k, header in enumerate(headers):
        table.add_column(header, justify="right" if k >= 2 else "left")
    for row in rows:
        table.add_row(*row)
    rich.print(table)
    write_table("3 rows", headers, rows, right=(2, 3))
    assert capsys.readouterr().out == drawn.getvalue()


def test_paused_gc_restores_the_collector() -> None:
    import gc

    from airparley.cli._common import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("stop")
    assert gc.isenabled()


def test_check_draws_its_conflicts_a_block_at_a_time_in_order_and_lets_each_block_go(
    syria_iraq_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airparley.cli import _strategic
    from airparley.strategic import Buffers, ConflictIndex, parse_notices

    notices = parse_notices(syria_iraq_path.read_text()).notices
    wide = Buffers(60.0, 30_000.0, 600.0)  # wide enough that the scenario's twelve notices conflict a lot
    expected = [c.as_dict() for c in ConflictIndex.build(notices, wide).conflicts()]
    assert len(expected) > 5
    monkeypatch.setattr(_strategic, "_DRAW_BLOCK", 2)
    conflicts = ConflictIndex.build(notices, wide).conflicts()
    seen = []
    for conflict in _strategic._drawn(conflicts):
        assert "volumes" in conflict.__dict__  # drawn with its block, before it is handed out
        assert len(conflicts) <= len(expected) - len(seen) - 1  # the list no longer holds what was handed out
        seen.append(conflict.as_dict())
    assert seen == expected
    assert conflicts == []


def test_check_draws_in_worker_processes_the_same_lines_in_the_same_order(
    syria_iraq_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--jobs 3`` forks three drawing processes; the lines are those drawn in one process, to the byte."""
    from typer.testing import CliRunner

    from airparley.cli import _strategic, app

    monkeypatch.setattr(_strategic, "_DRAW_BLOCK", 2)  # many blocks, more than the workers take at once
    wide = ["--lateral-nm", "60", "--vertical-ft", "30000", "--time-min", "600"]
    runner = CliRunner()
    alone = runner.invoke(app, ["check", str(syria_iraq_path), "--json", "--jobs", "1", *wide])
    together = runner.invoke(app, ["check", str(syria_iraq_path), "--json", "--jobs", "3", *wide])
    assert alone.exit_code == 0, alone.output
    assert together.exit_code == 0, together.output
    lines = alone.stdout.splitlines()
    assert len(lines) > 3 * 2 * 2  # more blocks than three workers hold at once
    assert together.stdout == alone.stdout
    assert _strategic._TO_DRAW == []  # nothing held after the run
    refused = runner.invoke(app, ["check", str(syria_iraq_path), "--json", "--jobs", "0"])
    assert refused.exit_code == 2
    assert "--jobs" in refused.output


def test_check_measures_the_table_gaps_in_worker_processes_the_same_rows_in_the_same_order(
    syria_iraq_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table with ``--jobs 3`` (rows and gaps written by three forked processes) is the one-process table."""
    from typer.testing import CliRunner

    from airparley.cli import _processes, _strategic, app

    monkeypatch.setattr(_strategic, "_ROW_BLOCK", 2)
    wide = ["--lateral-nm", "60", "--vertical-ft", "30000", "--time-min", "600"]
    runner = CliRunner()
    alone = runner.invoke(app, ["check", str(syria_iraq_path), "--jobs", "1", *wide])
    together = runner.invoke(app, ["check", str(syria_iraq_path), "--jobs", "3", *wide])
    assert alone.exit_code == 0, alone.output
    assert together.exit_code == 0, together.output
    assert "gap NM" in alone.stdout
    assert sum("v1" in line for line in alone.stdout.splitlines()) > 3 * 2  # more blocks than workers
    assert together.stdout == alone.stdout
    assert _processes._SHARED is None  # nothing held after the run


def test_check_forks_only_for_a_run_worth_it() -> None:
    import os

    from airparley.cli._processes import jobs_for
    from airparley.cli._strategic import _DRAW_BLOCK

    assert jobs_for(None, 2 * _DRAW_BLOCK - 1, _DRAW_BLOCK) == 1
    assert jobs_for(None, 2 * _DRAW_BLOCK, _DRAW_BLOCK) == len(os.sched_getaffinity(0))
    assert jobs_for(4, 10, _DRAW_BLOCK) == 4


def test_reading_notices_in_worker_processes_gives_what_one_process_gives(
    syria_iraq_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Features read in three processes, a block of two at a time, then grouped: the same notices, private
    parts and errors (in the same order) as one process reading them all, bad features included."""
    from functools import partial

    from airparley.cli import _processes, _strategic
    from airparley.strategic import parse_notices

    collection = json.loads(syria_iraq_path.read_text())
    features = collection["features"]
    features[0]["properties"]["private"] = {"mission": "kept apart"}
    bad_bounds = json.loads(json.dumps(features[1]))
    bad_bounds["properties"]["version"] = 2**60  # beyond the bounds of any number
    bad_schema = json.loads(json.dumps(features[2]))
    bad_schema["properties"]["kind"] = "sightseeing"
    upside_down = json.loads(json.dumps(features[3]))
    upside_down["properties"]["notice_id"] = "UPSIDE-1"
    upside_down["properties"]["lower"], upside_down["properties"]["upper"] = (
        upside_down["properties"]["upper"],
        upside_down["properties"]["lower"],
    )
    disagreeing = json.loads(json.dumps(features[4]))
    disagreeing["properties"]["priority"] = (
        "urgent" if features[4]["properties"].get("priority") != "urgent" else "routine"
    )
    collection["features"] = [*features, 7, bad_bounds, bad_schema, upside_down, disagreeing]
    text = json.dumps(collection)

    monkeypatch.setattr(_strategic, "_READ_BLOCK", 2)
    alone = parse_notices(text)
    together = parse_notices(text, read=partial(_strategic._read_in_processes, jobs=3))
    assert len(alone.errors) >= 5
    assert [e.describe() for e in together.errors] == [e.describe() for e in alone.errors]
    assert together.notices == alone.notices
    assert [n.volumes[0].footprint.wkb for n in together.notices] == [n.volumes[0].footprint.wkb for n in alone.notices]
    assert together.private == alone.private
    assert alone.private[features[0]["properties"]["notice_id"]]["mission"] == "kept apart"
    assert _processes._SHARED is None  # nothing held after the run


def test_an_input_error_survives_pickling_whole() -> None:
    import pickle

    from airparley.errors import GeometryError, IngestError, InvalidInput, InvalidInputs

    for error in (
        InvalidInput("lower", "above upper", "feature 3"),
        GeometryError("geometry", "self-intersecting"),
        InvalidInputs([InvalidInput("a", "x"), InvalidInput("b", "y", "line 2")]),
        IngestError("alt_ft", "not a number", "radar.csv", 7).at("feed USA-1"),
    ):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert back.as_dict() == error.as_dict()
        assert str(back) == str(error)
        assert {k: repr(v) for k, v in vars(back).items()} == {k: repr(v) for k, v in vars(error).items()}
