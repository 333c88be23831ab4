"""``--json`` on every command that prints data (issue 19 item 2).

A walk over every command of the CLI: each takes ``--json``, or is named in ``NO_JSON`` with the reason it
needs none (its output already is a data format, or it prints no data). The offline commands that gained
``--json`` are then run and each line they print must be one JSON value; those that talk to a node are run
against a real one in ``tests/node/test_cli_desk.py`` and the other ``tests/node/test_cli_*.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
import typer.main
from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import generate_key, public_key_to_text

runner = CliRunner()

#: Commands without --json, and why none is needed. A command added later must take --json or be named here.
NO_JSON: dict[str, str] = {
    "demo": "a live demo for a person at a terminal (URLs, login tokens, the scenario's log); "
    "--headless prints its summary as a JSON document",
    "ingest aircraft-json": "writes track states as JSON lines (--out) or posts them to a node; tallies on stderr",
    "ingest csv": "writes track states as JSON lines (--out) or posts them to a node; tallies on stderr",
    "ingest opensky": "writes track states as JSON lines (--out) or posts them to a node; tallies on stderr",
    "ingest sbs": "writes track states as JSON lines (--out) or posts them to a node; tallies on stderr",
    "ingest tracks": "posts a track file to a node (or rewrites it with --out); tallies on stderr",
    "ledger export": "its output is the ledger itself, as JSON lines",
    "ledger keys": "its output is a JSON object of the parties' public keys",
    "notice export": "its output is a GeoJSON or KML document",
    "serve": "runs a node; prints only its log",
    "sim run": "drives a node; its report goes to stderr (--virtual-time prints a JSON summary)",
    "sim tracks": "its output is track states as JSON lines",
}


def _commands(group: Any, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        # typer may bundle its own click, so its groups need not be this click's Group: duck-type.
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def _json_option(command: click.Command) -> click.Parameter | None:
    return next((p for p in command.params if "--json" in getattr(p, "opts", ())), None)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_takes_json_or_says_why_not(path: str, command: click.Command) -> None:
    option = _json_option(command)
    if path in NO_JSON:
        assert option is None, f"`airparley {path}` takes --json now: drop it from NO_JSON"
        return
    assert option is not None, f"`airparley {path}` prints data but takes no --json (or add it to NO_JSON, why)"


def test_no_exemption_names_a_command_that_does_not_exist() -> None:
    assert set(NO_JSON) <= {path for path, _ in COMMANDS}


def _lines(output: str) -> list[Any]:
    lines = output.splitlines()
    assert lines, "printed nothing"
    return [json.loads(line) for line in lines]


def _run(*args: str, code: int = 0) -> list[Any]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return _lines(result.stdout)


def test_staffing_a_node_in_json_lines(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "node.db")]
    keys = ["--keys", str(tmp_path / "keys")]
    (usa,) = _run("party", "add", "USA", "Coalition CAOC", *db, *keys, "--json")
    assert usa["code"] == "USA"
    assert len(usa["public_key"]) == 64
    assert usa["key_file"].endswith("USA.pem")
    rus_key = public_key_to_text(generate_key())
    (rus,) = _run("party", "add", "RUS", "Russian desk", "--language", "ru", "--public-key", rus_key, *db, "--json")
    assert rus == {"code": "RUS", "name": "Russian desk", "language": "ru", "public_key": rus_key, "key_file": None}
    (added,) = _run("officer", "add", "USA", "Col. Smith", *db, "--json")
    _run("officer", "add", "USA", "Maj. Jones", "--tier", "observer", *db, "--json")
    officers = _run("officer", "list", "--party", "USA", *db, "--json")
    assert {o["name"] for o in officers} == {"Col. Smith", "Maj. Jones"}
    assert all("token" not in o for o in officers)
    assert _run("officer", "revoke", added["id"], *db, "--json") == [{"officer_id": added["id"], "revoked": True}]
    (peer,) = _run(
        "peer", "add", "RUS", "http://127.0.0.1:9", "--public-key", rus_key, "--token", "t" * 40, *db, "--json"
    )
    assert peer["party"] == "RUS"
    assert "token" not in peer
    assert _run("peer", "remove", "RUS", *db, "--json") == [{"party": "RUS", "removed": True}]
    (key,) = _run("keys", "generate", "USA", "--force", *db, *keys, "--json")
    assert key["party"] == "USA"
    assert key["public_key"] != usa["public_key"]
    assert [p["public_key"] for p in _run("party", "list", *db, "--json") if p["code"] == "USA"] == [key["public_key"]]


def test_validating_notices_in_json(tmp_path: Path) -> None:
    good = tmp_path / "good.geojson"
    good.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[38.0, 34.0], [38.5, 34.0], [38.5, 34.5], [38.0, 34.5], [38.0, 34.0]]],
                        },
                        "properties": {
                            "notice_id": "USA-0101",
                            "party": "USA",
                            "kind": "strike",
                            "lower": {"value": 200, "ref": "FL"},
                            "upper": {"value": 300, "ref": "FL"},
                            "start": "2026-11-26T01:00:00Z",
                            "end": "2026-11-26T03:00:00Z",
                        },
                    }
                ],
            }
        )
    )
    (result,) = _run("notice", "validate", str(good), "--json")
    assert result == {"file": str(good), "notices": 1, "volumes": 1, "parties": ["USA"], "errors": []}
    bad = tmp_path / "bad.geojson"
    bad.write_text(good.read_text().replace('"strike"', '"picnic"'))
    (refused,) = _run("notice", "validate", str(bad), "--json", code=2)
    assert refused["notices"] == 0
    assert [e["field"] for e in refused["errors"]] == ["kind"]
    assert refused["errors"][0]["reason"]


def test_verifying_a_qualification_report_in_json(tmp_path: Path) -> None:
    from airparley.qualify import SCHEMA, sign_report

    key = generate_key()
    public = public_key_to_text(key)
    report = sign_report({"schema": SCHEMA, "run": {"id": "run-1"}, "summary": {"outcome": "pass"}}, key)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    assert _run("qualify", "verify", str(path), "--key", public, "--json") == [
        {"ok": True, "run": "run-1", "outcome": "pass", "key": public, "error": None}
    ]
    report["summary"]["outcome"] = "fail"
    path.write_text(json.dumps(report))
    (failed,) = _run("qualify", "verify", str(path), "--key", public, "--json", code=1)
    assert failed["ok"] is False
    assert "changed after signing" in failed["error"]
