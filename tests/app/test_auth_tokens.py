"""Issue 3 through the app: bearer tokens, sessions, refresh rotation, logout, fail-closed."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.clock import FrozenClock
from pa_core.tokens import KeySet, SigningKey, TokenPurpose, TokenService
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, login, register_and_login

pytestmark = pytest.mark.anyio

ME = "/api/v1/users/me"


def services(client: AsyncTestClient[Any]) -> Any:
    return client.app.state.services


async def test_a_valid_access_token_reaches_a_protected_route(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    response = await client.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"


async def test_a_token_pair_has_the_documented_shape(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert tokens["access_token"]
    assert tokens["refresh_token"]


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic YWRhOnB3", "Bearer", "Bearer    ", "Token abc"],
)
async def test_missing_or_non_bearer_credentials_are_not_authenticated(
    client: AsyncTestClient[Any], header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_malformed_token_is_invalid(client: AsyncTestClient[Any]) -> None:
    response = await client.get(ME, headers=bearer("not.a.jwt"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_a_token_signed_with_another_key_is_refused(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    genuine = services(client).tokens.verify(tokens["access_token"], TokenPurpose.ACCESS)
    forger = TokenService(
        KeySet(SigningKey.hs256(b"k" * 32, kid=services(client).tokens.keys.signing.kid)),
        issuer="pa-platform",
        audience="pa-platform",
        clock=services(client).clock,
    )
    forged = forger.issue(
        TokenPurpose.ACCESS, genuine.subject, timedelta(minutes=5), session_id=genuine.session_id
    )
    response = await client.get(ME, headers=bearer(forged.token))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_an_unsigned_alg_none_token_is_refused(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    payload_part = tokens["access_token"].split(".")[1]
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload_part}."
    response = await client.get(ME, headers=bearer(unsigned))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_an_expired_access_token_is_refused(tmp_path: Path) -> None:
    clock = FrozenClock()
    async with AsyncTestClient(app=create_app(make_settings(tmp_path), clock=clock)) as client:
        tokens = await register_and_login(client)
        clock.advance(timedelta(minutes=15, seconds=31))
        response = await client.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_a_token_of_another_purpose_is_refused_as_access(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    user_id = tokens["user"]["id"]
    claims = services(client).tokens.verify(tokens["access_token"], TokenPurpose.ACCESS)
    for purpose in (TokenPurpose.MFA, TokenPurpose.PASSWORD_RESET):
        other = services(client).tokens.issue(purpose, user_id, timedelta(minutes=5))
        response = await client.get(ME, headers=bearer(other.token))
        assert response.status_code == 401, purpose
    assert claims.subject == user_id


async def test_a_token_whose_session_was_revoked_is_refused_at_once(
    client: AsyncTestClient[Any],
) -> None:
    first = await register_and_login(client)
    second = await login(client)
    sessions = await client.get("/api/v1/auth/sessions", headers=bearer(second["access_token"]))
    other_id = next(s["id"] for s in sessions.json()["items"] if not s["current"])
    deleted = await client.delete(
        f"/api/v1/auth/sessions/{other_id}", headers=bearer(second["access_token"])
    )
    assert deleted.status_code == 204
    response = await client.get(ME, headers=bearer(first["access_token"]))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_deleting_the_sessions_ends_every_other_session_and_keeps_this_one(
    client: AsyncTestClient[Any],
) -> None:
    first = await register_and_login(client)
    second = await login(client)
    third = await login(client)
    deleted = await client.delete("/api/v1/auth/sessions", headers=bearer(third["access_token"]))
    assert deleted.status_code == 204
    assert deleted.content == b""
    for other in (first, second):
        assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 401
    assert (await client.get(ME, headers=bearer(third["access_token"]))).status_code == 200
    left = await client.get("/api/v1/auth/sessions", headers=bearer(third["access_token"]))
    assert [s["current"] for s in left.json()["items"]] == [True]


async def test_logout_kills_the_session_and_its_refresh_token(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    assert (
        await client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    ).status_code == 204
    assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_logout_all_kills_every_session(client: AsyncTestClient[Any]) -> None:
    first = await register_and_login(client)
    second = await login(client)
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(second["access_token"]))
    assert response.status_code == 204
    for tokens in (first, second):
        assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 401


async def test_refresh_returns_a_new_pair_and_spends_the_old_token(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 200
    renewed = response.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert (await client.get(ME, headers=bearer(renewed["access_token"]))).status_code == 200


async def test_a_reused_refresh_token_revokes_the_whole_login(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    renewed = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"
    # Every token of that login is dead: the successor refresh token and the session.
    successor = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": renewed["refresh_token"]}
    )
    assert successor.status_code == 401
    assert (await client.get(ME, headers=bearer(renewed["access_token"]))).status_code == 401


async def test_concurrent_refreshes_with_one_token_let_exactly_one_through(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    statuses: list[int] = []

    async def refresh() -> None:
        response = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        statuses.append(response.status_code)

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(refresh)
    assert statuses.count(200) == 1


async def test_an_unknown_refresh_token_is_invalid(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_sessions_are_listed_newest_first_with_the_current_one_marked(
    client: AsyncTestClient[Any],
) -> None:
    await register_and_login(client)
    latest = await login(client)
    response = await client.get("/api/v1/auth/sessions", headers=bearer(latest["access_token"]))
    body = response.json()
    assert body["next_cursor"] is None
    assert len(body["items"]) == 2
    assert body["items"][0]["current"] is True
    assert body["items"][0]["created_at"] >= body["items"][1]["created_at"]
    assert set(body["items"][0]) == {
        "id",
        "created_at",
        "last_seen_at",
        "expires_at",
        "ip",
        "user_agent",
        "current",
    }
    assert body["items"][0]["expires_at"].endswith("Z")


async def test_another_users_session_cannot_be_deleted(client: AsyncTestClient[Any]) -> None:
    ada = await register_and_login(client)
    bob = await register_and_login(client, "bob@example.com")
    ada_session = (
        await client.get("/api/v1/auth/sessions", headers=bearer(ada["access_token"]))
    ).json()["items"][0]["id"]
    response = await client.delete(
        f"/api/v1/auth/sessions/{ada_session}", headers=bearer(bob["access_token"])
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (await client.get(ME, headers=bearer(ada["access_token"]))).status_code == 200


async def test_a_new_login_beyond_the_limit_evicts_the_oldest_session(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, session_max_per_user=2)
    async with AsyncTestClient(app=create_app(settings)) as client:
        oldest = await register_and_login(client)
        await login(client)
        newest = await login(client)
        listed = await client.get("/api/v1/auth/sessions", headers=bearer(newest["access_token"]))
        assert len(listed.json()["items"]) == 2
        assert (await client.get(ME, headers=bearer(oldest["access_token"]))).status_code == 401


async def test_a_session_dies_after_its_absolute_lifetime(tmp_path: Path) -> None:
    clock = FrozenClock()
    settings = make_settings(tmp_path, session_ttl=3600, access_token_ttl=7200)
    async with AsyncTestClient(app=create_app(settings, clock=clock)) as client:
        tokens = await register_and_login(client)
        clock.advance(timedelta(hours=1, seconds=1))
        response = await client.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


async def test_jwks_is_not_found_with_a_shared_secret(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 404


async def test_jwks_publishes_the_public_key_for_eddsa(tmp_path: Path) -> None:
    from pa_core.tokens import generate_ed25519

    key = generate_ed25519()
    settings = make_settings(
        tmp_path, jwt_algorithm="EdDSA", jwt_private_key=key.private_pem().decode()
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        tokens = await register_and_login(client)
        response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (jwk,) = response.json()["keys"]
    assert jwk["kid"] == key.kid
    assert "d" not in jwk
    # Another service verifies with the public key alone.
    import jwt as pyjwt

    public = pyjwt.PyJWK(jwk).key
    claims = pyjwt.decode(
        tokens["access_token"], public, algorithms=["EdDSA"], audience="pa-platform"
    )
    assert claims["typ"] == "access"
