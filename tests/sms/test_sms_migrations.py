"""pa_sms migrations: a branch of their own on pa_core's, round-tripping, matching the models."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

import pa_sms.records.models  # noqa: F401  (the models, and with them the migrations)
from pa_core.database import Database
from pa_core.database.schema import Base
from pa_core.migrations import downgrade, upgrade
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


async def test_the_weekly_rollups_are_filled_from_the_daily_ones_on_upgrade(url: str) -> None:
    upgrade(url, "0102")
    db = Database(url)
    counts = "messages_in, messages_out, segments_in, segments_out, delivered, failed, " + (
        "undelivered, cost_known_micros, cost_estimated_micros, currency"
    )
    try:
        async with db.session() as session:
            await session.execute(
                text(
                    "INSERT INTO users (id, email, email_key, disabled, timezone, locale, "
                    "created_at, updated_at) VALUES ('u1', 'a@example.com', 'a@example.com', "
                    "false, 'UTC', 'en', :at, :at)"
                ),
                {"at": datetime(2025, 1, 1, tzinfo=UTC)},
            )
            for day, segments in (
                (date(2025, 1, 5), 1),
                (date(2025, 1, 6), 2),
                (date(2025, 1, 12), 4),
            ):
                await session.execute(
                    text(
                        f"INSERT INTO sms_usage_daily_user (day, user_id, {counts}) "
                        "VALUES (:day, 'u1', 0, 1, 0, :segments, 1, 0, 0, 7900, 0, 'USD')"
                    ),
                    {"day": day, "segments": segments},
                )
        upgrade(url)
        async with db.session() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT week, user_id, messages_out, segments_out, cost_known_micros "
                        "FROM sms_usage_weekly_user ORDER BY week"
                    )
                )
            ).all()
    finally:
        await db.dispose()
    weeks = [(str(row[0]), row[1], row[2], row[3], row[4]) for row in rows]
    assert weeks == [("2024-12-30", "u1", 1, 1, 7900), ("2025-01-06", "u1", 2, 6, 15800)]
