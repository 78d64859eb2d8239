"""The usage rollups on SQLAlchemy (PostgreSQL or SQLite), next to the message log.

Each day is recomputed by one ``DELETE`` and one ``INSERT ... SELECT ... GROUP BY``
over that day's slice of ``sms_messages`` (its UTC bounds computed here from the
reporting timezone, so SQLite needs no timezone support); then each week holding
a recomputed day is summed again from its daily rows into the weekly rollups.
A report by user or by number over a range reads the weekly rows of the whole
weeks inside it and the daily rows of the days at its edges (at most six at
each end), so a 30-day report reads about a third of the rows, a year's a
sixth. Money is summed in
integer micro-units, exact on both databases. A refresh runs in one transaction;
on PostgreSQL it takes a transaction-level advisory lock first, so concurrent
refreshes from several processes queue instead of colliding (SQLite serialises
writers anyway).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    Numeric,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from pa_core.clock import Clock
from pa_core.database import Database
from pa_sms.records.models import PhoneNumberRow, SmsMessageRow
from pa_sms.usage.base import DailyNumberUsage, DailyUserUsage, GroupBy, UsageCounts, UsageTotals
from pa_sms.usage.memory import REFRESH_OVERLAP
from pa_sms.usage.models import (
    SmsQuotaNoticeRow,
    SmsUsageDailyNumberRow,
    SmsUsageDailyUserRow,
    SmsUsageStateRow,
    SmsUsageWeeklyNumberRow,
    SmsUsageWeeklyUserRow,
)
from pa_sms.usage.pricing import (
    MICROS,
    HeldNumber,
    SegmentPricing,
    day_bounds,
    local_day,
    to_micros,
)
from pa_sms.usage.rollups import DELIVERED_STATUSES

__all__ = ["ADVISORY_LOCK_ID", "STATE_NAME", "SqlUsageStore", "split_weeks", "week_of"]

STATE_NAME = "rollups"
"""Key of the refresh state row."""
ADVISORY_LOCK_ID = 0x5053_4D53  # "PSMS"
"""PostgreSQL advisory lock taken by a refresh."""

_COUNT_COLUMNS = (
    "messages_in",
    "messages_out",
    "segments_in",
    "segments_out",
    "delivered",
    "failed",
    "undelivered",
    "cost_known_micros",
    "cost_estimated_micros",
)


def _micros(column: Any) -> Any:
    return func.round(cast(column, Numeric) * MICROS)


def _sums(columns: Any) -> list[Any]:
    """``SUM`` of each counted column of ``columns`` (a table or a subquery's ``.c``)."""
    return [cast(func.sum(getattr(columns, name)), BigInteger) for name in _COUNT_COLUMNS]


def week_of(day: date) -> date:
    """The Monday starting ``day``'s week (the key of the weekly rollups)."""
    return day - timedelta(days=day.weekday())


def split_weeks(
    since: date, until: date
) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """``[since, until]`` as whole weeks and edge days.

    Returns the first and last Monday of the whole weeks inside the range
    (``None`` when none fits) and the day ranges left at its edges (empty ones
    left out); together they cover every day once.
    """
    first = since + timedelta(days=(7 - since.weekday()) % 7)
    last_sunday = until - timedelta(days=(until.weekday() + 1) % 7)
    if last_sunday < first + timedelta(days=6):
        return None, [(since, until)]
    edges = [
        (low, high)
        for low, high in (
            (since, first - timedelta(days=1)),
            (last_sunday + timedelta(days=1), until),
        )
        if low <= high
    ]
    return (first, last_sunday - timedelta(days=6)), edges


class SqlUsageStore:
    """Implements :class:`~pa_sms.usage.base.UsageStore` in the ``pa_sms`` tables.

    Args:
        database: the database holding the message log (migrated to ``0102``).
        clock: when refreshes happen.
        timezone: the reporting timezone; changing it makes the next refresh rebuild.
        pricing: the fallback estimate of a message logged without one.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        timezone: ZoneInfo | None = None,
        pricing: SegmentPricing | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.timezone = timezone or ZoneInfo("UTC")
        self.pricing = pricing or SegmentPricing()

    # --- maintenance -----------------------------------------------------------------

    def _aggregates(self) -> list[Any]:
        m = SmsMessageRow
        inbound = m.direction == "inbound"
        outbound = m.direction == "outbound"

        def count(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        default_micros = case(
            (inbound, to_micros(self.pricing.default_for("inbound"))),
            else_=to_micros(self.pricing.default_for("outbound")),
        )
        known = case((m.price.is_not(None), _micros(m.price)), else_=0)
        estimated = case(
            (
                m.price.is_(None),
                func.coalesce(_micros(m.estimated_cost), m.segments * default_micros),
            ),
            else_=0,
        )
        return [
            count(inbound).label("messages_in"),
            count(outbound).label("messages_out"),
            func.coalesce(func.sum(case((inbound, m.segments), else_=0)), 0).label("segments_in"),
            func.coalesce(func.sum(case((outbound, m.segments), else_=0)), 0).label("segments_out"),
            count(and_(outbound, m.status.in_(sorted(DELIVERED_STATUSES)))).label("delivered"),
            count(and_(outbound, m.status == "failed")).label("failed"),
            count(and_(outbound, m.status == "undelivered")).label("undelivered"),
            cast(func.coalesce(func.sum(known), 0), BigInteger).label("cost_known_micros"),
            cast(func.coalesce(func.sum(estimated), 0), BigInteger).label("cost_estimated_micros"),
        ]

    async def _recompute_day(self, session: AsyncSession, day: date, cutoff: datetime) -> None:
        m = SmsMessageRow
        start, end = day_bounds(day, self.timezone)
        # Only messages created before the refresh began: the rest are read from the log.
        in_day = and_(m.created_at >= start, m.created_at < min(end, cutoff))
        currency = literal(self.pricing.currency)
        await session.execute(delete(SmsUsageDailyUserRow).where(SmsUsageDailyUserRow.day == day))
        await session.execute(
            delete(SmsUsageDailyNumberRow).where(SmsUsageDailyNumberRow.day == day)
        )
        columns = ["day", "user_id", *_COUNT_COLUMNS, "currency"]
        per_user = (
            select(literal(day).label("day"), m.user_id, *self._aggregates(), currency)
            .where(in_day, m.user_id.is_not(None))
            .group_by(m.user_id)
        )
        await session.execute(insert(SmsUsageDailyUserRow).from_select(columns, per_user))
        ours = case((m.direction == "inbound", m.to_number), else_=m.from_number)
        per_number = (
            select(
                literal(day).label("day"),
                m.number_id,
                func.max(ours),
                func.max(m.user_id),
                *self._aggregates(),
                currency,
            )
            .where(in_day, m.number_id.is_not(None))
            .group_by(m.number_id)
        )
        await session.execute(
            insert(SmsUsageDailyNumberRow).from_select(
                ["day", "number_id", "phone_number", "user_id", *_COUNT_COLUMNS, "currency"],
                per_number,
            )
        )

    async def _recompute_week(self, session: AsyncSession, week: date) -> None:
        u, n = SmsUsageDailyUserRow, SmsUsageDailyNumberRow
        end = week + timedelta(days=6)
        await session.execute(
            delete(SmsUsageWeeklyUserRow).where(SmsUsageWeeklyUserRow.week == week)
        )
        await session.execute(
            delete(SmsUsageWeeklyNumberRow).where(SmsUsageWeeklyNumberRow.week == week)
        )
        per_user = (
            select(literal(week).label("week"), u.user_id, *_sums(u), func.max(u.currency))
            .where(u.day >= week, u.day <= end)
            .group_by(u.user_id)
        )
        await session.execute(
            insert(SmsUsageWeeklyUserRow).from_select(
                ["week", "user_id", *_COUNT_COLUMNS, "currency"], per_user
            )
        )
        per_number = (
            select(
                literal(week).label("week"),
                n.number_id,
                func.max(n.phone_number),
                func.max(n.user_id),
                *_sums(n),
                func.max(n.currency),
            )
            .where(n.day >= week, n.day <= end)
            .group_by(n.number_id)
        )
        await session.execute(
            insert(SmsUsageWeeklyNumberRow).from_select(
                ["week", "number_id", "phone_number", "user_id", *_COUNT_COLUMNS, "currency"],
                per_number,
            )
        )

    async def _recompute(self, session: AsyncSession, days: set[date], cutoff: datetime) -> None:
        """Recompute ``days`` from the messages created before ``cutoff``, then their weeks."""
        for day in sorted(days):
            await self._recompute_day(session, day, cutoff)
        for week in sorted({week_of(day) for day in days}):
            await self._recompute_week(session, week)

    async def _lock(self, session: AsyncSession) -> SmsUsageStateRow | None:
        if self.database.dialect == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID}
            )
        return await session.get(SmsUsageStateRow, STATE_NAME)

    async def _save_state(self, session: AsyncSession, now: datetime) -> None:
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        values = {
            "name": STATE_NAME,
            "timezone": self.timezone.key,
            "watermark": now - REFRESH_OVERLAP,
        }
        await session.execute(
            dialect.insert(SmsUsageStateRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["name"],
                set_={"timezone": values["timezone"], "watermark": values["watermark"]},
            )
        )

    async def _days_with_messages(
        self, session: AsyncSession, since: datetime | None = None
    ) -> set[date]:
        if since is not None:
            query = select(SmsMessageRow.created_at).where(SmsMessageRow.updated_at >= since)
            moments = (await session.scalars(query)).all()
            return {local_day(moment, self.timezone) for moment in moments}
        else:
            bounds = (
                await session.execute(
                    select(func.min(SmsMessageRow.created_at), func.max(SmsMessageRow.created_at))
                )
            ).one()
            if bounds[0] is None:
                return set()
            return await self._days_between(session, bounds[0], bounds[1])

    async def _days_between(
        self, session: AsyncSession, first: datetime, last: datetime
    ) -> set[date]:
        low, high = local_day(first, self.timezone), local_day(last, self.timezone)
        days: set[date] = set()
        day = low
        while day <= high:
            start, end = day_bounds(day, self.timezone)
            found = await session.scalar(
                select(SmsMessageRow.id)
                .where(SmsMessageRow.created_at >= start, SmsMessageRow.created_at < end)
                .limit(1)
            )
            if found is not None:
                days.add(day)
            day = date.fromordinal(day.toordinal() + 1)
        return days

    async def refresh(self) -> int:
        """See :meth:`UsageStore.refresh`."""
        now = self.clock.now()
        async with self.database.session() as session:
            state = await self._lock(session)
            if state is None or state.timezone != self.timezone.key:
                return await self._rebuild(session, now)
            days = await self._days_with_messages(session, state.watermark)
            await self._recompute(session, days, now)
            await self._save_state(session, now)
            return len(days)

    async def rebuild(self) -> int:
        """See :meth:`UsageStore.rebuild`."""
        now = self.clock.now()
        async with self.database.session() as session:
            await self._lock(session)
            return await self._rebuild(session, now)

    async def _rebuild(self, session: AsyncSession, now: datetime) -> int:
        await session.execute(delete(SmsUsageDailyUserRow))
        await session.execute(delete(SmsUsageDailyNumberRow))
        await session.execute(delete(SmsUsageWeeklyUserRow))
        await session.execute(delete(SmsUsageWeeklyNumberRow))
        days = await self._days_with_messages(session)
        await self._recompute(session, days, now)
        await self._save_state(session, now)
        return len(days)

    # --- reports ---------------------------------------------------------------------

    async def totals(
        self, group_by: GroupBy, since: date, until: date, *, user_id: str | None = None
    ) -> list[UsageTotals]:
        """See :meth:`UsageStore.totals`: the rollups plus the log since the last refresh.

        A refresh rolls up the messages created before it began; the ones
        created since are summed from the log (through ``ix_sms_messages_created_at``,
        one small ``GROUP BY`` per day they span), so the two parts never
        overlap. By user or by number over everyone, the whole weeks in the
        range are read from the weekly rollups and the edge days from the daily
        ones (:func:`split_weeks`); one user's report or a report by day reads
        the daily rows only. Before the first refresh every day is read from the log.
        """
        sums: dict[str, UsageCounts] = {}
        async with self.database.session() as session:
            state = await session.get(SmsUsageStateRow, STATE_NAME)
            connection = await session.connection()
            # Core execution: plain tuples, no ORM loading (10,000 rows must stay cheap).
            covered: datetime | None = None
            if state is not None and state.timezone == self.timezone.key:
                covered = state.watermark + REFRESH_OVERLAP
                query = self._totals_query(group_by, since, until, user_id)
                for row in (await connection.execute(query)).all():
                    _add(sums, _key(row[0]), UsageCounts(*row[1:]))
            first = since if covered is None else max(since, local_day(covered, self.timezone))
            for day in _days(first, until):
                start, end = day_bounds(day, self.timezone)
                if covered is not None:
                    start = max(start, covered)
                query = self._log_query(group_by, start, end, user_id)
                for row in (await connection.execute(query)).all():
                    key = day.isoformat() if group_by == "day" else _key(row[0])
                    _add(sums, key, UsageCounts(*(int(value) for value in row[1:])))
        return [UsageTotals(key, sums[key]) for key in sorted(sums)]

    def _log_query(
        self, group_by: GroupBy, start: datetime, end: datetime, user_id: str | None
    ) -> Any:
        """The sums of the messages created in ``[start, end)`` (one day at most), from the log."""
        m = SmsMessageRow
        in_day = and_(m.created_at >= start, m.created_at < end)
        if group_by == "number":
            ours = case((m.direction == "inbound", m.to_number), else_=m.from_number)
            query = (
                select(func.max(ours), *self._aggregates())
                .where(in_day, m.number_id.is_not(None))
                .group_by(m.number_id)
            )
            if user_id is not None:
                query = query.having(func.max(m.user_id) == user_id)
            return query
        query = (
            select(m.user_id, *self._aggregates())
            .where(in_day, m.user_id.is_not(None))
            .group_by(m.user_id)
        )
        if user_id is not None:
            query = query.where(m.user_id == user_id)
        return query

    def _totals_query(
        self, group_by: GroupBy, since: date, until: date, user_id: str | None
    ) -> Any:
        daily: Any = SmsUsageDailyNumberRow if group_by == "number" else SmsUsageDailyUserRow
        key: Any = (
            daily.phone_number
            if group_by == "number"
            else (daily.day if group_by == "day" else daily.user_id)
        )
        if group_by == "day" or user_id is not None:
            query = select(key, *_sums(daily)).where(daily.day >= since, daily.day <= until)
            if user_id is not None:
                query = query.where(daily.user_id == user_id)
            return query.group_by(key).order_by(key)
        weekly: Any = SmsUsageWeeklyNumberRow if group_by == "number" else SmsUsageWeeklyUserRow
        weekly_key: Any = weekly.phone_number if group_by == "number" else weekly.user_id
        weeks, edges = split_weeks(since, until)
        parts = (
            [
                select(key.label("key"), *(getattr(daily, name) for name in _COUNT_COLUMNS)).where(
                    or_(*(and_(daily.day >= low, daily.day <= high) for low, high in edges))
                )
            ]
            if edges
            else []
        )
        if weeks is not None:
            parts.append(
                select(
                    weekly_key.label("key"), *(getattr(weekly, name) for name in _COUNT_COLUMNS)
                ).where(weekly.week >= weeks[0], weekly.week <= weeks[1])
            )
        rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        return select(rows.c.key, *_sums(rows.c)).group_by(rows.c.key).order_by(rows.c.key)

    async def held_numbers(
        self, start: datetime, end: datetime, *, user_id: str | None = None
    ) -> list[HeldNumber]:
        """See :meth:`UsageStore.held_numbers`."""
        n = PhoneNumberRow
        query = (
            select(
                n.id, n.phone_number, n.user_id, n.provisioned_at, n.released_at, n.monthly_price
            )
            .where(n.provisioned_at < end, or_(n.released_at.is_(None), n.released_at > start))
            .order_by(n.provisioned_at, n.id)
        )
        if user_id is not None:
            query = query.where(n.user_id == user_id)
        async with self.database.session() as session:
            rows = (await (await session.connection()).execute(query)).all()
        return [HeldNumber(*row) for row in rows]

    async def segments_sent(self, user_id: str, since: datetime) -> int:
        """See :meth:`UsageStore.segments_sent`."""
        m = SmsMessageRow
        query = select(cast(func.coalesce(func.sum(m.segments), 0), Integer)).where(
            m.user_id == user_id, m.created_at >= since, m.direction == "outbound"
        )
        async with self.database.session() as session:
            return int(await session.scalar(query) or 0)

    async def claim_quota_notice(self, user_id: str, month: date, at: datetime) -> bool:
        """See :meth:`UsageStore.claim_quota_notice` (``ON CONFLICT DO NOTHING``)."""
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        statement = (
            dialect.insert(SmsQuotaNoticeRow)
            .values(user_id=user_id, month=month, notified_at=at)
            .on_conflict_do_nothing(index_elements=["user_id", "month"])
        )
        async with self.database.session() as session:
            result: CursorResult[Any] = await session.execute(statement)  # type: ignore[assignment]
            return bool(result.rowcount == 1)

    async def forget_quota_notice(self, user_id: str, month: date) -> None:
        """See :meth:`UsageStore.forget_quota_notice`."""
        async with self.database.session() as session:
            await session.execute(
                delete(SmsQuotaNoticeRow).where(
                    SmsQuotaNoticeRow.user_id == user_id, SmsQuotaNoticeRow.month == month
                )
            )

    async def snapshot(self) -> tuple[list[DailyUserUsage], list[DailyNumberUsage]]:
        """See :meth:`UsageStore.snapshot`."""
        u, n = SmsUsageDailyUserRow, SmsUsageDailyNumberRow
        async with self.database.session() as session:
            users = (await session.scalars(select(u).order_by(u.day, u.user_id))).all()
            numbers = (await session.scalars(select(n).order_by(n.day, n.number_id))).all()
        return (
            [DailyUserUsage(r.day, r.user_id, _counts(r), r.currency) for r in users],
            [
                DailyNumberUsage(
                    r.day, r.number_id, r.phone_number, r.user_id, _counts(r), r.currency
                )
                for r in numbers
            ],
        )


def _key(value: Any) -> str:
    """A totals key: a user id, an E.164 number, or a day as ``YYYY-MM-DD``."""
    return value.isoformat() if isinstance(value, date) else str(value)


def _add(sums: dict[str, UsageCounts], key: str, counts: UsageCounts) -> None:
    sums[key] = sums[key] + counts if key in sums else counts


def _days(since: date, until: date) -> list[date]:
    return [date.fromordinal(n) for n in range(since.toordinal(), until.toordinal() + 1)]


def _counts(row: Any) -> UsageCounts:
    return UsageCounts(*(int(getattr(row, name)) for name in _COUNT_COLUMNS))
