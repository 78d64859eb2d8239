"""The AuditLog contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from pa_core.audit import (
    AuditContext,
    AuditEvent,
    AuditFilter,
    AuditLog,
    AuditRecorder,
    MemoryAuditLog,
    Outcome,
)
from pa_core.audit.sqlalchemy import SqlAuditLog
from pa_core.clock import FrozenClock
from pa_core.pagination import PageRequest
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


async def test_an_ip_that_is_not_an_address_is_recorded_as_none_and_never_fails(
    log: AuditLog, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(log, clock)
    await recorder.record("rbac.roles_changed", context=AuditContext(ip="1" * 200))
    await recorder.record("rbac.roles_changed", context=AuditContext(ip="unknown, 203.0.113.9"))
    page = await log.list(AuditFilter(), PageRequest())
    assert [e.ip for e in page.items] == [None, None]


async def test_a_valid_ip_is_kept_in_canonical_form_without_its_zone(
    log: AuditLog, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(log, clock)
    longest = "2001:0db8:0000:0000:0000:ffff:0000:0001"
    for ip in ("203.0.113.9", "2001:DB8:0:0::1", longest, "fe80::1%" + "e" * 60):
        await recorder.record("auth.login", context=AuditContext(ip=ip))
        clock.advance(timedelta(seconds=1))
    page = await log.list(AuditFilter(), PageRequest())
    assert [e.ip for e in reversed(page.items)] == [
        "203.0.113.9",
        "2001:db8::1",
        "2001:db8::ffff:0:1",
        "fe80::1",
    ]


async def test_a_huge_user_agent_with_control_characters_is_cut_to_its_column(
    log: AuditLog, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(log, clock)
    agent = "Mozilla\x00/5.0\r\n" + "x" * 100_000
    await recorder.record(
        "auth.login", context=AuditContext(user_agent=agent, request_id="r\n" * 500)
    )
    (event,) = (await log.list(AuditFilter(), PageRequest())).items
    assert event.user_agent == ("Mozilla/5.0" + "x" * 512)[:512]
    assert event.request_id == "r" * 128


async def test_an_event_given_straight_to_the_log_is_sanitised_the_same_way(
    log: AuditLog, clock: FrozenClock
) -> None:
    raw = AuditEvent(
        id="01HZZZZZZZZZZZZZZZZZZZZZZZ",
        at=clock.now(),
        action="auth.login\n",
        outcome=Outcome.FAILURE,
        target_type="user\x00",
        target_id="u" * 300,
        ip="203.0.113.9" * 10,
        user_agent="\x1b[31m" + "a" * 1000,
        request_id="r" * 1000,
        details={"reason": "bad\x00 input\n", "roles": ["a\x00", "b"]},
    )
    await log.record(raw)
    (event,) = (await log.list(AuditFilter(), PageRequest())).items
    assert (event.action, event.target_type, event.target_id) == ("auth.login", "user", "u" * 64)
    assert event.ip is None
    assert event.user_agent == "[31m" + "a" * 508
    assert event.request_id == "r" * 128
    assert event.details == {"reason": "bad input", "roles": ["a", "b"]}
