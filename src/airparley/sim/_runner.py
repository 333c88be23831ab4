"""Driving a node with a simulated scenario, exactly as real sensors and desks would: through its HTTP API.

Each party's sensor reports are posted with that party's ``sensor`` token (one :class:`TrackPoster` per
party, flushed at every tick, as a radar sends a scan's plots at once); scripted ``message`` events (``POST
/api/v1/messages``) and ``safety_call`` events (``POST /api/v1/alerts/safety-call``) are sent with the sending
party's ``duty`` token when the tokens file has one. The run is paced at ``speed`` times real
time (0: as fast as possible). The clock, the sleep and the poster are passed in, so tests never sleep.

Times put on the states: ``clock="scenario"`` keeps the scenario's own (its ``start`` plus ``t``);
``clock="now"`` stamps a report with the wall-clock time it is posted at (the run's start plus ``t / speed``),
which is what a node that judges freshness by its own clock expects.

A runner that falls behind the wall clock (a busy machine, a slow node) never skips anything: it sends what
is late at once, in order, and says so through ``on_lag`` (once when it falls more than ``lag_warn_s``
scenario seconds behind, again every 60 s of scenario time while it stays behind, and when it has caught
up); ``RunSummary.max_behind_s`` is the worst it was. ``on_progress(t)`` is told that the node has had
everything up to time ``t``: every report up to then answered (or given up on) by the node, every message
sent. The demo holds its node's clock to it, so that lateness slows the story down instead of making the
states stale.

The tokens file is JSON: ``{"USA": "ap_...", ...}`` (each party's sensor token), or
``{"USA": {"sensor": "ap_...", "duty": "ap_..."}, ...}`` to send the scripted messages too.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import httpx
import numpy as np

from airparley.errors import InvalidInput, InvalidInputs
from airparley.ingest import PostSummary, TrackPoster, state_record
from airparley.sim._model import CallEvent, MessageEvent, SafetyCallEvent, Scenario
from airparley.sim._sensors import SensorReport

__all__ = ["CLOCKS", "LagNotes", "PartyTokens", "Poster", "RunSummary", "parse_tokens", "run_scenario"]

CLOCKS: Final = ("now", "scenario")
#: How often a run paced by a scenario clock that may be held looks at it again, wall seconds.
_STORY_POLL_S: Final = 0.02


@dataclass(frozen=True)
class PartyTokens:
    sensor: str
    duty: str | None = None


class Poster(Protocol):
    """What the runner needs of a :class:`TrackPoster`."""

    def submit(self, states: Any) -> None: ...

    def flush(self) -> None: ...

    def close(self, timeout_s: float = ...) -> PostSummary: ...

    @property
    def refused(self) -> str | None: ...


@dataclass
class RunSummary:
    reports: int = 0
    states: int = 0
    messages_sent: int = 0
    messages_skipped: int = 0
    message_errors: list[str] = field(default_factory=list)
    posts: dict[str, PostSummary] = field(default_factory=dict)
    stopped: bool = False
    duration_s: float = 0.0
    #: The most the run was behind the wall clock, in scenario seconds (0 at ``speed`` 0: nothing to be late for).
    max_behind_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.message_errors and all(p.ok for p in self.posts.values())


def parse_tokens(document: Any, source: str = "") -> dict[str, PartyTokens]:
    """Party -> tokens from the decoded tokens file (see the module docstring)."""
    if not isinstance(document, Mapping):
        raise InvalidInput("(file)", 'must be a JSON object {"USA": "token", ...}', source)
    tokens: dict[str, PartyTokens] = {}
    errors: list[InvalidInput] = []
    for party, value in document.items():
        if isinstance(value, str) and value:
            tokens[str(party)] = PartyTokens(value)
        elif isinstance(value, Mapping) and isinstance(value.get("sensor"), str) and value["sensor"]:
            duty = value.get("duty")
            tokens[str(party)] = PartyTokens(value["sensor"], duty if isinstance(duty, str) and duty else None)
        else:
            errors.append(InvalidInput(str(party), 'must be a token, or {"sensor": token, "duty": token}', source))
    if errors:
        raise InvalidInputs(errors)
    return tokens


def run_scenario(
    scenario: Scenario,
    reports: list[SensorReport],
    tokens: Mapping[str, PartyTokens],
    url: str,
    *,
    speed: float = 1.0,
    clock: str = "now",
    duration_s: float | None = None,
    wall_time: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    poster_factory: Callable[[str, str], Poster] | None = None,
    transport: httpx.BaseTransport | None = None,
    log: Callable[[str], None] = lambda _message: None,
    on_progress: Callable[[float], None] = lambda _t_s: None,
    on_lag: Callable[[str], None] | None = None,
    lag_warn_s: float = 5.0,
    story_s: Callable[[], float] | None = None,
) -> RunSummary:
    """Post every report and send every scripted message at its time; the summary of what reached the node.
    ``on_lag`` (default: ``log``) hears when the run falls behind the wall clock and when it catches up.
    ``story_s`` (seconds since the scenario's start, by the caller's clock) paces the run instead of the
    wall clock: an item of time ``t`` is sent once ``story_s() >= t`` (the live demo's node clock)."""
    if clock not in CLOCKS:
        raise InvalidInput("clock", f"must be one of {', '.join(CLOCKS)}, got {clock!r}")
    if not speed >= 0:
        raise InvalidInput("speed", f"must be >= 0 (0: as fast as possible), got {speed!r}")
    duration = scenario.duration_s if duration_s is None else duration_s
    missing = sorted({s.party for s in scenario.sensors} - set(tokens))
    if missing:
        raise InvalidInputs([InvalidInput(p, "no sensor token for this party's sensors", "tokens") for p in missing])
    make = poster_factory or (lambda u, t: TrackPoster(u, t, max_delay_s=0.5))
    parties = sorted({s.party for s in scenario.sensors})
    posters: dict[str, Poster] = {party: make(url, tokens[party].sensor) for party in parties}
    summary = RunSummary(duration_s=duration)
    lag = LagNotes(on_lag or log, lag_warn_s)
    timeline: list[tuple[float, int, SensorReport | CallEvent]]
    timeline = [(r.t_s, 1, r) for r in reports if r.t_s <= duration]
    timeline += [
        (e.at_s, 0, e) for e in scenario.events if isinstance(e, MessageEvent | SafetyCallEvent) and e.at_s <= duration
    ]
    timeline.sort(key=lambda item: (item[0], item[1]))
    started_mono, started_wall = monotonic(), wall_time()

    def wait(t_s: float, meanwhile: Callable[[], None]) -> None:
        if speed > 0 and story_s is not None:
            # Paced by the caller's scenario clock, which may itself wait for what this run has had answered
            # (``meanwhile`` tells it): in short sleeps.
            while (ahead_s := t_s - story_s()) > 0:
                meanwhile()
                sleep(min(ahead_s / speed, _STORY_POLL_S))
            behind_s = max(0.0, story_s() - t_s)
            summary.max_behind_s = max(summary.max_behind_s, behind_s)
            lag.see(t_s, behind_s)
        elif speed > 0:
            delay = started_mono + t_s / speed - monotonic()
            if delay > 0:
                sleep(delay)
            behind_s = max(0.0, -delay * speed)
            summary.max_behind_s = max(summary.max_behind_s, behind_s)
            lag.see(t_s, behind_s)

    def stamp(t_s: float) -> float | None:
        if clock == "scenario":
            return None
        return started_wall + (t_s / speed if speed > 0 else t_s)

    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=10.0, transport=transport) as client:
            _drive(timeline, posters, client, tokens, summary, wait, stamp, log, on_progress)
    except KeyboardInterrupt:
        summary.stopped = True
        log("stopped: sending what is queued")
    for party, poster in posters.items():
        summary.posts[party] = poster.close()
    return summary


def _drive(
    timeline: list[tuple[float, int, SensorReport | CallEvent]],
    posters: Mapping[str, Poster],
    client: httpx.Client,
    tokens: Mapping[str, PartyTokens],
    summary: RunSummary,
    wait: Callable[[float, Callable[[], None]], None],
    stamp: Callable[[float], float | None],
    log: Callable[[str], None],
    on_progress: Callable[[float], None],
) -> None:
    """Each report and message at its time: reports to their party's poster, messages to the node."""
    next_note = 0.0
    delivery = _Delivery(posters)
    previous_s = -1.0
    for t_s, _, item in timeline:
        wait(t_s, lambda: delivery.tell(on_progress))
        if t_s > previous_s:  # everything of the times before is sent: how much of it has the node had?
            delivery.tell(on_progress)
            previous_s = t_s
        if t_s >= next_note:
            log(f"t={t_s:.0f} s: {summary.states} state(s) in {summary.reports} report(s) so far")
            next_note = t_s + 60.0
        if isinstance(item, MessageEvent | SafetyCallEvent):
            _send_message(client, item, tokens, summary, log)
            delivery.sent(t_s, None, 0)
            continue
        poster = posters[item.party]
        if poster.refused is not None:
            continue
        states = item.states
        when = stamp(t_s)
        if when is not None:
            states = states.replace(time_s=np.full(len(states), when))
        poster.submit([state_record(s) for s in states])
        poster.flush()
        summary.reports += 1
        summary.states += len(states)
        delivery.sent(t_s, item.party, len(states))
    delivery.tell(on_progress)


class _Delivery:
    """How far (scenario time) the node has had everything: each report answered by the node or given up on
    (its poster's counts), each message sent (at once: it is sent synchronously). A poster that keeps no
    counts (no ``summary``) is taken at its word."""

    def __init__(self, posters: Mapping[str, Poster]) -> None:
        self.posters = posters
        self.submitted: dict[str, int] = {}
        self.waiting: deque[tuple[float, str | None, int]] = deque()
        self.reached_s: float | None = None
        self.told_s: float | None = None

    def sent(self, t_s: float, party: str | None, states: int) -> None:
        if party is not None:
            self.submitted[party] = self.submitted.get(party, 0) + states
        self.waiting.append((t_s, party, self.submitted.get(party, 0) if party is not None else 0))

    def _resolved(self, party: str) -> int | None:
        counts = getattr(self.posters[party], "summary", None)
        if counts is None:
            return None
        return int(counts.accepted + counts.rejected + counts.failed + counts.dropped)

    def tell(self, on_progress: Callable[[float], None]) -> None:
        resolved: dict[str, int | None] = {}
        while self.waiting:
            t_s, party, needed = self.waiting[0]
            if party is not None:
                if party not in resolved:
                    resolved[party] = self._resolved(party)
                done = resolved[party]
                if done is not None and done < needed:
                    break
            self.waiting.popleft()
            if not self.waiting or self.waiting[0][0] > t_s:  # the last of its time
                self.reached_s = t_s
        if self.reached_s is not None and self.reached_s != self.told_s:
            self.told_s = self.reached_s
            on_progress(self.reached_s)


class LagNotes:
    """Tells when a run falls behind the wall clock, every 60 s of scenario time while it stays behind,
    and when it has caught up. ``who`` is behind; ``then`` says what happens meanwhile."""

    def __init__(
        self,
        say: Callable[[str], None],
        warn_s: float = 5.0,
        who: str = "the simulator",
        then: str = "it sends what is late at once and the node's story waits for it",
    ) -> None:
        self.say = say
        self.warn_s = warn_s
        self.who = who
        self.then = then
        self.behind = False
        self.next_note_s = 0.0

    def see(self, t_s: float, behind_s: float) -> None:
        if behind_s > self.warn_s and (not self.behind or t_s >= self.next_note_s):
            self.say(
                f"t={t_s:.0f} s: {self.who} is {behind_s:.0f} s of scenario time behind the wall clock"
                f" (a busy machine?); {self.then}"
            )
            self.behind, self.next_note_s = True, t_s + 60.0
        elif self.behind and behind_s <= 1.0:
            self.say(f"t={t_s:.0f} s: {self.who} has caught up with the wall clock")
            self.behind = False


def _send_message(
    client: httpx.Client,
    event: CallEvent,
    tokens: Mapping[str, PartyTokens],
    summary: RunSummary,
    log: Callable[[str], None],
) -> None:
    """A scripted message (``POST /messages``) or safety call (``POST /alerts/safety-call``) from a duty desk."""
    duty = tokens.get(event.sender, PartyTokens("")).duty
    if isinstance(event, SafetyCallEvent):
        label = f"t={event.at_s:g} s safety call {event.sender} about track {event.track}"
        path = "/api/v1/alerts/safety-call"
    else:
        label = f"t={event.at_s:g} s message {event.sender} -> {', '.join(event.to)}"
        path = "/api/v1/messages"
    if duty is None:
        summary.messages_skipped += 1
        log(f"{label}: skipped (no duty token for {event.sender} in the tokens file)")
        return
    try:
        response = client.post(path, json=event.body(), headers={"Authorization": f"Bearer {duty}"})
    except httpx.TransportError as error:
        summary.message_errors.append(f"{label}: cannot reach the node: {error}")
        log(summary.message_errors[-1])
        return
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        summary.message_errors.append(f"{label}: {response.status_code} {detail}")
        log(summary.message_errors[-1])
        return
    summary.messages_sent += 1
    log(f"{label}: sent")
