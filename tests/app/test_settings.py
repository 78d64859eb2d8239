"""The server's settings: composed from pa_core's and pa_sms's, same variable names, one table."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from examples.litestar_app.core.settings import AppSettings
from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured
from pa_sms.config import SmsSettings

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "kx7Gq2LmN9pR4sT6vW8yZ1aB3cD5eF0hJ-Uo_Wn3Xb7Vd",  # 44 base64url: 264 bits
    "database_url": "postgresql+asyncpg://db/pa",
    "redis_url": "redis://cache:6379/0",
    "email_backend": "smtp",
    "sms_transport": "twilio",
}


def settings(**values: object) -> AppSettings:
    return AppSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    documented = set(re.findall(r"`(PA_[A-Z0-9_]+)`", DOCS.read_text()))
    declared = {f"PA_{name.upper()}" for name in AppSettings.model_fields}
    assert declared - documented == set()


def test_the_app_settings_hold_every_layer_s_settings() -> None:
    assert set(Settings.model_fields) < set(SmsSettings.model_fields)
    assert set(SmsSettings.model_fields) < set(AppSettings.model_fields)


def test_every_layer_reads_its_variables_by_their_old_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PA_SESSION_TTL", "60")
    monkeypatch.setenv("PA_TWILIO_FROM_NUMBER", "+15005550006")
    monkeypatch.setenv("PA_SMS_PORT", "9003")
    s = AppSettings(_env_file=None)  # type: ignore[call-arg]
    assert (s.session_ttl, s.twilio_from_number, s.sms_port) == (60, "+15005550006", 9003)


def test_a_safe_production_configuration_starts() -> None:
    settings(**SAFE_PRODUCTION).check_production()


def test_production_names_the_unsafe_defaults_of_every_layer() -> None:
    unsafe = {**SAFE_PRODUCTION, "email_backend": "console", "sms_transport": "console"}
    with pytest.raises(ImproperlyConfigured) as refused:
        settings(**unsafe, metrics_token="prometheus").check_production()
    for named in ("PA_EMAIL_BACKEND", "PA_SMS_TRANSPORT", "PA_METRICS_TOKEN"):
        assert named in str(refused.value)


def test_production_refuses_a_weak_metrics_token() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_METRICS_TOKEN"):
        settings(**SAFE_PRODUCTION, metrics_token="prometheus").check_production()
    settings(**SAFE_PRODUCTION, metrics_token=secrets.token_urlsafe(32)).check_production()


def test_a_trusted_proxies_setting_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        settings(trusted_proxies="10.0.0.0/8, nginx")
