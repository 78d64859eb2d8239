"""Issue 5 through the app: TOTP, SMS and backup codes, the two-step login, remembered devices."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from httpx import Response
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from pa_core.audit import AuditFilter, Outcome
from pa_core.clock import FrozenClock
from pa_core.email import MemoryOutbox
from pa_core.pagination import PageRequest
from pa_sms.transports import RecordingTransport
from tests.app.conftest import make_settings
from tests.app.helpers import PASSWORD, bearer, login, register_and_login

pytestmark = pytest.mark.anyio

PHONE = "+14155550123"
STEP = timedelta(seconds=30)


@pytest.fixture
async def client(settings: AppSettings, clock: FrozenClock) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings, clock)) as test_client:
        yield test_client


def texts(client: AsyncTestClient[Any]) -> RecordingTransport:
    sender = client.app.state.services.sms_sender
    assert isinstance(sender, RecordingTransport)
    return sender


def last_sms_code(client: AsyncTestClient[Any]) -> str:
    match = re.search(r"\d{6}", texts(client).sent[-1].body)
    assert match is not None
    return match.group(0)


async def me(client: AsyncTestClient[Any], access_token: str) -> dict[str, Any]:
    response = await client.get("/api/v1/users/me", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


async def enable_totp(client: AsyncTestClient[Any], access_token: str) -> tuple[str, list[str]]:
    """Set up and confirm TOTP; the secret and the backup codes."""
    setup = await client.post("/api/v1/auth/mfa/totp/setup", headers=bearer(access_token))
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirm = await client.post(
        "/api/v1/auth/mfa/totp/confirm",
        json={"code": totp_code(client, secret)},
        headers=bearer(access_token),
    )
    assert confirm.status_code == 200, confirm.text
    codes: list[str] = confirm.json()["backup_codes"]
    return secret, codes


def totp_code(client: AsyncTestClient[Any], secret: str) -> str:
    return pyotp.TOTP(secret).at(client.app.state.services.clock.now())


async def mfa_token(client: AsyncTestClient[Any], **extra: Any) -> str:
    challenge = await login(client, **extra)
    assert challenge["mfa_required"] is True
    token: str = challenge["mfa_token"]
    return token


async def verify(
    client: AsyncTestClient[Any], token: str, method: str, code: str, **extra: Any
) -> Response:
    return await client.post(
        "/api/v1/auth/mfa/verify",
        json={"mfa_token": token, "method": method, "code": code, **extra},
    )


async def with_totp(client: AsyncTestClient[Any], clock: FrozenClock) -> dict[str, Any]:
    """A logged-in account with TOTP on; the next time step has begun."""
    account = await register_and_login(client)
    secret, codes = await enable_totp(client, account["access_token"])
    clock.advance(STEP)
    return {**account, "secret": secret, "backup_codes": codes}


async def actions(client: AsyncTestClient[Any], outcome: Outcome | None = None) -> list[str]:
    page = await client.app.state.services.audit.log.list(AuditFilter(), PageRequest(limit=100))
    return [e.action for e in page.items if outcome is None or e.outcome == outcome]


# --- TOTP set-up ---------------------------------------------------------------


async def test_totp_setup_answers_a_secret_uri_and_qr_code_without_activating(
    client: AsyncTestClient[Any],
) -> None:
    account = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/mfa/totp/setup", headers=bearer(account["access_token"])
    )
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    assert body["otpauth_uri"].startswith("otpauth://totp/Assistant:ada%40example.com?")
    assert "issuer=Assistant" in body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg")
    assert (await me(client, account["access_token"]))["mfa"]["totp"] is False
    assert "access_token" in await login(client)


async def test_a_wrong_code_to_confirm_totp_is_400(client: AsyncTestClient[Any]) -> None:
    account = await register_and_login(client)
    await client.post("/api/v1/auth/mfa/totp/setup", headers=bearer(account["access_token"]))
    response = await client.post(
        "/api/v1/auth/mfa/totp/confirm",
        json={"code": "000000"},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_mfa_code"
    assert "mfa.totp.enable" in await actions(client, Outcome.FAILURE)


async def test_confirming_totp_turns_it_on_with_ten_backup_codes(
    client: AsyncTestClient[Any],
) -> None:
    account = await register_and_login(client)
    _, codes = await enable_totp(client, account["access_token"])
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert (await me(client, account["access_token"]))["mfa"] == {
        "totp": True,
        "sms": False,
        "backup_codes_remaining": 10,
    }
    outbox = client.app.state.services.email
    assert isinstance(outbox, MemoryOutbox)
    assert "Two-step verification was turned on" in outbox.last_to("ada@example.com").text


async def test_setting_up_totp_again_while_active_is_a_conflict(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await client.post(
        "/api/v1/auth/mfa/totp/setup", headers=bearer(account["access_token"])
    )
    assert response.status_code == 409


# --- the two-step login ---------------------------------------------------------


async def test_login_with_totp_takes_two_steps(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    challenge = await login(client)
    assert challenge == {
        "mfa_required": True,
        "mfa_token": challenge["mfa_token"],
        "methods": ["totp", "backup_code"],
    }
    response = await verify(
        client, challenge["mfa_token"], "totp", totp_code(client, account["secret"])
    )
    assert response.status_code == 200, response.text
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (await me(client, pair["access_token"]))["id"] == account["user"]["id"]
    sessions = await client.app.state.services.sessions.list(account["user"]["id"])
    assert sessions[0].mfa_method == "totp"


async def test_a_totp_code_accepted_once_is_refused_again(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    code = totp_code(client, account["secret"])
    assert (await verify(client, await mfa_token(client), "totp", code)).status_code == 200
    replay = await verify(client, await mfa_token(client), "totp", code)
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_mfa_code"


async def test_the_code_that_confirmed_totp_cannot_log_in(client: AsyncTestClient[Any]) -> None:
    account = await register_and_login(client)
    secret, _ = await enable_totp(client, account["access_token"])
    response = await verify(client, await mfa_token(client), "totp", totp_code(client, secret))
    assert response.status_code == 401


async def test_a_wrong_code_on_verify_is_401_and_audited(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    response = await verify(client, await mfa_token(client), "totp", "123456")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_mfa_code"
    assert "mfa.verify" in await actions(client, Outcome.FAILURE)


async def test_a_method_the_user_does_not_have_is_refused(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    response = await verify(client, await mfa_token(client), "sms", "123456")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_mfa_code"


async def test_an_unknown_method_is_a_validation_error(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    response = await verify(client, await mfa_token(client), "email", "123456")
    assert response.status_code == 422


async def test_the_mfa_token_works_once(client: AsyncTestClient[Any], clock: FrozenClock) -> None:
    account = await with_totp(client, clock)
    token = await mfa_token(client)
    first = await verify(client, token, "backup_code", account["backup_codes"][0])
    assert first.status_code == 200
    again = await verify(client, token, "backup_code", account["backup_codes"][1])
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_token"


async def test_the_mfa_token_is_refused_as_an_access_token(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    response = await client.get("/api/v1/users/me", headers=bearer(await mfa_token(client)))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_an_access_token_is_refused_as_an_mfa_token(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await verify(
        client, account["access_token"], "totp", totp_code(client, account["secret"])
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_the_mfa_token_expires_after_five_minutes(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    token = await mfa_token(client)
    clock.advance(timedelta(minutes=5, seconds=31))  # past the lifetime and the leeway
    response = await verify(client, token, "totp", totp_code(client, account["secret"]))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_verify_is_rate_limited_per_mfa_token(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    token = await mfa_token(client)
    statuses = [(await verify(client, token, "totp", "000000")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = await verify(client, token, "totp", "000000")
    assert int(response.headers["retry-after"]) > 0


async def test_verify_is_rate_limited_per_account_across_tokens(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    for _ in range(5):
        await verify(client, await mfa_token(client), "backup_code", "xxxxx-xxxxx")
    response = await verify(
        client, await mfa_token(client), "totp", totp_code(client, account["secret"])
    )
    assert response.status_code == 429


# --- SMS ------------------------------------------------------------------------


async def enable_sms(client: AsyncTestClient[Any], access_token: str) -> list[str]:
    setup = await client.post(
        "/api/v1/auth/mfa/sms/setup", json={"phone": PHONE}, headers=bearer(access_token)
    )
    assert setup.status_code == 202, setup.text
    confirm = await client.post(
        "/api/v1/auth/mfa/sms/confirm",
        json={"code": last_sms_code(client)},
        headers=bearer(access_token),
    )
    assert confirm.status_code == 200, confirm.text
    codes: list[str] = confirm.json()["backup_codes"]
    return codes


async def test_sms_setup_texts_a_code_that_activates_the_factor(
    client: AsyncTestClient[Any],
) -> None:
    account = await register_and_login(client)
    await enable_sms(client, account["access_token"])
    assert texts(client).sent[-1].to == PHONE
    assert (await me(client, account["access_token"]))["mfa"]["sms"] is True


async def test_a_phone_number_that_is_not_valid_is_refused(client: AsyncTestClient[Any]) -> None:
    account = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/mfa/sms/setup",
        json={"phone": "+1 555"},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"


async def test_a_wrong_code_to_confirm_sms_is_400(client: AsyncTestClient[Any]) -> None:
    account = await register_and_login(client)
    await client.post(
        "/api/v1/auth/mfa/sms/setup",
        json={"phone": PHONE},
        headers=bearer(account["access_token"]),
    )
    wrong = "000000" if last_sms_code(client) != "000000" else "111111"
    response = await client.post(
        "/api/v1/auth/mfa/sms/confirm",
        json={"code": wrong},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_mfa_code"


async def test_login_with_an_sms_code_takes_two_steps(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await register_and_login(client)
    await enable_sms(client, account["access_token"])
    clock.advance(timedelta(minutes=1))  # the per-minute send limit
    challenge = await login(client)
    assert challenge["methods"] == ["sms", "backup_code"]
    send = await client.post(
        "/api/v1/auth/mfa/sms/send", json={"mfa_token": challenge["mfa_token"]}
    )
    assert send.status_code == 202
    response = await verify(client, challenge["mfa_token"], "sms", last_sms_code(client))
    assert response.status_code == 200, response.text
    assert "access_token" in response.json()


async def test_login_codes_are_rate_limited_per_user(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await register_and_login(client)
    await enable_sms(client, account["access_token"])
    clock.advance(timedelta(minutes=1))
    token = await mfa_token(client)
    first = await client.post("/api/v1/auth/mfa/sms/send", json={"mfa_token": token})
    second = await client.post("/api/v1/auth/mfa/sms/send", json={"mfa_token": token})
    assert (first.status_code, second.status_code) == (202, 429)
    assert "retry-after" in second.headers


async def test_sms_codes_never_reach_the_logs(
    client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await register_and_login(client)
    await client.post(
        "/api/v1/auth/mfa/sms/setup",
        json={"phone": PHONE},
        headers=bearer(account["access_token"]),
    )
    assert last_sms_code(client) not in caplog.text


async def test_sending_a_login_code_without_an_sms_factor_is_a_conflict(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    await with_totp(client, clock)
    response = await client.post(
        "/api/v1/auth/mfa/sms/send", json={"mfa_token": await mfa_token(client)}
    )
    assert response.status_code == 409


# --- backup codes ---------------------------------------------------------------


async def test_a_backup_code_logs_in_once(client: AsyncTestClient[Any], clock: FrozenClock) -> None:
    account = await with_totp(client, clock)
    code = account["backup_codes"][3]
    first = await verify(client, await mfa_token(client), "backup_code", code.upper())
    assert first.status_code == 200
    again = await verify(client, await mfa_token(client), "backup_code", code)
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_mfa_code"
    user = await me(client, first.json()["access_token"])
    assert user["mfa"]["backup_codes_remaining"] == 9


async def test_regenerating_backup_codes_needs_the_password(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await client.post(
        "/api/v1/auth/mfa/backup-codes",
        json={"password": "not the password"},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"


async def test_regenerating_backup_codes_voids_the_old_set(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await client.post(
        "/api/v1/auth/mfa/backup-codes",
        json={"password": PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 200
    fresh = response.json()["backup_codes"]
    assert len(fresh) == 10
    old = await verify(client, await mfa_token(client), "backup_code", account["backup_codes"][0])
    assert old.status_code == 401
    new = await verify(client, await mfa_token(client), "backup_code", fresh[0])
    assert new.status_code == 200
    assert "mfa.backup_codes.regenerate" in await actions(client)


# --- disabling ------------------------------------------------------------------


async def test_disabling_totp_needs_the_password(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await client.request(
        "DELETE",
        "/api/v1/auth/mfa/totp",
        json={"password": "not the password"},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"
    assert (await me(client, account["access_token"]))["mfa"]["totp"] is True


async def test_wrong_passwords_to_disable_a_factor_end_the_guessing_session_at_the_fifth(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    statuses = [
        (
            await client.request(
                "DELETE",
                "/api/v1/auth/mfa/totp",
                json={"password": "not the password"},
                headers=bearer(account["access_token"]),
            )
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    me_now = await client.get("/api/v1/users/me", headers=bearer(account["access_token"]))
    assert me_now.status_code == 401


async def test_disabling_the_last_factor_turns_mfa_off(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    response = await client.request(
        "DELETE",
        "/api/v1/auth/mfa/totp",
        json={"password": PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 204
    assert (await me(client, account["access_token"]))["mfa"] == {
        "totp": False,
        "sms": False,
        "backup_codes_remaining": 0,
    }
    assert "access_token" in await login(client)
    outbox = client.app.state.services.email
    assert "turned off" in outbox.last_to("ada@example.com").text


async def test_disabling_a_factor_that_is_not_there_is_404(client: AsyncTestClient[Any]) -> None:
    account = await register_and_login(client)
    response = await client.request(
        "DELETE",
        "/api/v1/auth/mfa/sms",
        json={"password": PASSWORD},
        headers=bearer(account["access_token"]),
    )
    assert response.status_code == 404


# --- remembered devices ----------------------------------------------------------


async def remembered(client: AsyncTestClient[Any], account: dict[str, Any]) -> dict[str, Any]:
    response = await verify(
        client,
        await mfa_token(client),
        "backup_code",
        account["backup_codes"][0],
        remember_device=True,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["device_token"]
    return body


async def test_a_remembered_device_skips_the_second_factor_on_that_device_only(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    device_token = (await remembered(client, account))["device_token"]
    skipped = await login(client, device_token=device_token)
    assert set(skipped) >= {"access_token", "refresh_token"}
    assert (await login(client))["mfa_required"] is True
    assert (await login(client, device_token="another-device"))["mfa_required"] is True


async def test_a_device_token_of_another_user_is_not_trusted(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    device_token = (await remembered(client, account))["device_token"]
    other = await register_and_login(client, "bob@example.com")
    _, _ = await enable_totp(client, other["access_token"])
    response = await login(client, "bob@example.com", device_token=device_token)
    assert response["mfa_required"] is True


async def test_a_remembered_device_expires_after_thirty_days(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    device_token = (await remembered(client, account))["device_token"]
    clock.advance(timedelta(days=30, seconds=1))
    assert (await login(client, device_token=device_token))["mfa_required"] is True


async def test_devices_are_listed_and_can_be_forgotten(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    body = await remembered(client, account)
    listed = await client.get("/api/v1/auth/devices", headers=bearer(body["access_token"]))
    assert listed.status_code == 200
    (device,) = listed.json()["items"]
    assert set(device) == {"id", "created_at", "expires_at", "last_used_at", "user_agent"}
    gone = await client.delete(
        f"/api/v1/auth/devices/{device['id']}", headers=bearer(body["access_token"])
    )
    assert gone.status_code == 204
    assert (await login(client, device_token=body["device_token"]))["mfa_required"] is True


async def test_forgetting_another_users_device_is_404(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    body = await remembered(client, account)
    (device,) = (
        await client.get("/api/v1/auth/devices", headers=bearer(body["access_token"]))
    ).json()["items"]
    other = await register_and_login(client, "bob@example.com")
    response = await client.delete(
        f"/api/v1/auth/devices/{device['id']}", headers=bearer(other["access_token"])
    )
    assert response.status_code == 404


async def test_logout_all_revokes_remembered_devices(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    body = await remembered(client, account)
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(body["access_token"]))
    assert response.status_code == 204
    assert (await login(client, device_token=body["device_token"]))["mfa_required"] is True


async def test_a_password_change_revokes_remembered_devices(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    body = await remembered(client, account)
    response = await client.post(
        "/api/v1/auth/password/change",
        json={"current_password": PASSWORD, "new_password": "an entirely new passphrase"},
        headers=bearer(body["access_token"]),
    )
    assert response.status_code == 204
    again = await login(
        client, password="an entirely new passphrase", device_token=body["device_token"]
    )
    assert again["mfa_required"] is True


# --- at rest ----------------------------------------------------------------------


async def test_the_totp_secret_is_not_readable_in_the_database(
    client: AsyncTestClient[Any], settings: AppSettings, clock: FrozenClock
) -> None:
    account = await with_totp(client, clock)
    with sqlite3.connect(settings.data_dir / "pa.sqlite3") as db:
        rows = db.execute("SELECT * FROM mfa_factors").fetchall()
        hashes = [r[0] for r in db.execute("SELECT code_hash FROM backup_codes")]
    assert len(rows) == 1
    dump = repr(rows)
    assert account["secret"] not in dump
    assert account["secret"].lower() not in dump.lower()
    assert "gAAAA" in dump  # a Fernet token
    assert not set(hashes) & {c.replace("-", "") for c in account["backup_codes"]}


# --- through Twilio -----------------------------------------------------------------


@pytest.mark.twilio
async def test_with_the_twilio_transport_codes_go_out_from_the_service_number(
    tmp_path: Path,
) -> None:
    from tests.sms.fake_twilio import FakeTwilio

    fake = FakeTwilio()
    with fake.running():
        settings = make_settings(
            tmp_path,
            sms_transport="twilio",
            twilio_account_sid=fake.state.account_sid,
            twilio_auth_token=fake.state.auth_token,
            twilio_api_base_url=fake.url,
            twilio_from_number="+15005550006",
        )
        async with AsyncTestClient(app=create_app(settings)) as client:
            account = await register_and_login(client)
            response = await client.post(
                "/api/v1/auth/mfa/sms/setup",
                json={"phone": PHONE},
                headers=bearer(account["access_token"]),
            )
            assert response.status_code == 202
            [sent] = fake.state.sent
            assert (sent.from_, sent.to) == ("+15005550006", PHONE)
            code = re.search(r"\d{6}", sent.body)
            assert code is not None
            confirm = await client.post(
                "/api/v1/auth/mfa/sms/confirm",
                json={"code": code.group(0)},
                headers=bearer(account["access_token"]),
            )
            assert confirm.status_code == 200


@pytest.mark.parametrize("from_number", [None, "+15005550006"])
async def test_the_console_transport_is_the_default(
    tmp_path: Path, from_number: str | None
) -> None:
    from examples.litestar_app.sms.services import build_sms_sender
    from pa_sms.transports import ConsoleTransport

    settings = make_settings(tmp_path, sms_transport="console", twilio_from_number=from_number)
    sender, close = await build_sms_sender(settings)
    assert isinstance(sender, ConsoleTransport)
    assert sender.from_number is not None
    await close()
