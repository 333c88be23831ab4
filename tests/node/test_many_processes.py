"""One node, many processes (issue 18): real ``airparley serve`` processes over one real database.

SQLite refuses a second process; on PostgreSQL two processes write one contiguous ledger, the scheduler's
acts happen once (and go on when the leader is killed), and a WebSocket on either process receives every
event of both, in seq order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from node_support import _free_port
from palmyra import collection, feature
from sqlalchemy import text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from airparley.geo import destination
from airparley.ledger import generate_key, private_key_to_pem, public_key_to_text, verify_export
from airparley.node import Node
from airparley.node._cluster import Cluster
from airparley.node._scheduler import Wake
from airparley.node._state_keeper import encode
from airparley.node._track_relay import TrackRelay
from airparley.store import LEADER_KEY, Event, EventTail, Store
from airparley.store._local_postgres import create_database
from airparley.store._track_relay import TrackRelayTable


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Setup:
    db_url: str
    keys: Path
    tokens: dict[str, str]  # party -> its duty officer's token
    public_keys: dict[str, object]


def _setup(db_url: str, tmp_path: Path) -> Setup:
    keys = tmp_path / "keys"
    keys.mkdir()
    store = Store.open(db_url)
    tokens: dict[str, str] = {}
    public: dict[str, object] = {}
    with store.begin() as tx:
        for code, name, language in (("USA", "Coalition", "en"), ("RUS", "Russian Group", "ru")):
            key = generate_key()
            (keys / f"{code}.pem").write_bytes(private_key_to_pem(key))
            public[code] = key.public_key()
            tx.add_party(code, name, language, datetime.now(UTC), public_key=public_key_to_text(key))
            _, tokens[code] = tx.add_officer(code, f"{code} duty", "duty", datetime.now(UTC))
            tx.add_officer(code, f"{code} senior", "senior", datetime.now(UTC))
    store.close()
    return Setup(db_url, keys, tokens, public)


def _serve(setup: Setup, env: Mapping[str, str] | None = None, *, wait: bool = True) -> Served:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airparley.cli",
            "serve",
            *("--db", setup.db_url, "--port", str(port)),
            "--keys",
            str(setup.keys),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if wait else subprocess.PIPE,  # a pipe nobody reads would fill and block it
        env={**os.environ, **(env or {})},
    )
    served = Served(process, port)
    deadline = time.monotonic() + 30
    while wait and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node exited with {process.returncode}")
        try:
            httpx.get(f"{served.url}/docs", timeout=1)
            return served
        except httpx.TransportError:
            time.sleep(0.1)
    if wait:
        process.kill()
        raise RuntimeError("the node did not start")
    return served


@pytest.fixture
def processes() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        if served.process.poll() is None:
            served.process.terminate()
    for served in started:
        if served.process.stderr is not None:
            served.process.stderr.close()
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait()


@pytest.fixture
def pg_url(postgres_server: str) -> str:
    return create_database(postgres_server)


def _notice(party: str, i: int) -> dict:  # type: ignore[type-arg]
    return collection(
        feature(
            f"{party}-{i:04d}",
            party,
            {"type": "Point", "coordinates": [40 + i * 0.05, 30 + i % 7]},
            shape="circle",
            radius_nm=3,
        )
    )


def _client(served: Served, token: str) -> httpx.Client:
    return httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)


def _verify(setup: Setup) -> list[dict]:  # type: ignore[type-arg]
    """The database's ledger export, verified as ``airparley ledger verify`` does it (raises on a fork)."""
    store = Store.open(setup.db_url, migrate=False)
    try:
        with store.begin() as tx:
            lines = tx.ledger_lines()
    finally:
        store.close()
    verify_export(("\n".join(lines) + "\n").encode(), setup.public_keys)  # type: ignore[arg-type]
    return [json.loads(line) for line in lines]


def _leader_pid(db_url: str) -> int | None:
    """The pid of the serve process holding the scheduler's lock (its connection is named after it)."""
    conninfo = db_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        row = connection.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 1",
            (LEADER_KEY >> 32, LEADER_KEY & 0xFFFFFFFF),
        ).fetchone()
    return None if row is None else int(row[0].rsplit(" ", 1)[1])


# -- 1. SQLite: one process ------------------------------------------------------------------------------
def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path, processes: list[Served]) -> None:
    setup = _setup(f"sqlite:///{tmp_path / 'node.db'}", tmp_path)
    first = _serve(setup)
    processes.append(first)
    second = _serve(setup, wait=False)
    processes.append(second)
    assert second.process.wait(timeout=30) == 2
    assert second.process.stderr is not None
    lines = second.process.stderr.read().decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "another airparley process is already serving" in lines[0]
    assert "use PostgreSQL" in lines[0]
    demo = subprocess.run(
        [sys.executable, "-m", "airparley.cli", "demo", "--headless", "--db", str(tmp_path / "node.db")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert demo.returncode == 2
    assert "another airparley process is already serving" in demo.stderr
    # The first goes on serving; killed (no clean exit), it leaves no lock behind: the file serves again.
    with _client(first, setup.tokens["USA"]) as usa:
        assert usa.post("/api/v1/notices", json=_notice("USA", 1)).status_code == 201
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    again = _serve(setup)
    processes.append(again)
    with _client(again, setup.tokens["USA"]) as usa:
        assert len(usa.get("/api/v1/notices").json()["features"]) == 1


# -- 2. PostgreSQL: one chain per party, whichever process writes -----------------------------------------
def test_two_processes_writing_one_party_keep_one_chain(pg_url: str, tmp_path: Path, processes: list[Served]) -> None:
    setup = _setup(pg_url, tmp_path)
    processes.extend([_serve(setup), _serve(setup)])
    statuses: list[int] = []

    def write(served: Served, start: int) -> None:
        with _client(served, setup.tokens["USA"]) as usa, _client(served, setup.tokens["RUS"]) as rus:
            for i in range(start, start + 25):
                statuses.append(usa.post("/api/v1/notices", json=_notice("USA", i)).status_code)
                message = {"recipients": ["USA"], "template": "stand_by"}
                statuses.append(rus.post("/api/v1/messages", json=message).status_code)

    threads = [threading.Thread(target=write, args=(s, n * 100)) for n, s in enumerate(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=50)
    assert statuses.count(201) == len(statuses) == 100, sorted(set(statuses))
    entries = _verify(setup)  # links, seqs, signatures and seen-references: raises on a fork
    for party in ("USA", "RUS"):
        seqs = [e["seq"] for e in entries if e["party"] == party]
        assert sorted(seqs) == list(range(min(seqs), min(seqs) + len(seqs)))
    filed = [e for e in entries if e["party"] == "USA" and e["kind"] == "notice.filed"]
    assert len(filed) == 50


# -- 3. The scheduler: once, and on when its process dies ------------------------------------------------
def test_the_scheduler_acts_once_and_another_process_takes_over(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    timings = {"AIRPARLEY_RING_INTERVAL_S": "2", "AIRPARLEY_ESCALATE_AFTER_S": "6"}
    processes.extend([_serve(setup, timings), _serve(setup, timings)])
    deadline = time.monotonic() + 10
    while (leader_pid := _leader_pid(pg_url)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    leader = next(s for s in processes if s.process.pid == leader_pid)
    follower = next(s for s in processes if s is not leader)
    with _client(follower, setup.tokens["USA"]) as usa:
        body = {
            "recipients": ["RUS"],
            "urgency": "safety",
            "template": "traffic_turn",
            "params": {"callsign": "GRACH31", "distance_nm": 0.5, "direction": "right"},
        }
        sent = usa.post("/api/v1/messages", json=body)
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["message"]["message_id"]
    time.sleep(2.5)  # the leader rings at least once
    killed_at = time.monotonic()
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait()
    while _leader_pid(pg_url) != follower.process.pid:
        assert time.monotonic() - killed_at < 5.0, "no process took the scheduler over within 5 s"
        time.sleep(0.1)
    # A process started again joins as a follower: the lead stays where it is.
    processes.append(_serve(setup, timings))
    time.sleep(8.0)  # past the escalation (6 s after sending), with both processes ticking
    assert _leader_pid(pg_url) == follower.process.pid
    entries = _verify(setup)
    escalations = [e["body"] for e in entries if e["kind"] == "message.escalated"]
    assert escalations, "the message was never escalated"
    assert all(b["message_id"] == message_id for b in escalations)
    assert len({json.dumps(b, sort_keys=True) for b in escalations}) == len(escalations), escalations
    store = Store.open(pg_url, migrate=False)
    try:
        with store.begin() as tx:
            events = tx.events_after(0, 1000)
    finally:
        store.close()
    escalated = [e for e in events if e.kind == "message.escalated"]
    assert len(escalated) == len(escalations)
    rings = [r for e in events if e.kind == "message.ring" for r in e.payload["RUS"]["rings"]]
    assert len(rings) >= 3  # rung before the kill and after it
    assert len(set(rings)) == len(rings), rings  # no ring twice


# -- 4. Events: every process's, on every process's WebSocket --------------------------------------------
def test_a_websocket_on_one_process_receives_every_process_events_in_order(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    processes.extend([_serve(setup), _serve(setup)])
    received: list[dict] = []  # type: ignore[type-arg]
    failures: list[Exception] = []
    token = setup.tokens["USA"]
    done = threading.Event()
    opened = threading.Event()

    def read() -> None:
        try:
            with connect(f"ws://127.0.0.1:{processes[0].port}/api/v1/events?after=0&token={token}") as socket:
                opened.set()
                while not done.is_set():
                    try:
                        event = json.loads(socket.recv(timeout=0.2))
                    except TimeoutError:
                        continue
                    if event["seq"] is not None:
                        received.append(event)
        except ConnectionClosed:  # at the end of the test
            return
        except Exception as error:
            failures.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(10)
    with _client(processes[0], token) as first, _client(processes[1], token) as second:
        for i in range(20):
            client = second if i % 4 else first  # mostly the other process
            assert client.post("/api/v1/notices", json=_notice("USA", i)).status_code == 201
        expected = first.get("/api/v1/events", params={"after": 0, "limit": 1000}).json()["events"]
    assert len([e for e in expected if e["kind"] == "notice.filed"]) == 20
    deadline = time.monotonic() + 10
    while len(received) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    reader.join(timeout=5)
    assert not failures
    assert [e["seq"] for e in received] == [e["seq"] for e in expected]
    assert received == expected


# -- 5. Idempotency-Keys across processes ---------------------------------------------------------------
def test_one_idempotency_key_sent_to_both_processes_at_once_acts_once(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    processes.extend([_serve(setup), _serve(setup)])
    answers: dict[int, list[httpx.Response]] = {i: [] for i in range(15)}
    barrier = threading.Barrier(2)

    def send(served: Served) -> None:
        with _client(served, setup.tokens["RUS"]) as rus:
            for i in answers:
                barrier.wait(timeout=20)  # both processes get each key at the same moment
                body = {"recipients": ["USA"], "template": "stand_by"}
                answers[i].append(rus.post("/api/v1/messages", json=body, headers={"Idempotency-Key": f"k-{i}"}))

    threads = [threading.Thread(target=send, args=(s,)) for s in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=50)
    for i, (one, other) in answers.items():
        assert one.status_code == other.status_code == 201, (i, one.text, other.text)
        assert one.json() == other.json()
    entries = _verify(setup)
    sent = [e for e in entries if e["party"] == "RUS" and e["kind"] == "message.sent"]
    assert len(sent) == len(answers)
    assert len({e["body"]["message"]["message_id"] for e in sent}) == len(answers)


def test_a_websocket_whose_process_dies_resumes_on_the_other_and_misses_nothing(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    processes.extend([_serve(setup), _serve(setup)])
    token = setup.tokens["USA"]
    received: list[dict] = []  # type: ignore[type-arg]
    failures: list[Exception] = []
    writing = threading.Event()
    writing.set()

    def write() -> None:  # notices through the second process, before, during and after the kill
        with _client(processes[1], token) as client:
            for i in range(60):
                if not writing.is_set():
                    return
                assert client.post("/api/v1/notices", json=_notice("USA", i)).status_code == 201
                time.sleep(0.02)

    def read(port: int, until: threading.Event) -> None:
        cursor = received[-1]["seq"] if received else 0
        try:
            with connect(f"ws://127.0.0.1:{port}/api/v1/events?after={cursor}&token={token}") as socket:
                while not until.is_set():
                    try:
                        event = json.loads(socket.recv(timeout=0.2))
                    except TimeoutError:
                        continue
                    if event["seq"] is not None:
                        received.append(event)
        except (ConnectionClosed, OSError):  # its process was killed
            return
        except Exception as error:
            failures.append(error)

    stop = threading.Event()
    first = threading.Thread(target=read, args=(processes[0].port, stop))
    first.start()
    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 10
    while len(received) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    processes[0].process.send_signal(signal.SIGKILL)  # the socket's process dies mid-stream
    processes[0].process.wait()
    first.join(timeout=10)
    second = threading.Thread(target=read, args=(processes[1].port, stop))  # reconnects with its cursor
    second.start()
    writer.join(timeout=40)
    with _client(processes[1], token) as client:
        expected = client.get("/api/v1/events", params={"after": 0, "limit": 1000}).json()["events"]
    assert len([e for e in expected if e["kind"] == "notice.filed"]) == 60
    deadline = time.monotonic() + 10
    while len(received) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    second.join(timeout=5)
    assert not failures
    assert [e["seq"] for e in received] == [e["seq"] for e in expected]  # each once, in order
    assert received == expected


def test_the_tail_takes_an_event_read_by_the_listener_and_committed_here_once() -> None:
    """The listener (node/_cluster.py) may read this process's own commit from the database before the commit
    hands it to the tail, or after: either way the tail holds it once and answers from memory."""
    tail = EventTail(size=10)
    tail.start(0)
    event = [Event(s, datetime(2026, 3, 1, tzinfo=UTC), "k", ["USA"], {"USA": {}}) for s in range(1, 4)]
    tail.add(event[:2])  # the listener: seqs 1 and 2 (2 committed here, 1 by another process)
    tail.add([event[1]])  # this process's commit of 2 arrives second
    tail.add([event[2]])
    assert [e.seq for e in tail.after(0, 10) or []] == [1, 2, 3]
    assert tail.newest() == 3


# -- 7. Rate limits: one budget across the processes -----------------------------------------------------
def test_a_token_burst_and_an_address_failures_are_one_budget_across_processes(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    # A slow refill (one request every 10 s), so the run's own seconds add at most one request.
    env = {"AIRPARLEY_RATE_PER_S": "0.1", "AIRPARLEY_RATE_BURST": "30"}
    a, b = _serve(setup, env), _serve(setup, env)
    processes.extend([a, b])
    statuses: list[int] = []
    with _client(a, setup.tokens["USA"]) as on_a, _client(b, setup.tokens["USA"]) as on_b:
        for i in range(60):
            statuses.append((on_a if i % 2 == 0 else on_b).get("/api/v1/notices").status_code)
        refused = on_b.get("/api/v1/notices")
    # In each process's memory the two would have allowed 60; shared, the burst of 30 is spent once.
    assert set(statuses) == {200, 429}
    assert statuses.count(200) in (30, 31), statuses
    assert statuses[:30] == [200] * 30
    assert statuses[-4:] == [429] * 4  # refused by both processes
    assert refused.status_code == 429
    assert float(refused.headers["Retry-After"]) > 0
    # The other party's token has a bucket of its own.
    with _client(b, setup.tokens["RUS"]) as rus:
        assert rus.get("/api/v1/notices").status_code == 200
    # Failed authentications from one address: 30 tokens, 10 a failure; the third is refused, whichever
    # process each one reached (per process, every one would have been a 401).
    failures = [
        httpx.get(f"{served.url}/api/v1/notices", headers={"Authorization": "Bearer nonsense"}, timeout=20).status_code
        for served in (a, b, a, b)
    ]
    assert failures == [401, 401, 429, 429]


# -- 8. Track states: posted to one process, in every process's picture ----------------------------------
def _head_on(track_a: str, track_b: str) -> list[dict[str, object]]:
    """Two aircraft 4 NM apart head-on at FL300, both in USA's own picture: a warning within seconds."""
    time_text = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    lon, lat = destination(40.4, 35.4, 90.0, 4.0)
    base = {"time": time_text, "alt_ft": 30000, "vs_fpm": 0, "gs_kt": 450}
    return [
        {**base, "id": track_a, "party": "USA", "lat": 35.4, "lon": 40.4, "trk_deg": 90},
        {**base, "id": track_b, "party": "RUS", "lat": float(lat), "lon": float(lon), "trk_deg": 270},
    ]


def test_track_states_posted_to_one_process_reach_the_other_picture_and_alerts(
    pg_url: str, tmp_path: Path, processes: list[Served]
) -> None:
    setup = _setup(pg_url, tmp_path)
    store = Store.open(pg_url, migrate=False)
    with store.begin() as tx:
        _, sensor_token = tx.add_officer("USA", "USA radar", "sensor", datetime.now(UTC))
    store.close()
    a, b = _serve(setup), _serve(setup)
    processes.extend([a, b])
    latencies: list[float] = []
    with _client(a, sensor_token) as sensor, _client(b, setup.tokens["USA"]) as on_b:
        for i in range(5):
            states = _head_on(f"E{i}", f"SU{i}")
            posted_at = time.monotonic()
            assert sensor.post("/api/v1/tracks", json={"states": states}).status_code == 202
            deadline = posted_at + 10
            while {f"E{i}", f"SU{i}"} - {t["id"] for t in on_b.get("/api/v1/tracks").json()}:
                assert time.monotonic() < deadline, "the states posted to A never reached B's picture"
                time.sleep(0.005)
            latencies.append(time.monotonic() - posted_at)
        # B scanned them itself: its own live alerts (not only A's alert.raised events) hold the pair.
        deadline = time.monotonic() + 10
        while not any({x["a"]["id"], x["b"]["id"]} == {"E4", "SU4"} for x in on_b.get("/api/v1/alerts").json()):
            assert time.monotonic() < deadline, "B never raised the alert from A's states"
            time.sleep(0.05)
    print(f"relay latency post(A) -> picture(B): {[round(x * 1000) for x in latencies]} ms")
    assert max(latencies) < 2.0


def test_the_relay_waits_for_a_batch_that_commits_after_a_later_one(pg_url: str) -> None:
    """relay_id comes from a sequence: a batch may commit after one with a higher id was read. The reader
    must still apply it (it waits on the gap), and apply nothing twice."""
    store = Store.open(pg_url)
    try:
        node = Node(store)
        wake = Wake()
        reader = TrackRelay(node, wake, conninfo="unused: catch_up is called directly")
        reader._horizon = 0
        sender = TrackRelayTable(store.engine, "another process")
        now_s = time.time()
        row = ("E1", "USA", now_s, 35.0, 40.0, 30000.0, 450.0, 90.0, 0.0, "", "USA sensors")
        with store.engine.connect() as slow:  # takes relay_id 1, commits last
            slow.execute(
                text("INSERT INTO track_relay (origin, party, at_s, states) VALUES ('slow', 'USA', 0, :s)"),
                {"s": encode([row])},
            )
            sender.put("USA", encode([("E2", *row[1:2], now_s, *row[3:])]))  # relay_id 2, committed first
            assert reader.catch_up() == 1
            assert {t.id for t in node.pictures.latest("USA", now_s)} == {"E2"}
            slow.commit()
        assert reader.catch_up() == 1  # the gap's batch, not E2 again
        assert {t.id for t in node.pictures.latest("USA", now_s)} == {"E1", "E2"}
        assert wake.take() == {"USA"}
        assert reader.catch_up() == 0
    finally:
        store.close()


def test_a_stopped_cluster_neither_leads_nor_leaves_a_connection_open(pg_url: str) -> None:
    """A scheduler tick may ask for the lead while (or after) the process stops: it must not take the lock
    on a connection that nobody will close (it would hold the lead until garbage collection, and leak)."""
    store = Store.open(pg_url)
    try:
        cluster = Cluster(Node(store))
        assert cluster.leading()
        assert _leader_pid(pg_url) is not None
        cluster.stop()
        assert _leader_pid(pg_url) is None  # the stop released the lock with its session
        assert not cluster.leading()  # and a late tick takes nothing
        assert _leader_pid(pg_url) is None
    finally:
        store.close()
