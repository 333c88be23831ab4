"""Pacing a recording: real time, N times real time, or as fast as possible; optionally re-timed to now.

The clock and the sleep are passed in (``time.monotonic`` and ``time.sleep`` in the CLI), so tests never
sleep.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from airparley.errors import InvalidInput
from airparley.tactical import TrackState

__all__ = ["Pacer", "Retimer"]


class Pacer:
    """Waits until a recorded time is due: ``speed`` 1 is real time, 10 ten times faster, 0 no waiting.

    The first time seen is due at once; a later time ``t`` is due ``(t - first) / speed`` seconds after
    that. A time earlier than one already passed is due at once (recordings are not always sorted).
    """

    def __init__(self, speed: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        if not math.isfinite(speed) or speed < 0:
            raise InvalidInput("speed", f"must be a number >= 0 (0: as fast as possible), got {speed!r}")
        self.speed = speed
        self._clock = clock
        self._sleep = sleep
        self._anchor: tuple[float, float] | None = None

    def wait(self, time_s: float) -> None:
        if self.speed == 0:
            return
        if self._anchor is None:
            self._anchor = (self._clock(), time_s)
            return
        wall0, first = self._anchor
        delay = wall0 + (time_s - first) / self.speed - self._clock()
        if delay > 0:
            self._sleep(delay)


class Retimer:
    """Shifts every state by one offset so that the first state's time becomes ``now_s``."""

    def __init__(self, now_s: float) -> None:
        self.now_s = now_s
        self._shift: float | None = None

    def __call__(self, state: TrackState) -> TrackState:
        if self._shift is None:
            self._shift = self.now_s - state.time_s
        return replace(state, time_s=state.time_s + self._shift)
