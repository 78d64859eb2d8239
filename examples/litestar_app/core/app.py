"""``create_app()``: the reference service.

Run it with ``uvicorn --factory examples.litestar_app.app:create_app`` from the
repository root (settings from the environment), or ``python -m examples.litestar_app serve``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ControllerRouterHandler

from examples.litestar_app.accounts.controllers import AuthController
from examples.litestar_app.admin.controllers import AdminController, PermissionsController
from examples.litestar_app.conversations.controllers import ConversationsController
from examples.litestar_app.core.api_docs import BundledSwaggerRenderPlugin
from examples.litestar_app.core.client_address import TRUSTED_PROXIES_STATE
from examples.litestar_app.core.dependencies import dependencies
from examples.litestar_app.core.json_body import AppRequest
from examples.litestar_app.core.openapi import bearer_components, document_operations
from examples.litestar_app.core.problems import exception_handlers
from examples.litestar_app.core.request_id import add_request_id
from examples.litestar_app.core.responses import AppResponse
from examples.litestar_app.core.security_headers import DOCS_PATH, add_security_headers
from examples.litestar_app.core.services import build_services
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.mfa.controllers import MfaController
from examples.litestar_app.operations.controllers import health, jwks, ready
from examples.litestar_app.operations.metrics import metrics_controllers
from examples.litestar_app.sessions.controllers import SessionsController
from examples.litestar_app.sms.controllers import (
    AdminSmsController,
    SmsAnalyticsController,
    SmsNumbersController,
    SmsUsageController,
    SmsWebhookController,
)
from examples.litestar_app.users.controllers import PreferencesController, UsersController
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


def _routes(settings: AppSettings) -> list[ControllerRouterHandler]:
    """Every domain's controllers, the operations routes, and ``/metrics`` if served."""
    return [
        health,
        ready,
        jwks,
        *metrics_controllers(settings),
        AuthController,
        SessionsController,
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
    ]


def _openapi(settings: AppSettings) -> OpenAPIConfig | None:
    """The OpenAPI document and its docs page from bundled assets, unless turned off."""
    if not settings.serves_openapi:
        return None
    return OpenAPIConfig(
        title="Personal assistant API",
        version=__version__,
        path=DOCS_PATH,
        render_plugins=[BundledSwaggerRenderPlugin()],
        components=bearer_components(),
        create_examples=True,
    )


def _lifespan(
    settings: AppSettings, clock: Clock | None
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Build the services at start-up (then freeze them for the GC) and close them at shut-down."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with build_services(settings, clock) as services:
            app.state.services = services
            freeze_startup_objects()
            yield

    return lifespan


def create_app(settings: AppSettings | None = None, clock: Clock | None = None) -> Litestar:
    """Build the app; services are created at start-up and closed at shut-down."""
    settings = settings or AppSettings()
    settings.check_production()
    prometheus = PrometheusConfig(
        app_name="pa", prefix="pa", group_path=True, exclude_unhandled_paths=True
    )
    app = Litestar(
        route_handlers=_routes(settings),
        dependencies=dependencies,
        state=State({TRUSTED_PROXIES_STATE: TrustedProxies.parse(settings.trusted_proxies)}),
        lifespan=[_lifespan(settings, clock)],
        middleware=[prometheus.middleware],
        before_send=[add_request_id, add_security_headers],
        exception_handlers=exception_handlers,
        request_class=AppRequest,
        response_class=AppResponse,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=_openapi(settings),
        debug=False,
    )
    document_operations(app)
    return app
