"""``airparley demo``: the headless run tells the same story in virtual time on any machine under any load, the
live run tells it even when it lags, ``--db`` means one thing, and the scenario ships with the package."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from node_support import _free_port
from typer.testing import CliRunner

from airparley.cli import app
from airparley.cli._demo import LiveClock, SeededIds

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "src" / "airparley" / "sim" / "scenarios"
runner = CliRunner()

#: Each beat of the Syria/Iraq story and when (scenario seconds) the headless run shows it: the Palmyra and
#: al-Bab conflicts and the bomber corridor when the notices are filed, the alert at al-Bab, the warning
#: and the incident of BERKUT21 at the E-3, the Palmyra case's deadline (180 s, urgent), the safety call of
#: t = 255 s ringing every 60 s, then at its 180 s deadline escalated and BERKUT21 flagged.
STORY_AT_S = {
    "palmyra_conflict": 0.0,
    "palmyra_case_escalated": 181.0,
    "al_bab_conflict": 0.0,
    "al_bab_alert": 172.0,
    "caspian_transit": 0.0,
    "e3_warning": 242.0,
    "e3_incident": 306.0,
    "safety_call_rings": 315.0,
    "safety_call_escalated": 435.0,
    "berkut21_non_responsive": 435.0,
}


#: ``python -m airparley.cli`` with every wait on the wall clock counted: ``time.sleep`` and each wait on a
#: ``threading.Condition`` (``Event.wait``, ``Thread.join``, queues), reported on standard error at exit as
#: ``WALL WAITS {"sleeps": n, "slept_s": s, "waits": n}``. Patched before airparley is imported, so a
#: ``from time import sleep`` anywhere in it is counted too.
_COUNTING_WAITS = """
import atexit, json, runpy, sys, threading, time
waits = {"sleeps": 0, "slept_s": 0.0, "waits": 0}
_sleep, _wait = time.sleep, threading.Condition.wait
def sleep(seconds):
    waits["sleeps"] += 1
    waits["slept_s"] += seconds
    _sleep(seconds)
def wait(self, timeout=None):
    waits["waits"] += 1
    return _wait(self, timeout)
time.sleep, threading.Condition.wait = sleep, wait
atexit.register(lambda: print("WALL WAITS " + json.dumps(waits), file=sys.stderr))
runpy.run_module("airparley.cli", run_name="__main__", alter_sys=True)
"""


def _demo(
    args: list[str], cwd: Path, timeout_s: float = 120.0, waits: dict[str, float] | None = None
) -> tuple[dict[str, Any], str]:
    """The demo's summary and its standard output; with ``waits``, filled with its waits on the wall clock."""
    launcher = ["-c", _COUNTING_WAITS] if waits is not None else ["-m", "airparley.cli"]
    result = subprocess.run(
        [sys.executable, *launcher, "demo", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    if waits is not None:
        counted = [line for line in result.stderr.splitlines() if line.startswith("WALL WAITS ")]
        assert len(counted) == 1, result.stderr[-3000:]
        waits.update(json.loads(counted[0].removeprefix("WALL WAITS ")))
    return json.loads(result.stdout[result.stdout.index("\n{") + 1 :]), result.stdout


@contextmanager
def _cpu_burners(count: int, seconds: float) -> Iterator[None]:
    """``count`` processes spinning a core each, for at most ``seconds`` (they stop by themselves)."""
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"
    burners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def _ledger(db: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT party, seq, hash FROM ledger_entries ORDER BY party, seq").fetchall()
    return [(str(p), int(s), str(h)) for p, s, h in rows]


def _assert_the_story(summary: dict[str, Any]) -> None:
    assert summary["conflicts"] >= 3  # Palmyra, the corridor and the E-3 orbit, al-Bab
    assert summary["alerts_by_level"].get("warning", 0) >= 1  # the Su-35 passing the E-3
    assert summary["incidents"] >= 1  # ...within half a mile and 500 ft
    assert summary["case_escalations"] == 1  # the Palmyra case nobody answers goes to the generals
    assert summary["safety_calls_escalated"] >= 1  # the Russian pilot who does not answer
    # ...is flagged non-responsive (no acknowledgement, no manoeuvre in 180 s); GRACH31, who turns, is not.
    assert summary["non_responsive_flags"] == [
        {"callsign": "BERKUT21", "track": "RUS-SU35-1", "owner": "RUS", "caller": "USA"}
    ]
    beats = {b["beat"]: b for b in summary["story"]}
    assert list(beats) == list(STORY_AT_S)
    missing = [name for name, b in beats.items() if not (b["happened"] and b["events"] >= 1)]
    assert missing == [], summary


@pytest.mark.slow
def test_the_headless_demo_tells_the_same_story_at_any_speed_and_under_load(tmp_path: Path) -> None:
    # Run from a folder that is not the repository: the scenario ships with the package.
    quiet, busy = tmp_path / "quiet.db", tmp_path / "busy.db"
    # Virtual time never waits on the wall clock (counted in each run: no sleep, no timed or blocking wait), so
    # the load cannot change the story; how long the runs take on a loaded machine is not the test's business.
    # The timeouts (600 s each) only stop a hung run.
    quiet_waits: dict[str, float] = {}
    busy_waits: dict[str, float] = {}
    first, stdout = _demo(["--headless", "--duration", "470", "--db", str(quiet)], tmp_path, 600.0, quiet_waits)
    # One process spinning beside the run, and the suite's other worker beside them: both cores are busy. A
    # second spinner cost the suite another core for the whole run (about a minute of CPU) to load it further.
    with _cpu_burners(1, seconds=60.0):
        busy_args = ["--headless", "--duration", "470", "--speed", "0.5", "--db", f"sqlite:///{busy}"]
        second, _ = _demo(busy_args, tmp_path, 600.0, busy_waits)
    assert quiet_waits == busy_waits == {"sleeps": 0, "slept_s": 0.0, "waits": 0}
    assert first == second
    _assert_the_story(first)
    beats = {b["beat"]: b for b in first["story"]}
    assert {name: b["at_s"] for name, b in beats.items()} == STORY_AT_S
    start = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    for name, at_s in STORY_AT_S.items():
        assert beats[name]["time"] == (start + timedelta(seconds=at_s)).isoformat().replace("+00:00", "Z")
    assert first["demo"]["clock"] == "virtual"
    assert first["demo"]["act_errors"] == []
    assert first["demo"]["refused_states"] == 0
    assert first["demo"]["lagging"] is False
    # The same ledger, entry for entry, and the summary names its heads.
    entries = _ledger(quiet)
    assert entries == _ledger(busy)
    assert len(entries) == sum(p["entries"] for p in first["ledger"].values())
    heads = {party: hash_ for party, _, hash_ in entries}  # the last of each party's, in seq order
    assert heads == {party: p["head"] for party, p in first["ledger"].items()}
    assert "USA duty   token: ap_" in stdout


def test_seeded_ids_and_the_live_clock() -> None:
    ids, again = SeededIds(7), SeededIds(7)
    drawn = [ids("msg"), ids("case"), ids("msg")]
    assert drawn == [again("msg"), again("case"), again("msg")]
    assert len(set(drawn)) == 3
    assert drawn[0].startswith("msg-")
    assert drawn[1].startswith("case-")
    assert SeededIds(8)("msg") != drawn[0]
    wall = [100.0]
    clock = LiveClock(start_s=1_000_000.0, speed=10.0, lead_s=12.0, tick_lead_s=1e9, monotonic=lambda: wall[0])
    wall[0] += 1.0  # 10 s of scenario: within the lead, so the clock is the wall's
    assert clock().timestamp() == 1_000_010.0
    wall[0] += 9.0  # 100 s of scenario, but the simulator has had nothing answered past 0 s: held at 0 + lead
    assert clock().timestamp() == 1_000_012.0
    clock.reached(50.0)  # it catches up: the clock follows it, never more than the lead ahead
    assert clock().timestamp() == 1_000_062.0
    clock.reached(200.0)
    assert clock().timestamp() == 1_000_100.0  # the wall's again
    clock.tick_lead_s = 2.0  # and the node's scheduler: its last pass was for 0 s
    assert clock().timestamp() == 1_000_100.0  # never back
    wall[0] += 1.0
    assert clock().timestamp() == 1_000_100.0  # held: the scheduler has not done its pass for 100 s yet
    clock.ticked(datetime.fromtimestamp(1_000_105.0, UTC))
    assert clock().timestamp() == 1_000_107.0  # its pass for 105 s done: 2 s more
    clock.tick_lead_s = 1e9
    clock.reached(100.0)  # an older report never moves it back
    clock.release()
    wall[0] += 1.0  # released: runs on from where it was, without a jump
    assert clock().timestamp() == 1_000_117.0  # 107 s, then 1 s of wall at 10x


@pytest.mark.slow
def test_the_live_demo_tells_the_story_when_it_lags(tmp_path: Path) -> None:
    """At 40 times real time beside two busy processes the runner falls behind the wall clock: it says so
    (a warning line, ``demo.lagging``) and the story is told all the same."""
    port = _free_port()
    command = [sys.executable, "-m", "airparley.cli", "demo", "--speed", "40", "--duration", "470"]
    command += ["--port", str(port), "--db", str(tmp_path / "live.db")]
    with _cpu_burners(2, seconds=45.0):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 150.0
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("scenario played"):
                break
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=30)
    stdout = "".join(lines) + rest
    assert process.returncode == 0, stdout[-2000:] + stderr[-3000:]
    summary = json.loads(stdout[stdout.index("\n{") + 1 :])
    _assert_the_story(summary)
    assert summary["demo"]["clock"] == "live"
    if summary["demo"]["lagging"]:
        assert "behind the wall clock" in stderr
        assert summary["demo"]["max_behind_s"] > 5.0
    assert "Traceback" not in stderr


BAD_DBS = [
    pytest.param("sqlite:////no/such/folder/demo.db", "No such file or directory", id="sqlite-url-missing-folder"),
    pytest.param("/no/such/folder/demo.db", "No such file or directory", id="path-missing-folder"),
    pytest.param("bogus://somewhere/db", "unsupported database", id="unknown-scheme"),
    pytest.param("postgresql://nobody@127.0.0.1:1/nothing", "cannot open the database", id="unreachable-server"),
]


@pytest.mark.parametrize(("db", "says"), BAD_DBS)
def test_a_bad_database_is_one_line_and_exit_2(db: str, says: str, tmp_path: Path) -> None:
    """The installed command, as a user runs it (tests/cli/test_cli_db.py runs every command that takes --db)."""
    result = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--duration", "5", "--db", db],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: --db {db}: ")
    assert says in result.stderr


def test_db_is_a_url_or_a_path_and_must_be_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_url = runner.invoke(app, ["demo", "--headless", "--duration", "5", "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    assert as_url.exit_code == 0, as_url.output
    assert (tmp_path / "a.db").is_file()
    monkeypatch.chdir(tmp_path)  # a bare relative path is a file in the working folder
    as_path = runner.invoke(app, ["demo", "--headless", "--duration", "5", "--db", "b.db"])
    assert as_path.exit_code == 0, as_path.output
    assert (tmp_path / "b.db").is_file()
    again = runner.invoke(app, ["demo", "--headless", "--duration", "5", "--db", str(tmp_path / "a.db")])
    assert again.exit_code == 2
    assert "already holds a node's parties" in again.stderr


def test_the_shipped_scenarios_are_listed_and_found_from_anywhere(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    name, title, location = listed.stdout.splitlines()[0].split("\t")
    assert (name, title) == ("syria-iraq", "Syria/Iraq, night of 25-26 November")
    assert Path(location).is_file()
    # A scenario can still be given by path (its notices file next to it).
    for file in ("syria-iraq.yaml", "syria-iraq.geojson"):
        shutil.copy(SCENARIOS / file, tmp_path / file)
    (tmp_path / "syria-iraq.yaml").write_text(
        (tmp_path / "syria-iraq.yaml").read_text(encoding="utf-8").replace("name: Syria/Iraq", "name: My copy"),
        encoding="utf-8",
    )
    summary, _ = _demo([str(tmp_path / "syria-iraq.yaml"), "--headless", "--duration", "30"], tmp_path)
    assert summary["scenario"].startswith("My copy")
    missing = runner.invoke(app, ["demo", "no-such-scene", "--headless"])
    assert missing.exit_code == 2
    assert "no such file, nor a scenario that ships with airparley (syria-iraq)" in missing.stderr
    bad_speed = runner.invoke(app, ["demo", "--speed", "0"])
    assert bad_speed.exit_code == 2
    assert "speed: must be > 0" in bad_speed.stderr
