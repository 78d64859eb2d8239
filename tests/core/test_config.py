"""pa_core's settings: embedded defaults, production refusals, only pa_core's fields.

pa_sms's settings are tested in tests/sms/test_sms_settings.py, the server's and
the documented table (over the composed class) in tests/app/test_settings.py.
"""

from __future__ import annotations

import base64
import math
import secrets
from pathlib import Path

import pytest

from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured
from pa_core.keys import estimated_bits, secret_weakness

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "kx7Gq2LmN9pR4sT6vW8yZ1aB3cD5eF0hJ-Uo_Wn3Xb7Vd",  # 44 base64url: 264 bits
    "database_url": "postgresql+asyncpg://db/pa",
    "redis_url": "redis://cache:6379/0",
    "email_backend": "smtp",
}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_pa_core_settings_hold_only_what_pa_core_reads() -> None:
    sms_fields_of_pa_core = {"sms_code_send_limits", "sms_allowed_countries", "sms_codes_per_day"}
    foreign = {
        name
        for name in Settings.model_fields
        if name.startswith(("sms_", "twilio_")) and name not in sms_fields_of_pa_core
    }
    server = {"host", "port", "metrics_token", "openapi_enabled", "sse_heartbeat_interval"}
    assert foreign == set()
    assert server & set(Settings.model_fields) == set()
    assert "trusted_proxies" not in Settings.model_fields


def test_nothing_set_means_embedded_defaults(tmp_path: Path) -> None:
    s = settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/pa.sqlite3"
    assert s.redis_url is None
    assert s.email_backend == "console"
    assert s.should_auto_migrate


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PA_SESSION_MAX_PER_USER", "7")
    monkeypatch.setenv("PA_PUBLIC_BASE_URL", "https://pa.example/")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.session_max_per_user == 7
    assert s.public_base_url == "https://pa.example"


def test_a_dotenv_file_is_honoured(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PA_SESSION_TTL=60\n")
    assert Settings(_env_file=env).session_ttl == 60  # type: ignore[call-arg]


def test_the_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = settings(data_dir=tmp_path).master_secret
    second = settings(data_dir=tmp_path).master_secret
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_purpose_keys_differ_by_purpose(tmp_path: Path) -> None:
    s = settings(data_dir=tmp_path)
    assert s.purpose_key("jwt") != s.purpose_key("encryption")
    assert len(s.purpose_key("jwt")) == 32


def test_a_safe_production_configuration_starts() -> None:
    settings(**SAFE_PRODUCTION).check_production()


def test_development_never_refuses() -> None:
    settings().check_production()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key": None}, "PA_SECRET_KEY"),
        ({"secret_key": "short"}, "PA_SECRET_KEY"),
        ({"secret_key": "a" * 40}, "PA_SECRET_KEY"),
        ({"database_url": None}, "PA_DATABASE_URL"),
        ({"redis_url": None}, "PA_REDIS_URL"),
        ({"email_backend": "console"}, "PA_EMAIL_BACKEND"),
    ],
)
def test_production_refuses_an_unsafe_default_naming_the_setting(
    change: dict[str, object], named: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=named):
        settings(**{**SAFE_PRODUCTION, **change}).check_production()


def test_production_never_generates_a_secret(tmp_path: Path) -> None:
    s = settings(env="production", data_dir=tmp_path)
    with pytest.raises(ImproperlyConfigured, match="PA_SECRET_KEY"):
        _ = s.master_secret
    assert not (tmp_path / "secret_key").exists()


def test_production_does_not_auto_migrate_unless_asked() -> None:
    assert not settings(**SAFE_PRODUCTION).should_auto_migrate
    assert settings(**SAFE_PRODUCTION, auto_migrate=True).should_auto_migrate


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        secrets.token_hex(32).upper(),
        base64.b64encode(secrets.token_bytes(32)).decode(),
        secrets.token_urlsafe(48),
    ],
    ids=[
        "token_urlsafe(32)",
        "token_hex(32)",
        "hex upper",
        "base64 of 32 bytes",
        "token_urlsafe(48)",
    ],
)
def test_production_accepts_a_generated_secret(secret: str) -> None:
    settings(**{**SAFE_PRODUCTION, "secret_key": secret}).check_production()


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32)[:42],  # 252 bits of base64url
        secrets.token_hex(32)[:63],  # 252 bits of hex
        secrets.token_hex(24),  # 48 hex characters: 192 bits, though long
        "CHANGEME" + secrets.token_urlsafe(32),
        "my-secret-" + secrets.token_urlsafe(32),
        "ab" * 40,
        "deadbeef" * 8,
        "0123456789abcdef" * 4,
        "0123456789" + secrets.token_urlsafe(40),
        "a" * 63 + "b",
    ],
    ids=[
        "42 base64url",
        "63 hex",
        "48 hex",
        "CHANGEME prefix",
        "secret in it",
        "repeated pair",
        "repeated hex word",
        "repeated sequence",
        "sequential run",
        "two characters",
    ],
)
def test_production_refuses_a_weak_secret_without_quoting_it(secret: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_SECRET_KEY") as refused:
        settings(**{**SAFE_PRODUCTION, "secret_key": secret}).check_production()
    assert secret not in str(refused.value)


def test_the_estimate_uses_the_smallest_standard_alphabet() -> None:
    assert estimated_bits("0f" * 32) == 256  # hex: 4 bits a character
    assert estimated_bits("A-_z" * 11) == 44 * 6  # base64url: 6 bits
    assert round(estimated_bits("!" * 10), 2) == round(10 * math.log2(95), 2)  # printable ASCII
    assert secret_weakness(secrets.token_urlsafe(32)) is None
