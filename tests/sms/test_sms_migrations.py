"""pa_sms migrations: a branch of their own on pa_core's, round-tripping, matching the models."""

from __future__ import annotations

import pytest

import pa_sms.stores.sqlalchemy_models  # noqa: F401  (the models, and with them the migrations)
from pa_core.migrations import downgrade, upgrade
from pa_core.stores.sqlalchemy.models import Base
from tests.core.test_migrations import _drift, _tables

pytestmark = pytest.mark.anyio

SMS_TABLES = {"user_phone_numbers", "webhook_configurations", "sms_messages", "sms_opt_outs"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(f"empty_{request.param}_url")
    return value


async def test_upgrade_heads_creates_the_sms_tables_and_downgrade_base_drops_everything(
    url: str,
) -> None:
    upgrade(url)
    assert SMS_TABLES | set(Base.metadata.tables) <= await _tables(url)
    downgrade(url)
    assert await _tables(url) == set()
    upgrade(url)
    assert await _tables(url) >= SMS_TABLES


async def test_the_sms_branch_can_be_taken_down_alone(url: str) -> None:
    upgrade(url)
    downgrade(url, "pa_sms@base")
    tables = await _tables(url)
    assert not SMS_TABLES & tables
    assert "users" in tables


async def test_models_and_migrations_agree_with_the_sms_tables_included(url: str) -> None:
    upgrade(url)
    assert await _drift(url) == []
