"""Live updates (Server-Sent Events) through real servers: across two app instances sharing Redis.

The test client buffers whole responses, so these tests run the app under
uvicorn on loopback ports and read the streams with httpx, line by line.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings
from tests.app.helpers import PASSWORD, bearer

pytestmark = pytest.mark.anyio

SECRET = "s" * 48
HEARTBEAT = 0.2
WAIT = 10


@asynccontextmanager
async def serving(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run one app instance under uvicorn; yield a client pointed at it."""
    app = create_app(make_settings(**overrides))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(WAIT):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
            yield client
        server.should_exit = True


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return bearer(response.json()["access_token"])


async def _events(
    lines: AsyncIterator[str], count: int, *, heartbeats: bool = False
) -> list[dict[str, str]]:
    """The next ``count`` events (or heartbeat comments) from the lines of an open stream."""
    found: list[dict[str, str]] = []
    event: dict[str, str] = {}
    with anyio.fail_after(WAIT):
        while len(found) < count:
            line = await anext(lines)
            if line == "":
                if "data" in event or (heartbeats and event.get("comment") == "heartbeat"):
                    found.append(event)
                event = {}
                continue
            name, _, value = line.partition(":")
            event[name or "comment"] = value.strip()
    return found


async def _say(client: httpx.AsyncClient, auth: dict[str, str], cid: str, body: str) -> Any:
    response = await client.post(
        f"/api/v1/conversations/{cid}/messages", json={"body": body}, headers=auth
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.redis
async def test_a_message_posted_on_one_instance_reaches_a_stream_on_another(
    redis_url: str, tmp_path: Path
) -> None:
    shared = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/shared.sqlite3",
        "redis_url": redis_url,
        "secret_key": SECRET,
        "sse_heartbeat_interval": HEARTBEAT,
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        serving(tmp_path=tmp_path / "a", **shared) as a,
        serving(tmp_path=tmp_path / "b", **shared) as b,
    ):
        auth = await _login(a, "ada@example.com")
        cid = (await a.post("/api/v1/conversations", json={}, headers=auth)).json()["id"]
        async with b.stream("GET", f"/api/v1/conversations/{cid}/events", headers=auth) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            live = r.aiter_lines()
            await _events(live, 1, heartbeats=True)  # subscribed and quiet
            first = await _say(a, auth, cid, "posted on A")
            second = await _say(a, auth, cid, "again on A")
            received = await _events(live, 2)
        assert [e["id"] for e in received] == [first["id"], second["id"]]
        assert [e["event"] for e in received] == ["message", "message"]
        assert json.loads(received[0]["data"]) == first

        # reconnecting with Last-Event-ID replays what was missed, then goes live
        missed = [await _say(a, auth, cid, f"missed {n}") for n in range(2)]
        headers = {**auth, "Last-Event-ID": second["id"]}
        async with b.stream("GET", f"/api/v1/conversations/{cid}/events", headers=headers) as r:
            resumed = r.aiter_lines()
            replayed = await _events(resumed, 2)
            live_one = await _say(a, auth, cid, "live again")
            after = await _events(resumed, 1)
        assert [json.loads(e["data"]) for e in replayed + after] == [*missed, live_one]


async def test_a_stream_on_the_embedded_defaults_sends_heartbeats_and_ends_at_logout(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path=tmp_path, sse_heartbeat_interval=HEARTBEAT) as app:
        auth = await _login(app, "ada@example.com")
        cid = (await app.post("/api/v1/conversations", json={}, headers=auth)).json()["id"]
        async with app.stream("GET", f"/api/v1/conversations/{cid}/events", headers=auth) as r:
            live = r.aiter_lines()
            beats = await _events(live, 2, heartbeats=True)
            assert [b.get("comment") for b in beats] == ["heartbeat", "heartbeat"]
            message = await _say(app, auth, cid, "in-process")
            assert json.loads((await _events(live, 1))[0]["data"]) == message
            assert (await app.post("/api/v1/auth/logout", headers=auth)).status_code == 204
            with anyio.fail_after(WAIT):
                rest = [line async for line in live]
            assert not any(line.startswith("data:") for line in rest)


# --- a stream ends with its session or token, however busy (security item 1) ------

POSTING_EVERY = 0.1
ENDS_WITHIN = 2.0
NEW_PASSWORD = "a different passphrase 42"


@asynccontextmanager
async def _deployment(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """(where the stream is read, where everything else is done): one process, or two on Redis."""
    settings: dict[str, Any] = {"secret_key": SECRET, "sse_heartbeat_interval": 15, **overrides}
    if kind == "memory":
        async with serving(tmp_path=tmp_path, **settings) as app:
            yield app, app
        return
    settings["database_url"] = f"sqlite+aiosqlite:///{tmp_path}/shared.sqlite3"
    settings["redis_url"] = request.getfixturevalue("redis_url")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        serving(tmp_path=tmp_path / "a", **settings) as actor,
        serving(tmp_path=tmp_path / "b", **settings) as reader,
    ):
        yield reader, actor


def _claims(auth: dict[str, str]) -> dict[str, Any]:
    """The (unverified) claims of a bearer token: ``sid`` and ``exp`` are all we need."""
    payload = auth["Authorization"].removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def _log_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def _busy_stream_ends(
    reader: httpx.AsyncClient,
    actor: httpx.AsyncClient,
    *,
    stream_auth: dict[str, str],
    actor_auth: dict[str, str],
    cid: str,
    end_it: Any,
) -> tuple[list[str], list[str], float, float]:
    """Post a message every 100 ms while reading the stream; ``end_it`` after three arrive.

    ``end_it`` returns the wall-clock moment from which nothing may be delivered.
    Returns the ids delivered, the ids whose POST started after that moment, the
    moment, and when the stream ended.
    """
    posted: list[tuple[float, str]] = []
    delivered: list[str] = []
    flowing = anyio.Event()

    async def post_forever() -> None:
        nonlocal actor_auth
        while True:
            started = time.time()
            response = await actor.post(
                f"/api/v1/conversations/{cid}/messages", json={"body": "tick"}, headers=actor_auth
            )
            if response.status_code == 401:  # the actor's own short-lived token expired
                actor_auth = await _log_in(actor, "ada@example.com")
                continue
            assert response.status_code == 201, response.text
            posted.append((started, response.json()["id"]))
            await anyio.sleep(POSTING_EVERY)

    async with anyio.create_task_group() as tg:
        async with reader.stream(
            "GET", f"/api/v1/conversations/{cid}/events", headers=stream_auth
        ) as response:
            assert response.status_code == 200
            tg.start_soon(post_forever)

            async def read_to_end() -> None:
                async for line in response.aiter_lines():
                    if line.startswith("id:"):
                        delivered.append(line.partition(":")[2].strip())
                        if len(delivered) == 3:
                            flowing.set()

            with anyio.fail_after(WAIT):
                async with anyio.create_task_group() as reading:
                    reading.start_soon(read_to_end)
                    await flowing.wait()
                    cutoff = await end_it()
            ended = time.time()
        await anyio.sleep(0.3)  # messages keep coming after the end
        tg.cancel_scope.cancel()
    after = [mid for started, mid in posted if started >= cutoff]
    assert after, "messages must keep flowing after the cut-off"
    return delivered, after, cutoff, ended


def _kinds() -> list[Any]:
    return [
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]


@pytest.mark.parametrize("kind", _kinds())
async def test_a_busy_stream_ends_within_two_seconds_of_logout(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with _deployment(kind, tmp_path, request) as (reader, actor):
        auth = await _login(actor, "ada@example.com")
        cid = (await actor.post("/api/v1/conversations", json={}, headers=auth)).json()["id"]

        async def logout() -> float:
            assert (await actor.post("/api/v1/auth/logout", headers=auth)).status_code == 204
            return time.time()

        delivered, after, cutoff, ended = await _busy_stream_ends(
            reader,
            actor,
            stream_auth=auth,
            actor_auth=await _log_in(actor, "ada@example.com"),
            cid=cid,
            end_it=logout,
        )
    assert ended - cutoff < ENDS_WITHIN
    assert not set(after) & set(delivered)


@pytest.mark.parametrize("kind", _kinds())
async def test_a_busy_stream_ends_when_its_session_is_deleted_from_another(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with _deployment(kind, tmp_path, request) as (reader, actor):
        streaming = await _login(actor, "ada@example.com")
        other = await _log_in(actor, "ada@example.com")
        cid = (await actor.post("/api/v1/conversations", json={}, headers=other)).json()["id"]

        async def delete_the_session() -> float:
            sid = _claims(streaming)["sid"]
            response = await actor.delete(f"/api/v1/auth/sessions/{sid}", headers=other)
            assert response.status_code == 204, response.text
            return time.time()

        delivered, after, cutoff, ended = await _busy_stream_ends(
            reader,
            actor,
            stream_auth=streaming,
            actor_auth=other,
            cid=cid,
            end_it=delete_the_session,
        )
    assert ended - cutoff < ENDS_WITHIN
    assert not set(after) & set(delivered)


@pytest.mark.parametrize("kind", _kinds())
async def test_a_busy_stream_ends_when_the_password_is_changed_elsewhere(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with _deployment(kind, tmp_path, request) as (reader, actor):
        streaming = await _login(actor, "ada@example.com")
        other = await _log_in(actor, "ada@example.com")
        cid = (await actor.post("/api/v1/conversations", json={}, headers=other)).json()["id"]

        async def change_password() -> float:
            response = await actor.post(
                "/api/v1/auth/password/change",
                json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                headers=other,
            )
            assert response.status_code == 204, response.text
            return time.time()

        delivered, after, cutoff, ended = await _busy_stream_ends(
            reader,
            actor,
            stream_auth=streaming,
            actor_auth=other,
            cid=cid,
            end_it=change_password,
        )
    assert ended - cutoff < ENDS_WITHIN
    assert not set(after) & set(delivered)


@pytest.mark.parametrize("kind", _kinds())
async def test_a_busy_stream_ends_when_its_access_token_expires(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with _deployment(kind, tmp_path, request, access_token_ttl=3) as (reader, actor):
        auth = await _login(actor, "ada@example.com")
        cid = (await actor.post("/api/v1/conversations", json={}, headers=auth)).json()["id"]
        streaming = await _log_in(actor, "ada@example.com")
        expiry = float(_claims(streaming)["exp"])

        async def wait_for_expiry() -> float:
            await anyio.sleep(max(0.0, expiry - time.time()))
            return expiry

        delivered, after, _, ended = await _busy_stream_ends(
            reader,
            actor,
            stream_auth=streaming,
            actor_auth=auth,
            cid=cid,
            end_it=wait_for_expiry,
        )
    assert expiry - 0.05 <= ended < expiry + ENDS_WITHIN
    assert not set(after) & set(delivered)
