"""A peer that serves a forged entry (bad signature) or an equivocating one (same seq, different body, validly
signed with the party's real key) is refused, and both are kept as evidence; the node's own ledger stays
intact and verifiable. And the federation routes open only to what they are for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from node_support import FedNode, Served, _free_port, wait_until
from palmyra import collection, feature, rus_strike, usa_strike
from typer.testing import CliRunner
from websockets.sync.client import connect

from airparley.cli import app
from airparley.errors import Equivocation
from airparley.ledger import Entry, Kind, append, check, generate_key, public_key_to_text

runner = CliRunner()
Make = Callable[..., list[FedNode]]


def _bad_peer(served: dict[str, list[str]]) -> FastAPI:
    """A node that claims to be USA's and serves whatever lines the test puts in ``served["lines"]``."""
    api = FastAPI()

    @api.get("/api/v1/ledger/{party}")
    def feed(party: str, after: int = -1, limit: int = 500) -> dict[str, Any]:
        lines = [line for line in served["lines"] if json.loads(line)["seq"] > after][:limit]
        return {"party": party, "after": after, "entries": lines}

    @api.post("/api/v1/ledger/hint", status_code=202)
    def hint() -> dict[str, Any]:
        return {}

    return api


def _notice(notice_id: str, lon: float) -> dict[str, Any]:
    return collection(
        feature(notice_id, "USA", {"type": "Point", "coordinates": [lon, 33.0]}, shape="circle", radius_nm=3)
    )


def _evidence(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get("/api/v1/ledger/evidence")
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def test_forged_and_equivocating_entries_are_refused_and_kept(fed_nodes: Make, tmp_path: Path) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    assert usa_node.node is not None
    assert rus_node.node is not None
    with usa_node.desk() as usa:
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        assert usa.post("/api/v1/notices", json=_notice("USA-0300", 44.0)).status_code == 201
    with usa_node.node.store.begin() as tx:
        real = tx.ledger_feed("USA")
    assert len(real) == 2

    def rus_has_usa_head() -> bool:
        assert rus_node.node is not None
        with rus_node.node.store.begin() as tx:
            head = tx.ledger_head("USA")
        return head is not None and head.to_json() == real[-1]

    wait_until(rus_has_usa_head, what="USA's two entries on the RUS node")

    # From now on, the RUS node's peer for USA is a liar (say, a compromised relay or USA's own node gone bad).
    served: dict[str, list[str]] = {"lines": list(real)}
    bad = Served(_bad_peer(served), _free_port())
    try:
        bad_url = f"http://127.0.0.1:{bad.server.config.port}"
        token = rus_node.tokens["peer@USA"]
        assert runner.invoke(app, ["peer", "remove", "USA", "--db", rus_node.db_url]).exit_code == 0
        added = runner.invoke(
            app,
            [
                "peer",
                "add",
                "USA",
                bad_url,
                "--public-key",
                usa_node.public_key,
                "--token",
                token,
                "--db",
                rus_node.db_url,
            ],
        )
        assert added.exit_code == 0, added.output
        usa_key = usa_node.key
        head, before_head = Entry.from_json(real[-1]), Entry.from_json(real[-2])

        # 1. A forged next entry: well formed, chained onto the real head, but not signed by USA's key.
        genuine = append(
            head, Kind.NOTICE_FILED, {"notice": _notice("USA-0666", 45.0)}, seen={}, now=head.time, signing_key=usa_key
        )
        flipped = genuine.sig[:-1] + ("0" if genuine.sig[-1] != "0" else "1")
        forged = Entry(
            genuine.party, genuine.seq, genuine.prev, genuine.time, genuine.kind, genuine.body, genuine.seen, flipped
        )
        served["lines"] = [*real, forged.to_json()]
        hint = {"party": "USA", "seq": forged.seq}
        with rus_node.desk() as rus, httpx.Client(base_url=rus_node.url, timeout=10) as peer:
            # The hint must come with a peer token the RUS node issued (the real USA node's, in this test).
            peer_auth = {"Authorization": f"Bearer {usa_node.tokens['peer@RUS']}"}
            assert peer.post("/api/v1/ledger/hint", json=hint, headers=peer_auth).status_code == 202
            (first,) = wait_until(lambda: _evidence(rus), what="the forged entry's evidence")
            assert first["kind"] == "forged"
            assert (first["party"], first["seq"]) == ("USA", forged.seq)
            assert first["line"] == forged.to_json()
            assert first["peer"] == "USA"
            assert first["url"] == bad_url

            # 2. Equivocation: a different USA#1, validly signed with USA's real key, served in place of the real.
            other = append(
                before_head,
                Kind.NOTICE_FILED,
                {"notice": _notice("USA-0777", 46.0)},
                seen={},
                now=head.time,
                signing_key=usa_key,
            )
            assert (other.seq, other.party) == (head.seq, head.party)
            assert other != head
            served["lines"] = [*real[:-1], other.to_json()]
            assert peer.post("/api/v1/ledger/hint", json=hint, headers=peer_auth).status_code == 202
            records = wait_until(lambda: _evidence(rus)[1:] and _evidence(rus), what="the equivocation's evidence")
            second = records[1]
            assert second["kind"] == "equivocation"
            assert second["line"] == other.to_json()
            assert second["other_line"] == real[-1]  # both entries kept
            # The pair is what the ledger itself calls equivocation: two validly signed entries at one seq.
            report = check([*map(Entry.from_json, real), Entry.from_json(second["line"])], {"USA": usa_node.public_key})
            assert any(isinstance(p.error, Equivocation) for p in report.problems)

            # Served again, the same lies are not recorded twice; nothing was accepted.
            assert peer.post("/api/v1/ledger/hint", json=hint, headers=peer_auth).status_code == 202
            wait_until(
                lambda: _peer_error(rus_node) is not None and "refused" in str(_peer_error(rus_node)),
                what="the peer's status",
            )
            assert len(_evidence(rus)) == 2
            assert rus_has_usa_head()
            assert _evidence(rus)[0]["kind"] == "forged"
            with usa_node.desk() as usa:
                assert _evidence(usa) == []  # the USA node was never lied to

            # 3. USA really signs a notice of RUS's: authentic, so it joins USA's feed, but it is not applied.
            odd = append(head, Kind.NOTICE_FILED, {"notice": rus_strike()}, seen={}, now=head.time, signing_key=usa_key)
            served["lines"] = [*real, odd.to_json()]
            assert peer.post("/api/v1/ledger/hint", json=hint, headers=peer_auth).status_code == 202
            third = wait_until(lambda: _evidence(rus)[2:], what="the unusable entry's evidence")[0]
            assert third["kind"] == "unusable_body"
            assert "body.notice.party" in third["reason"]
            with rus_node.node.store.begin() as tx:
                assert tx.ledger_entry("USA", odd.seq) == odd
                assert tx.notice("RUS-0201") is None
    finally:
        bad.stop()

    listed = runner.invoke(app, ["ledger", "evidence", "--db", rus_node.db_url])
    assert listed.exit_code == 1  # like `ledger verify`: 1 means something was found
    assert "forged" in listed.stdout
    assert "equivocation" in listed.stdout
    as_json = runner.invoke(app, ["ledger", "evidence", "--json", "--db", rus_node.db_url])
    kinds = [json.loads(line)["kind"] for line in as_json.stdout.splitlines()]
    assert kinds == ["forged", "equivocation", "unusable_body"]
    assert runner.invoke(app, ["ledger", "evidence", "--db", usa_node.db_url]).exit_code == 0

    exported = runner.invoke(app, ["ledger", "export", "--db", rus_node.db_url])
    path = tmp_path / "rus.jsonl"
    path.write_text(exported.stdout)
    verified = runner.invoke(app, ["ledger", "verify", str(path), "--db", rus_node.db_url])
    assert verified.exit_code == 0, verified.output


def _peer_error(node: FedNode) -> str | None:
    assert node.node is not None
    with node.node.store.begin() as tx:
        peer = tx.peer("USA")
    return None if peer is None else peer.last_error


def test_peer_tokens_open_the_feed_routes_only(fed_nodes: Make) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    peer_token = rus_node.tokens["peer@USA"]  # issued by the USA node to the RUS node
    with (
        usa_node.desk() as usa,
        httpx.Client(base_url=usa_node.url, headers={"Authorization": f"Bearer {peer_token}"}, timeout=10) as peer,
    ):
        assert usa.post("/api/v1/notices", json=usa_strike()).status_code == 201
        feed = peer.get("/api/v1/ledger/USA", params={"after": -1, "limit": 10})
        assert feed.status_code == 200
        (line,) = feed.json()["entries"]
        assert Entry.from_json(line).kind is Kind.NOTICE_FILED
        assert "TGT-4471" not in line  # only the shared part is ever in an entry
        assert feed.json()["head"] == 0  # the feed's newest seq: how far a puller has to go (catch-up progress)
        assert peer.get("/api/v1/ledger/USA", params={"after": 0}).json()["entries"] == []
        # A node publishes only the feeds it signs.
        assert peer.get("/api/v1/ledger/RUS").status_code == 404
        assert peer.get("/api/v1/ledger/USA", params={"after": -2}).status_code == 422
        assert peer.get("/api/v1/ledger/USA", params={"limit": 0}).status_code == 422
        # A peer token opens no officer route...
        for path in ("/api/v1/me", "/api/v1/parties", "/api/v1/notices", "/api/v1/events", "/api/v1/ledger/evidence"):
            assert peer.get(path).status_code == 401, path
        ws = usa_node.url.replace("http://", "ws://") + "/api/v1/events"
        with (
            pytest.raises(Exception, match=r"403|4401"),  # refused at the handshake
            connect(ws, additional_headers={"Authorization": f"Bearer {peer_token}"}, open_timeout=5) as socket,
        ):
            socket.recv(timeout=2)
        # ...and an officer's token no feed route.
        assert usa.get("/api/v1/ledger/USA").status_code == 401
        assert usa.post("/api/v1/ledger/hint", json={"party": "RUS", "seq": 0}).status_code == 401
        assert httpx.get(f"{usa_node.url}/api/v1/ledger/USA").status_code == 401
        # Hints: for a party that is a peer here only, with a well-formed body.
        assert peer.post("/api/v1/ledger/hint", json={"party": "RUS", "seq": 3}).status_code == 202
        assert peer.post("/api/v1/ledger/hint", json={"party": "TUR", "seq": 3}).status_code == 404
        assert peer.post("/api/v1/ledger/hint", json={"party": "rus", "seq": 3}).status_code == 422
        assert peer.post("/api/v1/ledger/hint", json={"party": "RUS", "seq": -1}).status_code == 422
        assert _evidence(usa) == []
    with usa_node.desk("observer") as observer:
        assert _evidence(observer) == []


def test_a_rotated_key_signs_what_follows_and_the_old_one_no_longer_does(fed_nodes: Make) -> None:
    usa_node, rus_node = fed_nodes("USA", "RUS")
    assert rus_node.node is not None
    served: dict[str, list[str]] = {"lines": []}
    fake = Served(_bad_peer(served), _free_port())
    try:
        url = f"http://127.0.0.1:{fake.server.config.port}"
        token = rus_node.tokens["peer@USA"]
        runner.invoke(app, ["peer", "remove", "USA", "--db", rus_node.db_url])
        args = ["peer", "add", "USA", url, "--public-key", usa_node.public_key, "--token", token]
        assert runner.invoke(app, [*args, "--db", rus_node.db_url]).exit_code == 0
        old, new = usa_node.key, generate_key()
        now = usa_node.clock()
        first = append(
            "USA", Kind.NOTICE_FILED, {"notice": _notice("USA-0400", 44.0)}, seen={}, now=now, signing_key=old
        )
        body = {"public_key": public_key_to_text(new), "reason": "scheduled"}
        rotated = append(first, Kind.KEY_ROTATED, body, seen={}, now=now, signing_key=old)
        after = append(
            rotated, Kind.NOTICE_FILED, {"notice": _notice("USA-0401", 45.0)}, seen={}, now=now, signing_key=new
        )
        served["lines"] = [first.to_json(), rotated.to_json(), after.to_json()]
        hint = {"party": "USA", "seq": 2}
        with httpx.Client(base_url=rus_node.url, timeout=10) as peer, rus_node.desk() as rus:
            auth = {"Authorization": f"Bearer {usa_node.tokens['peer@RUS']}"}
            assert peer.post("/api/v1/ledger/hint", json=hint, headers=auth).status_code == 202
            wait_until(lambda: _head_seq(rus_node) == 2, what="the three entries across the rotation")
            assert rus_node.node is not None
            with rus_node.node.store.begin() as tx:
                assert tx.notice("USA-0401") is not None  # applied: signed by the announced key
            # Signed by the retired key: a forgery now, even though that key once was USA's.
            stale = append(
                after, Kind.NOTICE_FILED, {"notice": _notice("USA-0402", 46.0)}, seen={}, now=now, signing_key=new
            )
            forged = Entry(
                stale.party,
                stale.seq,
                stale.prev,
                stale.time,
                stale.kind,
                stale.body,
                stale.seen,
                _sign_with(old, stale),
            )
            served["lines"] = [after.to_json(), forged.to_json()]
            assert peer.post("/api/v1/ledger/hint", json={"party": "USA", "seq": 3}, headers=auth).status_code == 202
            (record,) = wait_until(lambda: _evidence(rus), what="the stale-key entry's evidence")
            assert record["kind"] == "forged"
            assert _head_seq(rus_node) == 2
    finally:
        fake.stop()


def _sign_with(key: Ed25519PrivateKey, entry: Entry) -> str:
    return key.sign(entry.signed_bytes).hex()


def _head_seq(node: FedNode) -> int | None:
    assert node.node is not None
    with node.node.store.begin() as tx:
        head = tx.ledger_head("USA")
    return None if head is None else head.seq
