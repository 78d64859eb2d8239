"""Issue 4's end-to-end path through the app with a real local SMTP server.

Register, read the verification mail from the SMTP server, verify, log in,
request a reset, follow the mailed link, reset, and find the old sessions dead.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings
from tests.app.helpers import PASSWORD, bearer, login, mail_sent
from tests.smtp_server import Server, running_server

pytestmark = [pytest.mark.anyio, pytest.mark.smtp]


def mailed_token(server: Server, path: str) -> str:
    message = server.recorder.messages[-1]
    body = message.get_body(("plain",))
    assert body is not None
    for word in body.get_content().split():
        if word.startswith(f"https://assistant.example{path}?token="):
            return parse_qs(urlsplit(word).query)["token"][0]
    raise AssertionError(f"no {path} link in {body.get_content()!r}")


async def test_register_verify_login_reset_through_real_smtp(tmp_path: Path) -> None:
    with running_server() as server:
        settings = make_settings(
            tmp_path,
            email_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_tls="none",
            email_from="Assistant <no-reply@assistant.example>",
            public_base_url="https://assistant.example",
            require_verified_email=True,
        )
        async with AsyncTestClient(app=create_app(settings)) as client:
            registered = await client.post(
                "/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
            )
            assert registered.status_code == 201
            assert server.recorder.messages[-1]["To"] == "ada@example.com"

            verified = await client.post(
                "/api/v1/auth/verify-email", json={"token": mailed_token(server, "/verify-email")}
            )
            assert verified.json()["email_verified"] is True

            old = await login(client)
            forgot = await client.post(
                "/api/v1/auth/password/forgot", json={"email": "ada@example.com"}
            )
            assert forgot.status_code == 202
            await mail_sent(client)
            reset = await client.post(
                "/api/v1/auth/password/reset",
                json={
                    "token": mailed_token(server, "/reset-password"),
                    "new_password": "an entirely new passphrase",
                },
            )
            assert reset.status_code == 204

            me = await client.get("/api/v1/users/me", headers=bearer(old["access_token"]))
            assert me.status_code == 401
            renewed = await login(client, password="an entirely new passphrase")
            assert renewed["access_token"]
            subjects = [m["Subject"] for m in server.recorder.messages]
            assert any("notice" in s.lower() for s in subjects)
