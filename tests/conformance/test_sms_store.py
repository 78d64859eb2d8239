"""The SmsStore contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import Conflict, NotFound
from pa_core.ids import new_id
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository
from pa_sms.records import MemorySmsStore, SmsStore
from pa_sms.records.base import InboundRoute, PhoneNumber, SmsRecord, WebhookConfig
from pa_sms.records.sqlalchemy import SqlSmsStore
from tests.conftest import migrated_database

pytestmark = pytest.mark.anyio

ALICE, BOB = "01alice0000000000000000000", "01bob000000000000000000000"
HANDSET = "+15557654321"


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[SmsStore]:
    """A store in which users ALICE and BOB exist."""
    if request.param == "memory":
        yield MemorySmsStore()
        return
    db = await migrated_database(request.getfixturevalue(f"{request.param}_url"))
    users = SqlUserRepository(db)
    for user_id in (ALICE, BOB):
        now = clock.now()
        await users.add(
            User(
                id=user_id,
                email=f"{user_id}@example.com",
                password_hash="h",
                created_at=now,
                updated_at=now,
            )
        )
    yield SqlSmsStore(db)
    await db.dispose()


def number(clock: FrozenClock, phone: str = "+14155550100", user_id: str = ALICE) -> PhoneNumber:
    return PhoneNumber(
        id=new_id(clock.now()),
        user_id=user_id,
        phone_number=phone,
        provider_sid="PN" + new_id(clock.now()),
        status="active",
        capabilities={"sms": True, "mms": True, "voice": True},
        provisioned_at=clock.advance(1),
        monthly_price=Decimal("1.15"),
        price_unit="USD",
        friendly_name="(415) 555-0100",
    )


def webhook(n: PhoneNumber) -> WebhookConfig:
    return WebhookConfig(
        number_id=n.id,
        phone_number=n.phone_number,
        sms_url="https://pa.example/sms/inbound",
        sms_fallback_url="https://pa.example/sms/inbound",
        status_callback_url="https://pa.example/sms/status",
    )


def message(
    clock: FrozenClock, sid: str = "SM1", status: str = "queued", n: PhoneNumber | None = None
) -> SmsRecord:
    now = clock.now()
    return SmsRecord(
        id=new_id(now),
        sid=sid,
        direction="outbound",
        from_number=n.phone_number if n else "+14155550100",
        to_number=HANDSET,
        user_id=n.user_id if n else None,
        number_id=n.id if n else None,
        segments=2,
        encoding="GSM-7",
        status=status,
        created_at=now,
        updated_at=now,
        estimated_cost=Decimal("0.0158"),
    )


async def test_a_stored_number_is_found_by_id_by_value_and_by_owner(
    store: SmsStore, clock: FrozenClock
) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    assert await store.get_number(n.id) == n
    assert await store.active_number(n.phone_number) == n
    assert await store.list_numbers(user_id=ALICE) == [n]
    assert await store.list_numbers(user_id=BOB) == []
    assert await store.get_webhook(n.id) == webhook(n)


async def test_the_same_provider_number_cannot_be_stored_twice(
    store: SmsStore, clock: FrozenClock
) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    with pytest.raises(Conflict):
        await store.add_number(replace(n, id=new_id()), webhook(n))


async def test_unknown_numbers_are_absent(store: SmsStore) -> None:
    assert await store.get_number("nope") is None
    assert await store.active_number("+19995550000") is None
    assert await store.get_webhook("nope") is None
    with pytest.raises(NotFound):
        await store.release_number("nope", FrozenClock().now())


async def test_a_released_number_stops_routing_and_loses_webhooks_and_opt_outs(
    store: SmsStore, clock: FrozenClock
) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    await store.set_opt_out(n.phone_number, HANDSET, clock.now())
    released = await store.release_number(n.id, clock.advance(5))
    assert released.status == "released"
    assert released.released_at == clock.now()
    assert await store.active_number(n.phone_number) is None
    assert await store.list_numbers(user_id=ALICE) == []
    assert await store.list_numbers(user_id=ALICE, active_only=False) == [released]
    assert await store.get_webhook(n.id) is None
    assert not await store.is_opted_out(n.phone_number, HANDSET)
    assert await store.release_number(n.id, clock.advance(5)) == released


async def test_a_number_bought_again_routes_to_its_new_owner(
    store: SmsStore, clock: FrozenClock
) -> None:
    first = number(clock)
    await store.add_number(first, webhook(first))
    await store.release_number(first.id, clock.now())
    second = number(clock, user_id=BOB)
    await store.add_number(second, webhook(second))
    found = await store.active_number(first.phone_number)
    assert found is not None
    assert found.user_id == BOB


async def test_webhook_settings_are_replaced(store: SmsStore, clock: FrozenClock) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    checked = WebhookConfig(
        number_id=n.id,
        phone_number=n.phone_number,
        sms_url="https://pa.example/sms/inbound",
        sms_fallback_url="https://pa.example/sms/inbound",
        status_callback_url="https://pa.example/sms/status",
        last_verified_at=clock.now(),
        drift="sms_url is 'https://old.example'",
    )
    await store.save_webhook(checked)
    assert await store.get_webhook(n.id) == checked


async def test_a_message_is_logged_once_per_sid(store: SmsStore, clock: FrozenClock) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    record = message(clock, n=n)
    assert await store.add_message(record)
    assert not await store.add_message(message(clock, n=n))
    assert await store.get_message("SM1") == record
    assert await store.get_message("SM2") is None


async def test_concurrent_inserts_of_one_sid_log_it_once(
    store: SmsStore, clock: FrozenClock
) -> None:
    results: list[bool] = []

    async def add() -> None:
        results.append(await store.add_message(message(clock)))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(add)
    assert sorted(results) == [False, False, False, False, True]


async def test_a_status_only_moves_forward(store: SmsStore, clock: FrozenClock) -> None:
    await store.add_message(message(clock))
    assert await store.advance_status("SM1", "sent", clock.advance(1))
    assert await store.advance_status("SM1", "delivered", clock.advance(1))
    delivered_at = clock.now()
    assert not await store.advance_status("SM1", "sent", clock.advance(1))
    assert not await store.advance_status("SM1", "failed", clock.advance(1), 30003)
    assert not await store.advance_status("SM1", "delivered", clock.advance(1))
    record = await store.get_message("SM1")
    assert record is not None
    assert (record.status, record.error_code) == ("delivered", None)
    assert record.completed_at == delivered_at


async def test_an_error_code_is_kept_with_a_failure(store: SmsStore, clock: FrozenClock) -> None:
    await store.add_message(message(clock))
    assert await store.advance_status("SM1", "undelivered", clock.advance(1), 30003)
    record = await store.get_message("SM1")
    assert record is not None
    assert (record.status, record.error_code) == ("undelivered", 30003)


async def test_an_unknown_sid_or_status_changes_nothing(
    store: SmsStore, clock: FrozenClock
) -> None:
    assert not await store.advance_status("SMnope", "sent", clock.now())
    await store.add_message(message(clock))
    assert not await store.advance_status("SM1", "exploded", clock.now())


async def test_messages_without_a_price_are_listed_until_priced(
    store: SmsStore, clock: FrozenClock
) -> None:
    start = clock.now()
    await store.add_message(message(clock, "SM1"))
    clock.advance(60)
    await store.add_message(message(clock, "SM2"))
    clock.advance(60)
    pending = await store.messages_without_price(
        after=start, before=clock.now() - timedelta(seconds=30), limit=10
    )
    assert [m.sid for m in pending] == ["SM1", "SM2"]
    await store.set_price("SM1", Decimal("0.0158"), "USD", clock.now())
    pending = await store.messages_without_price(after=start, before=clock.now(), limit=10)
    assert [m.sid for m in pending] == ["SM2"]
    priced = await store.get_message("SM1")
    assert priced is not None
    assert (priced.price, priced.price_unit) == (Decimal("0.0158"), "USD")
    later = await store.messages_without_price(
        after=start + timedelta(seconds=90), before=clock.now(), limit=10
    )
    assert later == []


async def test_opt_outs_are_per_number_and_handset(store: SmsStore, clock: FrozenClock) -> None:
    await store.set_opt_out("+14155550100", HANDSET, clock.now())
    await store.set_opt_out("+14155550100", HANDSET, clock.now())
    assert await store.is_opted_out("+14155550100", HANDSET)
    assert not await store.is_opted_out("+14155550101", HANDSET)
    assert not await store.is_opted_out("+14155550100", "+15550000000")
    assert await store.clear_opt_out("+14155550100", HANDSET)
    assert not await store.clear_opt_out("+14155550100", HANDSET)
    assert not await store.is_opted_out("+14155550100", HANDSET)


async def test_several_active_numbers_are_found_in_one_lookup(
    store: SmsStore, clock: FrozenClock
) -> None:
    first, second = number(clock), number(clock, "+14155550101", BOB)
    for n in (first, second):
        await store.add_number(n, webhook(n))
    await store.release_number(second.id, clock.now())
    found = await store.active_numbers([first.phone_number, second.phone_number, "+1999"])
    assert found == {first.phone_number: first}


def inbound(clock: FrozenClock, sid: str, to: str, from_: str = HANDSET) -> SmsRecord:
    now = clock.now()
    return SmsRecord(
        id=new_id(now),
        sid=sid,
        direction="inbound",
        from_number=from_,
        to_number=to,
        user_id=None,
        number_id=None,
        segments=1,
        encoding="GSM-7",
        status="received",
        created_at=now,
        updated_at=now,
        estimated_cost=Decimal("0.0079"),
        completed_at=now,
    )


async def test_an_inbound_message_is_routed_to_the_numbers_owner_and_logged_once(
    store: SmsStore, clock: FrozenClock
) -> None:
    alice, bob = number(clock), number(clock, "+14155550101", BOB)
    for n in (alice, bob):
        await store.add_number(n, webhook(n))
    route = await store.log_inbound(inbound(clock, "SMa", alice.phone_number))
    assert route == InboundRoute("logged", alice.id, ALICE)
    logged = await store.get_message("SMa")
    assert logged is not None
    assert (logged.user_id, logged.number_id, logged.direction) == (ALICE, alice.id, "inbound")
    assert logged.estimated_cost == Decimal("0.0079")
    again = await store.log_inbound(inbound(clock, "SMa", alice.phone_number))
    assert again == InboundRoute("duplicate", alice.id, ALICE)
    assert await store.log_inbound(inbound(clock, "SMb", bob.phone_number)) == InboundRoute(
        "logged", bob.id, BOB
    )


async def test_an_inbound_message_to_a_released_or_unknown_number_is_not_logged(
    store: SmsStore, clock: FrozenClock
) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    await store.release_number(n.id, clock.now())
    for sid, to in (("SMr", n.phone_number), ("SMu", "+19995550000")):
        assert await store.log_inbound(inbound(clock, sid, to)) == InboundRoute("unrouted")
        assert await store.get_message(sid) is None


async def test_an_inbound_message_from_one_of_our_numbers_is_not_logged(
    store: SmsStore, clock: FrozenClock
) -> None:
    alice, bob = number(clock), number(clock, "+14155550101", BOB)
    for n in (alice, bob):
        await store.add_number(n, webhook(n))
    record = inbound(clock, "SMl", alice.phone_number, from_=bob.phone_number)
    assert await store.log_inbound(record) == InboundRoute("own_number")
    assert await store.get_message("SMl") is None


async def test_a_reply_context_is_the_active_number_and_the_opt_out(
    store: SmsStore, clock: FrozenClock
) -> None:
    n = number(clock)
    await store.add_number(n, webhook(n))
    assert await store.reply_context(n.phone_number, HANDSET) == (n, False)
    await store.set_opt_out(n.phone_number, HANDSET, clock.now())
    assert await store.reply_context(n.phone_number, HANDSET) == (n, True)
    assert await store.reply_context("+19995550000", HANDSET) == (None, False)
    await store.set_opt_out("+19995550000", HANDSET, clock.now())
    assert await store.reply_context("+19995550000", HANDSET) == (None, True)
    await store.release_number(n.id, clock.now())
    assert await store.reply_context(n.phone_number, HANDSET) == (None, False)
