"""Settings: embedded defaults, production refusals, the documented table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"

SAFE_PRODUCTION = {
    "env": "production",
    "secret_key": "k" + "x7Gq2LmN9pR4sT6vW8yZ1aB3cD5eF0hJ",
    "database_url": "postgresql+asyncpg://db/pa",
    "redis_url": "redis://cache:6379/0",
    "email_backend": "smtp",
    "sms_transport": "twilio",
}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    documented = set(re.findall(r"`(PA_[A-Z0-9_]+)`", DOCS.read_text()))
    declared = {f"PA_{name.upper()}" for name in Settings.model_fields}
    assert declared - documented == set()


def test_nothing_set_means_embedded_defaults(tmp_path: Path) -> None:
    s = settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/pa.sqlite3"
    assert s.redis_url is None
    assert s.email_backend == "console"
    assert s.sms_transport == "console"
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
        ({"sms_transport": "console"}, "PA_SMS_TRANSPORT"),
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
