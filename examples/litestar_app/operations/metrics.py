"""``/metrics``: open in development; in production only with ``PA_METRICS_TOKEN`` and that token.

Prometheus sends it as ``authorization: {credentials: ...}`` (a Bearer token).
Without the setting, a production process does not serve ``/metrics`` at all.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController

from examples.litestar_app.core.settings import AppSettings
from pa_core.errors import InvalidToken, NotAuthenticated
from pa_core.http_security import bearer_token_matches

__all__ = ["metrics_controllers"]


def metrics_controllers(settings: AppSettings) -> list[type[PrometheusController]]:
    """The ``/metrics`` controller the settings call for (none, open, or token-guarded)."""
    if not settings.serves_metrics:
        return []
    if settings.metrics_token is None:
        return [PrometheusController]
    token = settings.metrics_token.get_secret_value()

    async def metrics_token_guard(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        authorization = connection.headers.get("authorization")
        if not authorization:
            raise NotAuthenticated("/metrics needs the PA_METRICS_TOKEN as a Bearer token")
        if not bearer_token_matches(authorization, token):
            raise InvalidToken()

    class TokenMetricsController(PrometheusController):
        guards = [metrics_token_guard]

    return [TokenMetricsController]
