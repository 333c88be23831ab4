"""What the node tests share: a hand-moved clock, desks with their tokens, the running server."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from airparley.node import Node


@dataclass
class Clock:
    """A clock the test moves by hand: deadlines are tested without sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 1, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    party: str
    tier: str
    token: str
    client: httpx.Client


@dataclass
class Running:
    url: str
    db_url: str
    node: Node
    clock: Clock
    desks: dict[str, Desk]

    def desk(self, name: str) -> Desk:
        return self.desks[name]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PARTIES = (
    ("USA", "Coalition CAOC, Al Udeid", "en"),
    ("RUS", "Russian desk, Khmeimim", "ru"),
    ("TUR", "Turkish desk", "tr"),
    ("SYR", "Syrian desk", "ar"),
)
