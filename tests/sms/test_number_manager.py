"""The number manager: provision with webhooks, release, reconcile (memory and the fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest

from pa_core.audit import AuditContext, AuditEvent, AuditFilter, AuditRecorder, MemoryAuditLog
from pa_core.clock import FrozenClock
from pa_core.errors import NotFound
from pa_core.pagination import PageRequest
from pa_core.users import MemoryUserRepository, User
from pa_sms.errors import NumberUnavailable
from pa_sms.numbers import MemoryNumberProvider, NumberProvider
from pa_sms.numbers.manager import NumberManager
from pa_sms.numbers.twilio import TwilioNumberProvider
from pa_sms.records import MemorySmsStore
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

INBOUND = "https://pa.example/sms/inbound"
STATUS = "https://pa.example/sms/status"


@dataclass
class Remote:
    """The provider's side, steered the same way whichever provider it is."""

    provider: NumberProvider
    tamper: Any  # (sid, sms_url) -> None
    drop: Any  # (sid) -> None
    add_foreign: Any  # (phone) -> None
    sms_url_of: Any  # (sid) -> str | None


def memory_remote() -> Remote:
    provider = MemoryNumberProvider()

    def tamper(sid: str, url: str) -> None:
        provider.owned[sid] = replace(provider.owned[sid], sms_url=url)

    def add_foreign(phone: str) -> None:
        provider.owned["PNforeign"] = replace(
            next(iter(provider.owned.values())), sid="PNforeign", phone_number=phone
        )

    def sms_url_of(sid: str) -> str | None:
        number = provider.owned.get(sid)
        return number.sms_url if number else None

    return Remote(provider, tamper, provider.owned.pop, add_foreign, sms_url_of)


def twilio_remote(fake: FakeTwilio, client: Any) -> Remote:
    state = fake.state

    def tamper(sid: str, url: str) -> None:
        state.numbers[sid].sms_url = url

    def sms_url_of(sid: str) -> str | None:
        number = state.numbers.get(sid)
        return number.sms_url if number else None

    return Remote(
        TwilioNumberProvider(client),
        tamper,
        state.numbers.pop,
        lambda phone: state.add_owned(phone, sms_url="https://other.example/sms"),
        sms_url_of,
    )


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("twilio", marks=pytest.mark.twilio),
    ]
)
async def remote(request: pytest.FixtureRequest) -> AsyncIterator[Remote]:
    if request.param == "memory":
        yield memory_remote()
        return
    fake: FakeTwilio = request.getfixturevalue("fake_twilio")
    fake.reset()
    from pa_sms.transports.twilio import build_twilio_client

    client = build_twilio_client(
        fake.state.account_sid, fake.state.auth_token, api_base_url=fake.url
    )
    yield twilio_remote(fake, client)
    await client.http_client.close()


@pytest.fixture
async def users(clock: FrozenClock) -> MemoryUserRepository:
    repo = MemoryUserRepository()
    for user_id in ("alice", "bob"):
        await repo.add(
            User(
                id=user_id,
                email=f"{user_id}@example.com",
                password_hash=None,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    return repo


@pytest.fixture
def store() -> MemorySmsStore:
    return MemorySmsStore()


@pytest.fixture
def audit(clock: FrozenClock) -> AuditRecorder:
    return AuditRecorder(MemoryAuditLog(), clock)


@pytest.fixture
def manager(
    remote: Remote,
    store: MemorySmsStore,
    clock: FrozenClock,
    users: MemoryUserRepository,
    audit: AuditRecorder,
) -> NumberManager:
    return NumberManager(
        remote.provider,
        store,
        clock,
        inbound_url=INBOUND,
        status_url=STATUS,
        users=users,
        audit=audit,
    )


async def audited(audit: AuditRecorder, action: str) -> list[AuditEvent]:
    page = await audit.log.list(AuditFilter(action=action), PageRequest(limit=100))
    return list(page.items)


async def test_a_number_is_provisioned_with_its_webhooks_in_the_same_call(
    manager: NumberManager, remote: Remote, store: MemorySmsStore
) -> None:
    number = await manager.provision("alice", country="US", area_code="415")
    assert number.phone_number.startswith("+1415")
    assert (number.user_id, number.status, number.capabilities["sms"]) == ("alice", "active", True)
    assert number.monthly_price == Decimal("1.15")
    assert remote.sms_url_of(number.provider_sid) == INBOUND
    webhook = await store.get_webhook(number.id)
    assert webhook is not None
    assert (webhook.sms_url, webhook.sms_fallback_url, webhook.status_callback_url) == (
        INBOUND,
        INBOUND,
        STATUS,
    )
    assert await manager.numbers_of("alice") == [number]
    assert await manager.numbers_of("bob") == []


async def test_provisioning_is_audited_with_its_actor_and_the_numbers_user(
    manager: NumberManager, audit: AuditRecorder
) -> None:
    context = AuditContext(ip="203.0.113.9", request_id="req-1")
    number = await manager.provision("alice", actor_id="admin-1", context=context)
    (event,) = await audited(audit, "sms.number.provisioned")
    assert (event.actor_id, event.target_type, event.target_id) == ("admin-1", "user", "alice")
    assert (event.ip, event.request_id) == ("203.0.113.9", "req-1")
    assert event.details["number_id"] == number.id


async def test_release_is_audited_with_its_actor_and_the_numbers_user(
    manager: NumberManager, audit: AuditRecorder
) -> None:
    number = await manager.provision("alice", actor_id="admin-1")
    await manager.release(number.id, actor_id="admin-2")
    (event,) = await audited(audit, "sms.number.released")
    assert (event.actor_id, event.target_type, event.target_id) == ("admin-2", "user", "alice")
    assert event.details["number_id"] == number.id


async def test_a_failed_provisioning_is_not_audited(
    manager: NumberManager, audit: AuditRecorder
) -> None:
    with pytest.raises(NumberUnavailable):
        await manager.provision("alice", area_code="999", actor_id="admin-1")
    assert await audited(audit, "sms.number.provisioned") == []


async def test_a_release_repaired_by_reconcile_is_audited(
    manager: NumberManager, remote: Remote, audit: AuditRecorder
) -> None:
    number = await manager.provision("alice")
    remote.drop(number.provider_sid)
    await manager.reconcile(repair=True)
    (event,) = await audited(audit, "sms.number.released")
    assert (event.actor_id, event.target_id) == (None, "alice")
    assert event.details["reason"] == "missing_at_provider"


async def test_provisioning_for_an_unknown_user_is_not_found(manager: NumberManager) -> None:
    with pytest.raises(NotFound):
        await manager.provision("nobody")


async def test_provisioning_where_nothing_is_for_sale_is_unavailable(
    manager: NumberManager,
) -> None:
    with pytest.raises(NumberUnavailable):
        await manager.provision("alice", area_code="999")


async def test_search_offers_sms_capable_numbers(manager: NumberManager) -> None:
    offers = await manager.search("US", "212", limit=20)
    assert offers
    assert all(o.capabilities["sms"] for o in offers)


async def test_released_numbers_stop_routing_and_are_given_back(
    manager: NumberManager, remote: Remote, store: MemorySmsStore, clock: FrozenClock
) -> None:
    number = await manager.provision("alice")
    await store.set_opt_out(number.phone_number, "+15550000001", clock.now())
    released = await manager.release(number.id)
    assert released.status == "released"
    assert remote.sms_url_of(number.provider_sid) is None
    assert await store.active_number(number.phone_number) is None
    assert not await store.is_opted_out(number.phone_number, "+15550000001")
    with pytest.raises(NotFound):
        await manager.release(number.id)
    with pytest.raises(NotFound):
        await manager.release("nope")


async def test_a_number_already_gone_at_the_provider_is_still_released_here(
    manager: NumberManager, remote: Remote, store: MemorySmsStore
) -> None:
    number = await manager.provision("alice")
    remote.drop(number.provider_sid)
    await manager.release(number.id)
    assert await store.active_number(number.phone_number) is None


async def test_reconcile_reports_nothing_when_all_agrees(
    manager: NumberManager, store: MemorySmsStore, clock: FrozenClock
) -> None:
    number = await manager.provision("alice")
    clock.advance(60)
    report = await manager.reconcile()
    assert report.clean
    assert report.checked == 1
    webhook = await store.get_webhook(number.id)
    assert webhook is not None
    assert (webhook.last_verified_at, webhook.drift) == (clock.now(), None)


async def test_reconcile_reports_webhook_drift_and_repairs_it_on_request(
    manager: NumberManager, remote: Remote, store: MemorySmsStore
) -> None:
    number = await manager.provision("alice")
    remote.tamper(number.provider_sid, "https://old.example/sms")
    report = await manager.reconcile()
    [item] = report.items
    assert (item.kind, item.phone_number, item.repaired) == (
        "webhook_mismatch",
        number.phone_number,
        False,
    )
    assert "https://old.example/sms" in item.detail
    webhook = await store.get_webhook(number.id)
    assert webhook is not None
    assert webhook.drift == item.detail
    assert remote.sms_url_of(number.provider_sid) == "https://old.example/sms"

    repaired = await manager.reconcile(repair=True)
    assert [i.repaired for i in repaired.items] == [True]
    assert remote.sms_url_of(number.provider_sid) == INBOUND
    assert (await manager.reconcile()).clean


async def test_reconcile_finds_numbers_missing_at_the_provider_and_unknown_ones(
    manager: NumberManager, remote: Remote, store: MemorySmsStore
) -> None:
    kept = await manager.provision("alice")
    lost = await manager.provision("bob")
    remote.drop(lost.provider_sid)
    remote.add_foreign("+16465550000")
    report = await manager.reconcile()
    assert sorted((i.kind, i.phone_number) for i in report.items) == [
        ("missing_at_provider", lost.phone_number),
        ("unknown_at_provider", "+16465550000"),
    ]
    assert await store.active_number(lost.phone_number) is not None
    await manager.reconcile(repair=True)
    assert await store.active_number(lost.phone_number) is None
    assert await store.active_number(kept.phone_number) is not None
    assert [i.kind for i in (await manager.reconcile()).items] == ["unknown_at_provider"]


async def test_a_number_that_cannot_be_recorded_is_given_back(
    manager: NumberManager, remote: Remote, store: MemorySmsStore
) -> None:
    async def broken(*args: Any) -> None:
        raise RuntimeError("db down")

    store.add_number = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await manager.provision("alice")
    assert await remote.provider.list_owned() == []


async def test_a_number_taken_by_someone_else_meanwhile_is_skipped(
    store: MemorySmsStore, clock: FrozenClock, audit: AuditRecorder
) -> None:
    provider = MemoryNumberProvider()
    original = provider.provision
    calls: list[str] = []

    async def first_taken(phone_number: str, *args: Any, **kw: Any) -> Any:
        calls.append(phone_number)
        if len(calls) == 1:
            raise NumberUnavailable("taken")
        return await original(phone_number, *args, **kw)

    provider.provision = first_taken  # type: ignore[method-assign]
    manager = NumberManager(
        provider, store, clock, inbound_url=INBOUND, status_url=STATUS, audit=audit
    )
    number = await manager.provision("alice")
    assert number.phone_number == calls[1] != calls[0]
