"""Migrations round-trip on SQLite and PostgreSQL, and match the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from pa_core.migrations import downgrade, upgrade
from pa_core.migrations.models import Base

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(f"empty_{request.param}_url")
    return value


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def _drift(url: str) -> list[object]:
    engine = create_async_engine(url)

    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # full-text objects made by raw SQL in the migrations, not in the models
                "include_object": lambda obj, name, *_: not (name or "").startswith("messages_fts"),
            },
        )
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


CORE_TABLES = {
    "users",
    "user_roles",
    "audit_events",
    "roles",
    "role_parents",
    "permissions",
    "role_permissions",
    "mfa_factors",
    "backup_codes",
    "trusted_devices",
    "preferences",
    "conversations",
    "messages",
}


def test_the_models_module_registers_every_table_of_pa_core() -> None:
    # Tables live beside their domains; the migration environment sees them all
    # through pa_core.migrations.models, so the no-drift check below covers them.
    assert set(Base.metadata.tables) >= CORE_TABLES


async def test_upgrade_downgrade_upgrade_round_trips(url: str) -> None:
    upgrade(url)
    assert set(Base.metadata.tables) <= await _tables(url)
    downgrade(url)
    assert await _tables(url) == set()
    upgrade(url)
    assert set(Base.metadata.tables) <= await _tables(url)


async def test_autogenerate_finds_no_drift_between_models_and_migrations(url: str) -> None:
    upgrade(url)
    assert await _drift(url) == []


def test_pa_core_has_a_single_head() -> None:
    from alembic.script import ScriptDirectory

    from pa_core.migrations import VERSIONS_DIR, alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite:///unused.db"))
    core_heads = [
        head
        for head in script.get_heads()
        if VERSIONS_DIR in Path(script.get_revision(head).path).parents
    ]
    assert core_heads == ["0006"]
