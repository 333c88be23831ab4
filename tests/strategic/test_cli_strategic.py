from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from airparley.cli import app

runner = CliRunner()


def test_validate_reports_the_scene(syria_iraq_path: Path) -> None:
    result = runner.invoke(app, ["notice", "validate", str(syria_iraq_path)])
    assert result.exit_code == 0, result.output
    assert "12 valid notice(s)" in result.output
    assert "RUS, SYR, TUR, USA" in result.output


def test_check_prints_a_table_and_json_lines(syria_iraq_path: Path) -> None:
    table = runner.invoke(app, ["check", str(syria_iraq_path)])
    assert table.exit_code == 0
    assert "5 conflict(s)" in table.output
    lines = runner.invoke(app, ["check", str(syria_iraq_path), "--json"])
    assert lines.exit_code == 0
    conflicts = [json.loads(line) for line in lines.stdout.splitlines()]
    assert len(conflicts) == 5
    first = conflicts[0]
    assert set(first) >= {"id", "a", "b", "overlap", "buffers"}
    assert set(first["a"]) == {"notice_id", "party", "version"}
    assert set(first["overlap"]) == {"footprint", "lower_ft", "upper_ft", "start", "end"}
    assert first["buffers"] == {"lateral_nm": 5.0, "vertical_ft": 1000.0, "time_min": 10.0}


def test_buffers_change_the_result(syria_iraq_path: Path) -> None:
    wide = runner.invoke(app, ["check", str(syria_iraq_path), "--json", "--lateral-nm", "40", "--vertical-ft", "8000"])
    assert wide.exit_code == 0
    assert len(wide.stdout.splitlines()) > 5
    bad = runner.invoke(app, ["check", str(syria_iraq_path), "--lateral-nm", "-1"])
    assert bad.exit_code == 2
    assert "lateral_nm: must be positive" in bad.stderr


def test_bad_files_exit_2_naming_feature_field_and_reason(tmp_path: Path) -> None:
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[38, 34], [39, 34], [39, 35], [38, 35]]]},
                "properties": {
                    "notice_id": "RUS-9",
                    "party": "RUS",
                    "kind": "strike",
                    "lower": 30000,
                    "upper": 20000,
                    "start": "2026-11-26T02:00:00Z",
                    "end": "2026-11-26T01:00:00Z",
                },
            }
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad))
    result = runner.invoke(app, ["notice", "validate", str(path)])
    assert result.exit_code == 2
    assert "feature 0, notice RUS-9: geometry.coordinates.0: open ring" in result.stderr
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 2
    missing = runner.invoke(app, ["check", str(tmp_path / "nope.geojson")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    assert "Traceback" not in missing.output


def test_a_table_written_to_a_pipe_keeps_every_column(syria_iraq_path: Path) -> None:
    """`airparley check FILE | cat`: rich would render at 80 columns and fold or drop columns; the whole
    table must come through, one line per conflict with every cell whole."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "check", str(syria_iraq_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if "notice A" in line)
    for column in ("id", "notice A", "notice B", "band in conflict", "window in conflict", "gap NM"):
        assert f" {column} " in header, f"column {column!r} is not whole in the piped header: {header!r}"
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 5  # one line per conflict: nothing folded onto a second line
    conflicts = [
        json.loads(line) for line in runner.invoke(app, ["check", str(syria_iraq_path), "--json"]).stdout.splitlines()
    ]
    for conflict in conflicts:
        row = next(r for r in rows if conflict["id"][:12] in r)
        cells = [cell.strip() for cell in row.strip("│").split("│")]
        assert len(cells) == 6, row
        assert all(cells), row
        assert f"{conflict['a']['party']} {conflict['a']['notice_id']} v{conflict['a']['version']}" in cells
    assert "…" not in done.stdout
    assert max(len(line) for line in lines) > 80
