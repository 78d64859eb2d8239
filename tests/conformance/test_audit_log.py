"""The AuditLog contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from pa_core.audit import AuditContext, AuditFilter, AuditLog, AuditRecorder, Outcome
from pa_core.clock import FrozenClock
from pa_core.pagination import PageRequest
from pa_core.stores import MemoryAuditLog
from pa_core.stores.sqlalchemy import SqlAuditLog
from tests.conftest import migrated_database

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def log(request: pytest.FixtureRequest) -> AsyncIterator[AuditLog]:
    if request.param == "memory":
        yield MemoryAuditLog()
        return
    db = await migrated_database(request.getfixturevalue(f"{request.param}_url"))
    yield SqlAuditLog(db)
    await db.dispose()


async def test_a_recorded_event_is_listed_with_its_context(
    log: AuditLog, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(log, clock)
    event = await recorder.record(
        "auth.login",
        Outcome.FAILURE,
        target_type="user",
        target_id="u1",
        context=AuditContext(ip="203.0.113.9", user_agent="curl", request_id="r1"),
        reason="wrong_password",
    )
    page = await log.list(AuditFilter(), PageRequest())
    assert list(page.items) == [event]
    assert page.items[0].details == {"reason": "wrong_password"}


async def test_events_are_listed_newest_first_across_pages(
    log: AuditLog, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(log, clock)
    ids = []
    for i in range(5):
        ids.append((await recorder.record(f"action.{i}")).id)
        clock.advance(timedelta(seconds=1))
    first = await log.list(AuditFilter(), PageRequest(limit=2))
    second = await log.list(AuditFilter(), PageRequest(limit=2, cursor=first.next_cursor))
    third = await log.list(AuditFilter(), PageRequest(limit=2, cursor=second.next_cursor))
    seen = [e.id for p in (first, second, third) for e in p.items]
    assert seen == list(reversed(ids))
    assert third.next_cursor is None


async def test_filters_by_action_and_since_combine(log: AuditLog, clock: FrozenClock) -> None:
    recorder = AuditRecorder(log, clock)
    await recorder.record("auth.login")
    start = clock.advance(timedelta(minutes=1))
    late = await recorder.record("auth.login")
    await recorder.record("auth.logout")
    page = await log.list(AuditFilter(action="auth.login", since=start), PageRequest())
    assert [e.id for e in page.items] == [late.id]


async def test_filter_by_actor_without_actor_rows(log: AuditLog, clock: FrozenClock) -> None:
    recorder = AuditRecorder(log, clock)
    await recorder.record("auth.login", Outcome.FAILURE)
    page = await log.list(AuditFilter(actor_id="someone"), PageRequest())
    assert list(page.items) == []
