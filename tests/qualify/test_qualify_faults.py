"""Proof that the suite catches faults: our node with one fault injected at a time, inside this test process
(a subclass or a monkeypatch of the node's objects, never a switch of the product), must fail exactly the
checks of the requirement the fault breaks, and nothing else.

Each faulty node is qualified with every scenario that does not wait on the node's clock, plus the waiting
scenarios that check the fault's requirement (the other waiting ones, rings, deadlines, non-response, lapse, are
left out to keep this file quick; tests/qualify/test_qualify_node.py runs them against the sound node).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from qualify_support import serve_node

import airparley.hotline
from airparley.ledger import Kind
from airparley.node import Node, _access, _federation, _notices
from airparley.node._access import Act, Tier
from airparley.node._hotline_service import HotlineService
from airparley.node._ledger import LedgerWriter
from airparley.node._notices import NoticeService
from airparley.qualify import SCENARIOS, qualify
from airparley.store import Officer, Tx
from airparley.strategic import notices_to_geojson


@dataclass
class Fault:
    """What to break (``inject`` patches with ``monkeypatch`` and returns how to build the node) and the one
    requirement whose checks must then fail."""

    name: str
    requirement: str
    inject: Callable[[pytest.MonkeyPatch], Callable[..., Node]]
    after: Callable[[], None] = field(default=lambda: None)


def _leak_private(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """VIS-003: the other side's private part rides along in a conflict's view (REST and events)."""
    privates: dict[str, Any] = {}

    parse_own = NoticeService._parse_own

    def parse_and_keep(self: NoticeService, officer: Officer, document: Any, read: Any = None) -> Any:
        notices, private = parse_own(self, officer, document, read)
        privates.update(private)
        return notices, private

    monkeypatch.setattr(NoticeService, "_parse_own", parse_and_keep)
    original = _notices.conflict_for

    def leaky(viewer: str, conflict: Any, notices: Mapping[str, Any]) -> dict[str, Any] | None:
        view = original(viewer, conflict, notices)
        if view is not None:
            view["other"] = {**view["other"], "private": privates.get(view["other"]["notice_id"])}
        return view

    monkeypatch.setattr(_notices, "conflict_for", leaky)
    return Node


def _whole_footprint(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """VIS-004: a conflict shows the other side's whole volume, not only the overlap (no private part)."""
    original = _notices.conflict_for

    def wide(viewer: str, conflict: Any, notices: Mapping[str, Any]) -> dict[str, Any] | None:
        view = original(viewer, conflict, notices)
        other = notices.get(view["other"]["notice_id"]) if view is not None else None
        if view is not None and other is not None:
            view["other"] = {**view["other"], "volumes": notices_to_geojson([other])}
        return view

    monkeypatch.setattr(_notices, "conflict_for", wide)
    return Node


def _crash_on_bidi(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """API-003: a message whose text holds a direction override crashes the handler (a 500), instead of 422."""

    original = HotlineService.send_message

    def crashy(self: HotlineService, tx: Tx, officer: Officer, body: Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(body, Mapping) and "\u202e" in str(body.get("text", "")):
            raise RuntimeError("injected fault: an unchecked direction override")
        return original(self, tx, officer, body)

    monkeypatch.setattr(HotlineService, "send_message", crashy)
    return Node


_LATE: list[threading.Thread] = []


def _entry_after_transaction(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """LED-004: the entries of notices, messages and cases are written 0.3 s after the act, in a transaction of
    their own, not in the act's (the act is answered before its entry exists)."""
    original = LedgerWriter.record
    nodes: list[Node] = []

    def late(self: LedgerWriter, tx: Tx, party: str, kind: Kind, body: Mapping[str, Any], now: datetime) -> Any:
        if not str(kind).startswith(("notice.", "message.sent", "case.")):
            return original(self, tx, party, kind, body, now)

        def write_later() -> None:
            time.sleep(0.3)
            with nodes[0].write() as later_tx:
                original(self, later_tx, party, kind, body, now)

        thread = threading.Thread(target=write_later, daemon=True)
        _LATE.append(thread)
        thread.start()
        return None

    monkeypatch.setattr(LedgerWriter, "record", late)

    def make(*args: Any, **kwargs: Any) -> Node:
        nodes.append(Node(*args, **kwargs))
        return nodes[0]

    return make


def _join_late_writes() -> None:
    while _LATE:
        _LATE.pop().join(timeout=10)


def _sensor_reads_events(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """ACC-003: the access table lets a sensor token read the event feed (the OpenAPI document says so too)."""
    monkeypatch.setitem(_access.ACCESS, Act.READ_EVENTS, _access.ACCESS[Act.READ_EVENTS] | {Tier.SENSOR})  # type: ignore[index]
    return Node


def _idempotency_ignored(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """API-004: the Idempotency-Key header is ignored, so a retry acts twice."""

    class Forgetful(Node):
        def idempotent(self, officer: Officer, key: str | None, *args: Any) -> tuple[int, Any]:
            return super().idempotent(officer, None, *args)

    return Forgetful


def _deadline_never_missed(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """CAS-005: a case whose response deadline passed is never escalated."""
    monkeypatch.setattr(airparley.hotline, "check_deadline", lambda case, **_: (case, None))
    return Node


def _forgery_accepted(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Node]:
    """FED-004: a replicated entry is taken without checking its signature or chain."""
    monkeypatch.setattr(_federation, "verify_next", lambda head, entry, key: None)
    return Node


FAULTS = [
    Fault("private part leaked", "VIS-003", _leak_private),
    Fault("whole footprint shown", "VIS-004", _whole_footprint),
    Fault("500 on bad input", "API-003", _crash_on_bidi),
    Fault("entry outside the act's transaction", "LED-004", _entry_after_transaction, after=_join_late_writes),
    Fault("sensor reads the event feed", "ACC-003", _sensor_reads_events),
    Fault("idempotency key ignored", "API-004", _idempotency_ignored),
    Fault("missed deadline not escalated", "CAS-005", _deadline_never_missed),
    Fault("forged federation entry accepted", "FED-004", _forgery_accepted),
]


@pytest.fixture
def no_late_writes() -> Iterator[None]:
    yield
    _join_late_writes()


@pytest.mark.parametrize("fault", FAULTS, ids=[f.requirement for f in FAULTS])
def test_each_fault_fails_exactly_the_checks_of_its_requirement(
    fault: Fault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_late_writes: None
) -> None:
    make_node = fault.inject(monkeypatch)
    with serve_node(f"sqlite:///{tmp_path / 'faulty.db'}", make_node) as served:
        scenarios = [s for s in SCENARIOS if s.wait_s(served.config) == 0 or fault.requirement in s.checks.values()]
        report = qualify(served.config, scenarios)
        fault.after()
    failed = {c["requirement"] for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "fail"}
    errors = [(s["id"], s["reason"]) for s in report["scenarios"] if s["outcome"] == "error"]
    assert (failed, errors) == ({fault.requirement}, []), [
        (c["id"], c["observed"][:200]) for s in report["scenarios"] for c in s["checks"] if c["outcome"] == "fail"
    ]
    requirement = next(r for r in report["requirements"] if r["id"] == fault.requirement)
    assert requirement["outcome"] == "fail"
    assert report["summary"]["outcome"] == "fail"
    # Each failure carries its evidence: what was expected, what came back, and the request that showed it.
    for scenario in report["scenarios"]:
        for check in scenario["checks"]:
            if check["outcome"] == "fail":
                assert check["expected"]
                assert check["observed"]
