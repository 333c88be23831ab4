"""Scenario files and a traffic simulator that drives a node as real sensors would.

The core is pure and deterministic: ``_model`` (the frozen scenario values), ``_scenario`` (YAML document ->
validated :class:`Scenario`), ``_types`` (kinematic limits per aircraft type),
``_kinematics`` (the truth, flown within each type's limits), ``_sensors`` (what each sensor reports, with
seeded noise). ``_files`` reads scenario files (and finds the ones that ship in ``scenarios/``); ``_runner`` posts the
reports to a node through its API in real time; ``_virtual`` plays them in virtual time (the node's clock
set by the player); ``_story`` tells which of a scenario's story beats a node's events show.
"""

from airparley.sim._approaches import Approach, closest_approaches
from airparley.sim._files import DEFAULT_SCENARIO, ShippedScenario, find_scenario, load_scenario, shipped_scenarios
from airparley.sim._kinematics import Response, Truth, orbit_waypoints, responses, simulate, step_count
from airparley.sim._model import (
    EVENT_TYPES,
    IDENTIFY,
    LANGUAGES,
    TIERS,
    Aircraft,
    CallEvent,
    Coverage,
    DeviateEvent,
    Deviation,
    Event,
    Frequency,
    IgnoreCallsEvent,
    MessageEvent,
    Officer,
    Orbit,
    Party,
    SafetyCallEvent,
    Scenario,
    Sensor,
    StoryBeat,
    Waypoint,
)
from airparley.sim._runner import CLOCKS, LagNotes, PartyTokens, RunSummary, parse_tokens, run_scenario
from airparley.sim._scenario import parse_scenario
from airparley.sim._sensors import SensorReport, sensor_reports
from airparley.sim._story import BeatOutcome, RecordedEvent, tell_story
from airparley.sim._types import AIRCRAFT_CLASSES, AIRCRAFT_TYPES, Limits, limits_for_type
from airparley.sim._virtual import VirtualClock, VirtualRun, VirtualTarget, play_virtual

__all__ = [
    "AIRCRAFT_CLASSES",
    "AIRCRAFT_TYPES",
    "CLOCKS",
    "DEFAULT_SCENARIO",
    "EVENT_TYPES",
    "IDENTIFY",
    "LANGUAGES",
    "TIERS",
    "Aircraft",
    "Approach",
    "BeatOutcome",
    "CallEvent",
    "Coverage",
    "DeviateEvent",
    "Deviation",
    "Event",
    "Frequency",
    "IgnoreCallsEvent",
    "LagNotes",
    "Limits",
    "MessageEvent",
    "Officer",
    "Orbit",
    "Party",
    "PartyTokens",
    "RecordedEvent",
    "Response",
    "RunSummary",
    "SafetyCallEvent",
    "Scenario",
    "Sensor",
    "SensorReport",
    "ShippedScenario",
    "StoryBeat",
    "Truth",
    "VirtualClock",
    "VirtualRun",
    "VirtualTarget",
    "Waypoint",
    "closest_approaches",
    "find_scenario",
    "limits_for_type",
    "load_scenario",
    "orbit_waypoints",
    "parse_scenario",
    "parse_tokens",
    "play_virtual",
    "responses",
    "run_scenario",
    "sensor_reports",
    "shipped_scenarios",
    "simulate",
    "step_count",
    "tell_story",
]
