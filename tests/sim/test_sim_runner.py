"""Driving a node with the scenario (against the CONTRACT STAND-IN of the tracks endpoint), and ``sim`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from ingest_support import contract_node
from typer.testing import CliRunner

from airparley.cli._sim import sim_app
from airparley.errors import InvalidInput, InvalidInputs
from airparley.ingest import PostSummary
from airparley.sim import PartyTokens, Scenario, Truth, parse_tokens, run_scenario, sensor_reports
from airparley.tactical import parse_track_lines

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "src" / "airparley" / "sim" / "scenarios" / "syria-iraq.yaml"
TOKENS = {"usa-sensor": "USA", "rus-sensor": "RUS", "tur-sensor": "TUR", "syr-sensor": "SYR", "usa-duty": "USA"}
TOKEN_FILE = {
    "USA": {"sensor": "usa-sensor", "duty": "usa-duty"},
    "RUS": "rus-sensor",
    "TUR": "tur-sensor",
    "SYR": "syr-sensor",
}

app = typer.Typer()
app.add_typer(sim_app, name="sim")
runner = CliRunner()


class _SafetyCalls(httpx.BaseTransport):
    """Records ``POST /api/v1/alerts/safety-call`` (the stand-in node serves tracks and messages only)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: list[tuple[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/alerts/safety-call":
            self.calls.append((request.headers["authorization"], json.loads(request.content)))
            return httpx.Response(201, json={})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_each_party_posts_its_own_sensors_reports_with_its_own_token(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    within = [r for r in reports if r.t_s <= 280]
    calls = _SafetyCalls()
    with contract_node(TOKENS) as node:
        summary = run_scenario(
            syria_iraq,
            reports,
            parse_tokens(TOKEN_FILE),
            node.url,
            speed=0,
            clock="scenario",
            duration_s=280,
            transport=calls,
        )
        stored = {party: node.states_of(party) for party in ("USA", "RUS", "TUR", "SYR")}
        messages = list(node.messages)
    assert summary.ok, summary.message_errors
    for party in stored:
        expected = sum(len(r.states) for r in within if r.party == party)
        assert len(stored[party]) == expected > 0
        assert summary.posts[party].accepted == expected
    assert {s["source"] for s in stored["RUS"]} == {"KHMEIMIM"}
    assert {s["source"] for s in stored["USA"]} == {"SENTRY60"}
    assert stored["USA"][0]["time"] == "2026-11-26T03:00:00.000Z"
    # the two calls about BERKUT21 (t = 255 and 270 s) went out with the USA duty token: a safety call about
    # the track as the USA picture holds it, then a message
    assert calls.calls == [("Bearer usa-duty", {"track": "RUS-SU35-1", "frequency_mhz": 243.0})]
    assert [(party, body["template"]) for party, body in messages] == [("USA", "your_aircraft_not_responding")]
    assert summary.messages_sent == 2


def test_the_run_is_paced_by_the_injected_clock_and_stamped_with_the_wall_clock(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    now = [1000.0]
    slept: list[float] = []
    posted: dict[str, list[dict[str, Any]]] = {}

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    class Recorder:
        def __init__(self, token: str) -> None:
            self.token = token

        def submit(self, states: Any) -> None:
            posted.setdefault(self.token, []).extend(states)

        def flush(self) -> None:
            pass

        def close(self, timeout_s: float = 30.0) -> PostSummary:
            return PostSummary(submitted=len(posted.get(self.token, [])))

        @property
        def refused(self) -> str | None:
            return None

    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    tokens = {p: PartyTokens(f"{p}-token") for p in ("USA", "RUS", "TUR", "SYR")}
    summary = run_scenario(
        syria_iraq,
        reports,
        tokens,
        "http://127.0.0.1:9",
        speed=10.0,
        clock="now",
        duration_s=60.0,
        wall_time=lambda: 1_800_000_000.0,
        monotonic=lambda: now[0],
        sleep=sleep,
        poster_factory=lambda _url, token: Recorder(token),
    )
    assert sum(slept) == pytest.approx(6.0)  # 60 s of scenario at 10x
    assert summary.reports == sum(1 for r in reports if r.t_s <= 60.0)
    times = sorted({s["time"] for s in posted["RUS-token"]})
    assert times[0] == "2027-01-15T08:00:00.000Z"  # the wall clock at the start
    assert times[1] == "2027-01-15T08:00:00.600Z"  # KHMEIMIM's 6 s tick, 0.6 s later at 10x
    assert {s["source"] for s in posted["RUS-token"]} == {"KHMEIMIM"}


def test_ctrl_c_stops_the_run_and_still_closes_the_posters(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    closed: list[str] = []
    sleeps = [0]

    def sleep(_seconds: float) -> None:
        sleeps[0] += 1
        if sleeps[0] == 5:
            raise KeyboardInterrupt

    class Recorder:
        def __init__(self, token: str) -> None:
            self.token = token

        def submit(self, states: Any) -> None:
            pass

        def flush(self) -> None:
            pass

        def close(self, timeout_s: float = 30.0) -> PostSummary:
            closed.append(self.token)
            return PostSummary()

        @property
        def refused(self) -> str | None:
            return None

    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    tokens = {p: PartyTokens(p) for p in ("USA", "RUS", "TUR", "SYR")}
    summary = run_scenario(
        syria_iraq,
        reports,
        tokens,
        "http://127.0.0.1:9",
        speed=1.0,
        monotonic=lambda: 0.0,  # time stands still: every report after t = 0 is waited for
        sleep=sleep,
        poster_factory=lambda _url, token: Recorder(token),
    )
    assert summary.stopped
    assert 0 < summary.reports < len(reports)
    assert sorted(closed) == ["RUS", "SYR", "TUR", "USA"]


def test_tokens_are_checked_before_anything_is_sent(syria_iraq: Scenario) -> None:
    with pytest.raises(InvalidInputs) as caught:
        run_scenario(syria_iraq, [], {"USA": PartyTokens("x")}, "http://127.0.0.1:9", speed=0)
    assert sorted(e.field for e in caught.value.errors) == ["RUS", "SYR", "TUR"]
    with pytest.raises(InvalidInputs, match="USA"):
        parse_tokens({"USA": {"duty": "x"}})
    with pytest.raises(InvalidInput):
        parse_tokens(["x"])


def test_sim_check_lists_the_close_pass() -> None:
    result = runner.invoke(app, ["sim", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "15 aircraft, 4 sensors, 6 events" in result.stdout
    assert "RUS-SU35-1 (BERKUT21): does not answer" in result.stdout
    assert "RUS-SU34-1 (GRACH31): complies" in result.stdout
    as_json = runner.invoke(app, ["sim", "check", str(EXAMPLE), "--json", "--h-nm", "1", "--v-ft", "500"])
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"a": "USA-E3-1", "b": "RUS-SU35-1", "t_s": 302.0, "dist_nm": 0.152, "dalt_ft": 300}
    ]


def test_sim_tracks_writes_what_the_sensors_report(tmp_path: Path) -> None:
    out = tmp_path / "tracks.jsonl"
    result = runner.invoke(app, ["sim", "tracks", str(EXAMPLE), "--out", str(out), "--duration", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    parsed = parse_track_lines(lines)
    assert parsed.ok
    assert {json.loads(line)["reported_by"] for line in lines} == {"USA", "RUS", "TUR", "SYR"}
    assert max(parsed.states.time_s) - min(parsed.states.time_s) <= 120
    again = runner.invoke(app, ["sim", "tracks", str(EXAMPLE), "--out", "-", "--duration", "120", "--seed", "3"])
    assert again.stdout.splitlines() == lines
    rus = runner.invoke(app, ["sim", "tracks", str(EXAMPLE), "--party", "RUS", "--duration", "30"])
    assert {json.loads(line)["source"] for line in rus.stdout.splitlines()} == {"KHMEIMIM"}
    truth = runner.invoke(app, ["sim", "tracks", str(EXAMPLE), "--truth", "--duration", "10"])
    truth_lines = truth.stdout.splitlines()
    assert len(truth_lines) == 11 * 11  # 11 steps of the 11 aircraft flying from t = 0 (4 start later)
    assert {json.loads(line)["source"] for line in truth_lines} == {"truth"}


def test_sim_run_against_the_stand_in(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKEN_FILE), encoding="utf-8")
    with contract_node(TOKENS) as node:
        args = ["sim", "run", str(EXAMPLE), "--url", node.url, "--tokens", str(tokens), "--speed", "0"]
        result = runner.invoke(app, [*args, "--duration", "30"])
        assert result.exit_code == 0, result.output
        assert len(node.states_of("TUR")) > 0
    assert "USA: " in result.stderr
    assert "messages: 0 sent, 0 skipped, 0 failed" in result.stderr


def test_sim_commands_refuse_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2026-11-26T03:00:00Z\nparties: []\naircraft: [{id: A}]\n", encoding="utf-8")
    result = runner.invoke(app, ["sim", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: parties: must not be empty" in result.stderr
    assert f"{bad}: aircraft.0.party: is missing" in result.stderr
    tokens = tmp_path / "tokens.json"
    tokens.write_text("{not json", encoding="utf-8")
    no_tokens = runner.invoke(app, ["sim", "run", str(EXAMPLE), "--tokens", str(tokens)])
    assert no_tokens.exit_code == 2
    assert "not valid JSON" in no_tokens.stderr
    tokens.write_text(json.dumps({"USA": "x"}), encoding="utf-8")
    missing = runner.invoke(app, ["sim", "run", str(EXAMPLE), "--tokens", str(tokens), "--speed", "0"])
    assert missing.exit_code == 2
    assert "RUS: no sensor token" in missing.stderr
    refused_party = runner.invoke(app, ["sim", "tracks", str(EXAMPLE), "--party", "FRA"])
    assert refused_party.exit_code == 2


def test_a_run_that_falls_behind_says_so_and_skips_nothing(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    """Posting is slow at first (a report costs 0.5 s of wall time at 10x, 5 s of scenario): the runner never skips
    a report, tells ``on_lag`` when it falls behind and when it has caught up, and tells ``on_progress`` the
    time of everything it has handed over, in order."""
    now = [0.0]
    slow = [12]  # the first twelve reports are slow to post, the rest quick

    class Slow:
        def submit(self, states: Any) -> None:
            if slow[0] > 0:
                slow[0] -= 1
                now[0] += 0.5

        def flush(self) -> None:
            pass

        def close(self, timeout_s: float = 30.0) -> PostSummary:
            return PostSummary()

        @property
        def refused(self) -> str | None:
            return None

    def sleep(seconds: float) -> None:
        now[0] += seconds

    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    notes: list[str] = []
    reached: list[float] = []
    summary = run_scenario(
        syria_iraq,
        reports,
        {p: PartyTokens(p) for p in ("USA", "RUS", "TUR", "SYR")},
        "http://127.0.0.1:9",
        speed=10.0,
        clock="scenario",
        duration_s=120.0,
        monotonic=lambda: now[0],
        sleep=sleep,
        poster_factory=lambda _url, _token: Slow(),
        on_progress=reached.append,
        on_lag=notes.append,
    )
    within = [r for r in reports if r.t_s <= 120.0]
    assert summary.reports == len(within)  # nothing skipped
    assert reached == sorted(set(reached))  # told each new time once, never going back
    assert set(reached) <= {r.t_s for r in within}
    assert reached[-1] == within[-1].t_s  # at the end, everything
    assert summary.max_behind_s > 5.0
    assert "behind the wall clock" in notes[0]
    assert "caught up" in notes[-1]


def test_progress_waits_for_the_node_to_answer(syria_iraq: Scenario, syria_iraq_truth: Truth) -> None:
    """``on_progress`` never passes a report the node has not answered yet (the poster's counts)."""
    answered: dict[str, int] = {}
    pending: dict[str, int] = {}

    class Answering:
        """Answers each report only when the next one of its party is submitted."""

        def __init__(self, token: str) -> None:
            self.token = token

        def submit(self, states: Any) -> None:
            answered[self.token] = answered.get(self.token, 0) + pending.get(self.token, 0)
            pending[self.token] = len(states)

        def flush(self) -> None:
            pass

        @property
        def summary(self) -> PostSummary:
            return PostSummary(accepted=answered.get(self.token, 0))

        def close(self, timeout_s: float = 30.0) -> PostSummary:
            return PostSummary()

        @property
        def refused(self) -> str | None:
            return None

    reached: list[tuple[float, dict[str, int]]] = []
    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    run_scenario(
        syria_iraq,
        reports,
        {p: PartyTokens(p) for p in ("USA", "RUS", "TUR", "SYR")},
        "http://127.0.0.1:9",
        speed=0,
        clock="scenario",
        duration_s=60.0,
        poster_factory=lambda _url, token: Answering(token),
        on_progress=lambda t_s: reached.append((t_s, dict(answered))),
    )
    assert reached
    for t_s, done in reached[:-1]:
        # every report up to t_s was answered when the runner said it had reached t_s
        needed: dict[str, int] = {}
        for report in reports:
            if report.t_s <= t_s:
                needed[report.party] = needed.get(report.party, 0) + len(report.states)
        assert all(done.get(party, 0) >= count for party, count in needed.items()), (t_s, done, needed)
    assert max(t for t, _ in reached[:-1]) < 60.0  # the last report of each party is answered only at close


def test_a_run_paced_by_a_held_story_clock_sends_each_report_when_the_clock_reaches_it(
    syria_iraq: Scenario, syria_iraq_truth: Truth
) -> None:
    """The live demo's arrangement: the story clock waits for what the run has had answered (and at most
    ``lead_s`` more), the run waits for the story clock. Neither waits for ever, and every report goes out
    once the clock has reached its time, never before."""
    from airparley.cli._demo import LiveClock

    wall = [0.0]
    clock = LiveClock(start_s=syria_iraq.start_s, speed=10.0, lead_s=12.0, tick_lead_s=1e9, monotonic=lambda: wall[0])
    sent_at: list[tuple[float, float]] = []

    class Recorder:
        def submit(self, states: Any) -> None:
            sent_at.append((float(states[0]["time"][17:23]) if states else -1.0, clock.story_s()))

        def flush(self) -> None:
            pass

        def close(self, timeout_s: float = 30.0) -> PostSummary:
            return PostSummary()

        @property
        def refused(self) -> str | None:
            return None

    def sleep(seconds: float) -> None:
        wall[0] += seconds * 3.0  # a slow machine: three times the time asked for passes

    reports = sensor_reports(syria_iraq, syria_iraq_truth, seed=1)
    summary = run_scenario(
        syria_iraq,
        reports,
        {p: PartyTokens(p) for p in ("USA", "RUS", "TUR", "SYR")},
        "http://127.0.0.1:9",
        speed=10.0,
        clock="scenario",
        duration_s=50.0,
        sleep=sleep,
        poster_factory=lambda _url, _token: Recorder(),
        on_progress=clock.reached,
        story_s=clock.story_s,
    )
    assert summary.reports == sum(1 for r in reports if r.t_s <= 50.0)
    report_times = [r.t_s for r in reports if r.t_s <= 50.0 and len(r.states)]
    assert [t for t, _ in sent_at if t >= 0] == report_times  # the seconds of each state's time, in order
    assert all(story >= t for t, story in sent_at)
