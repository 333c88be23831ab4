"""``airparley agreement propose|sign|list|show`` against a real node."""

from __future__ import annotations

import json
from pathlib import Path

from node_support import Running
from typer.testing import CliRunner, Result

from airparley.cli import app

runner = CliRunner()


def _run(running: Running, desk: str, *args: str) -> Result:
    env = {"AIRPARLEY_URL": running.url, "AIRPARLEY_TOKEN": running.desk(desk).token}
    return runner.invoke(app, list(args), env=env)


def test_agreements_from_the_command_line(running: Running, tmp_path: Path) -> None:
    terms = tmp_path / "terms.json"
    terms.write_text(
        json.dumps({"frequencies": [{"name": "Deconfliction UHF", "mhz": 251.3}], "fallback": ["buffers"]})
    )
    proposed = _run(
        running, "tur_duty", "agreement", "propose", str(terms), "--party", "tur", "--party", "USA",
        "--start", "2026-11-26T00:00:00Z", "--id", "TUR-USA-1", "--title", "al-Bab annex", "--json",
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    view = json.loads(proposed.stdout)
    assert view["parties"] == ["TUR", "USA"]
    assert view["awaiting"] == ["USA"]
    listed = _run(running, "usa_duty", "agreement", "list")
    assert listed.exit_code == 0, listed.output
    assert "TUR-USA-1" in listed.stdout
    assert "1 version(s)" in listed.stdout
    before = _run(running, "usa_duty", "agreement", "show", "--between", "usa", "--between", "TUR")
    assert before.exit_code == 0, before.output
    assert "no agreement in force" in before.stdout
    signed = _run(running, "usa_duty", "agreement", "sign", "TUR-USA-1", "1")
    assert signed.exit_code == 0, signed.output
    assert "TUR-USA-1 v1 in_force: TUR-USA" in signed.stdout
    after = _run(running, "usa_duty", "agreement", "show", "--between", "USA", "--between", "TUR", "--json")
    terms_in_force = json.loads(after.stdout)
    assert terms_in_force["terms"]["buffers"]["source"] == "default"
    assert [f["mhz"] for f in terms_in_force["frequencies"]] == [121.5, 243.0, 251.3]
    shown = _run(running, "tur_duty", "agreement", "show", "TUR-USA-1")
    assert shown.exit_code == 0, shown.output
    assert "in_force" in shown.stdout
    # Refusals name the field and exit 2: signing twice, a party not named, bad terms, no id nor --between.
    twice = _run(running, "usa_duty", "agreement", "sign", "TUR-USA-1", "1")
    assert twice.exit_code == 2
    assert "version" in twice.stderr
    assert _run(running, "rus_duty", "agreement", "sign", "TUR-USA-1", "1").exit_code == 2
    terms.write_text(json.dumps({"buffers": {"lateral_nm": 0, "vertical_ft": 1000, "time_min": 10}}))
    bad = _run(running, "usa_duty", "agreement", "propose", str(terms), "--party", "USA", "--party", "RUS",
               "--start", "2026-11-26T00:00:00Z")  # fmt: skip
    assert bad.exit_code == 2
    assert "terms.buffers.lateral_nm" in bad.stderr
    neither = _run(running, "usa_duty", "agreement", "show")
    assert neither.exit_code == 2
    assert "AGREEMENT_ID" in neither.stderr
