"""``create_sms_app()``: the SMS webhooks as a service of their own (port 8003 by default).

It builds only the services it needs (``build_sms_app_services``: no accounts,
tokens or MFA), with the reference app's wiring and libraries, and serves only
what Twilio calls (``/sms/inbound``, ``/sms/status``) plus the
health probes. Run it with ``python -m examples.litestar_app serve-sms`` or
``uvicorn --factory examples.litestar_app.sms_app:create_sms_app --port 8003``.
Point ``PA_PUBLIC_BASE_URL`` at the public address of *this* service: that is
the URL Twilio signs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State

from examples.litestar_app.core.client_address import TRUSTED_PROXIES_STATE
from examples.litestar_app.core.dependencies import dependencies
from examples.litestar_app.core.json_body import AppRequest
from examples.litestar_app.core.problems import exception_handlers
from examples.litestar_app.core.request_id import add_request_id
from examples.litestar_app.core.security_headers import add_security_headers
from examples.litestar_app.core.services import build_sms_app_services
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.operations.controllers import health, ready
from examples.litestar_app.sms.controllers import SmsWebhookController
from pa_core.client_address import TrustedProxies
from pa_core.clock import Clock
from pa_sms.webhooks import WEBHOOK_MAX_BODY_BYTES

__all__ = ["SMS_MAX_BODY_BYTES", "create_sms_app"]

SMS_MAX_BODY_BYTES = WEBHOOK_MAX_BODY_BYTES
"""Twilio's webhook forms are small; anything larger is refused with ``413``."""


def create_sms_app(settings: AppSettings | None = None, clock: Clock | None = None) -> Litestar:
    """The SMS webhook service; services are created at start-up and closed at shut-down."""
    settings = settings or AppSettings()
    settings.check_production()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with build_sms_app_services(settings, clock) as services:
            app.state.services = services
            yield

    return Litestar(
        route_handlers=[health, ready, SmsWebhookController],
        dependencies=dependencies,
        state=State({TRUSTED_PROXIES_STATE: TrustedProxies.parse(settings.trusted_proxies)}),
        lifespan=[lifespan],
        before_send=[add_request_id, add_security_headers],
        exception_handlers=exception_handlers,
        request_class=AppRequest,
        request_max_body_size=SMS_MAX_BODY_BYTES,
        openapi_config=None,
        debug=False,
    )
