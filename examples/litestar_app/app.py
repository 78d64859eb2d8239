"""``create_app()``: the reference service.

Run it with ``uvicorn --factory examples.litestar_app.app:create_app`` from the
repository root (settings from the environment), or ``python -m examples.litestar_app serve``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig

from examples.litestar_app.api_docs import BundledSwaggerRenderPlugin
from examples.litestar_app.client_address import TRUSTED_PROXIES_STATE
from examples.litestar_app.controllers.admin import AdminController, PermissionsController
from examples.litestar_app.controllers.auth import AuthController
from examples.litestar_app.controllers.conversations import ConversationsController
from examples.litestar_app.controllers.health import health, ready
from examples.litestar_app.controllers.jwks import jwks
from examples.litestar_app.controllers.mfa import MfaController
from examples.litestar_app.controllers.preferences import PreferencesController
from examples.litestar_app.controllers.sms import (
    AdminSmsController,
    SmsNumbersController,
    SmsWebhookController,
)
from examples.litestar_app.controllers.sms_usage import SmsAnalyticsController, SmsUsageController
from examples.litestar_app.controllers.users import UsersController
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.deps import dependencies
from examples.litestar_app.json_body import AppRequest
from examples.litestar_app.metrics import metrics_controllers
from examples.litestar_app.problems import exception_handlers
from examples.litestar_app.request_id import add_request_id
from examples.litestar_app.security_headers import DOCS_PATH, add_security_headers
from examples.litestar_app.services import build_services
from pa_core import __version__
from pa_core.client_address import TrustedProxies
from pa_core.clock import Clock

__all__ = ["MAX_BODY_BYTES", "create_app", "freeze_startup_objects"]

MAX_BODY_BYTES = 1024 * 1024
"""Request bodies above 1 MiB are refused with ``413 payload_too_large``."""


_frozen = False


def freeze_startup_objects() -> None:
    """Exempt what start-up built (modules, services, caches) from the cyclic GC, once a process.

    Without it every full collection walks those long-lived objects again:
    a 10,000-line report, which allocates enough to trigger collections,
    spent a third of its time in them. Objects still die by reference counting;
    only later processes' apps (tests build many) are left unfrozen.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def create_app(settings: AppSettings | None = None, clock: Clock | None = None) -> Litestar:
    """Build the app; services are created at start-up and closed at shut-down."""
    settings = settings or AppSettings()
    settings.check_production()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with build_services(settings, clock) as services:
            app.state.services = services
            freeze_startup_objects()
            yield

    prometheus = PrometheusConfig(
        app_name="pa", prefix="pa", group_path=True, exclude_unhandled_paths=True
    )
    return Litestar(
        route_handlers=[
            health,
            ready,
            jwks,
            *metrics_controllers(settings),
            AuthController,
            MfaController,
            UsersController,
            PreferencesController,
            ConversationsController,
            AdminController,
            PermissionsController,
            SmsUsageController,
            SmsAnalyticsController,
            SmsWebhookController,
            SmsNumbersController,
            AdminSmsController,
        ],
        dependencies=dependencies,
        state=State({TRUSTED_PROXIES_STATE: TrustedProxies.parse(settings.trusted_proxies)}),
        lifespan=[lifespan],
        middleware=[prometheus.middleware],
        before_send=[add_request_id, add_security_headers],
        exception_handlers=exception_handlers,
        request_class=AppRequest,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Personal assistant API",
            version=__version__,
            path=DOCS_PATH,
            render_plugins=[BundledSwaggerRenderPlugin()],
        )
        if settings.serves_openapi
        else None,
        debug=False,
    )
