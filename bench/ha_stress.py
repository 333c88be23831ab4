"""The one-node-many-processes stress run of issue 18, shared by its test and its benchmark.

``tests/node/test_ha_stress.py`` runs it at a rate a loaded 2-core machine sustains within a minute;
``bench/ha.py --stress`` runs it at the issue's 200 writes/s and reports the figures. Both call ``run``.

Two real ``airparley serve`` processes on one PostgreSQL database (the caller's). Writes are issued open
loop at ``rate_per_s``, alternately a hotline message and a notice, and alternately to each process (write
``i`` goes to process ``(i // 2) % 2``, so both kinds reach both). Each write carries an ``Idempotency-Key``;
a write that fails (connection refused or cut, or a 5xx) is sent again with the same key to the other
process, and then alternately, until it is acknowledged (2xx). Among the messages, every
``safety_every``-th is a safety message USA -> RUS that nobody acknowledges (it rings every
``ring_interval_s`` and escalates after ``escalate_after_s``); every ``case_every``-th write opens an
urgent contention case RUS -> USA that nobody answers (it escalates after ``case_deadline_s``). The
others are routine messages RUS -> USA and USA notices.

Meanwhile ``kills`` times, at moments and on processes drawn from ``seed`` (reproducible; a kill waits
until both processes serve, so one always does), one process is ``kill -9``ed and started again on the
same port. Two WebSocket clients per party (one on each process to begin with) read ``/api/v1/events``;
when their process dies they reconnect to the other with ``after=<last seq>``.

After the writes, the run waits for every escalation to come due, then checks (``Outcome.problems`` lists
whatever does not hold):
- every write was acknowledged, and each is in the ledger exactly once (``message.sent`` per message id,
  ``notice.filed`` per notice id, ``case.opened`` per case id), and nothing else was written;
- ``airparley ledger export`` of the database passes ``airparley ledger verify`` (the real CLI);
- every safety message escalated exactly once (one ``message.escalated`` event and ledger entry) and every
  case exactly once (one ``case.escalated`` event, one entry in each party's chain), and no ring was rung
  twice;
- every WebSocket client received every event its party may see, once each, in ``seq`` order.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import websockets

from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text
from airparley.store import Store

PARTIES = (("USA", "Coalition", "en"), ("RUS", "Russian Group", "ru"))


@dataclass(frozen=True)
class StressConfig:
    rate_per_s: float = 20.0  # writes a second, messages and notices alternately, over both processes
    duration_s: float = 40.0  # of writing
    kills: int = 10
    seed: int = 18
    ring_interval_s: int = 2
    escalate_after_s: int = 4
    case_deadline_s: int = 4
    safety_every: int = 10  # every n-th message is a safety message (rung, then escalated)
    case_every: int = 20  # every n-th write opens an urgent case (escalated)
    in_flight: int = 64  # writes outstanding at most; a slower node delays the next ones (the rate is reported)
    retry_for_s: float = 60.0  # a write not acknowledged by then is given up (and reported)


@dataclass
class Write:
    index: int
    kind: str  # "message", "safety", "notice" or "case"
    key: str
    scheduled_s: float
    sent_s: float = 0.0
    acked_s: float | None = None
    attempts: int = 0
    ident: str = ""  # message_id, notice_id or case_id


@dataclass
class Kill:
    at_s: float  # since the run's start
    process: int
    waited_s: float  # for the other process to be serving first
    restarted_in_s: float = 0.0  # from the kill until the restarted process served again


@dataclass
class Outcome:
    config: StressConfig
    writes: list[Write]
    kills: list[Kill]
    received: dict[str, list[dict[str, Any]]]  # per WebSocket client
    reconnects: int
    escalation_late_s: list[float]  # escalation time minus its due time
    wall_s: float
    rings: int = 0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """What the benchmark reports (times in ms unless named otherwise)."""
        acked = [w for w in self.writes if w.acked_s is not None]
        latencies = sorted(((w.acked_s or 0) - w.sent_s) * 1000 for w in acked)
        lateness = sorted((w.sent_s - w.scheduled_s) * 1000 for w in self.writes)
        span = max((w.acked_s or 0) for w in acked) - min(w.sent_s for w in self.writes) if acked else 0.0
        return {
            "rate_asked_per_s": self.config.rate_per_s,
            "duration_s": self.config.duration_s,
            "seed": self.config.seed,
            "safety_every": self.config.safety_every,
            "case_every": self.config.case_every,
            "writes": len(self.writes),
            "acknowledged": len(acked),
            "rate_achieved_per_s": round(len(acked) / span, 1) if span else 0.0,
            "send_lag_p99_ms": _pct(lateness, 0.99),
            "write_p50_ms": _pct(latencies, 0.5),
            "write_p99_ms": _pct(latencies, 0.99),
            "write_max_ms": round(latencies[-1], 1) if latencies else None,
            "retried_writes": sum(1 for w in self.writes if w.attempts > 1),
            "kills": len(self.kills),
            "kill_times_s": [round(k.at_s, 2) for k in self.kills],
            "killed_processes": [k.process for k in self.kills],
            "restart_s_max": round(max((k.restarted_in_s for k in self.kills), default=0.0), 2),
            "escalations": len(self.escalation_late_s),
            "rings": self.rings,
            "escalation_late_s_max": round(max(self.escalation_late_s, default=0.0), 2),
            "escalation_late_s_median": round(statistics.median(self.escalation_late_s), 2)
            if self.escalation_late_s
            else None,
            "websocket_clients": len(self.received),
            "websocket_events_min": min((len(r) for r in self.received.values()), default=0),
            "websocket_reconnects": self.reconnects,
            "wall_s": round(self.wall_s, 1),
            "problems": self.problems[:10],
            "load_avg_1min": os.getloadavg()[0],
        }


def _pct(values: list[float], q: float) -> float | None:
    return round(values[int(q * (len(values) - 1))], 1) if values else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Setup:
    db_url: str
    keys: Path
    tokens: dict[str, str]  # party -> duty officer's token


def _prepare(db_url: str, folder: Path) -> _Setup:
    keys = folder / "keys"
    keys.mkdir()
    store = Store.open(db_url)
    tokens: dict[str, str] = {}
    now = datetime.now(UTC)
    with store.begin() as tx:
        for code, name, language in PARTIES:
            key = generate_key()
            (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
            tx.add_party(code, name, language, now, public_key=public_key_to_text(key))
            _, tokens[code] = tx.add_officer(code, f"{code} duty", "duty", now)
            tx.add_officer(code, f"{code} senior", "senior", now)
    store.close()
    return _Setup(db_url, keys, tokens)


class _Process:
    """One ``airparley serve`` on a fixed port, started again on the same port after each kill."""

    def __init__(self, setup: _Setup, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self._command = [
            sys.executable,
            *("-m", "airparley.cli", "serve"),
            *("--db", setup.db_url, "--port", str(self.port), "--keys", str(setup.keys)),
        ]
        self._env = {**os.environ, **env}
        self._log = log
        self.popen: subprocess.Popen[bytes] | None = None
        self.serving = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self._log.open("ab") as log:
            self.popen = subprocess.Popen(self._command, stdout=log, stderr=log, env=self._env)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    raise RuntimeError(f"serve exited with {self.popen.returncode} (log: {self._log})")
                try:
                    await client.get(f"{self.url}/docs", timeout=1)
                    self.serving.set()
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        raise RuntimeError(f"serve did not answer within 60 s (log: {self._log})")

    async def kill(self) -> None:
        assert self.popen is not None
        self.serving.clear()
        self.popen.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.popen.wait)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def _notice(i: int, now: datetime) -> dict[str, Any]:
    start = (now + timedelta(hours=2)).replace(microsecond=0)
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.5 + (i % 97) * 0.11, 30.5 + (i // 97 % 60) * 0.12]},
        "properties": {
            "notice_id": f"USA-{i:06d}",
            "party": "USA",
            "kind": "strike",
            "shape": "circle",
            "radius_nm": 2,
            "lower": {"value": 150, "ref": "FL"},
            "upper": {"value": 250, "ref": "FL"},
            "start": start.isoformat().replace("+00:00", "Z"),
            "end": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        },
    }
    return {"type": "FeatureCollection", "features": [feature]}


def _request(write: Write, now: datetime) -> tuple[str, str, dict[str, Any]]:
    """(party, path, body) of a write."""
    if write.kind == "message":
        return "RUS", "/api/v1/messages", {"recipients": ["USA"], "template": "stand_by"}
    if write.kind == "safety":
        params = {"callsign": f"GRACH{write.index % 90 + 10}", "distance_nm": 0.5, "direction": "right"}
        body = {"recipients": ["RUS"], "urgency": "safety", "template": "traffic_turn", "params": params}
        return "USA", "/api/v1/messages", body
    if write.kind == "case":
        subject = {"kind": "contention", "reason": f"stress case {write.index}"}
        return "RUS", "/api/v1/cases", {"subject": subject, "with": "USA", "urgent": True}
    return "USA", "/api/v1/notices", _notice(write.index, now)


def _ident(write: Write, answer: Any) -> str:
    if write.kind in ("message", "safety"):
        return str(answer["message"]["message_id"])
    if write.kind == "case":
        return str(answer["case"]["case_id"])
    return f"USA-{write.index:06d}"


def _plan(config: StressConfig) -> list[Write]:
    writes: list[Write] = []
    messages = 0
    for i in range(int(config.rate_per_s * config.duration_s)):
        if i % config.case_every == config.case_every - 1:
            kind = "case"
        elif i % 2 == 0:
            messages += 1
            kind = "safety" if messages % config.safety_every == 0 else "message"
        else:
            kind = "notice"
        writes.append(Write(i, kind, f"stress-{config.seed}-{i}", i / config.rate_per_s))
    return writes


class _Run:
    def __init__(self, config: StressConfig, setup: _Setup, processes: list[_Process]) -> None:
        self.config = config
        self.setup = setup
        self.processes = processes
        self.start = 0.0
        self.writing = True
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.reconnects = 0
        self.kills: list[Kill] = []
        self.failures: list[str] = []
        self.caught_up: dict[str, bool] = {}  # per client, once the writes are over

    def clock(self) -> float:
        return time.monotonic() - self.start

    # -- writes ------------------------------------------------------------------------------------------
    async def send(self, clients: list[httpx.AsyncClient], write: Write, gate: asyncio.Semaphore) -> None:
        async with gate:
            write.sent_s = self.clock()
            party, path, body = _request(write, datetime.now(UTC))
            headers = {"Authorization": f"Bearer {self.setup.tokens[party]}", "Idempotency-Key": write.key}
            target = (write.index // 2) % 2
            while self.clock() - write.sent_s < self.config.retry_for_s:
                write.attempts += 1
                try:
                    answer = await clients[target].post(path, json=body, headers=headers, timeout=15)
                except httpx.TransportError:
                    answer = None
                if answer is not None and answer.status_code < 300:
                    write.acked_s = self.clock()
                    write.ident = _ident(write, answer.json())
                    return
                if answer is not None and answer.status_code < 500:
                    self.failures.append(f"write {write.index} ({write.kind}): {answer.status_code} {answer.text}")
                    return
                target = 1 - target  # the same key, to the other process
                if write.attempts > 2:
                    await asyncio.sleep(0.05)

    async def write_all(self, writes: list[Write]) -> None:
        gate = asyncio.Semaphore(self.config.in_flight)
        limits = httpx.Limits(max_connections=self.config.in_flight, max_keepalive_connections=self.config.in_flight)
        clients = [httpx.AsyncClient(base_url=p.url, limits=limits) for p in self.processes]
        tasks: list[asyncio.Task[None]] = []
        try:
            for write in writes:
                delay = write.scheduled_s - self.clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                await gate.acquire()  # open loop, but never more than in_flight outstanding
                gate.release()
                tasks.append(asyncio.create_task(self.send(clients, write, gate)))
            await asyncio.gather(*tasks)
        finally:
            for client in clients:
                await client.aclose()

    # -- kills ---------------------------------------------------------------------------------------------
    async def kill_all(self) -> None:
        rng = random.Random(self.config.seed)
        gap = self.config.duration_s / (self.config.kills + 1)
        plan = [((k + rng.uniform(0.5, 1.2)) * gap, rng.randrange(2)) for k in range(self.config.kills)]
        restarts: list[asyncio.Task[None]] = []
        for at_s, victim in plan:
            if at_s > self.clock():
                await asyncio.sleep(at_s - self.clock())
            began = self.clock()
            await asyncio.gather(*(p.serving.wait() for p in self.processes))
            kill = Kill(self.clock(), victim, self.clock() - began)
            self.kills.append(kill)
            await self.processes[victim].kill()
            restarts.append(asyncio.create_task(self.restart(victim, kill)))
        await asyncio.gather(*restarts)

    async def restart(self, victim: int, kill: Kill) -> None:
        await self.processes[victim].start()
        kill.restarted_in_s = self.clock() - kill.at_s

    # -- WebSockets ----------------------------------------------------------------------------------------
    async def listen(self, name: str, party: str, first: int) -> None:
        received = self.received.setdefault(name, [])
        at = first
        token = self.setup.tokens[party]
        while self.writing or not self.caught_up.get(name, False):
            cursor = received[-1]["seq"] if received else 0
            url = f"ws://127.0.0.1:{self.processes[at].port}/api/v1/events?after={cursor}&token={token}"
            try:
                async with websockets.connect(url, ping_interval=None, max_size=None, open_timeout=5) as sock:
                    async for raw in sock:
                        event = json.loads(raw)
                        if event["seq"] is not None:
                            received.append(event)
                        if not self.writing and self.caught_up.get(name, False):
                            return
            except (OSError, websockets.exceptions.WebSocketException, TimeoutError):
                pass
            if self.writing or not self.caught_up.get(name, False):
                self.reconnects += 1
                at = 1 - at  # its process died: the other one, from its cursor
                await asyncio.sleep(0.05)


async def _drive(config: StressConfig, setup: _Setup, folder: Path) -> Outcome:
    env = {
        "AIRPARLEY_RATE_PER_S": "100000",
        "AIRPARLEY_RATE_BURST": "100000",
        "AIRPARLEY_RING_INTERVAL_S": str(config.ring_interval_s),
        "AIRPARLEY_ESCALATE_AFTER_S": str(config.escalate_after_s),
        "AIRPARLEY_URGENT_RESPONSE_DEADLINE_S": str(config.case_deadline_s),
    }
    processes = [_Process(setup, env, folder / f"serve-{n}.log") for n in range(2)]
    run = _Run(config, setup, processes)
    began = time.monotonic()
    try:
        await asyncio.gather(*(p.start() for p in processes))
        names = [(f"{party}-{n}", party, n) for party, _, _ in PARTIES for n in range(2)]
        listeners = [asyncio.create_task(run.listen(name, party, n)) for name, party, n in names]
        writes = _plan(config)
        run.start = time.monotonic()
        killer = asyncio.create_task(run.kill_all())
        await run.write_all(writes)
        await killer
        # Every escalation comes due (the last write's, plus a tick or two and a takeover's worth).
        await asyncio.sleep(max(config.escalate_after_s, config.case_deadline_s) + 3.0)
        expected = {party: await _events(processes[0].url, setup.tokens[party]) for party, _, _ in PARTIES}
        run.writing = False
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for name, party, _ in names:
                got = run.received.get(name, [])
                run.caught_up[name] = bool(got) and got[-1]["seq"] >= expected[party][-1]["seq"]
            if all(run.caught_up.values()):
                break
            await asyncio.sleep(0.1)
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    finally:
        for process in processes:
            process.stop()
    outcome = Outcome(config, writes, run.kills, run.received, run.reconnects, [], time.monotonic() - began)
    outcome.problems.extend(run.failures)
    _check(outcome, setup, expected, folder, [name for name, _, _ in names])
    return outcome


async def _events(url: str, token: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        while True:
            cursor = events[-1]["seq"] if events else 0
            page = (await client.get("/api/v1/events", params={"after": cursor, "limit": 1000}, timeout=30)).json()
            if not page["events"]:
                return events
            events.extend(page["events"])


def _check(
    outcome: Outcome, setup: _Setup, expected: dict[str, list[dict[str, Any]]], folder: Path, clients: list[str]
) -> None:
    problems = outcome.problems
    writes = outcome.writes
    unacked = [w.index for w in writes if w.acked_s is None]
    if unacked:
        problems.append(f"{len(unacked)} writes never acknowledged: {unacked[:10]}")
    # The ledger, exported and verified by the real CLI.
    export = folder / "ledger.jsonl"
    cli = [sys.executable, "-m", "airparley.cli", "ledger"]
    with export.open("wb") as out:
        exported = subprocess.run([*cli, "export", "--db", setup.db_url], stdout=out, stderr=subprocess.PIPE)
    if exported.returncode != 0:
        problems.append(f"ledger export failed: {exported.stderr.decode()[-300:]}")
    verified = subprocess.run(
        [*cli, "verify", str(export), "--db", setup.db_url], capture_output=True, text=True, timeout=600
    )
    if verified.returncode != 0:
        problems.append(f"ledger verify failed: {(verified.stdout + verified.stderr)[-300:]}")
    entries = [json.loads(line) for line in export.read_text().splitlines() if line.strip()]
    # Each acknowledged write in the ledger once, and nothing else written.
    written = Counter[tuple[str, str]]()
    for entry in entries:
        body = entry["body"]
        if entry["kind"] == "message.sent":
            written["message", body["message"]["message_id"]] += 1
        elif entry["kind"] == "notice.filed":
            for notice_id in _notice_ids(body):
                written["notice", notice_id] += 1
        elif entry["kind"] == "case.opened":
            written["case", body["case_id"]] += 1
    acked = Counter(("message" if w.kind == "safety" else w.kind, w.ident) for w in writes if w.acked_s is not None)
    if written != acked:
        extra = written - acked
        missing = acked - written
        problems.append(f"ledger != acknowledged writes: extra {list(extra.items())[:5]}, missing {list(missing)[:5]}")
    # Escalations: every safety message once, every case once (one event, one entry per hosted party).
    events = {e["seq"]: e for party in expected.values() for e in party}
    escalated = [e["data"]["escalation"] for e in events.values() if e["kind"].endswith(".escalated")]
    message_escalated = Counter(x["message_id"] for x in escalated if "message_id" in x)
    case_escalated = Counter(x["case_id"] for x in escalated if "case_id" in x)
    safety = {w.ident for w in writes if w.kind == "safety" and w.acked_s is not None}
    cases = {w.ident for w in writes if w.kind == "case" and w.acked_s is not None}
    if message_escalated != Counter(dict.fromkeys(safety, 1)):
        problems.append(f"message escalations not once each: {_odd(message_escalated, safety)}")
    if case_escalated != Counter(dict.fromkeys(cases, 1)):
        problems.append(f"case escalations not once each: {_odd(case_escalated, cases)}")
    entry_escalations = Counter(
        (e["party"], e["body"]["message_id"] if e["kind"] == "message.escalated" else e["body"]["case_id"])
        for e in entries
        if e["kind"] in ("message.escalated", "case.escalated")
    )
    wanted = Counter({("USA", m): 1 for m in safety} | {(p, c): 1 for c in cases for p in ("USA", "RUS")})
    if entry_escalations != wanted:
        problems.append(f"escalation ledger entries not once each: {_odd(entry_escalations, set(wanted))}")
    rings = Counter(
        (e["data"]["message"]["message_id"], ring)
        for e in events.values()
        if e["kind"] == "message.ring"
        for ring in e["data"]["rings"]
    )
    if any(n > 1 for n in rings.values()):
        problems.append(f"rung twice: {[k for k, n in rings.items() if n > 1][:5]}")
    outcome.rings = len(rings)
    outcome.escalation_late_s.extend(
        (_instant(x["escalated_at"]) - _instant(x.get("due_at") or x["missed_deadline"])).total_seconds()
        for x in escalated
    )
    # Every WebSocket client: every event of its party, once each, in seq order.
    for name in clients:
        party = name.split("-")[0]
        # Unacknowledged safety messages go on ringing: the events after the snapshot are not compared.
        last = expected[party][-1]["seq"] if expected[party] else 0
        got = [e for e in outcome.received.get(name, []) if e["seq"] <= last]
        seqs = [e["seq"] for e in got]
        if seqs != sorted(set(seqs)):
            problems.append(f"{name}: events out of order or twice")
        if got != expected[party]:
            missing_seqs = sorted({e["seq"] for e in expected[party]} - set(seqs))
            problems.append(f"{name}: {len(got)} events, expected {len(expected[party])}; missing {missing_seqs[:10]}")


def _notice_ids(body: dict[str, Any]) -> list[str]:
    return [str(f["properties"]["notice_id"]) for f in body["notice"]["features"]]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _odd(counts: Counter[Any], wanted: set[Any]) -> str:
    twice = [k for k, n in counts.items() if n > 1]
    never = [k for k in wanted if counts[k] == 0]
    unknown = [k for k in counts if k not in wanted]
    return f"twice {twice[:5]}, never {never[:5]}, unknown {unknown[:5]}"


def run(config: StressConfig, db_url: str) -> Outcome:
    """The stress run against an empty PostgreSQL database at ``db_url`` (migrated and seeded here)."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        setup = _prepare(db_url, folder)
        return asyncio.run(_drive(config, setup, folder))
