from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from node_support import Clock, Running, Served, _free_port
from starlette.requests import Request
from typer.testing import CliRunner
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from airparley.cli import app as cli_app
from airparley.errors import InvalidInput
from airparley.ledger import generate_key
from airparley.node import Node, NodeSettings
from airparley.node._limits import FAILURE_COST, RateLimiter, TooManyRequests, client_address
from airparley.store import Store
from airparley.web import desk_app


def test_the_token_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate_per_s=2.0, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("a")
    with pytest.raises(TooManyRequests) as caught:
        limiter.check("a")
    assert caught.value.retry_after_s == pytest.approx(0.5)
    limiter.check("b")  # another token has its own bucket
    now[0] += 0.5
    limiter.check("a")


def test_settings_come_from_the_environment_and_are_checked() -> None:
    settings = NodeSettings.from_env({"AIRPARLEY_LATERAL_NM": "8", "AIRPARLEY_RATE_BURST": "50"}, time_min=15.0)
    assert settings.lateral_nm == 8.0
    assert settings.rate_burst == 50
    assert settings.time_min == 15.0
    with pytest.raises(InvalidInput) as caught:
        NodeSettings.from_env({"AIRPARLEY_VERTICAL_FT": "high"})
    assert caught.value.field == "AIRPARLEY_VERTICAL_FT"
    with pytest.raises(InvalidInput):
        NodeSettings(lateral_nm=-1)


# -- the limiter's memory is bounded -------------------------------------------------------------------------
def test_buckets_that_have_refilled_are_dropped_and_the_rest_are_capped() -> None:
    now = [0.0]
    limiter = RateLimiter(rate_per_s=10.0, burst=20, clock=lambda: now[0], max_keys=1000)
    for index in range(15_000):  # 15,000 distinct keys at once: the cap holds
        limiter.check(f"key-{index}")
    assert len(limiter) == 1000
    now[0] += 2.0  # burst / rate: every bucket has refilled, so keeping it would change nothing
    limiter.check("late")
    assert len(limiter) == 1
    # A bucket still short of tokens is kept (dropping it would hand the key a fresh burst).
    for _ in range(20):
        limiter.check("busy")
    now[0] += 0.5
    limiter.check("other")
    for _ in range(5):  # 0.5 s at 10/s: five more
        limiter.check("busy")
    with pytest.raises(TooManyRequests):
        limiter.check("busy")


def test_failed_authentications_are_counted_per_address_and_spend_it() -> None:
    now = [0.0]
    limiter = RateLimiter(rate_per_s=20.0, burst=200, clock=lambda: now[0])
    # burst / FAILURE_COST failures pass as plain failures (401), the next is refused (429)...
    allowed = 200 // FAILURE_COST
    for _ in range(allowed - 1):
        limiter.knock("203.0.113.7")
        limiter.failed("203.0.113.7")
    limiter.knock("203.0.113.7")
    with pytest.raises(TooManyRequests):
        limiter.failed("203.0.113.7")
    # ... and from then on the address is refused before any lookup, until its bucket refills.
    with pytest.raises(TooManyRequests) as caught:
        limiter.knock("203.0.113.7")
    assert caught.value.retry_after_s == pytest.approx(FAILURE_COST / 20.0)
    limiter.knock("198.51.100.1")  # another address is not concerned
    now[0] += FAILURE_COST / 20.0
    limiter.knock("203.0.113.7")
    assert len(limiter) == 1  # one bucket for the address, however many tokens it tried


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    def request_from(host: str) -> Request:
        return Request({"type": "http", "client": (host, 1234), "headers": []})

    assert client_address(request_from("2001:db8:1:2::1")) == client_address(request_from("2001:db8:1:2:ffff::9"))
    assert client_address(request_from("2001:db8:1:3::1")) != client_address(request_from("2001:db8:1:2::1"))
    assert client_address(request_from("::ffff:192.0.2.5")) == "192.0.2.5"
    assert client_address(request_from("192.0.2.5")) == "192.0.2.5"


# -- a real node with the default limits ----------------------------------------------------------------------
@dataclass
class Limited:
    url: str
    token: str
    now: list[float]
    limiter: RateLimiter


@pytest.fixture
def limited(db_url: str) -> Iterator[Limited]:
    """A node on uvicorn with the default settings (20 requests/s, burst 200) and a hand-moved limiter clock."""
    clock = Clock()
    store = Store.open(db_url)
    with store.begin() as tx:
        tx.add_party("USA", "Coalition CAOC, Al Udeid", "en", clock())
        _, token = tx.add_officer("USA", "USA duty", "duty", clock())
    node = Node(store, NodeSettings(), clock, keys={"USA": generate_key()})
    app = desk_app(node)  # the desk UI's login is a door too
    now = [0.0]
    limiter = RateLimiter(rate_per_s=20.0, burst=200, clock=lambda: now[0])
    app.state.limiter = limiter
    port = _free_port()
    served = Served(app, port)
    try:
        yield Limited(f"http://127.0.0.1:{port}", token, now, limiter)
    finally:
        served.stop()
        store.close()


def test_unknown_tokens_are_rate_limited_per_address_and_grow_nothing(limited: Limited) -> None:
    limited.now[0] += 100.0  # whatever Served's warm-up requests spent is forgotten
    with httpx.Client(base_url=limited.url, timeout=10) as client:
        answers = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer unknown-{index}"}) for index in range(300)
        ]
        statuses = [answer.status_code for answer in answers]
        assert statuses.count(401) == 200 // FAILURE_COST - 1
        assert statuses.count(429) == 300 - statuses.count(401)
        refused = answers[-1]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 429
        assert int(refused.headers["Retry-After"]) >= 1
        # While the address is refused, so is a good token from it (the address is counted, not the token),
        # on REST and on the WebSocket.
        good = {"Authorization": f"Bearer {limited.token}"}
        assert client.get("/api/v1/me", headers=good).status_code == 429
        socket_url = limited.url.replace("http://", "ws://") + f"/api/v1/events?token={limited.token}"
        with pytest.raises(InvalidStatus), connect(socket_url, open_timeout=10):
            pass
        limited.now[0] += 1.0
        assert client.get("/api/v1/me", headers=good).status_code == 200
        with connect(socket_url, open_timeout=10) as socket:
            socket.close()
    assert len(limited.limiter) <= 2  # the address and the good token: no bucket for the 300 unknown ones


def test_failed_logins_of_the_desk_ui_count_against_the_address(limited: Limited) -> None:
    limited.now[0] += 100.0
    with httpx.Client(base_url=limited.url, timeout=10, headers={"X-Airparley": "1"}) as client:
        statuses = [client.post("/api/v1/session", json={"token": f"guess-{n}"}).status_code for n in range(25)]
        assert statuses == [401] * (200 // FAILURE_COST - 1) + [429] * (25 - 200 // FAILURE_COST + 1)
        assert client.post("/api/v1/session", json={"token": limited.token}).status_code == 429
        limited.now[0] += 1.0
        assert client.post("/api/v1/session", json={"token": limited.token}).status_code == 200


# -- every refusal is a problem document, declared in the OpenAPI document ---------------------------------
def _is_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    document: dict[str, Any] = response.json()
    assert document["status"] == status
    assert document["detail"]
    if field is not None:
        assert document["field"] == field, document
    return document


def test_a_chunked_body_over_the_limit_gets_413(running: Running) -> None:
    usa = running.desk("usa_duty").client

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is streamed in chunks
        yield b'{"states": ['
        for _ in range(1100):
            yield b'{"id": "T1", "pad": "' + b"x" * 1000 + b'"},'
        yield b"{}]}"

    response = usa.post("/api/v1/tracks", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    _is_problem(response, 413)
    declared = usa.post("/api/v1/tracks", content=b"x" * 1_100_000, headers={"Content-Type": "application/json"})
    _is_problem(declared, 413)


HOSTILE_BODIES = [
    pytest.param(b"[" * 100 + b"]" * 100, "(body)", "nested deeper", id="nested-100"),
    pytest.param(b'{"states": ' + b"[" * 200_000, "(body)", "nested deeper", id="nested-200000-unclosed"),
    pytest.param(b'{"states": [{"id": "\xff\xfe"}]}', "(body)", "not UTF-8", id="bad-utf8"),
    pytest.param(b'{"states": [{"id": "\xed\xa0\x80"}]}', "(body)", "not UTF-8", id="encoded-surrogate"),
    pytest.param(b'{"states": [{"id": "\\ud800"}]}', "states.0.id", "lone surrogate", id="escaped-surrogate"),
    pytest.param(b'{"states": [{"gs_kt": NaN}]}', "states.0.gs_kt", "NaN is not JSON", id="nan"),
    pytest.param(b'{"states": [{"gs_kt": -Infinity}]}', "states.0.gs_kt", "-Infinity is not JSON", id="infinity"),
    pytest.param(b'{"states": [{"id": "T", "gs_kt": 1e400}]}', "states.0.gs_kt", "beyond the range", id="1e400"),
    pytest.param(b'{"states": [{"alt_ft": 1' + b"0" * 400 + b"}]}", "states.0.alt_ft", "beyond", id="10**400"),
    pytest.param(b'{"states": [{"alt_ft": 1' + b"0" * 5000 + b"}]}", "(body)", "not JSON", id="10**5000"),
    pytest.param(b'{"states": [}', "(body)", "not JSON", id="malformed"),
]


@pytest.mark.parametrize(("body", "field", "reason"), HOSTILE_BODIES)
def test_a_body_that_is_not_i_json_is_refused_naming_the_field(
    running: Running, body: bytes, field: str, reason: str
) -> None:
    for desk in ("usa_duty", "usa_sensor"):
        response = running.desk(desk).client.post(
            "/api/v1/tracks", content=body, headers={"Content-Type": "application/json"}
        )
        assert reason in _is_problem(response, 422, field)["reason"]
    assert running.desk("usa_duty").client.get("/api/v1/tracks").json() == []


def test_strings_that_only_look_like_bad_numbers_or_escapes_pass_the_door(running: Running) -> None:
    usa = running.desk("usa_duty").client
    body = {"name": "UHF 1e400 [[[[", "mhz": 251.3, "area": "\\ud800 NaN", "notes": "9" * 400}
    assert usa.post("/api/v1/frequencies", json=body).status_code == 201


def test_no_such_route_and_no_such_method_are_problems(running: Running) -> None:
    usa = running.desk("usa_duty").client
    _is_problem(usa.get("/api/v1/no-such-route"), 404)
    _is_problem(usa.get("/no-such-page"), 404)
    not_allowed = _is_problem(usa.delete("/api/v1/notices"), 405)
    assert "GET" in usa.delete("/api/v1/notices").headers["allow"]
    assert "DELETE" in not_allowed["detail"]


def test_the_openapi_document_declares_the_problem_answers(running: Running) -> None:
    document = httpx.get(running.url + "/openapi.json", timeout=10).json()
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete")
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        for status in ("401", "403", "404", "409", "413", "422", "429"):
            declared = operation["responses"].get(status)
            assert declared is not None, (method, path, status)
            assert list(declared["content"]) == ["application/problem+json"], (method, path, status)
        assert "Retry-After" in operation["responses"]["429"]["headers"]


# -- files: the database and the keys are their owner's only ---------------------------------------------
def test_the_sqlite_file_and_its_wal_are_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        with store.begin() as tx:
            tx.add_party("USA", "Coalition CAOC", "en", Clock()())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        store.close()
    assert modes["node.db"] == 0o600
    assert modes.get("node.db-wal", 0o600) == 0o600
    assert modes.get("node.db-shm", 0o600) == 0o600
    assert "node.db-wal" in modes  # WAL: the file exists while the store is open


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store.open(f"sqlite:///{path}").close()
    path.chmod(0o644)
    Store.open(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_keys_folder_is_0700(tmp_path: Path) -> None:
    keys = tmp_path / "secrets" / "keys"
    result = CliRunner().invoke(
        cli_app, ["keys", "generate", "USA", "--keys", str(keys), "--db", f"sqlite:///{tmp_path / 'n.db'}"]
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert stat.S_IMODE((keys / "USA.pem").stat().st_mode) == 0o600
