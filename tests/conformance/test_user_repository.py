"""The UserRepository contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import EmailTaken, NotFound, ValidationFailed
from pa_core.ids import new_id
from pa_core.pagination import PageRequest
from pa_core.users import MemoryUserRepository, User, UserRepository
from pa_core.users.sqlalchemy import SqlUserRepository
from tests.conftest import migrated_database

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def users(request: pytest.FixtureRequest) -> AsyncIterator[UserRepository]:
    if request.param == "memory":
        yield MemoryUserRepository()
        return
    db = await migrated_database(request.getfixturevalue(f"{request.param}_url"))
    yield SqlUserRepository(db)
    await db.dispose()


def make_user(clock: FrozenClock, email: str = "ada@example.com", **kw: object) -> User:
    now = clock.now()
    return User(
        id=new_id(now),
        email=email,
        password_hash="h",
        created_at=now,
        updated_at=now,
        **kw,  # type: ignore[arg-type]
    )


async def test_an_added_user_can_be_read_back(users: UserRepository, clock: FrozenClock) -> None:
    user = make_user(clock, display_name="Ada", timezone="Europe/London")
    await users.add(user)
    assert await users.get(user.id) == user


async def test_a_missing_user_is_none(users: UserRepository) -> None:
    assert await users.get("nobody") is None
    assert await users.get_by_email("nobody@example.com") is None


async def test_lookup_by_email_ignores_case(users: UserRepository, clock: FrozenClock) -> None:
    user = await users.add(make_user(clock, "ada@example.com"))
    found = await users.get_by_email("ADA@Example.COM")
    assert found is not None
    assert found.id == user.id


async def test_a_duplicate_email_is_refused_whatever_its_case(
    users: UserRepository, clock: FrozenClock
) -> None:
    await users.add(make_user(clock, "ada@example.com"))
    with pytest.raises(EmailTaken):
        await users.add(make_user(clock, "Ada@Example.com"))


async def test_update_replaces_fields_and_roles(users: UserRepository, clock: FrozenClock) -> None:
    user = await users.add(make_user(clock))
    changed = replace(
        user,
        display_name="Countess",
        roles=("premium", "user"),
        email_verified_at=clock.now(),
        updated_at=clock.advance(5),
    )
    await users.update(changed)
    assert await users.get(user.id) == changed


async def test_update_of_a_missing_user_is_not_found(
    users: UserRepository, clock: FrozenClock
) -> None:
    with pytest.raises(NotFound):
        await users.update(make_user(clock))


async def test_update_to_another_users_email_is_refused(
    users: UserRepository, clock: FrozenClock
) -> None:
    await users.add(make_user(clock, "a@example.com"))
    b = await users.add(make_user(clock, "b@example.com"))
    with pytest.raises(EmailTaken):
        await users.update(replace(b, email="A@example.com"))


async def test_delete_removes_the_user(users: UserRepository, clock: FrozenClock) -> None:
    user = await users.add(make_user(clock))
    assert await users.delete(user.id)
    assert await users.get(user.id) is None
    assert not await users.delete(user.id)


async def test_list_pages_through_every_user_once_in_creation_order(
    users: UserRepository, clock: FrozenClock
) -> None:
    created = []
    for i in range(7):
        created.append(await users.add(make_user(clock, f"u{i}@example.com")))
        clock.advance(timedelta(seconds=1))
    seen: list[str] = []
    cursor = None
    while True:
        page = await users.list(PageRequest(limit=3, cursor=cursor))
        seen.extend(u.id for u in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [u.id for u in created]


async def test_list_rejects_a_forged_cursor(users: UserRepository) -> None:
    with pytest.raises(ValidationFailed):
        await users.list(PageRequest(cursor="not-a-cursor"))


async def test_count_with_role_counts_holders(users: UserRepository, clock: FrozenClock) -> None:
    await users.add(make_user(clock, "a@example.com", roles=("administrator", "user")))
    await users.add(make_user(clock, "b@example.com"))
    assert await users.count_with_role("administrator") == 1
    assert await users.count_with_role("user") == 2
