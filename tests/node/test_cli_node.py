"""Staffing a node from the command line: parties with their keys, officers with their tokens."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import private_key_from_pem, public_key_to_text
from airparley.store import Store

runner = CliRunner()


def test_parties_keys_and_officers(db_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    common = ["--db", db_url]
    added = runner.invoke(
        app, ["party", "add", "USA", "Coalition CAOC", "--language", "en", *common, "--keys", str(keys)]
    )
    assert added.exit_code == 0, added.output
    key_file = keys / "USA.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = public_key_to_text(private_key_from_pem(key_file.read_bytes()))
    listed = [json.loads(line) for line in runner.invoke(app, ["party", "list", "--json", *common]).stdout.splitlines()]
    assert listed == [{"code": "USA", "name": "Coalition CAOC", "language": "en", "public_key": public}]
    again = runner.invoke(app, ["party", "add", "USA", "x", *common, "--keys", str(keys)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    officer = runner.invoke(app, ["officer", "add", "USA", "Col. Smith", "--tier", "duty", "--json", *common])
    token = json.loads(officer.stdout)["token"]
    store = Store.open(db_url)
    with store.begin() as tx:
        assert tx.officer_by_token(token) is not None
    store.close()
    assert "Col. Smith" in runner.invoke(app, ["officer", "list", *common]).stdout
    bad = runner.invoke(app, ["officer", "add", "USA", "Gen. X", "--tier", "general", *common])
    assert bad.exit_code == 2
    assert "unknown tier" in bad.stderr
    officer_id = json.loads(officer.stdout)["id"]
    assert runner.invoke(app, ["officer", "revoke", officer_id, *common]).exit_code == 0
    assert runner.invoke(app, ["officer", "revoke", "nobody", *common]).exit_code == 2
    generated = runner.invoke(app, ["keys", "generate", "RUS", "--keys", str(keys), *common])
    assert generated.exit_code == 0
    assert len(generated.stdout.strip()) == 64
    refused = runner.invoke(app, ["keys", "generate", "RUS", "--keys", str(keys), *common])
    assert refused.exit_code == 2
