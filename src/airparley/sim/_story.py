"""Which of a scenario's story beats a node's events show, and when (pure).

A scenario lists the moments it means to show (``story``: the Palmyra conflict, the E-3 incident, the
non-responsive flag...). After a run, :func:`tell_story` reads the node's events, never the script: a beat
happened at the first event of its kind that names everything the beat names and has the field values it
asks for. A beat the node never recorded is reported as not happened, so a summary cannot claim a story
the node did not tell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from airparley._time import iso_z_at
from airparley.sim._model import Scenario, StoryBeat

__all__ = ["BeatOutcome", "RecordedEvent", "tell_story"]


class RecordedEvent(Protocol):
    """What the teller needs of a node's event (``airparley.store.Event`` has it): its kind, its time, and
    its data as each party of its audience sees it."""

    @property
    def kind(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class BeatOutcome:
    """Whether a beat happened, at what scenario time (seconds from the start) first, and how many events
    showed it."""

    beat: StoryBeat
    count: int
    at_s: float | None
    start_s: float

    @property
    def happened(self) -> bool:
        return self.count > 0

    def as_dict(self) -> dict[str, Any]:
        at = None
        if self.at_s is not None:
            at = iso_z_at(self.start_s + self.at_s)
        return {
            "beat": self.beat.beat,
            "title": self.beat.title,
            "happened": self.happened,
            "at_s": self.at_s,
            "time": at,
            "events": self.count,
        }


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _shows(beat: StoryBeat, payload: Any) -> bool:
    if not isinstance(payload, Mapping):
        return False
    if any(key not in payload or payload[key] != wanted for key, wanted in beat.where):
        return False
    return set(beat.names) <= set(_strings(payload))


def tell_story(scenario: Scenario, events: Iterable[RecordedEvent]) -> list[BeatOutcome]:
    """Each of the scenario's beats, in the scenario's order, with what the events show of it."""
    first: dict[str, float] = {}
    counts: dict[str, int] = {b.beat: 0 for b in scenario.story}
    by_kind: dict[str, list[StoryBeat]] = {}
    for beat in scenario.story:
        by_kind.setdefault(beat.event, []).append(beat)
    for event in events:
        for beat in by_kind.get(event.kind, ()):
            if any(_shows(beat, payload) for payload in event.payload.values()):
                counts[beat.beat] += 1
                at_s = round(event.created_at.timestamp() - scenario.start_s, 3)
                first[beat.beat] = min(first.get(beat.beat, at_s), at_s)
    return [BeatOutcome(b, counts[b.beat], first.get(b.beat), scenario.start_s) for b in scenario.story]
