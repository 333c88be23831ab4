"""The qualification config: which nodes, whose tokens, and the settings the nodes were started with.

A YAML or JSON file::

    nodes:                      # one node, or two federated nodes (one per party)
      A: http://127.0.0.1:8787
    parties:                    # at least two parties, each with a token of every tier, on its node
      USA: {node: A, duty: ap_..., senior: ap_..., observer: ap_..., sensor: ap_...}
      RUS: {node: A, duty: ap_..., senior: ap_..., observer: ap_..., sensor: ap_...}
    peer: {node: A, token: ap_...}           # a peer-tier token that node A accepts (federation routes)
    public_keys: {USA: 64 hex, RUS: 64 hex}  # the parties' first keys, to verify their feeds (optional)
    settings: {ring_interval_s: 1, ...}      # what the nodes were started with (node and hotline settings)
    max_wait_s: 60                           # a scenario that would wait longer is skipped, with the reason
    hostile_peer: {party: SYR, listen: 127.0.0.1:8799}  # optional: a peer of node A the suite plays (FED-004)
    key: report-key.pem                      # Ed25519 private key (PEM) that signs the report (or --key)

Tokens are secrets: they are never written to the report. Every value is checked when the file is read, and
a bad one is an :class:`~airparley.errors.InvalidInput` naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from airparley.errors import InvalidInput

__all__ = ["DEFAULT_SETTINGS", "TIERS", "Officers", "QualifyConfig", "load_config", "parse_config"]

TIERS: Final = ("duty", "senior", "observer", "sensor")

#: The settings the suite reads, with the node's defaults (node/_settings.py, hotline/_settings.py): a config
#: declares the values its nodes were started with; an omitted one is taken to be the default.
DEFAULT_SETTINGS: Final[Mapping[str, float]] = {
    "lateral_nm": 5.0,
    "vertical_ft": 1000.0,
    "time_min": 10.0,
    "max_body_bytes": 1_048_576,
    "rate_per_s": 20.0,
    "rate_burst": 200,
    "scheduler_interval_s": 1.0,
    "auth_cache_s": 5.0,
    "peer_poll_s": 10.0,
    "scan_gather_s": 0.1,
    "non_response_s": 180.0,
    "ring_interval_s": 60,
    "escalate_after_s": 180,
    "response_deadline_s": 900,
    "urgent_response_deadline_s": 180,
}

_PARTY = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_NODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Officers:
    """One party: the node that hosts it and a token of each officer tier."""

    party: str
    node: str
    tokens: Mapping[str, str]


@dataclass(frozen=True)
class QualifyConfig:
    nodes: Mapping[str, str]
    parties: tuple[Officers, ...]
    peer_node: str
    peer_token: str
    public_keys: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    max_wait_s: float = 60.0
    key_path: Path | None = None
    hostile_party: str | None = None
    hostile_listen: tuple[str, int] | None = None

    def setting(self, name: str) -> float:
        return float(self.settings[name])

    @property
    def federated(self) -> bool:
        return len({p.node for p in self.parties}) > 1

    def declared(self) -> dict[str, Any]:
        """What the report records of the config: nodes, parties, settings; never a token."""
        return {
            "nodes": dict(self.nodes),
            "parties": {p.party: {"node": p.node} for p in self.parties},
            "peer": {"node": self.peer_node},
            "public_keys": dict(self.public_keys),
            "settings": dict(self.settings),
            "max_wait_s": self.max_wait_s,
            "hostile_peer": (
                {"party": self.hostile_party, "listen": f"{self.hostile_listen[0]}:{self.hostile_listen[1]}"}
                if self.hostile_listen
                else None
            ),
        }


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(name, "must be a mapping")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(name, "must be a non-empty string")
    return value.strip()


def _url(value: Any, name: str) -> str:
    url = _text(value, name).rstrip("/")
    if not re.match(r"^https?://[^/\s]+$", url):
        raise InvalidInput(name, f"must be a node's base URL (http://host:port), got {url!r}")
    return url


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or value != value:
        raise InvalidInput(name, f"must be a positive number, got {value!r}")
    return float(value)


def parse_config(data: Any, base: Path | None = None) -> QualifyConfig:
    """A config from its parsed YAML/JSON; relative paths (``key``) are read from ``base``."""
    top = _mapping(data, "config")
    unknown = set(top) - {"nodes", "parties", "peer", "public_keys", "settings", "max_wait_s", "key", "hostile_peer"}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a config field")
    nodes = {_text(k, "nodes"): _url(v, f"nodes.{k}") for k, v in _mapping(top.get("nodes"), "nodes").items()}
    if not 1 <= len(nodes) <= 2 or not all(_NODE.match(n) for n in nodes):
        raise InvalidInput("nodes", "must name one or two nodes (names of letters, digits, _ and -)")
    parties: list[Officers] = []
    for code, entry in _mapping(top.get("parties"), "parties").items():
        where = f"parties.{code}"
        if not isinstance(code, str) or not _PARTY.match(code):
            raise InvalidInput(where, "a party code is 2-8 capital letters and digits, starting with a letter")
        entry = _mapping(entry, where)
        node = entry.get("node", next(iter(nodes)) if len(nodes) == 1 else None)
        if node not in nodes:
            raise InvalidInput(f"{where}.node", f"must be one of the nodes ({', '.join(nodes)})")
        extra = set(entry) - {"node", *TIERS}
        if extra:
            raise InvalidInput(f"{where}.{sorted(extra)[0]}", "is not a tier (duty, senior, observer, sensor)")
        tokens = {tier: _text(entry.get(tier), f"{where}.{tier}") for tier in TIERS}
        parties.append(Officers(code, str(node), tokens))
    if len(parties) < 2:
        raise InvalidInput("parties", "must name at least two parties")
    if len(nodes) == 2 and {p.node for p in parties} != set(nodes):
        raise InvalidInput("parties", "with two nodes, each node must host one of the parties")
    peer = _mapping(top.get("peer"), "peer")
    peer_node = peer.get("node", next(iter(nodes)) if len(nodes) == 1 else None)
    if peer_node not in nodes:
        raise InvalidInput("peer.node", f"must be one of the nodes ({', '.join(nodes)})")
    keys = {
        _text(k, "public_keys"): _text(v, f"public_keys.{k}")
        for k, v in _mapping(top.get("public_keys") or {}, "public_keys").items()
    }
    for code, key in keys.items():
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise InvalidInput(f"public_keys.{code}", "must be 64 lowercase hex digits (a raw Ed25519 public key)")
    settings = dict(DEFAULT_SETTINGS)
    for name, value in _mapping(top.get("settings") or {}, "settings").items():
        if name not in DEFAULT_SETTINGS:
            raise InvalidInput(f"settings.{name}", f"is not a node setting ({', '.join(DEFAULT_SETTINGS)})")
        settings[name] = _number(value, f"settings.{name}")
    key_path = None
    if top.get("key") is not None:
        key_path = Path(_text(top["key"], "key"))
        if base is not None and not key_path.is_absolute():
            key_path = base / key_path
    hostile_party, hostile_listen = _hostile(top.get("hostile_peer"), {p.party for p in parties})
    return QualifyConfig(
        nodes=nodes,
        parties=tuple(parties),
        peer_node=str(peer_node),
        peer_token=_text(peer.get("token"), "peer.token"),
        public_keys=keys,
        settings=settings,
        max_wait_s=_number(top.get("max_wait_s", 60), "max_wait_s"),
        key_path=key_path,
        hostile_party=hostile_party,
        hostile_listen=hostile_listen,
    )


def _hostile(value: Any, parties: set[str]) -> tuple[str | None, tuple[str, int] | None]:
    """``hostile_peer``: a party the nodes replicate from (registered on them as a peer with its public key, at
    ``http://<listen>``) that is none of the parties the suite acts for; the suite serves its feed (FED-004)."""
    if value is None:
        return None, None
    entry = _mapping(value, "hostile_peer")
    party = _text(entry.get("party"), "hostile_peer.party")
    if not _PARTY.match(party) or party in parties:
        raise InvalidInput("hostile_peer.party", "must be a party code other than the parties the suite acts for")
    host, _, port = _text(entry.get("listen"), "hostile_peer.listen").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput("hostile_peer.listen", "must be host:port (e.g. 127.0.0.1:8799)")
    return party, (host, int(port))


def load_config(path: Path) -> QualifyConfig:
    """Read a YAML or JSON config file (JSON is YAML, but a .json file is read strictly as JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput("CONFIG", f"cannot read {path}: {error.strerror or error}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidInput(
            "CONFIG", f"{path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}"
        ) from None
    return parse_config(data, path.parent)
