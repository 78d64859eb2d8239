"""Dependencies of the SMS routes: the webhook router, the number manager, usage reports.

The router comes from the services both apps build (:class:`SharedServices`), so
the standalone SMS service serves the webhooks with the same controller.
"""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import shared_services
from pa_sms.numbers.manager import NumberManager
from pa_sms.router import SmsRouter
from pa_sms.usage.reports import UsageAnalytics

__all__ = [
    "analytics_dependencies",
    "numbers_dependencies",
    "provide_numbers",
    "provide_sms_router",
    "provide_usage_analytics",
    "webhook_dependencies",
]


def provide_sms_router(state: State) -> SmsRouter:
    """The router that verifies, deduplicates and routes Twilio's webhooks."""
    return shared_services(state).sms.router


def provide_numbers(state: State) -> NumberManager:
    """The number manager (users' numbers: list, provision, release)."""
    return shared_services(state).sms.numbers


def provide_usage_analytics(state: State) -> UsageAnalytics:
    """Usage and cost reports over the daily rollups."""
    return shared_services(state).sms_usage.analytics


webhook_dependencies = {"sms_router": Provide(provide_sms_router, sync_to_thread=False)}
"""The ``dependencies`` of the webhook controller."""

numbers_dependencies = {"numbers": Provide(provide_numbers, sync_to_thread=False)}
"""The ``dependencies`` of the numbers controllers."""

analytics_dependencies = {"analytics": Provide(provide_usage_analytics, sync_to_thread=False)}
"""The ``dependencies`` of the usage and analytics controllers."""
