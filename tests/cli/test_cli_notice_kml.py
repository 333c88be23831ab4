"""KML on the command line: ``notice export``, and ``notice validate`` and ``check`` reading KML like GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from airparley.cli import app
from airparley.strategic import parse_notices, parse_notices_kml

runner = CliRunner()


def test_export_validate_and_check_a_kml_file(syria_iraq_path: Path, tmp_path: Path) -> None:
    kml = tmp_path / "scene.kml"
    exported = runner.invoke(app, ["notice", "export", str(syria_iraq_path), "--format", "kml", "-o", str(kml)])
    assert exported.exit_code == 0, exported.output
    assert kml.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<kml ')
    validated = runner.invoke(app, ["notice", "validate", str(kml)])
    assert validated.exit_code == 0, validated.output
    assert "12 valid notice(s), 12 volume(s), parties: RUS, SYR, TUR, USA; 0 error(s)" in validated.stdout
    # The same conflicts, line for line, from the KML as from the GeoJSON it came from.
    from_kml = runner.invoke(app, ["check", str(kml), "--json"])
    from_geojson = runner.invoke(app, ["check", str(syria_iraq_path), "--json"])
    assert from_kml.exit_code == 0
    assert from_kml.stdout == from_geojson.stdout
    assert len(from_kml.stdout.splitlines()) == 5


def test_export_is_kml_by_default_and_geojson_on_request(syria_iraq_path: Path, tmp_path: Path) -> None:
    original = parse_notices(syria_iraq_path.read_text(encoding="utf-8"))
    shared = runner.invoke(app, ["notice", "export", str(syria_iraq_path)])
    assert shared.exit_code == 0
    assert parse_notices_kml(shared.stdout).notices == original.notices
    assert "mission" not in shared.stdout
    kml = tmp_path / "own.kml"
    kml.write_text(runner.invoke(app, ["notice", "export", str(syria_iraq_path), "--private"]).stdout)
    # KML back to GeoJSON, private parts kept: the notices and private parts the file started with.
    back = runner.invoke(app, ["notice", "export", str(kml), "--format", "geojson", "--private"])
    assert back.exit_code == 0, back.output
    again = parse_notices(back.stdout)
    assert again.notices == original.notices
    assert again.private == original.private
    # From standard input, told apart by content alone.
    piped = runner.invoke(app, ["notice", "validate", "-"], input=kml.read_text(encoding="utf-8"))
    assert "12 valid notice(s)" in piped.stdout


def test_bad_kml_is_reported_by_placemark_and_nothing_is_exported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.kml"
    bad.write_text(
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
        "<TimeSpan><begin>2026-11-26T02:00:00Z</begin><end>2026-11-26T04:00:00Z</end></TimeSpan>"
        '<ExtendedData><Data name="notice_id"><value>USA-1</value></Data><Data name="party"><value>USA</value></Data>'
        '<Data name="kind"><value>strike</value></Data><Data name="lower"><value>FL200</value></Data>'
        '<Data name="upper"><value>30000</value></Data></ExtendedData>'
        "<Point><coordinates>38.3,34.6</coordinates></Point></Placemark></Document></kml>"
    )
    validated = runner.invoke(app, ["notice", "validate", str(bad)])
    assert validated.exit_code == 2
    assert f"{bad}: placemark 0, notice USA-1: lower: must be JSON" in validated.stderr
    out = tmp_path / "out.geojson"
    exported = runner.invoke(app, ["notice", "export", str(bad), "--format", "geojson", "-o", str(out)])
    assert exported.exit_code == 2
    assert "nothing exported" in exported.stderr
    assert not out.exists()
    entity = tmp_path / "entity.kml"
    entity.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml>&x;</kml>')
    refused = runner.invoke(app, ["check", str(entity)])
    assert refused.exit_code == 2
    assert "(file): refused" in refused.stderr
    assert "root:" not in refused.output


def test_export_to_an_unwritable_place_is_a_clear_error(syria_iraq_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["notice", "export", str(syria_iraq_path), "-o", str(tmp_path / "no" / "x.kml")])
    assert result.exit_code == 2
    assert "No such file or directory" in result.stderr
    geojson = runner.invoke(app, ["notice", "export", str(syria_iraq_path), "--format", "geojson"]).stdout
    assert len(json.loads(geojson)["features"]) == 12
