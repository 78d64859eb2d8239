"""Issue 4 through the app: registration, verification, login, reset, change, limits, audit."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.audit import AuditFilter
from pa_core.clock import FrozenClock
from pa_core.email import MemoryOutbox
from pa_core.pagination import PageRequest
from tests.app.conftest import make_settings
from tests.app.helpers import (
    PASSWORD,
    bearer,
    in_app,
    login,
    mail_sent,
    register,
    register_and_login,
)

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a completely different passphrase"


def outbox(client: AsyncTestClient[Any]) -> MemoryOutbox:
    sender = client.app.state.services.email
    assert isinstance(sender, MemoryOutbox)
    return sender


async def token_from_last_mail(client: AsyncTestClient[Any], to: str) -> str:
    await mail_sent(client)
    (link,) = [u for u in outbox(client).last_to(to).links() if "token=" in u]
    return parse_qs(urlsplit(link).query)["token"][0]


async def audit_actions(client: AsyncTestClient[Any]) -> list[str]:
    log = client.app.state.services.audit.log
    page = await in_app(client, log.list, AuditFilter(), PageRequest(limit=100))
    return [e.action for e in page.items]


# --- registration -------------------------------------------------------------


async def test_register_returns_the_user_object(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "Ada@Example.COM", "password": PASSWORD, "display_name": "Ada"},
    )
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {
        "id",
        "email",
        "email_verified",
        "display_name",
        "timezone",
        "locale",
        "roles",
        "mfa",
        "created_at",
    }
    assert user["email"] == "Ada@example.com"
    assert user["email_verified"] is False
    assert user["roles"] == ["user"]
    assert user["mfa"] == {"totp": False, "sms": False, "backup_codes_remaining": 0}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", user["created_at"])


async def test_an_email_is_unique_whatever_its_case(client: AsyncTestClient[Any]) -> None:
    await register(client, "ada@example.com")
    response = await client.post(
        "/api/v1/auth/register", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "too_short"),
        ("x" * 129, "too_long"),
        ("password1234", "common"),
        ("ada-lovelace-2026!", "contains_email"),
    ],
)
async def test_a_weak_password_is_refused_naming_the_rule(
    client: AsyncTestClient[Any], password: str, rule: str
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "ada-lovelace@example.com", "password": password},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["rule"] == rule
    if len(password) >= 12:
        assert password not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "ada\x00@example.com", "password": PASSWORD},
        {"email": "ada@example.com", "password": PASSWORD, "admin": True},
        {"email": 42, "password": PASSWORD},
        {"password": PASSWORD},
    ],
)
async def test_bad_input_is_a_validation_error_and_writes_nothing(
    client: AsyncTestClient[Any], body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"]
    assert all({"field", "message"} == set(e) for e in problem["errors"])
    users = client.app.state.services.users
    assert await in_app(client, users.get_by_email, "ada@example.com") is None


async def test_a_ten_megabyte_password_is_payload_too_large(client: AsyncTestClient[Any]) -> None:
    body = b'{"email":"ada@example.com","password":"' + b"p" * 10_000_000 + b'"}'
    response = await client.post(
        "/api/v1/auth/register", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_a_body_that_is_not_json_is_malformed(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/api/v1/auth/register", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


async def test_registration_is_rate_limited_per_ip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_register_per_ip="2/1h")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client, "a@example.com")
        await register(client, "b@example.com")
        response = await client.post(
            "/api/v1/auth/register", json={"email": "c@example.com", "password": PASSWORD}
        )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


# --- verification -------------------------------------------------------------


async def test_registration_mails_a_link_that_verifies_once(client: AsyncTestClient[Any]) -> None:
    await register(client)
    mail = outbox(client).last_to("ada@example.com")
    assert any(
        link.startswith("http://127.0.0.1:8000/verify-email?token=") for link in mail.links()
    )
    token = await token_from_last_mail(client, "ada@example.com")
    first = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert first.status_code == 200
    assert first.json()["email_verified"] is True
    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


async def test_a_forged_verification_token_is_invalid(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/v1/auth/verify-email", json={"token": "abc.def.ghi"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


async def test_a_verification_token_expires_after_a_day(tmp_path: Path) -> None:
    clock = FrozenClock()
    async with AsyncTestClient(app=create_app(make_settings(tmp_path), clock=clock)) as client:
        await register(client)
        token = await token_from_last_mail(client, "ada@example.com")
        clock.advance(timedelta(hours=24, minutes=1))
        response = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 400


async def test_resend_answers_202_for_anyone_and_mails_only_real_unverified_accounts(
    client: AsyncTestClient[Any],
) -> None:
    await register(client)
    outbox(client).clear()
    for email in ("ada@example.com", "nobody@example.com", "not an email"):
        response = await client.post("/api/v1/auth/verify-email/resend", json={"email": email})
        assert response.status_code == 202
    await mail_sent(client)
    assert [m.to for m in outbox(client)] == ["ada@example.com"]


async def test_resend_is_limited_per_address(client: AsyncTestClient[Any]) -> None:
    await register(client)
    statuses = [
        (
            await client.post("/api/v1/auth/verify-email/resend", json={"email": "ada@example.com"})
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]


async def test_unverified_login_is_refused_when_verification_is_required(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, require_verified_email=True)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client)
        refused = await client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "email_not_verified"
        token = await token_from_last_mail(client, "ada@example.com")
        await client.post("/api/v1/auth/verify-email", json={"token": token})
        assert (await login(client))["access_token"]


# --- login ----------------------------------------------------------------------


async def test_a_wrong_password_and_an_unknown_email_answer_alike(
    client: AsyncTestClient[Any],
) -> None:
    await register(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "not the password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "who@example.com", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert wrong.json()["code"] == "invalid_credentials"


async def test_five_failures_lock_the_account_with_retry_after(
    client: AsyncTestClient[Any],
) -> None:
    await register(client)
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": "wrong wrong"}
        )
        assert response.status_code == 401
    locked = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) >= 1
    assert "auth.lockout" in await audit_actions(client)


async def test_the_lockout_settings_reach_the_login_and_mfa_back_offs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_failures=3, login_max_failures_account=7)
    async with AsyncTestClient(app=create_app(settings)) as client:
        services = client.app.state.services
        for backoff in (services.accounts.login_backoff, services.mfa.backoff):
            assert (backoff.max_failures, backoff.max_failures_account) == (3, 7)


async def test_a_success_resets_the_failure_count(client: AsyncTestClient[Any]) -> None:
    await register(client)
    for _ in range(4):
        await client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": "wrong wrong"}
        )
    await login(client)
    for _ in range(4):
        response = await client.post(
            "/api/v1/auth/login", json={"email": "ada@example.com", "password": "wrong wrong"}
        )
        assert response.status_code == 401
    await login(client)


async def test_login_is_rate_limited_per_ip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_login_per_ip="3/1m")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await register(client)
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": "x" * 12}
                )
            ).status_code
            for i in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


async def test_a_disabled_account_cannot_log_in(client: AsyncTestClient[Any]) -> None:
    from dataclasses import replace

    user_id = (await register(client))["id"]
    users = client.app.state.services.users
    user = await in_app(client, users.get, user_id)
    await in_app(client, users.update, replace(user, disabled=True))
    response = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"


async def test_login_success_and_failure_are_audited(client: AsyncTestClient[Any]) -> None:
    await register(client)
    await login(client)
    await client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": "nope"})
    actions = await audit_actions(client)
    assert {"account.register", "auth.login"} <= set(actions)
    log = client.app.state.services.audit.log
    page = await in_app(client, log.list, AuditFilter(action="auth.login"), PageRequest())
    failures = [e for e in page.items if e.outcome == "failure"]
    # The test client connects from 192.0.2.10 (tests/conftest.py): that address is kept.
    assert failures[0].ip == "192.0.2.10"
    assert failures[0].user_agent
    assert failures[0].request_id
    assert "nope" not in str(failures[0].details)


# --- password reset and change ----------------------------------------------------


async def test_forgot_password_answers_202_for_unknown_addresses_without_mail(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.post("/api/v1/auth/password/forgot", json={"email": "x@example.com"})
    assert response.status_code == 202
    await mail_sent(client)
    assert len(outbox(client)) == 0


async def test_reset_sets_the_password_revokes_sessions_and_works_once(
    client: AsyncTestClient[Any],
) -> None:
    old = await register_and_login(client)
    await client.post("/api/v1/auth/password/forgot", json={"email": "ada@example.com"})
    token = await token_from_last_mail(client, "ada@example.com")
    reset = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    assert (
        await client.get("/api/v1/users/me", headers=bearer(old["access_token"]))
    ).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    assert refresh.status_code == 401
    await login(client, password=NEW_PASSWORD)
    again = await client.post(
        "/api/v1/auth/password/reset",
        json={"token": token, "new_password": "yet another passphrase"},
    )
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"
    assert "reset" in outbox(client).last_to("ada@example.com").text.lower()


async def test_a_reset_token_dies_when_the_password_changes(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    await client.post("/api/v1/auth/password/forgot", json={"email": "ada@example.com"})
    token = await token_from_last_mail(client, "ada@example.com")
    changed = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 204
    response = await client.post(
        "/api/v1/auth/password/reset",
        json={"token": token, "new_password": "yet another passphrase"},
    )
    assert response.status_code == 400


async def test_a_reset_token_expires_after_an_hour(tmp_path: Path) -> None:
    clock = FrozenClock()
    async with AsyncTestClient(app=create_app(make_settings(tmp_path), clock=clock)) as client:
        await register(client)
        await client.post("/api/v1/auth/password/forgot", json={"email": "ada@example.com"})
        token = await token_from_last_mail(client, "ada@example.com")
        clock.advance(timedelta(hours=1, minutes=1))
        response = await client.post(
            "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
        )
    assert response.status_code == 400


async def test_reset_refuses_a_weak_password_and_keeps_the_token_usable(
    client: AsyncTestClient[Any],
) -> None:
    await register(client)
    await client.post("/api/v1/auth/password/forgot", json={"email": "ada@example.com"})
    token = await token_from_last_mail(client, "ada@example.com")
    weak = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 422
    assert weak.json()["code"] == "weak_password"
    ok = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 204


async def test_change_password_needs_the_current_one(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"


async def test_five_wrong_current_passwords_are_429_end_the_session_and_mail_the_user(
    client: AsyncTestClient[Any],
) -> None:
    tokens = await register_and_login(client)
    statuses = [
        (
            await client.post(
                "/api/v1/auth/password/change",
                json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
                headers=bearer(tokens["access_token"]),
            )
        )
        for _ in range(5)
    ]
    assert [r.status_code for r in statuses] == [400, 400, 400, 400, 429]
    assert statuses[-1].json()["code"] == "rate_limited"
    assert int(statuses[-1].headers["retry-after"]) == 15 * 60
    me = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert "wrong passwords" in outbox(client).last_to("ada@example.com").text
    assert "auth.reconfirm.lockout" in await audit_actions(client)


async def test_change_password_keeps_this_session_and_ends_the_others(
    client: AsyncTestClient[Any],
) -> None:
    other = await register_and_login(client)
    current = await login(client)
    response = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(current["access_token"]),
    )
    assert response.status_code == 204
    assert (
        await client.get("/api/v1/users/me", headers=bearer(current["access_token"]))
    ).status_code == 200
    assert (
        await client.get("/api/v1/users/me", headers=bearer(other["access_token"]))
    ).status_code == 401
    notice = outbox(client).last_to("ada@example.com")
    assert "changed" in notice.text.lower()
    assert NEW_PASSWORD not in notice.text


async def test_change_password_requires_authentication(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 401
