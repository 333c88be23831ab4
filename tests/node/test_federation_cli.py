"""Setting up federation from the command line: another party by its public key, peers, peer tokens."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from airparley.cli import app
from airparley.ledger import generate_key, public_key_to_text

runner = CliRunner()


def test_remote_parties_peers_and_peer_tokens(db_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    db = ["--db", db_url]
    assert runner.invoke(app, ["party", "add", "USA", "Coalition CAOC", *db, "--keys", str(keys)]).exit_code == 0
    rus_key = public_key_to_text(generate_key())
    added = runner.invoke(
        app,
        ["party", "add", "RUS", "Russian desk", "--language", "ru", "--public-key", rus_key, *db, "--keys", str(keys)],
    )
    assert added.exit_code == 0, added.output
    assert not (keys / "RUS.pem").exists()  # a node never makes a private key for a party it does not host
    assert sorted(p.name for p in keys.iterdir()) == ["USA.pem"]
    parties = {
        json.loads(line)["code"]: json.loads(line)
        for line in runner.invoke(app, ["party", "list", "--json", *db]).stdout.splitlines()
    }
    assert parties["RUS"]["public_key"] == rus_key
    bad_key = runner.invoke(app, ["party", "add", "TUR", "Turkish desk", "--public-key", "zz", *db])
    assert bad_key.exit_code == 2
    assert "public_key" in bad_key.stderr

    # The RUS node's operator issues this node a peer token there; here, the RUS node is made a peer.
    token = "ap_token-issued-by-the-rus-node"
    peer = ["peer", "add", "RUS", "http://127.0.0.1:9/", "--public-key", rus_key, "--token", token, *db]
    assert runner.invoke(app, peer).exit_code == 0
    again = runner.invoke(app, peer)
    assert again.exit_code == 2
    assert "already a peer" in again.stderr
    other_key = public_key_to_text(generate_key())
    for args, field in (
        (["peer", "add", "TUR", "http://x", "--public-key", other_key, "--token", "t"], "party"),
        (["peer", "add", "USA", "http://x", "--public-key", other_key, "--token", "t"], "public_key"),
    ):
        refused = runner.invoke(app, [*args, *db])
        assert refused.exit_code == 2
        assert f"{field}:" in refused.stderr
    assert runner.invoke(app, ["peer", "remove", "RUS", *db]).exit_code == 0
    bad_url = runner.invoke(app, ["peer", "add", "RUS", "ftp://x", "--public-key", rus_key, "--token", "t", *db])
    assert bad_url.exit_code == 2
    assert "url:" in bad_url.stderr
    assert runner.invoke(app, peer).exit_code == 0

    listed = runner.invoke(app, ["peer", "list", "--json", *db])
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["party"] == "RUS"
    assert row["url"] == "http://127.0.0.1:9"
    assert row["head_seq"] is None
    assert token not in listed.stdout  # a token is never printed
    assert token not in runner.invoke(app, ["peer", "list", *db]).stdout

    issued = runner.invoke(app, ["officer", "add", "RUS", "RUS node", "--tier", "peer", "--json", *db])
    assert issued.exit_code == 0, issued.output
    assert json.loads(issued.stdout)["tier"] == "peer"

    assert runner.invoke(app, ["ledger", "evidence", *db]).exit_code == 0  # nothing refused yet
    assert runner.invoke(app, ["peer", "remove", "RUS", *db]).exit_code == 0
    assert runner.invoke(app, ["peer", "remove", "RUS", *db]).exit_code == 2
    assert runner.invoke(app, ["peer", "list", *db]).stdout == ""
