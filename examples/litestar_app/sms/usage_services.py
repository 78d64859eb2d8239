"""Wiring of SMS usage and costs: rollups, reports, quotas, and the periodic refresh.

Wiring only; every rule lives in ``pa_sms`` (``usage``, ``analytics``, ``quotas``,
``pricing``). The quota and the per-country pricing are set on the outbound
sender the SMS routing services built, so every message a user's assistant
sends is checked and estimated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.sms.services import SmsServices
from pa_core.clock import Clock
from pa_core.database import Database
from pa_core.email import EmailMessage, EmailSender
from pa_core.rbac import PermissionService
from pa_core.users import UserRepository
from pa_sms.usage.pricing import SegmentPricing
from pa_sms.usage.quotas import PermissionQuotaPolicy, QuotaGuard, QuotaNotice, QuotaNotifier
from pa_sms.usage.reports import UsageAnalytics
from pa_sms.usage.sqlalchemy import SqlUsageStore

__all__ = [
    "QUOTA_NOTICE_SUBJECT",
    "SmsUsageServices",
    "build_sms_usage_services",
    "pricing_from_settings",
]

QUOTA_NOTICE_SUBJECT = "Your monthly SMS allowance is used up"
"""Subject of the email a user gets the first time a month their quota refuses a message."""

_logger = logging.getLogger("pa_sms.app")


@dataclass
class SmsUsageServices:
    """Usage rollups, reports and quotas; :meth:`start` runs the refresh with the lifespan."""

    usage: SqlUsageStore
    analytics: UsageAnalytics
    quotas: QuotaGuard
    pricing: SegmentPricing
    refresh_interval: timedelta
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start refreshing the rollups every ``refresh_interval`` (the first one at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._refresh_forever(), name="sms-usage-rollups")

    async def close(self) -> None:
        """Stop the periodic refresh."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.usage.refresh()
            except Exception as exc:  # a failed round must not end the loop
                _logger.warning("SMS usage refresh failed: %s", type(exc).__name__)
            await asyncio.sleep(self.refresh_interval.total_seconds())


def _email_notifier(users: UserRepository, email: EmailSender) -> QuotaNotifier:
    async def notify(notice: QuotaNotice) -> None:
        user = await users.get(notice.user_id)
        if user is None:
            return
        await email.send(
            EmailMessage(
                to=user.email,
                subject=QUOTA_NOTICE_SUBJECT,
                text=(
                    f"Your assistant has used this month's {notice.quota} SMS segments, "
                    f"so it cannot text you again until {notice.resets_on:%d %B %Y}.\n"
                    "You can still reach it on the web app.\n"
                ),
            )
        )

    return notify


def pricing_from_settings(settings: AppSettings) -> SegmentPricing:
    """The per-segment prices of ``PA_SMS_PRICE_PER_SEGMENT`` and ``PA_SMS_SEGMENT_PRICES``."""
    return settings.segment_pricing


def build_sms_usage_services(
    settings: AppSettings,
    clock: Clock,
    *,
    database: Database,
    sms: SmsServices,
    permissions: PermissionService,
    users: UserRepository,
    email: EmailSender,
) -> SmsUsageServices:
    """Build usage and quotas on the app's database; hook them into ``sms.outbound``."""
    timezone = ZoneInfo(settings.sms_reporting_timezone)
    pricing = pricing_from_settings(settings)
    usage = SqlUsageStore(database, clock, timezone=timezone, pricing=pricing)
    quotas = QuotaGuard(
        usage,
        PermissionQuotaPolicy(
            permissions,
            standard=settings.sms_monthly_segment_quota_user,
            premium=settings.sms_monthly_segment_quota_premium,
        ),
        clock,
        timezone=timezone,
        notify=_email_notifier(users, email),
    )
    sms.outbound.pricing = pricing
    sms.outbound.quota = quotas
    return SmsUsageServices(
        usage=usage,
        analytics=UsageAnalytics(
            usage,
            clock,
            timezone=timezone,
            currency=settings.sms_currency,
            number_monthly_price=settings.sms_number_monthly_price,
        ),
        quotas=quotas,
        pricing=pricing,
        refresh_interval=timedelta(seconds=settings.sms_usage_refresh_seconds),
    )
