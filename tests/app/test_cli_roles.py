"""``python -m examples.litestar_app users promote|demote``: roles from the command line.

The tests are synchronous because the command line runs its own event loop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.cli import main
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, login, register_and_login


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PA_EMAIL_BACKEND", "memory")
    monkeypatch.delenv("PA_DATABASE_URL", raising=False)
    monkeypatch.delenv("PA_REDIS_URL", raising=False)
    return tmp_path


async def register_ada(tmp_path: Path) -> None:
    async with AsyncTestClient(app=create_app(make_settings(tmp_path))) as client:
        await register_and_login(client)


async def permissions_of_ada(tmp_path: Path) -> Any:
    async with AsyncTestClient(app=create_app(make_settings(tmp_path))) as client:
        pair = await login(client)
        response = await client.get(
            "/api/v1/auth/permissions", headers=bearer(pair["access_token"])
        )
        return response.json()


def test_promote_makes_the_first_administrator(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(register_ada(data_dir))
    status = main(["users", "promote", "ADA@example.com", "--role", "administrator"])
    assert status == 0
    assert "ada@example.com now holds: administrator, user" in capsys.readouterr().out
    body = asyncio.run(permissions_of_ada(data_dir))
    assert "administrator" in body["roles"]
    assert "users:manage" in body["permissions"]


def test_promote_of_an_unknown_email_fails_clearly(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "promote", "nobody@example.com"]) == 1
    assert "no account with the email nobody@example.com" in capsys.readouterr().err


def test_promote_to_an_unknown_role_fails(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(register_ada(data_dir))
    assert main(["users", "promote", "ada@example.com", "--role", "wizard"]) == 1
    assert "unknown roles: wizard" in capsys.readouterr().err


def test_demote_refuses_the_last_administrator(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(register_ada(data_dir))
    assert main(["users", "promote", "ada@example.com"]) == 0
    assert main(["users", "demote", "ada@example.com"]) == 1
    assert "last administrator" in capsys.readouterr().err.lower()


def test_demote_takes_a_role_away(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(register_ada(data_dir))
    assert main(["users", "promote", "ada@example.com", "--role", "premium"]) == 0
    assert main(["users", "demote", "ada@example.com", "--role", "premium"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ada@example.com now holds: user"
