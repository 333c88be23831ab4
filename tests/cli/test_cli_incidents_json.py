"""``tactical incidents --json`` writes each history from state texts made once: byte for byte the records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from airparley.cli import app
from airparley.cli._common import json_line
from airparley.cli._tactical import _incident_json_lines, _incident_record, _load_states
from airparley.geo import destination
from airparley.tactical import IncidentSettings, find_incidents

T0 = 1795662000.0


def _series(path: Path) -> Path:
    """Two head-on passes of the same pair, a repeated (id, time) row whose later copy must win, callsigns
    and sources on some states, a non-ASCII callsign."""
    lines = []
    for t in np.arange(-200.0, 200.0, 3.0):
        for track, party, bearing, extra in (
            ("USA-E3-1", "USA", 0.0, {"callsign": "SENTRY60", "source": "SENTRY60"}),
            ("RUS-SU35-1", "RUS", 90.0, {"callsign": "Сокол"} if t > 0 else {}),
        ):
            lon, lat = destination(38.27, 34.56, bearing if abs(t) % 150 < 75 else bearing + 180.0, abs(t % 150) / 10)
            when = T0 + float(t) + (0.25 if party == "RUS" else 0.0)
            stamp = np.datetime_as_string(np.datetime64(int(when * 1000), "ms"), unit="ms") + "Z"
            record = {"id": track, "party": party, "time": stamp, "lat": float(lat), "lon": float(lon)}
            record.update(alt_ft=29000.0, gs_kt=360.0, trk_deg=bearing, vs_fpm=0.0, **extra)
            lines.append(json.dumps(record, ensure_ascii=False))
            if t == -2.0:
                lines.append(json.dumps({**record, "lat": float(lat) + 0.001}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_incident_lines_are_the_records_byte_for_byte(tmp_path: Path) -> None:
    path = _series(tmp_path / "series.jsonl")
    settings = IncidentSettings(h_nm=2.0, v_ft=500.0)
    states = _load_states(path)
    incidents = find_incidents(states, settings)
    assert len(incidents) >= 2
    written = _incident_json_lines(states, incidents)
    assert written is not None
    lines = list(written)
    assert lines == [json_line(_incident_record(incident)) for incident in incidents]
    assert any("Сокол" in line for line in lines)  # written as it is, not escaped

    result = CliRunner().invoke(app, ["tactical", "incidents", str(path), "--json", "--h-nm", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == lines


def test_a_history_not_from_the_file_is_written_record_by_record(tmp_path: Path) -> None:
    path = _series(tmp_path / "series.jsonl")
    states = _load_states(path)
    incidents = find_incidents(states, IncidentSettings(h_nm=2.0))
    moved = states.replace(lat=states.lat + 0.01)  # the same ids and times, other positions
    assert _incident_json_lines(moved, incidents) is None
