"""The scenario model: frozen values, validated by :func:`airparley.sim.parse_scenario` when built from a file.

Units: WGS84 degrees, feet MSL, knots, seconds (``*_s`` from the scenario's start unless said otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from airparley.sim._types import Limits

__all__ = [
    "EVENT_TYPES",
    "IDENTIFY",
    "LANGUAGES",
    "TIERS",
    "URGENCIES",
    "Aircraft",
    "CallEvent",
    "Coverage",
    "DeviateEvent",
    "Deviation",
    "Event",
    "Frequency",
    "IgnoreCallsEvent",
    "MessageEvent",
    "Officer",
    "Orbit",
    "Party",
    "SafetyCallEvent",
    "Scenario",
    "Sensor",
    "Waypoint",
]

TIERS: Final = ("duty", "senior", "observer", "sensor")
LANGUAGES: Final = ("en", "ru", "tr", "ar")
EVENT_TYPES: Final = ("message", "safety_call", "ignore_calls", "deviate")
URGENCIES: Final = ("routine", "urgent", "safety")
#: ``all``: the sensor reports every aircraft's party, callsign and id; ``own``: only its own party's.
IDENTIFY: Final = ("all", "own")


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    language: str


@dataclass(frozen=True)
class Officer:
    party: str
    name: str
    tier: str


@dataclass(frozen=True)
class Frequency:
    """An agreed frequency; ``parties`` empty means every party."""

    mhz: float
    name: str = ""
    parties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Waypoint:
    """WGS84 degrees, feet MSL, knots of ground speed to fly towards this point."""

    lat: float
    lon: float
    alt_ft: float
    speed_kt: float


@dataclass(frozen=True)
class Orbit:
    """A circle (one point: the centre) or a racetrack (two points: the ends of its centreline).

    The aircraft flies at ``radius_nm`` from the centre or from the centreline, turning ``right``
    (clockwise) or ``left``, ``laps`` times (``None``: until the end), then straight on.
    """

    points: tuple[tuple[float, float], ...]  # (lat, lon)
    radius_nm: float
    alt_ft: float
    speed_kt: float
    laps: int | None = None
    turn: str = "right"


@dataclass(frozen=True)
class Aircraft:
    id: str
    party: str
    callsign: str
    type: str
    limits: Limits
    route: tuple[Waypoint, ...] = ()
    orbit: Orbit | None = None
    start_s: float = 0.0


@dataclass(frozen=True)
class Coverage:
    """A circle a sensor sees into: fixed at ``lat``/``lon``, or carried by ``aircraft`` (an AWACS)."""

    radius_nm: float
    lat: float | None = None
    lon: float | None = None
    aircraft: str | None = None


@dataclass(frozen=True)
class Sensor:
    name: str
    party: str
    coverage: tuple[Coverage, ...]
    update_s: float
    offset_s: float = 0.0
    position_noise_nm: float = 0.0
    alt_noise_ft: float = 0.0
    identify: str = "all"


@dataclass(frozen=True)
class Deviation:
    """Fly ``heading_deg`` (or turn by ``turn_deg``, right positive), at ``alt_ft`` and ``speed_kt`` when
    given, for ``for_s`` seconds (``None``: for good), then resume the route."""

    heading_deg: float | None = None
    turn_deg: float | None = None
    alt_ft: float | None = None
    speed_kt: float | None = None
    for_s: float | None = None


@dataclass(frozen=True)
class MessageEvent:
    """A hotline message from ``sender``'s desk; ``about`` an aircraft, whose pilot complies with
    ``response`` after ``response_after_s`` unless ignoring calls at the time."""

    at_s: float
    sender: str
    to: tuple[str, ...]
    urgency: str = "routine"
    template: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    text: str | None = None
    language: str | None = None
    about: str | None = None
    response: Deviation | None = None
    response_after_s: float = 10.0

    def body(self) -> dict[str, Any]:
        """The ``POST /api/v1/messages`` body."""
        body: dict[str, Any] = {"recipients": list(self.to), "urgency": self.urgency}
        if self.template is not None:
            body["template"] = self.template
            body["params"] = dict(self.params)
        else:
            body["text"] = self.text
            body["language"] = self.language
        return body


@dataclass(frozen=True)
class SafetyCallEvent:
    """``sender``'s desk makes a safety call (``POST /api/v1/alerts/safety-call``) about ``track``, the id
    under which its own picture holds the aircraft, on ``frequency_mhz``; ``to`` names the party called when
    the picture does not identify the aircraft. ``about`` and ``response`` as for a message."""

    at_s: float
    sender: str
    track: str
    frequency_mhz: float = 243.0
    to: str | None = None
    about: str | None = None
    response: Deviation | None = None
    response_after_s: float = 10.0

    def body(self) -> dict[str, Any]:
        """The ``POST /api/v1/alerts/safety-call`` body."""
        body: dict[str, Any] = {"track": self.track, "frequency_mhz": self.frequency_mhz}
        if self.to is not None:
            body["to"] = self.to
        return body


@dataclass(frozen=True)
class IgnoreCallsEvent:
    """From ``at_s`` (until ``until_s``), ``aircraft``'s pilot does not answer or comply with calls."""

    at_s: float
    aircraft: str
    until_s: float | None = None


@dataclass(frozen=True)
class DeviateEvent:
    at_s: float
    aircraft: str
    deviation: Deviation


Event = MessageEvent | SafetyCallEvent | IgnoreCallsEvent | DeviateEvent
#: The events a pilot may answer: those ``about`` an aircraft.
CallEvent = MessageEvent | SafetyCallEvent


@dataclass(frozen=True)
class StoryBeat:
    """A moment the scenario means to show (``story`` in the file): it happened when the node recorded an
    ``event`` (``conflict.detected``, ``incident.recorded``...) that names every one of ``names`` (notice ids,
    track ids, callsigns: string values anywhere in the event's data) and whose data has each ``where`` field
    at the value given."""

    beat: str
    title: str
    event: str
    names: tuple[str, ...] = ()
    where: tuple[tuple[str, str | int | float | bool], ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``start_s`` is POSIX seconds UTC of simulated time 0; ``notices`` is one GeoJSON
    FeatureCollection of every notice (docs/formats.md), checked by the strategic parser."""

    name: str
    start_s: float
    duration_s: float
    step_s: float
    seed: int
    parties: tuple[Party, ...]
    officers: tuple[Officer, ...]
    frequencies: tuple[Frequency, ...]
    notices: Mapping[str, Any]
    aircraft: tuple[Aircraft, ...]
    sensors: tuple[Sensor, ...]
    events: tuple[Event, ...]
    source: str = ""
    story: tuple[StoryBeat, ...] = ()

    def aircraft_index(self, aircraft_id: str) -> int:
        for index, aircraft in enumerate(self.aircraft):
            if aircraft.id == aircraft_id:
                return index
        raise KeyError(aircraft_id)
