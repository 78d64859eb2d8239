"""``pa_core``'s settings, read from the environment (prefix ``PA_``) and ``.env``.

With nothing set everything runs embedded: a SQLite file under ``./var/``,
in-memory stores, console email, and a development secret generated once into
``./var/``. ``PA_ENV=production`` refuses each of those defaults, naming the
setting, through :meth:`Settings.check_production`.

Each layer owns its settings: this class holds only what ``pa_core`` uses;
:class:`pa_sms.config.SmsSettings` extends it with ``pa_sms``'s, and a service
extends that with its own (the reference app's ``AppSettings``). A subclass adds
its checks by extending :meth:`Settings.production_problems`.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pa_core.errors import ImproperlyConfigured
from pa_core.keys import derive_key, load_or_create_secret, secret_weakness

__all__ = ["Settings"]


class Settings(BaseSettings):
    """The settings ``pa_core`` reads; see the Configuration page for the table."""

    model_config = SettingsConfigDict(
        env_prefix="PA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")

    # database
    database_url: str | None = None
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    db_pool_pre_ping: bool = True
    db_pool_pre_ping_idle: float = Field(default=10.0, ge=0)
    db_connect_timeout: float = Field(default=5.0, gt=0)
    db_echo: bool = False
    auto_migrate: bool | None = None

    # redis
    redis_url: str | None = None
    redis_timeout: float = Field(default=0.5, gt=0)

    # secrets and tokens
    secret_key: SecretStr | None = None
    public_base_url: str = "http://127.0.0.1:8000"
    access_token_ttl: int = Field(default=900, ge=1)
    refresh_token_ttl: int = Field(default=2_592_000, ge=1)
    session_ttl: int = Field(default=86_400, ge=1)
    session_max_per_user: int = Field(default=5, ge=1)
    jwt_algorithm: Literal["HS256", "EdDSA", "RS256"] = "HS256"
    jwt_private_key: SecretStr | None = None
    jwt_issuer: str = "pa-platform"
    jwt_audience: str = "pa-platform"
    jwt_leeway: int = Field(default=30, ge=0, le=300)

    # accounts
    require_verified_email: bool = False
    password_min_length: int = Field(default=12, ge=8, le=64)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_account: int = Field(default=100, ge=1)
    login_failure_window: int = Field(default=900, ge=1)
    rate_limit_login_per_ip: str = "20/1m"
    rate_limit_register_per_ip: str = "10/1h"
    rate_limit_email_per_address: str = "3/1h"
    rate_limit_email_per_ip: str = "20/1h"

    # email
    email_backend: Literal["console", "smtp", "memory"] = "console"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = Field(default=10.0, gt=0)
    email_from: str = "Assistant <no-reply@localhost>"

    # multi-factor authentication
    mfa_issuer: str = "Assistant"
    mfa_remember_device_days: int = Field(default=30, ge=1, le=365)
    sms_code_send_limits: str = "1/1m,5/1h,10/1d"
    sms_allowed_countries: str = (
        "US,CA,AT,BE,BG,HR,CY,CZ,DK,EE,FI,FR,DE,GR,HU,IE,IT,LV,LT,LU,MT,NL,PL,PT,RO,SK,SI,ES,SE"
    )
    sms_codes_per_day: int = Field(default=1000, ge=0)
    previous_secret_keys: SecretStr | None = None

    @field_validator("public_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator(
        "rate_limit_login_per_ip",
        "rate_limit_register_per_ip",
        "rate_limit_email_per_address",
        "rate_limit_email_per_ip",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        from pa_core.ratelimit import RateLimit

        RateLimit.parse(value)
        return value

    @field_validator("sms_code_send_limits")
    @classmethod
    def _valid_send_limits(cls, value: str) -> str:
        from pa_core.ratelimit import RateLimit

        for part in value.split(","):
            RateLimit.parse(part)
        return value

    @field_validator("sms_allowed_countries")
    @classmethod
    def _known_countries(cls, value: str) -> str:
        from pa_core.errors import ImproperlyConfigured
        from pa_core.phones import parse_countries

        try:
            parse_countries(value)
        except ImproperlyConfigured as exc:
            raise ValueError(str(exc)) from exc
        return value

    @property
    def previous_master_secrets(self) -> list[str]:
        """``PA_PREVIOUS_SECRET_KEYS``: earlier master secrets, newest first (key rotation)."""
        raw = self.previous_secret_keys.get_secret_value() if self.previous_secret_keys else ""
        return [part.strip() for part in raw.split(",") if part.strip()]

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'pa.sqlite3').as_posix()}"

    @property
    def should_auto_migrate(self) -> bool:
        """Migrate at start-up: ``PA_AUTO_MIGRATE``, by default on in development only."""
        return self.auto_migrate if self.auto_migrate is not None else self.env == "development"

    @cached_property
    def master_secret(self) -> str:
        """The master secret: ``PA_SECRET_KEY``, or in development one kept under ``data_dir``."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.env == "production":
            raise ImproperlyConfigured("PA_SECRET_KEY must be set in production")
        return load_or_create_secret(self.data_dir / "secret_key")

    def purpose_key(self, purpose: str, length: int = 32) -> bytes:
        """A key for one purpose (signing, encryption, ...) derived from the master secret."""
        return derive_key(self.master_secret, purpose, length)

    def production_problems(self) -> list[str]:
        """Every unsafe default in force, each naming its setting; empty when all is well.

        A subclass that adds settings extends this list (``super().production_problems()``).
        """
        problems: list[str] = []
        secret = self.secret_key.get_secret_value() if self.secret_key else ""
        if not secret:
            problems.append("PA_SECRET_KEY is not set (a generated development key is refused)")
        elif weakness := secret_weakness(secret):
            problems.append(
                f"PA_SECRET_KEY {weakness}; generate one with "
                '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
            )
        if not self.database_url:
            problems.append("PA_DATABASE_URL is not set (the embedded SQLite file is refused)")
        if not self.redis_url:
            problems.append("PA_REDIS_URL is not set (in-memory stores are refused)")
        if self.email_backend != "smtp":
            problems.append(f"PA_EMAIL_BACKEND is {self.email_backend!r}; production needs 'smtp'")
        return problems

    def check_production(self) -> None:
        """Raise :class:`ImproperlyConfigured` naming each unsafe default, in production only."""
        if self.env != "production":
            return
        problems = self.production_problems()
        if problems:
            raise ImproperlyConfigured("refusing to start in production: " + "; ".join(problems))
