"""Fixtures for tests through the reference app's HTTP interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.config import Settings


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for an app under test: embedded defaults in a private folder, no .env."""
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "email_backend": "memory",
        "sms_transport": "memory",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client
