"""The MfaFactorStore contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import anyio
import pytest

from pa_core.mfa.base import MfaFactor, MfaFactorStore
from pa_core.mfa.memory import MemoryMfaFactorStore
from pa_core.mfa.sqlalchemy import SqlMfaFactorStore
from tests.conformance.mfa_support import database_with_users

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOTP = MfaFactor(id="f1", user_id="u1", kind="totp", created_at=NOW, secret_encrypted="gAAAA-x")
SMS = MfaFactor(id="f2", user_id="u1", kind="sms", created_at=NOW, phone="+14155550123")


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[MfaFactorStore]:
    """Each backend, empty."""
    if request.param == "memory":
        yield MemoryMfaFactorStore()
        return
    db = await database_with_users(request.getfixturevalue(f"{request.param}_url"))
    yield SqlMfaFactorStore(db)
    await db.dispose()


async def test_the_store_fits_the_protocol(store: MfaFactorStore) -> None:
    assert isinstance(store, MfaFactorStore)


async def test_a_user_without_factors_has_none(store: MfaFactorStore) -> None:
    assert await store.get("u1", "totp") is None
    assert await store.list_for_user("u1") == []


async def test_a_stored_factor_comes_back_pending(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    found = await store.get("u1", "totp")
    assert found == TOTP
    assert found is not None
    assert not found.active


async def test_factors_are_listed_totp_first(store: MfaFactorStore) -> None:
    await store.put(SMS)
    await store.put(TOTP)
    assert [f.kind for f in await store.list_for_user("u1")] == ["totp", "sms"]
    assert await store.list_for_user("u2") == []


async def test_put_replaces_the_factor_of_the_same_kind(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    await store.put(replace(TOTP, id="f3", secret_encrypted="gAAAA-y"))
    found = await store.get("u1", "totp")
    assert found is not None
    assert (found.id, found.secret_encrypted) == ("f3", "gAAAA-y")
    assert len(await store.list_for_user("u1")) == 1


async def test_confirm_activates_the_factor(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    assert await store.confirm("f1", NOW)
    found = await store.get("u1", "totp")
    assert found is not None
    assert found.active
    assert found.confirmed_at == NOW


async def test_confirming_an_unknown_factor_reports_it(store: MfaFactorStore) -> None:
    assert not await store.confirm("missing", NOW)


async def test_a_newer_step_advances_and_an_old_one_is_refused(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    assert await store.advance_step("f1", 100)
    assert not await store.advance_step("f1", 100)
    assert not await store.advance_step("f1", 99)
    assert await store.advance_step("f1", 101)
    found = await store.get("u1", "totp")
    assert found is not None
    assert found.last_used_step == 101


async def test_advancing_an_unknown_factor_is_refused(store: MfaFactorStore) -> None:
    assert not await store.advance_step("missing", 1)


async def test_concurrent_uses_of_one_step_let_exactly_one_through(
    store: MfaFactorStore,
) -> None:
    await store.put(TOTP)
    outcomes: list[bool] = []

    async def attempt() -> None:
        outcomes.append(await store.advance_step("f1", 500))

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(attempt)
    assert outcomes.count(True) == 1


async def test_set_secret_replaces_the_ciphertext(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    await store.set_secret("f1", "gAAAA-rotated")
    found = await store.get("u1", "totp")
    assert found is not None
    assert found.secret_encrypted == "gAAAA-rotated"
    await store.set_secret("missing", "ignored")


async def test_delete_removes_only_that_kind(store: MfaFactorStore) -> None:
    await store.put(TOTP)
    await store.put(SMS)
    assert await store.delete("u1", "totp")
    assert not await store.delete("u1", "totp")
    assert [f.kind for f in await store.list_for_user("u1")] == ["sms"]
