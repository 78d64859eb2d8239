"""Shared set-up of the usage tests: an SMS store and its usage store on each backend.

The hand-computed fixture (:func:`load_january`), reporting timezone New York
(UTC-5 in January):

- number N1 of ALICE (+14155550100, 1.00 a month from the provider), held all month;
- number N2 of BOB (+14155550101, price unknown: the 1.15 setting), released on
  16 January at midnight New York: 15 days of 31, ``1.15 * 15 / 31``;
- 1. ALICE out, 10 Jan 15:00Z, US handset, 2 segments, real price 0.0158, delivered;
- 2. ALICE out, 10 Jan 16:00Z, GB handset, 1 segment, estimated 0.04 (GB price), failed;
- 3. ALICE in, 11 Jan 03:00Z (10 Jan 22:00 in New York), 3 segments, estimated 3 x 0.0079;
- 4. BOB out, 11 Jan 04:59Z (10 Jan 23:59 in New York), 1 segment, real 0.0079, undelivered;
- 5. BOB out, 11 Jan 05:00Z (11 Jan 00:00 in New York), 1 segment, logged without
  an estimate (so the default 0.0079), delivered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pa_core.clock import FrozenClock
from pa_core.database import Database
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository
from pa_sms.records import MemorySmsStore, SmsStore
from pa_sms.records.base import PhoneNumber, SmsRecord, WebhookConfig
from pa_sms.records.sqlalchemy import SqlSmsStore
from pa_sms.usage.base import UsageStore
from pa_sms.usage.memory import MemoryUsageStore
from pa_sms.usage.pricing import SegmentPricing
from pa_sms.usage.sqlalchemy import SqlUsageStore
from tests.conftest import migrated_database

ALICE, BOB = "01alice0000000000000000000", "01bob000000000000000000000"
N1, N2 = "01n1000000000000000000000a", "01n2000000000000000000000b"
NEW_YORK = ZoneInfo("America/New_York")
PRICING = SegmentPricing.parse(Decimal("0.0079"), {"GB": {"outbound": "0.04"}})

BACKENDS = [
    pytest.param("memory", marks=pytest.mark.memory),
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@dataclass
class Backend:
    """An SMS store and the usage store over it."""

    sms: SmsStore
    usage: UsageStore
    clock: FrozenClock
    database: Database | None = None


@asynccontextmanager
async def open_backend(
    name: str, url: str | None, clock: FrozenClock, timezone: ZoneInfo = NEW_YORK
) -> AsyncIterator[Backend]:
    """``name`` is memory, sqlite or postgres (``url`` of the SQL database); users exist."""
    if name == "memory":
        memory = MemorySmsStore()
        yield Backend(
            memory, MemoryUsageStore(memory, clock, timezone=timezone, pricing=PRICING), clock
        )
        return
    assert url is not None
    db = await migrated_database(url)
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
    try:
        yield Backend(
            SqlSmsStore(db),
            SqlUsageStore(db, clock, timezone=timezone, pricing=PRICING),
            clock,
            db,
        )
    finally:
        await db.dispose()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def phone(number_id: str, user_id: str, e164: str, price: Decimal | None) -> PhoneNumber:
    return PhoneNumber(
        id=number_id,
        user_id=user_id,
        phone_number=e164,
        provider_sid="PN" + number_id,
        status="active",
        capabilities={"sms": True},
        provisioned_at=utc(2025, 1, 1, 5),
        monthly_price=price,
        price_unit="USD" if price is not None else None,
    )


def hook(number: PhoneNumber) -> WebhookConfig:
    return WebhookConfig(
        number_id=number.id,
        phone_number=number.phone_number,
        sms_url="https://pa.example/sms/inbound",
        sms_fallback_url="https://pa.example/sms/inbound",
        status_callback_url="https://pa.example/sms/status",
    )


def message(
    sid: str,
    at: datetime,
    *,
    user_id: str,
    number: str,
    handset: str,
    segments: int,
    direction: str = "outbound",
    status: str = "sent",
    price: Decimal | None = None,
    estimated: Decimal | None = None,
    logged_at: datetime | None = None,
) -> SmsRecord:
    """A log record; ``logged_at`` is its ``updated_at`` (when it was written)."""
    inbound = direction == "inbound"
    return SmsRecord(
        id=sid,
        sid=sid,
        direction="inbound" if inbound else "outbound",
        from_number=handset if inbound else number,
        to_number=number if inbound else handset,
        user_id=user_id,
        number_id=N1 if number.endswith("100") else N2,
        segments=segments,
        encoding="GSM-7",
        status=status,
        created_at=at,
        updated_at=logged_at or at,
        price=price,
        price_unit="USD" if price is not None else None,
        estimated_cost=estimated,
    )


A_NUMBER, B_NUMBER = "+14155550100", "+14155550101"
US_HANDSET, GB_HANDSET = "+14155559999", "+447400123456"


def january_messages(logged_at: datetime | None = None) -> list[SmsRecord]:
    est = PRICING.estimate
    return [
        message(
            "SM1",
            utc(2025, 1, 10, 15),
            user_id=ALICE,
            number=A_NUMBER,
            handset=US_HANDSET,
            segments=2,
            status="delivered",
            price=Decimal("0.0158"),
            estimated=est("outbound", US_HANDSET, 2),
            logged_at=logged_at,
        ),
        message(
            "SM2",
            utc(2025, 1, 10, 16),
            user_id=ALICE,
            number=A_NUMBER,
            handset=GB_HANDSET,
            segments=1,
            status="failed",
            estimated=est("outbound", GB_HANDSET, 1),
            logged_at=logged_at,
        ),
        message(
            "SM3",
            utc(2025, 1, 11, 3),
            user_id=ALICE,
            number=A_NUMBER,
            handset=US_HANDSET,
            segments=3,
            direction="inbound",
            status="received",
            estimated=est("inbound", A_NUMBER, 3),
            logged_at=logged_at,
        ),
        message(
            "SM4",
            utc(2025, 1, 11, 4, 59),
            user_id=BOB,
            number=B_NUMBER,
            handset=US_HANDSET,
            segments=1,
            status="undelivered",
            price=Decimal("0.0079"),
            logged_at=logged_at,
        ),
        message(
            "SM5",
            utc(2025, 1, 11, 5),
            user_id=BOB,
            number=B_NUMBER,
            handset=US_HANDSET,
            segments=1,
            status="delivered",
            logged_at=logged_at,
        ),
    ]


async def add_numbers(store: SmsStore) -> None:
    n1 = phone(N1, ALICE, A_NUMBER, Decimal("1.00"))
    n2 = phone(N2, BOB, B_NUMBER, None)
    await store.add_number(n1, hook(n1))
    await store.add_number(n2, hook(n2))
    await store.release_number(N2, utc(2025, 1, 16, 5))


async def load_january(backend: Backend) -> None:
    """The fixture of the module docstring, rolled up."""
    await add_numbers(backend.sms)
    for record in january_messages():
        await backend.sms.add_message(record)
    await backend.usage.refresh()


def usage_in(backend: Backend, timezone: ZoneInfo) -> UsageStore:
    """Another usage store over the same log, in ``timezone`` (SQL: the same tables)."""
    if backend.database is None:
        assert isinstance(backend.sms, MemorySmsStore)
        return MemoryUsageStore(backend.sms, backend.clock, timezone=timezone, pricing=PRICING)
    return SqlUsageStore(backend.database, backend.clock, timezone=timezone, pricing=PRICING)
