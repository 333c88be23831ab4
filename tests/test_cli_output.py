"""The CLI's one buffered writer of JSON lines, and JSON without NaN or infinities."""

from __future__ import annotations

import io
import json
import math

import pytest

from airparley.cli._common import JsonLinesWriter, json_line


def test_json_line_is_compact_and_turns_non_finite_numbers_into_null() -> None:
    assert json_line({"a": 1.5, "b": "é"}) == '{"a":1.5,"b":"é"}'
    value = {"x": math.inf, "y": [1.0, -math.inf, {"z": math.nan}], "t": (1, 2)}
    assert json.loads(json_line(value)) == {"x": None, "y": [1.0, None, {"z": None}], "t": [1, 2]}


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
