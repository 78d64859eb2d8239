"""Fixtures for tests through the reference app's HTTP interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from tests.conftest import sqlite_copy


def make_settings(tmp_path: Path, **overrides: Any) -> AppSettings:
    """AppSettings for an app under test: embedded defaults in a private folder, no .env.

    The embedded SQLite database starts as a copy of the run's migrated template
    (an existing database in ``tmp_path`` is kept, so two apps can share it).
    """
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "email_backend": "memory",
        "sms_transport": "memory",
    }
    if "database_url" not in overrides and "auto_migrate" not in overrides:
        # A copy of the migrated template: much faster than migrating per test.
        if not (tmp_path / "pa.sqlite3").exists():
            sqlite_copy(tmp_path)
        values["auto_migrate"] = False
    values.update(overrides)
    return AppSettings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: AppSettings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client
