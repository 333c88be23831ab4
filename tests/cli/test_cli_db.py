"""The one meaning of ``--db`` (issue 13): a URL, or a bare path taken as an SQLite file, in every command;
a database that cannot be opened is one line on stderr naming it, and exit 2, never a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from airparley.cli import app
from airparley.cli._common import database_url

runner = CliRunner()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))  # type: ignore[arg-type]
        else:
            found.append((path, command))
    return found


WITH_DB = [path for path, c in _commands(typer.main.get_command(app)) if any("--db" in p.opts for p in c.params)]  # type: ignore[arg-type]

# What each command needs besides --db to reach its database (files are made in the test's folder).
KEY = "a" * 64
ARGS: dict[str, list[str]] = {
    "case report": ["case-1"],
    "demo": ["--headless"],
    "keys generate": ["USA", "--keys", "{tmp}/keys"],
    "ledger evidence": [],
    "ledger export": [],
    "ledger keys": [],
    "ledger show": [],
    "ledger verify": ["{tmp}/empty.jsonl"],
    "officer add": ["USA", "Col. Smith"],
    "officer list": [],
    "officer revoke": ["some-officer"],
    "party add": ["USA", "Coalition", "--keys", "{tmp}/keys"],
    "party list": [],
    "peer add": ["RUS", "http://127.0.0.1:1", "--public-key", KEY, "--token", "t"],
    "peer list": [],
    "peer remove": ["RUS"],
    "replay": ["--at", "2026-11-26T03:05:00Z", "--party", "USA"],
    "serve": ["--keys", "{tmp}/keys"],
    "sim run": ["--virtual-time"],
}

BAD = {
    "a folder that does not exist": "{tmp}/no/such/folder/x.db",
    "a directory": "{tmp}",
    "a URL of no database": "garbage://x",
    "an unreachable PostgreSQL": "postgresql://nobody@127.0.0.1:1/airparley",
}


def test_every_command_with_db_is_covered() -> None:
    assert set(WITH_DB) == set(ARGS), "a command gained or lost --db: list its arguments in ARGS"


def test_database_url_takes_a_url_or_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url(str(tmp_path / "n.db")) == f"sqlite:///{tmp_path / 'n.db'}"
    monkeypatch.chdir(tmp_path)
    assert database_url("rel.db") == f"sqlite:///{tmp_path / 'rel.db'}"


@pytest.mark.parametrize("what", list(BAD))
@pytest.mark.parametrize("path", sorted(ARGS))
def test_a_bad_database_is_one_line_and_exit_2(path: str, what: str, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "keys").mkdir()
    args = [a.format(tmp=tmp_path) for a in [*path.split(), *ARGS[path]]]
    if path == "sim run":
        args.insert(2, str(Path(__file__).resolve().parents[2] / "src/airparley/sim/scenarios/syria-iraq.yaml"))
    db = BAD[what].format(tmp=tmp_path)
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert db in lines[0]
    assert "Traceback" not in result.output
    if path == "keys generate":
        assert not (tmp_path / "keys" / "USA.pem").exists()  # no key is left that no database knows of


def test_a_bare_path_is_an_sqlite_file_in_every_node_command(tmp_path: Path) -> None:
    db = tmp_path / "node.db"
    added = runner.invoke(app, ["party", "add", "USA", "Coalition", "--keys", str(tmp_path / "keys"), "--db", str(db)])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["party", "list", "--db", f"sqlite:///{db}"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith("USA\ten\tCoalition")
    with sqlite3.connect(db) as connection:
        assert connection.execute("select code from parties").fetchall() == [("USA",)]


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "ledger", "export", "--db", str(tmp_path / "no" / "x.db")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"error: --db {tmp_path / 'no' / 'x.db'}: ")
    assert "no such folder" in done.stderr
