"""The desk's session: an HMAC-signed cookie, accepted by the node wherever a bearer token is, CSRF-guarded."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from node_support import Running
from palmyra import usa_strike

from airparley.errors import InvalidInput
from airparley.node import Node, NodeSettings
from airparley.store import Store
from airparley.web import COOKIE, SECRET_ENV, Sessions, desk_app, secret_from_env

HEADER = {"X-Airparley": "1"}


def _run(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: Playwright's sync API (tests/web's browser) keeps an event
    loop running in the main thread of a worker that has used it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def _login(running: Running, desk: str) -> httpx.Client:
    """A client logged in as ``desk`` (use it in a ``with``: it is closed after)."""
    client = httpx.Client(base_url=running.url, timeout=10)
    answer = client.post("/api/v1/session", json={"token": running.desk(desk).token}, headers=HEADER)
    assert answer.status_code == 200, answer.text
    return client


def test_login_sets_a_strict_httponly_cookie_and_me_works_with_it(running: Running) -> None:
    with httpx.Client(base_url=running.url, timeout=10) as client:
        answer = client.post("/api/v1/session", json={"token": running.desk("usa_duty").token}, headers=HEADER)
        assert answer.status_code == 200
        cookie = SimpleCookie(answer.headers["set-cookie"])[COOKIE]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "strict"
        assert not cookie["secure"]  # served over plain http here; see the https test below
        assert cookie["path"] == "/"
        body = answer.json()
        assert body["officer"]["party"] == "USA"
        assert body["now"] == "2026-11-26T01:00:00Z"  # the node's clock, not the desk computer's
        me = client.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["officer"]["tier"] == "duty"
        assert client.get("/api/v1/session").json()["party"]["language"] == "en"


def test_a_cookie_request_that_writes_needs_the_csrf_header(running: Running) -> None:
    with closing(_login(running, "usa_duty")) as client:
        refused = client.post("/api/v1/notices", json=usa_strike())
        assert refused.status_code == 403
        assert "X-Airparley" in refused.json()["detail"]
        filed = client.post("/api/v1/notices", json=usa_strike(), headers=HEADER)
        assert filed.status_code == 201, filed.text
        assert client.get("/api/v1/notices").json()["features"][0]["properties"]["notice_id"] == "USA-0101"


def test_login_itself_needs_the_header_and_a_desk_officer(running: Running) -> None:
    with httpx.Client(base_url=running.url, timeout=10) as client:
        assert client.post("/api/v1/session", json={"token": running.desk("usa_duty").token}).status_code == 403
        wrong = client.post("/api/v1/session", json={"token": "ap_nonsense"}, headers=HEADER)
        assert wrong.status_code == 401
        assert wrong.json()["detail"] == "unknown or revoked token"
        sensor = client.post("/api/v1/session", json={"token": running.desk("usa_sensor").token}, headers=HEADER)
        assert sensor.status_code == 403
        observer = client.post("/api/v1/session", json={"token": running.desk("usa_observer").token}, headers=HEADER)
        assert observer.status_code == 200


def test_logout_ends_the_session_even_for_a_replayed_cookie(running: Running) -> None:
    with closing(_login(running, "rus_duty")) as client:
        stolen = client.cookies[COOKIE]
        assert client.delete("/api/v1/session", headers=HEADER).status_code == 204
        assert COOKIE not in client.cookies
        assert client.get("/api/v1/me").status_code == 401
        replay = httpx.get(f"{running.url}/api/v1/me", cookies={COOKIE: stolen}, timeout=10)
        assert replay.status_code == 401


def test_a_forged_or_tampered_cookie_is_refused(running: Running) -> None:
    with closing(_login(running, "rus_duty")) as client:
        version, officer_id, expiry, signature = client.cookies[COOKIE].split(".")
        usa_officer = client.get("/api/v1/me").json()["officer"]["id"]  # any id: the signature will not match
        for forged in (
            f"{version}.{officer_id}.{int(expiry) + 3600}.{signature}",
            f"{version}.{usa_officer}x.{expiry}.{signature}",
            "garbage",
        ):
            answer = httpx.get(f"{running.url}/api/v1/me", cookies={COOKIE: forged}, timeout=10)
            assert answer.status_code == 401, forged


def test_a_bearer_token_still_wins_over_a_cookie(running: Running) -> None:
    with closing(_login(running, "rus_duty")) as client:
        answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {running.desk('tur_duty').token}"})
        assert answer.json()["officer"]["party"] == "TUR"


def test_the_websocket_accepts_the_cookie_from_its_own_origin_only(running: Running) -> None:
    with closing(_login(running, "usa_duty")) as client:
        assert client.post("/api/v1/notices", json=usa_strike(), headers=HEADER).status_code == 201
        cookie = f"{COOKIE}={client.cookies[COOKIE]}"
        host = running.url.removeprefix("http://")
        url = f"ws://{host}/api/v1/events?after=0"

        async def first_event(origin: str) -> dict[str, object]:
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin}) as socket:
                return json.loads(await asyncio.wait_for(socket.recv(), timeout=5))  # type: ignore[no-any-return]

        event = _run(first_event(running.url))
        assert event["kind"] == "notice.filed"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            _run(first_event("http://evil.example"))


def _in_process(url: str) -> tuple[Store, str, str]:
    """A node of one party and one officer, for tests that talk to the app in process (no server)."""
    store = Store.open(url)
    with store.begin() as tx:
        tx.add_party("USA", "Coalition", "en", NOW)
        officer, token = tx.add_officer("USA", "Col. Smith", "duty", NOW)
    return store, officer.id, token


async def _ask(app: Any, base_url: str, calls: Any) -> Any:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
        return await calls(client)


def test_the_cookie_is_secure_over_https(tmp_path: Path) -> None:
    store, _, token = _in_process(f"sqlite:///{tmp_path / 'n.db'}")
    app = desk_app(Node(store, NodeSettings(), lambda: NOW))

    async def login(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/api/v1/session", json={"token": token}, headers=HEADER)

    answer = _run(_ask(app, "https://node.example", login))
    assert answer.status_code == 200
    assert SimpleCookie(answer.headers["set-cookie"])[COOKIE]["secure"] is True
    store.close()


def test_a_revoked_officer_loses_the_session(tmp_path: Path) -> None:
    store, officer_id, token = _in_process(f"sqlite:///{tmp_path / 'n.db'}")
    app = desk_app(Node(store, NodeSettings(auth_cache_s=0.01), lambda: NOW))

    async def revoke_midway(client: httpx.AsyncClient) -> tuple[int, int]:
        await client.post("/api/v1/session", json={"token": token}, headers=HEADER)
        before = (await client.get("/api/v1/me")).status_code
        with store.begin() as tx:
            tx.revoke_officer(officer_id, NOW)
        await asyncio.sleep(0.05)  # past auth_cache_s
        return before, (await client.get("/api/v1/me")).status_code

    assert _run(_ask(app, "http://node.example", revoke_midway)) == (200, 401)
    store.close()


def test_sessions_expire_and_verify_only_their_own_signature() -> None:
    now = [1_000_000.0]
    sessions = Sessions(b"k" * 32, lifetime_s=60.0, clock=lambda: now[0])
    value, expires_s = sessions.issue("officer-1")
    assert expires_s == 1_000_060
    session = sessions.verify(value)
    assert session is not None
    assert session.officer_id == "officer-1"
    assert Sessions(b"j" * 32, clock=lambda: now[0]).verify(value) is None  # another node's secret
    now[0] += 61
    assert sessions.verify(value) is None
    with pytest.raises(InvalidInput):
        sessions.issue("has.a.dot")


def test_the_session_secret_comes_from_the_environment_or_is_random() -> None:
    assert secret_from_env({}) != secret_from_env({})
    fixed = {SECRET_ENV: "correct horse battery staple"}
    assert secret_from_env(fixed) == secret_from_env(fixed)
    with pytest.raises(InvalidInput, match="at least 16"):
        secret_from_env({SECRET_ENV: "short"})


def test_the_openapi_document_describes_the_session_answer(running: Running) -> None:
    document = httpx.get(f"{running.url}/openapi.json", timeout=10).json()
    for verb in ("get", "post"):
        answer = document["paths"]["/api/v1/session"][verb]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"] == {"$ref": "#/components/schemas/SessionView"}
    schema = document["components"]["schemas"]["SessionView"]
    assert set(schema["required"]) >= {"officer", "expires_at", "now", "cursor", "buffers", "routes"}
    # The answer a desk gets is the one documented, key for key.
    with closing(_login(running, "usa_duty")) as client:
        body = client.get("/api/v1/session").json()
    assert set(body) == set(schema["properties"])
    assert body["routes"]["/api/v1/session"] == ["delete", "get", "post"]
