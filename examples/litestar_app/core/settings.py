"""The reference service's settings: ``pa_core``'s and ``pa_sms``'s, plus the server's own.

The environment variables keep their names (prefix ``PA_``, ``.env`` read):
:class:`AppSettings` adds to :class:`pa_sms.config.SmsSettings` (itself on
:class:`pa_core.config.Settings`) what only this server reads: where it listens,
which proxies it believes, the live-update heartbeat, and whether it serves
``/metrics`` and ``/schema``. Its production check is the libraries' plus a
weak ``PA_METRICS_TOKEN``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from pa_core.client_address import TrustedProxies
from pa_core.keys import secret_weakness
from pa_sms.config import SmsSettings

__all__ = ["AppSettings"]


class AppSettings(SmsSettings):
    """Every setting of the reference service; see the Configuration page for the table."""

    # serving
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    sms_port: int = Field(default=8003, ge=1, le=65535)
    trusted_proxies: str = ""
    metrics_token: SecretStr | None = None
    openapi_enabled: bool | None = None

    # conversations
    sse_heartbeat_interval: float = Field(default=15.0, gt=0, le=300)

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_trusted_proxies(cls, value: str) -> str:
        TrustedProxies.parse(value)  # a typo fails at start, not as a silently ignored proxy
        return value

    @property
    def serves_openapi(self) -> bool:
        """Serve ``/schema``: ``PA_OPENAPI_ENABLED``, by default on in development only."""
        return (
            self.openapi_enabled if self.openapi_enabled is not None else self.env == "development"
        )

    @property
    def serves_metrics(self) -> bool:
        """Serve ``/metrics``: with ``PA_METRICS_TOKEN`` always, without one in development only."""
        return self.metrics_token is not None or self.env == "development"

    def production_problems(self) -> list[str]:
        """The libraries' unsafe defaults in force, then the server's; empty when all is well."""
        problems = super().production_problems()
        metrics_token = self.metrics_token.get_secret_value() if self.metrics_token else None
        if metrics_token is not None and (weakness := secret_weakness(metrics_token)):
            problems.append(f"PA_METRICS_TOKEN {weakness}")
        return problems
