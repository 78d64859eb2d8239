"""pa_sms's settings: its own fields and checks, on top of pa_core's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from pa_core.errors import ImproperlyConfigured
from pa_sms.config import SmsSettings

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "kx7Gq2LmN9pR4sT6vW8yZ1aB3cD5eF0hJ-Uo_Wn3Xb7Vd",  # 44 base64url: 264 bits
    "database_url": "postgresql+asyncpg://db/pa",
    "redis_url": "redis://cache:6379/0",
    "email_backend": "smtp",
    "sms_transport": "twilio",
}


def settings(**values: object) -> SmsSettings:
    return SmsSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_nothing_set_means_console_sms() -> None:
    assert settings().sms_transport == "console"


def test_a_safe_production_configuration_starts() -> None:
    settings(**SAFE_PRODUCTION).check_production()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"sms_transport": "console"}, "PA_SMS_TRANSPORT"),
        ({"sms_job_queue": "redis", "redis_url": None}, "PA_SMS_JOB_QUEUE"),
        ({"secret_key": None}, "PA_SECRET_KEY"),
        ({"email_backend": "console"}, "PA_EMAIL_BACKEND"),
    ],
    ids=["console sms", "redis queue without redis", "pa_core: no secret", "pa_core: email"],
)
def test_production_refuses_an_unsafe_default_of_pa_sms_or_pa_core(
    change: dict[str, object], named: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        settings(**{**SAFE_PRODUCTION, **change}).check_production()


def test_segment_prices_are_read_into_the_pricing_table() -> None:
    s = settings(sms_segment_prices='{"gb": "0.04", "FR": {"outbound": "0.07"}}')
    pricing = s.segment_pricing
    assert pricing.per_segment("inbound", "GB") == Decimal("0.04")
    assert pricing.per_segment("outbound", "FR") == Decimal("0.07")
    assert pricing.per_segment("inbound", "FR") == s.sms_price_per_segment


@pytest.mark.parametrize(
    "table",
    ['["GB"]', '{"GB": "-1"}', '{"GB": {"sideways": "0.1"}}', '{"GB": "cheap"}', "{"],
    ids=["not an object", "negative", "unknown direction", "not a number", "not json"],
)
def test_malformed_segment_prices_are_refused_at_start(table: str) -> None:
    with pytest.raises(ValidationError, match="sms_segment_prices"):
        settings(sms_segment_prices=table)
