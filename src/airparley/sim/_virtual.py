"""Playing a scenario in virtual time: one step of the simulation, then the node's scheduler work for that
step, then the next; no wall clock anywhere in the story.

The node's clock is a :class:`VirtualClock` that this player sets, never the wall: at each time ``t`` of the
run, in this order,

1. every sensor report of ``t`` is posted (each party's states to its own picture),
2. every scripted act of ``t`` (hotline messages, safety calls) is made,
3. the node does its scheduler work for ``t`` (``tick``: the tactical scans, hotline deadlines and re-rings,
   non-response watches), on the tick grid (every ``tick_s`` seconds from 0).

Nothing waits on anything else (there is no other thread), so the same scenario and seed give the same
calls in the same order with the same times, whatever the machine's load or speed: the same events, the same
ledger. How the player reaches the node is the ``target``'s business (the CLI wires it to a node in the
same process: see ``airparley demo --headless``); this module knows nothing of the node.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from airparley.errors import InvalidInput
from airparley.sim._model import CallEvent, MessageEvent, SafetyCallEvent, Scenario
from airparley.sim._sensors import SensorReport

__all__ = ["VirtualClock", "VirtualRun", "VirtualTarget", "play_virtual"]

# Order of what falls on the same second: the reports, then the desks' acts, then the scheduler's work.
_REPORT, _ACT, _TICK = 0, 1, 2


class VirtualClock:
    """Scenario time as the node's clock: ``start_s`` (POSIX seconds UTC) plus ``t_s``, moved by the player."""

    def __init__(self, start_s: float) -> None:
        self.start_s = start_s
        self.t_s = 0.0

    def set(self, t_s: float) -> None:
        if t_s < self.t_s:
            raise InvalidInput("t_s", f"virtual time never goes back ({t_s:g} s after {self.t_s:g} s)")
        self.t_s = t_s

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.start_s + self.t_s, UTC)


class VirtualTarget(Protocol):
    """What the player drives: a node, through the same methods its API routes call."""

    def post(self, report: SensorReport) -> int:
        """Post one sensor report's states to its party's picture; how many the node refused."""
        ...

    def act(self, event: CallEvent) -> str | None:
        """Make one scripted act from the sender's duty desk; None when done, else why not (one line)."""
        ...

    def tick(self) -> None:
        """The node's scheduler work, at the clock's time."""
        ...


@dataclass
class VirtualRun:
    """What a virtual run did: reports and states posted (and refused), acts made or refused, ticks."""

    duration_s: float
    reports: int = 0
    states: int = 0
    refused_states: int = 0
    acts: int = 0
    act_errors: list[str] = field(default_factory=list)
    ticks: int = 0


def play_virtual(
    scenario: Scenario,
    reports: list[SensorReport],
    target: VirtualTarget,
    clock: VirtualClock,
    *,
    duration_s: float | None = None,
    tick_s: float = 1.0,
    log: Callable[[str], None] = lambda _message: None,
) -> VirtualRun:
    """Every report, act and tick of the run, in time order, the clock set to each one's time."""
    duration = scenario.duration_s if duration_s is None else duration_s
    if not (math.isfinite(duration) and duration > 0):
        raise InvalidInput("duration_s", f"must be > 0, got {duration!r}")
    if not (math.isfinite(tick_s) and tick_s > 0):
        raise InvalidInput("tick_s", f"must be > 0, got {tick_s!r}")
    timeline: list[tuple[float, int, int, SensorReport | CallEvent | None]] = []
    timeline += [(r.t_s, _REPORT, k, r) for k, r in enumerate(reports) if r.t_s <= duration]
    acts = [e for e in scenario.events if isinstance(e, MessageEvent | SafetyCallEvent) and e.at_s <= duration]
    timeline += [(e.at_s, _ACT, k, e) for k, e in enumerate(acts)]
    timeline += [(k * tick_s, _TICK, k, None) for k in range(math.floor(duration / tick_s + 1e-9) + 1)]
    timeline.sort(key=lambda item: item[:3])
    run = VirtualRun(duration)
    next_note = 0.0
    for t_s, order, _, item in timeline:
        clock.set(t_s)
        if t_s >= next_note:
            log(f"t={t_s:.0f} s: {run.states} state(s) in {run.reports} report(s) so far")
            next_note = t_s + 60.0
        if order == _TICK:
            target.tick()
            run.ticks += 1
        elif isinstance(item, SensorReport):
            run.refused_states += target.post(item)
            run.reports += 1
            run.states += len(item.states)
        elif item is not None:
            refused = target.act(item)
            if refused is None:
                run.acts += 1
                log(f"{_label(item)}: sent")
            else:
                run.act_errors.append(f"{_label(item)}: {refused}")
                log(run.act_errors[-1])
    return run


def _label(event: CallEvent) -> str:
    if isinstance(event, SafetyCallEvent):
        return f"t={event.at_s:g} s safety call {event.sender} about track {event.track}"
    return f"t={event.at_s:g} s message {event.sender} -> {', '.join(event.to)}"
