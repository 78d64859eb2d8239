"""``pa_sms``'s settings: its ``PA_SMS_*`` and ``PA_TWILIO_*`` fields on top of ``pa_core``'s.

:class:`SmsSettings` extends :class:`pa_core.config.Settings` (same prefix ``PA_``,
same ``.env``), so a service wiring ``pa_sms`` reads one settings object, and its
production check refuses ``pa_core``'s unsafe defaults and ``pa_sms``'s own
(console SMS; a Redis job queue without ``PA_REDIS_URL``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator

from pa_core.config import Settings
from pa_sms.usage.pricing import SegmentPricing

__all__ = ["SmsSettings"]


class SmsSettings(Settings):
    """``pa_core``'s settings plus ``pa_sms``'s; see the Configuration page for the table."""

    sms_transport: Literal["console", "twilio", "memory"] = "console"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_api_base_url: str | None = None
    sms_segments_per_second: float = Field(default=1.0, gt=0)
    sms_reporting_timezone: str = "UTC"
    sms_currency: str = Field(default="USD", pattern="^[A-Z]{3}$")
    sms_price_per_segment: Decimal = Field(default=Decimal("0.0079"), ge=0)
    sms_segment_prices: str = ""
    sms_number_monthly_price: Decimal = Field(default=Decimal("1.15"), ge=0)
    sms_monthly_segment_quota_user: int = Field(default=500, ge=0)
    sms_monthly_segment_quota_premium: int = Field(default=5000, ge=0)
    sms_usage_refresh_seconds: int = Field(default=60, ge=1)
    sms_job_queue: Literal["inprocess", "redis"] = "inprocess"
    sms_worker_in_app: bool = True
    sms_worker_concurrency: int = Field(default=8, ge=1)
    sms_job_visibility_timeout: float = Field(default=60.0, gt=0)
    sms_job_max_deliveries: int = Field(default=5, ge=1)

    @field_validator("sms_reporting_timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("sms_segment_prices")
    @classmethod
    def _valid_segment_prices(cls, value: str) -> str:
        _segment_prices(value)
        return value

    @property
    def segment_pricing(self) -> SegmentPricing:
        """The per-segment prices of ``PA_SMS_PRICE_PER_SEGMENT`` and ``PA_SMS_SEGMENT_PRICES``."""
        return SegmentPricing.parse(
            self.sms_price_per_segment, _segment_prices(self.sms_segment_prices), self.sms_currency
        )

    def production_problems(self) -> list[str]:
        """``pa_core``'s unsafe defaults in force, then ``pa_sms``'s; empty when all is well."""
        problems = super().production_problems()
        if self.sms_job_queue == "redis" and not self.redis_url:
            problems.append("PA_SMS_JOB_QUEUE is 'redis' but PA_REDIS_URL is not set")
        if self.sms_transport != "twilio":
            problems.append(
                f"PA_SMS_TRANSPORT is {self.sms_transport!r}; production needs 'twilio'"
            )
        return problems


def _segment_prices(value: str) -> dict[str, str | dict[str, str]]:
    """``PA_SMS_SEGMENT_PRICES`` read and checked by :meth:`SegmentPricing.parse` (one parser).

    Raises:
        ValueError: not a JSON object of countries to prices (or to prices by
            direction), an unknown direction or a negative or malformed price.
    """
    table = json.loads(value) if value.strip() else {}
    if not isinstance(table, dict):
        raise ValueError('expected a JSON object such as {"GB": "0.04"}')
    try:
        SegmentPricing.parse(Decimal(0), table)
    except (ArithmeticError, TypeError, AttributeError) as exc:
        raise ValueError('each price must be a decimal number such as "0.04"') from exc
    return table
