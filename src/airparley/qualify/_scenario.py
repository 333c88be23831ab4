"""Scenarios: ordered steps against the nodes, each with checks that name their requirement.

A scenario declares its checks up front (name -> requirement id), so the suite's size is known without
running it, and a check a scenario never reached (an earlier step could not be done) is reported as skipped
with the reason rather than silently missing. A check may be observed several times (for each party, each
tier...): it passes only if every observation does, and keeps the first failure's evidence.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from airparley._time import iso_z
from airparley.qualify._catalogue import requirement
from airparley.qualify._client import Desk, Exchange
from airparley.qualify._config import QualifyConfig

__all__ = ["Aborted", "CheckResult", "Context", "Outcome", "Scenario", "ScenarioResult"]

_T = TypeVar("_T")


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    """One declared check of one scenario, after the run."""

    scenario: str
    name: str
    requirement: str
    outcome: Outcome
    step: str = ""
    expected: str = ""
    observed: str = ""
    request: str = ""
    reason: str = ""
    observations: int = 0

    @property
    def id(self) -> str:
        return f"{self.scenario}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "name": self.name,
            "requirement": self.requirement,
            "outcome": str(self.outcome),
            "step": self.step,
            "expected": self.expected,
            "observed": self.observed,
            "request": self.request,
            "reason": self.reason,
            "observations": self.observations,
        }


@dataclass(frozen=True)
class ScenarioResult:
    id: str
    title: str
    outcome: str  # pass, fail, skip, or error (a step could not be done)
    reason: str
    duration_s: float
    checks: tuple[CheckResult, ...]
    cleanup: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "outcome": self.outcome,
            "reason": self.reason,
            "duration_s": round(self.duration_s, 3),
            "checks": [c.as_dict() for c in self.checks],
            "cleanup": list(self.cleanup),
        }


class Aborted(Exception):
    """A step could not be done: the scenario stops and its unreached checks are skipped with this reason."""


@dataclass(frozen=True)
class Scenario:
    """``play`` drives the nodes through ``Context``; ``wait_s`` is how long it must wait given the declared
    settings (the runner skips it beyond ``max_wait_s``); ``needs`` says why it cannot run with this config
    (``None`` when it can)."""

    id: str
    title: str
    checks: Mapping[str, str]
    play: Callable[[Context], None]
    wait_s: Callable[[QualifyConfig], float] = lambda _config: 0.0
    needs: Callable[[QualifyConfig], str | None] = lambda _config: None

    def __post_init__(self) -> None:
        for name, requirement_id in self.checks.items():
            requirement(requirement_id)  # a check naming an unknown requirement is a bug of the suite
            if "/" in name:
                raise ValueError(f"check name {name!r} must not contain '/'")


@dataclass
class _Observed:
    step: str = ""
    count: int = 0
    failure: tuple[str, str, str, str] | None = None  # step, expected, observed, request
    skipped: str = ""


@dataclass
class Context:
    """What a scenario plays with: the desks of the parties, the peer, ids unique to this run, cleanup."""

    config: QualifyConfig
    run_id: str
    desks: Mapping[tuple[str, str], Desk]
    peer: Desk
    scenario: Scenario | None = None
    step_name: str = ""
    observed: dict[str, _Observed] = field(default_factory=dict)
    cleanups: list[tuple[str, Callable[[], object]]] = field(default_factory=list)
    last: Exchange | None = None
    #: A cursor of the event feed no event of this scenario can be at or before (set by the runner as it
    #: starts): reading the feed from here, a scenario reads its own events, not the whole run's again.
    start: int = 0
    _counter: int = 0

    # -- parties and desks ---------------------------------------------------------------------------------
    @property
    def parties(self) -> tuple[str, str]:
        """The first two parties of the config: ``a`` files first, ``b`` is the other side."""
        return self.config.parties[0].party, self.config.parties[1].party

    def desk(self, party: str, tier: str = "duty") -> Desk:
        return self.desks[(party, tier)]

    def node_of(self, party: str) -> str:
        return next(p.node for p in self.config.parties if p.party == party)

    def unique(self, party: str) -> str:
        """A notice id (or other id) of ``party`` unique to this run: ``USA-Q-<run>-<n>``."""
        self._counter += 1
        return f"{party}-Q-{self.run_id}-{self._counter}"

    def token(self) -> str:
        return uuid.uuid4().hex[:12]

    # -- steps and checks ----------------------------------------------------------------------------------
    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        previous, self.step_name = self.step_name, name
        yield  # an exception leaves the failing step's name for the runner to report
        self.step_name = previous

    def remember(self, exchange: Exchange) -> Exchange:
        self.last = exchange
        return exchange

    def check(
        self,
        name: str,
        ok: bool,
        expected: str,
        observed: str | Callable[[], str] = "",
        exchange: Exchange | None = None,
        *,
        fatal: bool = False,
    ) -> bool:
        """Record one observation of a declared check; ``fatal`` aborts the scenario when it fails."""
        assert self.scenario is not None
        if name not in self.scenario.checks:
            raise KeyError(f"{self.scenario.id} does not declare the check {name!r}")
        record = self.observed.setdefault(name, _Observed())
        record.count += 1
        record.step = record.step or self.step_name
        if not ok:
            shown = observed() if callable(observed) else observed
            source = exchange or self.last
            if not shown and source is not None:
                shown = f"{source.status} {source.text[:400]}"
            if record.failure is None:
                record.failure = (self.step_name, expected, shown, source.request if source else "")
            if fatal:
                raise Aborted(f"step '{self.step_name}' failed: expected {expected}; got {shown}")
        return ok

    def skip(self, name: str, reason: str) -> None:
        """Record that a declared check cannot be made against this config or node, and why."""
        assert self.scenario is not None
        if name not in self.scenario.checks:
            raise KeyError(f"{self.scenario.id} does not declare the check {name!r}")
        record = self.observed.setdefault(name, _Observed())
        record.step = record.step or self.step_name
        record.skipped = record.skipped or reason

    def expect_status(self, name: str, exchange: Exchange, *statuses: int, fatal: bool = False) -> bool:
        """A check that ``exchange`` answered one of ``statuses``."""
        self.remember(exchange)
        wanted = " or ".join(str(s) for s in statuses)
        return self.check(
            name,
            exchange.status in statuses,
            f"HTTP {wanted}",
            f"HTTP {exchange.status}: {exchange.text[:400]}",
            exchange,
            fatal=fatal,
        )

    def need(self, exchange: Exchange, *statuses: int, what: str = "") -> Exchange:
        """A step's request that must succeed for the scenario to go on (not itself a check)."""
        self.remember(exchange)
        if exchange.status not in statuses:
            raise Aborted(
                f"step '{self.step_name}': {what or exchange.describe()} answered {exchange.status}"
                f" (wanted {', '.join(map(str, statuses))}): {exchange.text[:300]} [{exchange.request}]"
            )
        return exchange

    def on_cleanup(self, what: str, action: Callable[[], object]) -> None:
        self.cleanups.append((what, action))

    def wait_for(self, probe: Callable[[], _T | None], timeout_s: float, interval_s: float = 0.1) -> _T | None:
        """Poll ``probe`` until it returns something truthy, or ``None`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = probe()
            if result:
                return result
            if time.monotonic() >= deadline:
                return None
            time.sleep(interval_s)

    @property
    def replication_s(self) -> float:
        """How long an act on one node may take to reach the other (a poll, and some slack); 0 on one node."""
        return self.config.setting("peer_poll_s") + 5.0 if self.config.federated else 0.0

    def at(self, **delta: float) -> str:
        """An ISO 8601 UTC instant ``delta`` from now (the nodes' clocks are taken to be synchronised)."""
        moment = datetime.now(UTC) + timedelta(**delta)
        return iso_z(moment, "seconds")
