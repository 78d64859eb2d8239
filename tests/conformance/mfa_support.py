"""Shared set-up of the MFA contract suites: SQL databases holding the users they refer to."""

from __future__ import annotations

from datetime import UTC, datetime

from pa_core.database import Database
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository
from tests.conftest import migrated_database

USER_IDS = ("u1", "u2", "nobody")
"""Users the suites use; SQL rows reference them through foreign keys."""


async def database_with_users(url: str) -> Database:
    """A migrated database at ``url`` with a row for each of :data:`USER_IDS`."""
    db = await migrated_database(url)
    users = SqlUserRepository(db)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for user_id in USER_IDS:
        await users.add(
            User(
                id=user_id,
                email=f"{user_id}@example.com",
                password_hash=None,
                created_at=now,
                updated_at=now,
            )
        )
    return db
