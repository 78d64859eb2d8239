"""The SMS store on SQLAlchemy (PostgreSQL or SQLite), in ``pa_core``'s :class:`Database`.

Two guards are the database's own: the message log's unique ``sid`` makes a
repeated webhook a no-op (``INSERT ... ON CONFLICT DO NOTHING``), and a status
only moves forward through a conditional ``UPDATE``, so concurrent callbacks
cannot move a message back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from pa_core.database import Database, database_errors
from pa_core.errors import Conflict, NotFound
from pa_sms.records.base import (
    Direction,
    InboundRoute,
    NumberStatus,
    PhoneNumber,
    SmsRecord,
    WebhookConfig,
)
from pa_sms.records.models import (
    PhoneNumberRow,
    SmsMessageRow,
    SmsOptOutRow,
    WebhookConfigurationRow,
)
from pa_sms.records.statuses import TERMINAL_STATUSES, statuses_not_before

__all__ = ["SqlSmsStore"]

_NUMBERS = PhoneNumberRow.__table__
_MESSAGES = SmsMessageRow.__table__
_OPT_OUTS = SmsOptOutRow.__table__


def _number(row: Any) -> PhoneNumber:
    status: NumberStatus = "active" if row.status == "active" else "released"
    return PhoneNumber(
        id=row.id,
        user_id=row.user_id,
        phone_number=row.phone_number,
        provider_sid=row.provider_sid,
        status=status,
        capabilities=dict(row.capabilities or {}),
        provisioned_at=row.provisioned_at,
        released_at=row.released_at,
        monthly_price=row.monthly_price,
        price_unit=row.price_unit,
        friendly_name=row.friendly_name,
    )


def _webhook(row: WebhookConfigurationRow) -> WebhookConfig:
    return WebhookConfig(
        number_id=row.number_id,
        phone_number=row.phone_number,
        sms_url=row.sms_url,
        sms_fallback_url=row.sms_fallback_url,
        status_callback_url=row.status_callback_url,
        method=row.method,
        last_verified_at=row.last_verified_at,
        drift=row.drift,
    )


def _message(row: Any) -> SmsRecord:
    direction: Direction = "inbound" if row.direction == "inbound" else "outbound"
    return SmsRecord(
        id=row.id,
        sid=row.sid,
        direction=direction,
        from_number=row.from_number,
        to_number=row.to_number,
        user_id=row.user_id,
        number_id=row.number_id,
        segments=row.segments,
        encoding=row.encoding,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        error_code=row.error_code,
        price=row.price,
        price_unit=row.price_unit,
        estimated_cost=row.estimated_cost,
        completed_at=row.completed_at,
    )


def _message_values(record: SmsRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "sid": record.sid,
        "direction": record.direction,
        "from_number": record.from_number,
        "to_number": record.to_number,
        "user_id": record.user_id,
        "number_id": record.number_id,
        "segments": record.segments,
        "encoding": record.encoding,
        "status": record.status,
        "error_code": record.error_code,
        "price": record.price,
        "price_unit": record.price_unit,
        "estimated_cost": record.estimated_cost,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "completed_at": record.completed_at,
    }


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# Route, loop guard and log in one round trip (PostgreSQL). Plain SQL, prepared
# once by the driver: the webhook's hot path pays no statement building.
_LOG_INBOUND_PG = text(
    """
WITH route AS (
    SELECT id, user_id FROM user_phone_numbers
    WHERE phone_number = :to_number AND status = 'active' AND user_id IS NOT NULL
    LIMIT 1
), own AS (
    SELECT EXISTS (
        SELECT 1 FROM user_phone_numbers
        WHERE phone_number = :from_number AND status = 'active'
    ) AS own
), inserted AS (
    INSERT INTO sms_messages (
        id, sid, direction, from_number, to_number, user_id, number_id, segments,
        encoding, status, error_code, price, price_unit, estimated_cost,
        created_at, updated_at, completed_at
    )
    SELECT CAST(:id AS VARCHAR), CAST(:sid AS VARCHAR), CAST(:direction AS VARCHAR),
        CAST(:from_number AS VARCHAR), CAST(:to_number AS VARCHAR), route.user_id, route.id,
        CAST(:segments AS INTEGER), CAST(:encoding AS VARCHAR), CAST(:status AS VARCHAR),
        CAST(:error_code AS INTEGER), CAST(:price AS VARCHAR), CAST(:price_unit AS VARCHAR),
        CAST(:estimated_cost AS VARCHAR), CAST(:created_at AS TIMESTAMPTZ),
        CAST(:updated_at AS TIMESTAMPTZ), CAST(:completed_at AS TIMESTAMPTZ)
    FROM route, own WHERE NOT own.own
    ON CONFLICT (sid) DO NOTHING
    RETURNING id
)
SELECT own.own AS own, (SELECT id FROM route) AS number_id,
    (SELECT user_id FROM route) AS user_id, EXISTS (SELECT 1 FROM inserted) AS logged
FROM own
"""
)


def _route_of(own: bool, number_id: str | None, user_id: str | None, logged: bool) -> InboundRoute:
    if own:
        return InboundRoute("own_number")
    if number_id is None or user_id is None:
        return InboundRoute("unrouted")
    return InboundRoute("logged" if logged else "duplicate", number_id, user_id)


def _webhook_values(config: WebhookConfig) -> dict[str, Any]:
    return {
        "number_id": config.number_id,
        "phone_number": config.phone_number,
        "sms_url": config.sms_url,
        "sms_fallback_url": config.sms_fallback_url,
        "status_callback_url": config.status_callback_url,
        "method": config.method,
        "last_verified_at": config.last_verified_at,
        "drift": config.drift,
    }


class SqlSmsStore:
    """Implements :class:`~pa_sms.records.base.SmsStore` on the ``pa_sms`` tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection in a transaction: the hot paths skip the ORM's bookkeeping."""
        with database_errors():
            async with self.database.engine.begin() as connection:
                yield connection

    @asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection without ``BEGIN``/``COMMIT``: for one self-contained statement."""
        with database_errors():
            async with self.database.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    # --- numbers -------------------------------------------------------------------

    async def add_number(self, number: PhoneNumber, webhook: WebhookConfig) -> None:
        """See :meth:`SmsStore.add_number`."""

        def conflict() -> Conflict:
            return Conflict(f"number {number.provider_sid} is already stored")

        async with self.database.session(on_conflict=conflict) as session:
            session.add(
                PhoneNumberRow(
                    id=number.id,
                    user_id=number.user_id,
                    phone_number=number.phone_number,
                    provider_sid=number.provider_sid,
                    status=number.status,
                    capabilities=dict(number.capabilities),
                    friendly_name=number.friendly_name,
                    monthly_price=number.monthly_price,
                    price_unit=number.price_unit,
                    provisioned_at=number.provisioned_at,
                    released_at=number.released_at,
                )
            )
            await session.flush()
            session.add(WebhookConfigurationRow(**_webhook_values(webhook)))

    async def get_number(self, number_id: str) -> PhoneNumber | None:
        """See :meth:`SmsStore.get_number`."""
        async with self.database.session() as session:
            row = await session.get(PhoneNumberRow, number_id)
            return _number(row) if row is not None else None

    async def active_number(self, phone_number: str) -> PhoneNumber | None:
        """See :meth:`SmsStore.active_number`."""
        query = (
            select(_NUMBERS)
            .where(_NUMBERS.c.phone_number == phone_number, _NUMBERS.c.status == "active")
            .limit(1)
        )
        async with self._connection() as connection:
            row = (await connection.execute(query)).first()
            return _number(row) if row is not None else None

    async def active_numbers(self, phone_numbers: Sequence[str]) -> dict[str, PhoneNumber]:
        """See :meth:`SmsStore.active_numbers`."""
        query = select(_NUMBERS).where(
            _NUMBERS.c.phone_number.in_(list(phone_numbers)), _NUMBERS.c.status == "active"
        )
        async with self._connection() as connection:
            rows = (await connection.execute(query)).all()
            return {row.phone_number: _number(row) for row in rows}

    async def list_numbers(
        self, *, user_id: str | None = None, active_only: bool = True
    ) -> list[PhoneNumber]:
        """See :meth:`SmsStore.list_numbers`."""
        query = select(PhoneNumberRow).order_by(PhoneNumberRow.provisioned_at, PhoneNumberRow.id)
        if user_id is not None:
            query = query.where(PhoneNumberRow.user_id == user_id)
        if active_only:
            query = query.where(PhoneNumberRow.status == "active")
        async with self.database.session() as session:
            return [_number(row) for row in (await session.scalars(query)).all()]

    async def release_number(self, number_id: str, at: datetime) -> PhoneNumber:
        """See :meth:`SmsStore.release_number`."""
        async with self.database.session() as session:
            row = await session.get(PhoneNumberRow, number_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no number {number_id}")
            if row.status == "active":
                row.status = "released"
                row.released_at = at
                await session.execute(
                    delete(WebhookConfigurationRow).where(
                        WebhookConfigurationRow.number_id == number_id
                    )
                )
                await session.execute(
                    delete(SmsOptOutRow).where(SmsOptOutRow.phone_number == row.phone_number)
                )
            return _number(row)

    async def get_webhook(self, number_id: str) -> WebhookConfig | None:
        """See :meth:`SmsStore.get_webhook`."""
        async with self.database.session() as session:
            row = await session.get(WebhookConfigurationRow, number_id)
            return _webhook(row) if row is not None else None

    async def save_webhook(self, config: WebhookConfig) -> None:
        """See :meth:`SmsStore.save_webhook`."""
        values = _webhook_values(config)
        statement = (
            self._insert(WebhookConfigurationRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["number_id"],
                set_={k: v for k, v in values.items() if k != "number_id"},
            )
        )
        async with self.database.session() as session:
            await session.execute(statement)

    # --- message log ---------------------------------------------------------------

    async def add_message(self, record: SmsRecord) -> bool:
        """See :meth:`SmsStore.add_message` (``ON CONFLICT (sid) DO NOTHING``)."""
        statement = (
            self._insert(SmsMessageRow)
            .values(**_message_values(record))
            .on_conflict_do_nothing(index_elements=["sid"])
        )
        async with self._autocommit() as connection:
            result: CursorResult[Any] = await connection.execute(statement)
            return bool(result.rowcount == 1)

    async def log_inbound(self, record: SmsRecord) -> InboundRoute:
        """See :meth:`SmsStore.log_inbound`: one statement on PostgreSQL, one transaction else."""
        if self.database.dialect != "postgresql":
            n = _NUMBERS.c
            target = select(n.id, n.user_id).where(
                n.phone_number == record.to_number, n.status == "active", n.user_id.is_not(None)
            )
            own = exists().where(n.phone_number == record.from_number, n.status == "active")
            async with self._connection() as connection:
                found = (await connection.execute(target.limit(1))).first()
                is_own = bool(await connection.scalar(select(own)))
                logged = False
                if found is not None and not is_own:
                    logged = await self._insert_message(connection, record, found.id, found.user_id)
                return _route_of(is_own, found and found.id, found and found.user_id, logged)
        values = _message_values(record)
        values["estimated_cost"] = _decimal_text(record.estimated_cost)
        values["price"] = _decimal_text(record.price)
        async with self._autocommit() as connection:
            row = (await connection.execute(_LOG_INBOUND_PG, values)).one()
        return _route_of(row.own, row.number_id, row.user_id, row.logged)

    async def _insert_message(
        self, connection: AsyncConnection, record: SmsRecord, number_id: str, user_id: str
    ) -> bool:
        values = _message_values(record) | {"number_id": number_id, "user_id": user_id}
        statement = (
            self._insert(SmsMessageRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["sid"])
        )
        result: CursorResult[Any] = await connection.execute(statement)
        return bool(result.rowcount == 1)

    async def get_message(self, sid: str) -> SmsRecord | None:
        """See :meth:`SmsStore.get_message`."""
        query = select(_MESSAGES).where(_MESSAGES.c.sid == sid)
        async with self._connection() as connection:
            row = (await connection.execute(query)).first()
            return _message(row) if row is not None else None

    async def advance_status(
        self, sid: str, status: str, at: datetime, error_code: int | None = None
    ) -> bool:
        """See :meth:`SmsStore.advance_status` (one conditional ``UPDATE``)."""
        not_before = sorted(statuses_not_before(status))
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if error_code is not None:
            values["error_code"] = error_code
        if status in TERMINAL_STATUSES:
            values["completed_at"] = at
        statement = (
            update(SmsMessageRow)
            .where(SmsMessageRow.sid == sid, SmsMessageRow.status.not_in(not_before))
            .values(**values)
        )
        async with self._connection() as connection:
            result: CursorResult[Any] = await connection.execute(statement)
            return bool(result.rowcount == 1)

    async def set_price(self, sid: str, price: Decimal, unit: str | None, at: datetime) -> None:
        """See :meth:`SmsStore.set_price`."""
        statement = (
            update(SmsMessageRow)
            .where(SmsMessageRow.sid == sid)
            .values(price=price, price_unit=unit, updated_at=at)
        )
        async with self._connection() as connection:
            await connection.execute(statement)

    async def messages_without_price(
        self, *, after: datetime, before: datetime, limit: int
    ) -> list[SmsRecord]:
        """See :meth:`SmsStore.messages_without_price`."""
        query = (
            select(SmsMessageRow)
            .where(
                SmsMessageRow.direction == "outbound",
                SmsMessageRow.price.is_(None),
                SmsMessageRow.created_at >= after,
                SmsMessageRow.created_at < before,
            )
            .order_by(SmsMessageRow.created_at, SmsMessageRow.id)
            .limit(limit)
        )
        async with self.database.session() as session:
            return [_message(row) for row in (await session.scalars(query)).all()]

    # --- opt-outs --------------------------------------------------------------------

    async def set_opt_out(self, number: str, handset: str, at: datetime) -> None:
        """See :meth:`SmsStore.set_opt_out`."""
        statement = (
            self._insert(SmsOptOutRow)
            .values(phone_number=number, handset=handset, opted_out_at=at)
            .on_conflict_do_nothing(index_elements=["phone_number", "handset"])
        )
        async with self._connection() as connection:
            await connection.execute(statement)

    async def clear_opt_out(self, number: str, handset: str) -> bool:
        """See :meth:`SmsStore.clear_opt_out`."""
        statement = delete(SmsOptOutRow).where(
            SmsOptOutRow.phone_number == number, SmsOptOutRow.handset == handset
        )
        async with self._connection() as connection:
            result: CursorResult[Any] = await connection.execute(statement)
            return bool(result.rowcount == 1)

    async def is_opted_out(self, number: str, handset: str) -> bool:
        """See :meth:`SmsStore.is_opted_out`."""
        query = select(SmsOptOutRow.handset).where(
            SmsOptOutRow.phone_number == number, SmsOptOutRow.handset == handset
        )
        async with self._connection() as connection:
            return (await connection.execute(query)).first() is not None

    async def reply_context(self, number: str, handset: str) -> tuple[PhoneNumber | None, bool]:
        """See :meth:`SmsStore.reply_context` (one query)."""
        opted_out = exists().where(
            _OPT_OUTS.c.phone_number == number, _OPT_OUTS.c.handset == handset
        )
        query = (
            select(opted_out.label("opted_out"), _NUMBERS)
            .select_from(_NUMBERS)
            .where(_NUMBERS.c.phone_number == number, _NUMBERS.c.status == "active")
            .limit(1)
        )
        async with self._autocommit() as connection:
            row = (await connection.execute(query)).first()
            if row is None:
                return None, bool(await connection.scalar(select(opted_out)))
            return _number(row), bool(row.opted_out)
