"""Data isolation: another user's resource answers ``404``, on every route that names one.

This is an IDOR matrix built from the app's own route table. Every route with a
path parameter must be decided, or ``test_every_route_with_a_path_parameter_is_decided``
fails. To decide a new route:

* If its path parameter names a user-owned resource, add one line to ``OWNED``:
  the parameter name -> an async factory ``(client, owner, created) -> id`` that
  creates such a resource for ``owner`` through the API and returns its id
  (``created`` holds the ids made so far for the same route, so a nested route such
  as ``/conversations/{conversation_id}/messages/{message_id}`` can make the message
  inside the conversation). Every route using that parameter name is then tested:
  a second user calling it with the owner's id must get ``404``, and the owner's own
  call must not (so a factory that returns a wrong id cannot pass unnoticed).
  Use a distinct parameter name per resource kind (``conversation_id``, ``number_id``).
* If the route needs a body to reach its ownership check, add it to ``BODIES``.
* If the owner's own call cannot be probed (a stream that never ends), add the
  route to ``NO_OWNER_PROBE`` with the reason.
* If the parameter does not name a user-owned resource, add the route to
  ``NOT_OWNED`` with the reason (an administrator route guarded by a permission,
  a public document).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, login, register_and_login

pytestmark = pytest.mark.anyio

Account = dict[str, Any]
Factory = Callable[[AsyncTestClient[Any], Account, dict[str, str]], Awaitable[str]]
Route = tuple[str, str]  # (method, path template as Litestar writes it)

IGNORED_METHODS = {"OPTIONS", "HEAD"}
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


async def a_session(client: AsyncTestClient[Any], owner: Account, created: dict[str, str]) -> str:
    """A second session of ``owner`` (not the one making the requests)."""
    await login(client, owner["email"])
    response = await client.get("/api/v1/auth/sessions", headers=owner["headers"])
    return str(next(s["id"] for s in response.json()["items"] if not s["current"]))


async def a_conversation(
    client: AsyncTestClient[Any], owner: Account, created: dict[str, str]
) -> str:
    """A conversation of ``owner`` holding one message."""
    response = await client.post(
        "/api/v1/conversations", json={"title": "mine"}, headers=owner["headers"]
    )
    conversation_id = str(response.json()["id"])
    await client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"body": "private"},
        headers=owner["headers"],
    )
    return conversation_id


async def a_device(client: AsyncTestClient[Any], owner: Account, created: dict[str, str]) -> str:
    """A remembered device of ``owner``: TOTP on, then a login that asks to remember it."""
    headers = owner["headers"]
    secret = (await client.post("/api/v1/auth/mfa/totp/setup", headers=headers)).json()["secret"]
    confirm = await client.post(
        "/api/v1/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    challenge = await login(client, owner["email"])
    await client.post(
        "/api/v1/auth/mfa/verify",
        json={
            "mfa_token": challenge["mfa_token"],
            "method": "backup_code",
            "code": confirm.json()["backup_codes"][0],
            "remember_device": True,
        },
    )
    response = await client.get("/api/v1/auth/devices", headers=headers)
    return str(response.json()["items"][0]["id"])


OWNED: dict[str, Factory] = {
    "session_id": a_session,
    "device_id": a_device,
    "conversation_id": a_conversation,
}
"""Path parameter name -> factory making a resource of that kind for a user."""

BODIES: dict[Route, dict[str, Any]] = {
    ("PATCH", "/api/v1/conversations/{conversation_id:str}"): {"title": "renamed"},
    ("POST", "/api/v1/conversations/{conversation_id:str}/messages"): {"body": "hello"},
}
"""Request bodies for routes that validate a body before looking the resource up."""

NO_OWNER_PROBE: dict[Route, str] = {
    ("GET", "/api/v1/conversations/{conversation_id:str}/events"): (
        "a live stream never ends; test_conversation_events.py reads it through a real server"
    ),
}
"""Routes whose owner call is not made, with the reason."""

NOT_OWNED: dict[Route, str] = {
    ("PUT", "/api/v1/admin/users/{user_id:str}/roles"): (
        "administrators act on any user by design; guarded by users:manage (test_admin.py)"
    ),
    ("GET", "/schema/{path:str}"): "the public OpenAPI documents",
    ("GET", "/schema/swagger/assets/{name:str}"): "the bundled Swagger UI files",
    ("DELETE", "/api/v1/admin/sms/numbers/{number_id:str}"): (
        "administrators release any user's number; guarded by sms:numbers:manage"
        " (test_sms_numbers.py)"
    ),
}
"""Routes with a path parameter that names no user-owned resource, with the reason."""


def app_routes(app: Litestar) -> list[Route]:
    """Every (method, path) of the app that has a path parameter."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path_parameters:
            continue
        for handler in route.route_handlers:
            for method in getattr(handler, "http_methods", ()):
                if method not in IGNORED_METHODS:
                    found.add((method, route.path))
    return sorted(found)


def parameters(path: str) -> list[str]:
    return _PARAM.findall(path)


def _collect() -> list[Route]:
    settings = make_settings(Path(tempfile.gettempdir()) / "pa-isolation-routes")
    return app_routes(create_app(settings))


ROUTES = _collect()
OWNED_ROUTES = [r for r in ROUTES if r not in NOT_OWNED and set(parameters(r[1])) <= set(OWNED)]


def test_every_route_with_a_path_parameter_is_decided() -> None:
    undecided = [r for r in ROUTES if r not in NOT_OWNED and r not in OWNED_ROUTES]
    assert undecided == [], (
        "add these routes to OWNED (by parameter name) or NOT_OWNED in tests/app/test_isolation.py"
    )


def test_the_decisions_name_only_existing_routes() -> None:
    stale = [r for r in (*NOT_OWNED, *BODIES, *NO_OWNER_PROBE) if r not in ROUTES]
    assert stale == []


def test_the_matrix_is_not_empty() -> None:
    assert ("DELETE", "/api/v1/auth/sessions/{session_id:str}") in OWNED_ROUTES


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(make_settings(tmp_path))) as test_client:
        yield test_client


async def account(client: AsyncTestClient[Any], email: str) -> Account:
    session = await register_and_login(client, email)
    return {"email": email, "headers": bearer(session["access_token"]), **session}


@pytest.mark.parametrize(("method", "path"), OWNED_ROUTES, ids=lambda v: str(v))
async def test_another_users_resource_is_not_found(
    client: AsyncTestClient[Any], method: str, path: str
) -> None:
    owner = await account(client, "owner@example.com")
    intruder = await account(client, "intruder@example.com")
    created: dict[str, str] = {}
    for name in parameters(path):
        created[name] = await OWNED[name](client, owner, created)
    url = _PARAM.sub(lambda m: created[m.group(1)], path)
    body = BODIES.get((method, path))

    response = await client.request(method, url, headers=intruder["headers"], json=body)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"

    if (method, path) not in NO_OWNER_PROBE:
        mine = await client.request(method, url, headers=owner["headers"], json=body)
        assert mine.status_code != 404, "the factory did not make a resource the owner can reach"
        assert mine.status_code < 400, mine.text
