"""``airparley tactical alert`` and ``airparley tactical bands`` on real files, including bad lines."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from airparley.cli import app
from airparley.tactical import AlertingSettings, BandsSettings, settings_doc

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerting.md"

OWN = {"lat": 35.0, "lon": 39.0, "alt_ft": 20000, "gs_kt": 300, "trk_deg": 90, "vs_fpm": 0}


def encounter(case: Any, **intruder: Any) -> str:
    base = {"lat": 35.0, "lon": 39.2, "alt_ft": 20000, "gs_kt": 300, "trk_deg": 270, "vs_fpm": 0}
    base.update(intruder)
    return json.dumps({"case": case, "own": OWN, "intruder": base})


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_alert_json_lines_with_bad_lines_skipped(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "encounters.jsonl"
    lines = [
        encounter(1),  # head-on, 9.9 NM, closing 600 kt
        encounter(2, lat=35.5, alt_ft=25000, trk_deg=0),  # far and 5,000 ft above
        "{not json",
        json.dumps({"case": 4, "own": {**OWN, "lat": 95.0}, "intruder": OWN}),
        encounter(5, gs_kt="fast"),
        "",
        json.dumps({"case": 6, "own": OWN}),
        json.dumps([1, 2]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "alert", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout
    assert "Infinity" not in result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["case"] for r in records] == [1, 2]
    head_on, far = records
    assert head_on["level"] == 3
    assert head_on["level_name"] == "warning"
    assert 20.0 < head_on["time_to_lowc_s"] < 25.0
    assert head_on["caution"] is True
    assert head_on["dcpa_nm"] == pytest.approx(0.0, abs=1e-6)
    assert far["level"] == 0
    assert far["level_name"] == "none"
    assert far["time_to_lowc_s"] is None
    assert far["tau_mod_s"] is None
    assert far["tcoa_s"] is None
    expected = {
        "case",
        "level",
        "level_name",
        "time_to_lowc_s",
        "hmd_nm",
        "vmd_ft",
        "tcpa_s",
        "dcpa_nm",
        "tau_mod_s",
        "horizontal_sep_nm",
        "vertical_sep_ft",
        "horizontal_closure_rate_kt",
        "vertical_closure_rate_fpm",
        "time_to_lowc_preventive_s",
        "time_to_lowc_corrective_s",
        "time_to_lowc_warning_s",
        "caution",
        "time_to_caution_s",
        "range_rate_kt",
        "tcoa_s",
    }
    assert set(head_on) == expected
    err = result.stderr
    assert "line 3: (line): not valid JSON" in err
    assert "line 4: own.lat:" in err
    assert "line 5: intruder.gs_kt: must be a number" in err
    assert "line 7: intruder:" in err
    assert "line 8: (line): must be a JSON object" in err
    assert "5 bad lines skipped" in err
    assert "Traceback" not in result.output


def test_alert_table_output(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(encounter("alpha") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "alert", str(path)])
    assert result.exit_code == 0
    assert "alpha" in result.stdout
    assert "warn" in result.stdout


def test_alert_case_defaults_to_the_line_number(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "nocase.jsonl"
    path.write_text("\n" + json.dumps({"own": OWN, "intruder": OWN | {"lat": 35.3}}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "alert", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["case"] == 2


@pytest.mark.parametrize("content", ["", "{}\n", "garbage\n\n"])
def test_alert_exits_2_without_a_valid_line(runner: CliRunner, tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["tactical", "alert", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no valid encounter" in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_alert_exits_2_on_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["tactical", "alert", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = runner.invoke(app, ["tactical", "alert", str(binary)])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert isinstance(result.exception, SystemExit)


def track(id_: str, time: Any, **state: Any) -> str:
    base = {
        "id": id_,
        "party": "USA",
        "time": time,
        "lat": 35.0,
        "lon": 39.0,
        "alt_ft": 20000,
        "gs_kt": 400,
        "trk_deg": 90,
        "vs_fpm": 0,
    }
    base.update(state)
    return json.dumps(base)


def test_bands_json_lines(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    lines = [
        track("OWN", 90),
        track("OWN", 100),
        track("B", 95, party="RUS", lon=39.2, trk_deg=270, callsign="FLANKER1"),
        track("FAR", 100, party=None, lat=37.0, trk_deg=180),
        '{"id": "D", "time": 100, "lat": 36.0}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "bands", "OWN", str(path), "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["dimension"] for r in records] == ["heading", "vertical_speed", "altitude"]
    heading, vertical, altitude = records
    assert heading["ownship"] == "OWN"
    assert heading["time_s"] == 100.0
    assert heading["intruders"] == ["B"]
    assert heading["current"] == pytest.approx(90.0)
    for record, (lo, hi) in zip(records, [(0, 360), (-6000, 6000), (0, 60000)], strict=True):
        bands = record["bands"]
        assert bands[0]["lo"] == pytest.approx(lo)
        assert bands[-1]["hi"] == pytest.approx(hi)
        assert all(a["hi"] == pytest.approx(b["lo"]) for a, b in itertools.pairwise(bands))
    regions = {b["region"] for b in heading["bands"]}
    assert regions & {"warning", "corrective", "recovery"}
    assert vertical["unit"] == "fpm"
    assert altitude["unit"] == "ft"
    assert heading["recovery"] is None or isinstance(heading["recovery"]["possible"], bool)
    assert "line 5: lon: is missing" in result.stderr
    assert "NaN" not in result.stdout


def test_bands_table_output(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    path.write_text(track("OWN", 0) + "\n" + track("B", 0, lon=39.3, trk_deg=270) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "bands", "OWN", str(path)])
    assert result.exit_code == 0
    assert "heading" in result.stdout
    assert "altitude" in result.stdout
    assert "intruders: B" in result.stdout


def test_bands_exit_2_for_unknown_ownship_or_no_states(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tracks.jsonl"
    path.write_text(track("A", 0) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "bands", "NOBODY", str(path)])
    assert result.exit_code == 2
    assert "no track with id 'NOBODY'" in result.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("not json\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "bands", "A", str(empty)])
    assert result.exit_code == 2
    assert "line 1" in result.stderr
    assert "no valid track state" in result.stderr
    result = runner.invoke(app, ["tactical", "bands", "A", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_bands_alone_in_the_sky(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "alone.jsonl"
    path.write_text(track("OWN", 0) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tactical", "bands", "OWN", str(path), "--json"])
    assert result.exit_code == 0
    assert all(
        json.loads(line)["bands"] == [{"lo": b, "hi": e, "region": "none"}]
        for line, (b, e) in zip(
            result.stdout.splitlines(), [(0.0, 360.0), (-6000.0, 6000.0), (0.0, 60000.0)], strict=True
        )
    )


def test_help_lists_both_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tactical", "--help"])
    assert result.exit_code == 0
    assert "alert" in result.stdout
    assert "bands" in result.stdout


def test_docs_cover_every_command_and_setting() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for command in ("airparley tactical alert", "airparley tactical bands"):
        assert command in text
    for row in (*settings_doc(AlertingSettings), *settings_doc(BandsSettings)):
        assert re.search(rf"`{row.name}`", text), f"setting {row.name} is not documented"
        default = row.default
        if isinstance(default, float) and math.isfinite(default):
            assert f"{default:g}" in text or str(default) in text, row.name
