"""A live demo's lag on the event feed (issue 13): every party's desk hears ``simulation.lag`` with the same
payload, and the demo tells it when it falls behind, as its figure moves, and once when it has caught up; a desk
that opens mid-lag reads the lag as it stands (``GET /api/v1/simulation/lag``)."""

from __future__ import annotations

import httpx
from node_support import Running
from palmyra import usa_strike

from airparley.cli._demo import DeskLag
from airparley.node import tell_lag


def test_the_lag_reaches_every_party_alike_over_http(running: Running) -> None:
    after = {
        name: running.desk(name).client.get("/api/v1/events").json()["cursor"]
        for name in ("usa_duty", "rus_duty", "tur_observer", "syr_senior")
    }
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 12.34, True, "the demo is 12 s of scenario time behind the wall clock")
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 0.0, False, "the demo has caught up with the wall clock")
    seen = []
    for name, cursor in after.items():
        events = running.desk(name).client.get(f"/api/v1/events?after={cursor}").json()["events"]
        lags = [e for e in events if e["kind"] == "simulation.lag"]
        assert [e["data"]["lagging"] for e in lags] == [True, False], name
        seen.append([e["data"] for e in lags])
    assert all(data == seen[0] for data in seen)  # not party-secret: one payload for all
    assert seen[0][0] == {
        "behind_s": 12.3,
        "lagging": True,
        "note": "the demo is 12 s of scenario time behind the wall clock",
    }
    # A sensor token reads no feed, the lag included.
    assert running.desk("usa_sensor").client.get("/api/v1/events").status_code == 403


def test_the_demo_tells_the_desks_when_behind_as_it_moves_and_once_caught_up() -> None:
    told: list[tuple[float, bool]] = []
    wall = [0.0]
    desks = DeskLag(lambda behind, lagging, _note: told.append((behind, lagging)), monotonic=lambda: wall[0])
    desks.see(3.0)  # within the 5 s tolerated: nothing
    desks.see(6.0)  # behind: told at once
    desks.see(9.0)  # moved, but within 2 wall seconds of the last note
    wall[0] = 2.5
    desks.see(9.4)  # moved by 3.4 s since the last note, 2.5 s later: told
    wall[0] = 5.0
    desks.see(9.9)  # moved by less than a second: not told again
    desks.see(3.0)  # less behind, not caught up: still lagging, the banner stays (9.4 s shown)
    desks.see(0.5)  # caught up: told once
    desks.see(0.2)
    assert told == [(6.0, True), (9.4, True), (0.0, False)]


def test_a_demo_stopped_while_behind_clears_the_banner_and_one_caught_up_says_nothing_more() -> None:
    told: list[tuple[float, bool, str]] = []
    desks = DeskLag(lambda behind, lagging, note: told.append((behind, lagging, note)), monotonic=lambda: 0.0)
    desks.see(7.0)
    desks.stopped()  # Ctrl-C while behind
    desks.stopped()  # told once
    assert told[1:] == [(0.0, False, "the demo stopped")]
    assert told[0][:2] == (7.0, True)
    told.clear()
    desks.see(6.0)
    desks.see(0.5)  # caught up before the stop: the banner is already gone
    desks.stopped()
    assert [lagging for _, lagging, _ in told] == [True, False]


def test_the_lag_as_it_stands_is_the_newest_note_for_every_reader(running: Running) -> None:
    def lag(name: str) -> httpx.Response:
        return running.desk(name).client.get("/api/v1/simulation/lag")

    never = lag("usa_duty").json()
    assert never == {"behind_s": 0.0, "lagging": False, "note": "", "seq": None, "time": None}
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 8.04, True, "the demo is 8 s behind")
    # Other events after the note (read since the last look, not from the start) do not hide it.
    assert running.desk("usa_duty").client.post("/api/v1/notices", json=usa_strike()).status_code == 201
    answers = {name: lag(name).json() for name in ("usa_duty", "rus_duty", "tur_observer", "syr_senior")}
    first = answers["usa_duty"]
    assert (first["behind_s"], first["lagging"], first["note"]) == (8.0, True, "the demo is 8 s behind")
    assert isinstance(first["seq"], int)
    assert first["time"].endswith("Z")
    assert all(answer == first for answer in answers.values())
    # A party added after the note reads it too: the lag is the exercise's, not a party's.
    with running.node.store.begin() as tx:
        tx.add_party("GBR", "United Kingdom", "en", running.clock())
        _, token = tx.add_officer("GBR", "GBR duty", "duty", running.clock())
    late = httpx.get(f"{running.url}/api/v1/simulation/lag", headers={"Authorization": f"Bearer {token}"})
    assert late.json() == first
    with running.node.write() as tx:
        tell_lag(tx, running.clock(), 0.0, False, "the demo has caught up")
    caught_up = lag("rus_duty").json()
    assert (caught_up["lagging"], caught_up["behind_s"]) == (False, 0.0)
    assert caught_up["seq"] > first["seq"]
    assert lag("usa_sensor").status_code == 403  # who reads the feed reads the lag; a sensor neither
