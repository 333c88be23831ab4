"""Disclosed incident records across nodes: fetched from the recorder's node once a disclosure names a party
this node hosts (the rule: ``node/_incidents.py``). Called by the federation puller after each pull of a peer."""

from __future__ import annotations

import logging
from typing import Final

import httpx
from starlette.concurrency import run_in_threadpool

from airparley.errors import InvalidInput
from airparley.ledger import Entry
from airparley.node._core import Node
from airparley.store import Peer

__all__ = ["fetch_disclosed"]

_log = logging.getLogger("airparley.federation")

#: A fetch that takes longer than this fails; the next pull round tries again.
_FETCH_TIMEOUT_S: Final = 10.0


async def fetch_disclosed(node: Node, client: httpx.AsyncClient, peer: Peer) -> int:
    """Fetch and keep every record ``peer``'s party disclosed to a hosted party that this node lacks; returns
    how many were kept. A record that cannot be fetched is asked for again after the next pull; one that
    does not match the signed entries is refused (logged) and not kept."""

    def pending() -> dict[str, list[Entry]]:
        with node.store.begin() as tx:
            return node.incidents.pending(tx, peer.party)

    kept = 0
    for incident_id, disclosures in (await run_in_threadpool(pending)).items():
        try:
            response = await client.get(
                f"{peer.url}/api/v1/federation/incidents/{incident_id}",
                headers={"Authorization": f"Bearer {peer.token}"},
                timeout=_FETCH_TIMEOUT_S,
            )
            response.raise_for_status()
            record = response.json()
        except (httpx.HTTPError, ValueError) as error:
            _log.info("fetching %s's disclosed %s failed: %s: %s", peer.party, incident_id, type(error).__name__, error)
            continue

        def accept(record: object = record, incident_id: str = incident_id, found: list[Entry] = disclosures) -> None:
            with node.write() as tx:
                node.incidents.accept_disclosed(tx, peer.party, incident_id, record, found, node.clock())

        try:
            await run_in_threadpool(accept)
        except InvalidInput as error:
            _log.warning("%s's disclosed %s refused: %s: %s", peer.party, incident_id, error.field, error.reason)
            continue
        kept += 1
    return kept
