"""Replacing the key of a party that has signed entries is a signed key rotation (issue 14): the new key is
announced in the party's own feed, so a peer and a verifier holding only its first key follow the chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from node_support import FedNode, wait_until
from palmyra import rus_strike, usa_strike
from typer.testing import CliRunner

from airparley.cli import app
from airparley.errors import InvalidInput
from airparley.ledger import (
    Entry,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_text,
    public_key_to_text,
)
from airparley.node import Node
from airparley.store import Store

runner = CliRunner()


def signature_valid(key: Ed25519PublicKey, signed: bytes, sig: str) -> bool:
    try:
        key.verify(bytes.fromhex(sig), signed)
    except InvalidSignature:
        return False
    return True


def _feed(node: FedNode, party: str) -> list[Entry]:
    store = Store.open(node.db_url)
    try:
        with store.begin() as tx:
            return [Entry.from_json(line) for line in tx.ledger_feed(party)]
    finally:
        store.close()


def test_a_replaced_key_is_announced_and_followed(fed_nodes: Callable[..., list[FedNode]], tmp_path: Path) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / "USA.pem").write_bytes(private_key_to_pem(usa_node.key))
    first_key = usa_node.public_key
    with usa_node.desk() as usa, rus_node.desk() as rus:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        assert rus.post("/api/v1/notices", json=rus_strike()).status_code == 201
    wait_until(lambda: len(_feed(rus_node, "USA")) == 1, what="USA's notice on the RUS node")
    wait_until(lambda: len(_feed(usa_node, "RUS")) == 1, what="RUS's notice on the USA node")
    usa_node.stop()

    # Without --force the key file stays, and the refusal says what --force will do.
    refused = runner.invoke(app, ["keys", "generate", "USA", "--keys", str(keys), "--db", usa_node.db_url])
    assert refused.exit_code == 2
    assert "key.rotated" in refused.stderr
    assert "--force" in refused.stderr
    rotated = runner.invoke(
        app, ["keys", "generate", "USA", "--keys", str(keys), "--db", usa_node.db_url, "--force", "--json"]
    )
    assert rotated.exit_code == 0, rotated.output
    shown = json.loads(rotated.stdout)
    new_key = private_key_from_pem((keys / "USA.pem").read_bytes())
    assert shown["public_key"] == public_key_to_text(new_key) != first_key
    assert shown["rotated"]["seq"] == 1
    assert not (keys / "USA.pem.new").exists()
    announcement = _feed(usa_node, "USA")[-1]
    assert announcement.kind.value == "key.rotated"
    assert announcement.body["public_key"] == shown["public_key"]
    assert signature_valid(public_key_from_text(first_key), announcement.signed_bytes, announcement.sig)
    store = Store.open(usa_node.db_url)
    try:
        with store.begin() as tx:  # the registered key stays the first key: verifiers pin that one
            party = tx.party("USA")
            assert party is not None
            assert party.public_key == first_key
        with pytest.raises(InvalidInput, match="not the one in force"):
            Node(store, usa_node.settings, usa_node.clock, keys={"USA": usa_node.key})
    finally:
        store.close()

    # The node signs under the new key; the RUS node accepts the rotation and what follows it.
    usa_node.key = new_key
    usa_node.start()
    with usa_node.desk() as usa:
        sent = usa.post("/api/v1/messages", json={"recipients": ["RUS"], "template": "stand_by"})
        assert sent.status_code == 201, sent.text

    def message_arrived() -> list[Entry] | None:
        feed = _feed(rus_node, "USA")
        return feed if feed[-1].kind.value == "message.sent" else None

    replicated = wait_until(message_arrived, what="USA's message on the RUS node")
    assert [e.kind.value for e in replicated] == ["notice.filed", "key.rotated", "message.sent"]
    after = replicated[-1]
    assert signature_valid(new_key.public_key(), after.signed_bytes, after.sig)
    assert not signature_valid(public_key_from_text(first_key), after.signed_bytes, after.sig)

    for node in (usa_node, rus_node):  # each node's export verifies under the first keys it registered
        exported = runner.invoke(app, ["ledger", "export", "--db", node.db_url])
        assert exported.exit_code == 0, exported.output
        path = tmp_path / f"{node.party}.jsonl"
        path.write_text(exported.stdout)
        verified = runner.invoke(app, ["ledger", "verify", str(path), "--db", node.db_url])
        assert verified.exit_code == 0, verified.output
        assert "key.rotated" in exported.stdout

    # A node without the key in force cannot announce a new one: RUS's feed here is RUS's node's to rotate.
    lost = runner.invoke(app, ["keys", "generate", "RUS", "--keys", str(keys), "--db", usa_node.db_url, "--force"])
    assert lost.exit_code == 2
    assert "holds no key file" in lost.stderr
    assert not (keys / "RUS.pem").exists()
