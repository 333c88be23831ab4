"""Virtual time: the player sets the node's clock, posts each step's reports, makes its acts, then ticks the node;
and the story teller reads a scenario's beats off the node's events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from airparley.cli._demo import NodeTarget, SeededIds, _palmyra_case, _set_up, seeded_keys
from airparley.errors import InvalidInputs
from airparley.node import Node, NodeSettings
from airparley.sim import (
    CallEvent,
    Scenario,
    SensorReport,
    Truth,
    VirtualClock,
    load_scenario,
    parse_scenario,
    play_virtual,
    sensor_reports,
    tell_story,
)
from airparley.store import Store


class _Watched:
    """The real node's target, with a log of what was done at which clock time."""

    def __init__(self, inner: NodeTarget, clock: VirtualClock) -> None:
        self.inner, self.clock = inner, clock
        self.log: list[tuple[float, str]] = []

    def post(self, report: SensorReport) -> int:
        self.log.append((self.clock.t_s, "report"))
        return self.inner.post(report)

    def act(self, event: CallEvent) -> str | None:
        self.log.append((self.clock.t_s, "act"))
        return self.inner.act(event)

    def tick(self) -> None:
        self.log.append((self.clock.t_s, "tick"))
        self.inner.tick()


def _node(tmp_path: Path, scenario: Scenario) -> tuple[Node, VirtualClock, NodeTarget]:
    store = Store.open(f"sqlite:///{tmp_path / 'virtual.db'}")
    clock = VirtualClock(scenario.start_s)
    with store.begin() as tx:
        for party in scenario.parties:
            tx.add_party(party.code, party.name, party.language, clock())
    parties = [p.code for p in scenario.parties]
    node = Node(store, NodeSettings(), clock, keys=seeded_keys(parties, 1), ids=SeededIds(1))
    scene = _set_up(node, scenario, 1)
    _palmyra_case(node, scene.duty)
    return node, clock, NodeTarget(node, scene.duty)


def test_each_step_posts_then_acts_then_ticks_with_the_clock_at_its_time(
    tmp_path: Path, syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    node, clock, target = _node(tmp_path, syria_iraq)
    watched = _Watched(target, clock)
    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    run = play_virtual(syria_iraq, reports, watched, clock, duration_s=300.0)
    assert run.ticks == 301  # every second from 0 to 300
    assert run.reports == sum(1 for r in reports if r.t_s <= 300.0)
    assert run.refused_states == 0
    assert run.acts == 2  # the safety call at 255 s and the message at 270 s
    assert run.act_errors == []
    assert [t for t, _ in watched.log] == sorted(t for t, _ in watched.log)
    order = {"report": 0, "act": 1, "tick": 2}
    for (t_a, a), (t_b, b) in zip(watched.log, watched.log[1:], strict=False):
        assert t_a < t_b or order[a] <= order[b], (t_a, a, b)
    assert (255.0, "act") in watched.log
    # The safety call found BERKUT21 in the coalition picture and armed a watch; the node's clock is the scenario's.
    assert clock() == datetime(2026, 11, 26, 3, 5, tzinfo=UTC)
    with node.store.begin() as tx:
        watches = tx.open_watches()
    assert [w.track for w in watches] == ["RUS-SU35-1"]
    node.store.close()


def test_the_story_is_read_off_the_nodes_events(tmp_path: Path, syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    node, clock, target = _node(tmp_path, syria_iraq)
    play_virtual(syria_iraq, sensor_reports(syria_iraq, syria_iraq_truth, seed=1), target, clock, duration_s=250.0)
    with node.store.begin() as tx:
        events = tx.events_after(0, 100_000)
    told = {b.beat.beat: b for b in tell_story(syria_iraq, events)}
    assert list(told) == [b.beat for b in syria_iraq.story]
    # By 250 s: the conflicts at filing, the Palmyra case's escalation, the al-Bab alert, BERKUT21's warning...
    assert told["palmyra_conflict"].at_s == 0.0
    assert told["palmyra_case_escalated"].at_s == 181.0
    assert told["e3_warning"].happened
    # ...but not yet the incident (306 s) nor the flag (435 s): a beat the node did not record did not happen.
    assert not told["e3_incident"].happened
    assert told["e3_incident"].as_dict() == {
        "beat": "e3_incident",
        "title": told["e3_incident"].beat.title,
        "happened": False,
        "at_s": None,
        "time": None,
        "events": 0,
    }
    assert not told["berkut21_non_responsive"].happened
    node.store.close()


def _document(story: Any) -> dict[str, Any]:
    return {
        "name": "x",
        "start": "2026-11-26T03:00:00Z",
        "parties": [{"code": "USA", "name": "u", "language": "en"}],
        "aircraft": [
            {
                "id": "A",
                "party": "USA",
                "callsign": "A1",
                "type": "F-16",
                "route": [
                    {"lat": 34.0, "lon": 38.0, "alt_ft": 20000, "speed_kt": 400},
                    {"lat": 34.5, "lon": 38.5, "alt_ft": 20000, "speed_kt": 400},
                ],
            }
        ],
        "story": story,
    }


def test_story_beats_are_validated() -> None:
    good = parse_scenario(
        _document(
            [{"beat": "b", "title": "t", "event": "alert.raised", "names": ["A1"], "where": {"level_name": "warning"}}]
        )
    )
    assert good.story[0].names == ("A1",)
    assert good.story[0].where == (("level_name", "warning"),)
    with pytest.raises(InvalidInputs) as caught:
        parse_scenario(
            _document(
                [
                    {"beat": "b", "title": "t", "event": "Alert Raised", "names": [{"x": 1}], "where": [1]},
                    {"beat": "b", "title": "t", "event": "alert.raised", "colour": "red"},
                    {"title": "t", "event": "alert.raised"},
                ]
            )
        )
    fields = sorted(e.field for e in caught.value.errors)
    assert fields == [
        "story.0.event",
        "story.0.names.0",
        "story.0.where",
        "story.1.beat",
        "story.1.colour",
        "story.2.beat",
    ]


def test_virtual_time_never_goes_back() -> None:
    clock = VirtualClock(0.0)
    clock.set(5.0)
    with pytest.raises(Exception, match="never goes back"):
        clock.set(4.0)


def test_the_shipped_scenario_loads_by_name() -> None:
    assert load_scenario("syria-iraq") == load_scenario("syria-iraq.yaml")
    assert len(load_scenario("syria-iraq").story) == 10
