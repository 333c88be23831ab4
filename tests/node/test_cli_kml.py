"""KML against a real node: ``notice file`` and ``notice revise`` take KML, ``notice export`` writes a party's own."""

from __future__ import annotations

import json
from pathlib import Path

from node_support import Running
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.strategic import notices_to_kml, parse_notices_data, parse_notices_kml

runner = CliRunner()


def _run(running: Running, desk: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def _kml(document: dict[str, object]) -> str:
    parsed = parse_notices_data(document)
    assert parsed.ok, parsed.errors
    return notices_to_kml(parsed.notices, parsed.private)


def test_a_desk_files_and_revises_kml_and_exports_its_notices_as_kml(running: Running, tmp_path: Path) -> None:
    usa, rus = tmp_path / "usa.kml", tmp_path / "rus.geojson"
    usa.write_text(_kml(usa_strike()), encoding="utf-8")
    rus.write_text(json.dumps(rus_strike()), encoding="utf-8")
    filed = _run(running, "usa_duty", "notice", "file", str(usa), "--json")
    assert filed.exit_code == 0, filed.output
    assert json.loads(filed.stdout)["notice"]["notice_id"] == "USA-0101"
    raised = _run(running, "rus_duty", "notice", "file", str(rus), "--json")
    assert len(json.loads(raised.stdout)["conflicts"]) == 1  # the KML circle is the circle the node checks

    exported = _run(running, "usa_duty", "notice", "export", "--format", "kml")
    assert exported.exit_code == 0, exported.output
    own = parse_notices_kml(exported.stdout)
    assert [n.notice_id for n in own.notices] == ["USA-0101"]
    assert own.private == {}
    with_private = parse_notices_kml(_run(running, "usa_duty", "notice", "export", "--private").stdout)
    assert with_private.private["USA-0101"]["mission"] == "Interdiction of a supply depot"
    assert with_private.notices == own.notices

    higher = tmp_path / "higher.kml"
    higher.write_text(
        _kml(usa_strike(lower={"value": 320, "ref": "FL"}, upper={"value": 350, "ref": "FL"})), encoding="utf-8"
    )
    revised = _run(running, "usa_duty", "notice", "revise", "USA-0101", str(higher))
    assert "USA-0101 v2 filed: 0 conflict(s)" in revised.stdout


def test_kml_that_cannot_be_read_is_stopped_before_the_node(running: Running, tmp_path: Path) -> None:
    bad = tmp_path / "bad.kml"
    bad.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark/></Document></kml>')
    refused = _run(running, "usa_duty", "notice", "file", str(bad))
    assert refused.exit_code == 2
    assert "placemark 0: ExtendedData: missing" in refused.stderr
    assert json.loads(_run(running, "usa_duty", "notice", "list", "--json").stdout)["features"] == []
