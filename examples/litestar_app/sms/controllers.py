"""SMS routes: Twilio's webhooks (``/sms/inbound``, ``/sms/status``), the caller's numbers
and usage, and the administrator's provisioning, release and analytics.

The webhooks refuse a request without ``X-Twilio-Signature`` before reading its
body, read the body with the library's streaming cap (64 KiB), keep every
``(name, value)`` pair (repeated names included) for the signature check, and
hand them to the library's router.

Usage reports are fresh: the library reads the rollups (refreshed in the background
every ``PA_SMS_USAGE_REFRESH_SECONDS``) plus the messages logged since the last
refresh; it decides everything else.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from examples.litestar_app.core.guards import requires_permission
from examples.litestar_app.sms import providers
from examples.litestar_app.sms.schemas import (
    AdminNumberOut,
    AnalyticsOut,
    NumberOut,
    NumbersOut,
    ProvisionIn,
    UsageOut,
)
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.rbac import Permissions
from pa_sms.numbers.manager import NumberManager
from pa_sms.router import SmsRouter
from pa_sms.usage.reports import UsageAnalytics, parse_day, parse_format, parse_group_by
from pa_sms.webhooks import SIGNATURE_HEADER, read_webhook_form

__all__ = [
    "CSV_MEDIA_TYPE",
    "EMPTY_TWIML",
    "AdminSmsController",
    "SmsAnalyticsController",
    "SmsNumbersController",
    "SmsUsageController",
    "SmsWebhookController",
]

EMPTY_TWIML = b"<Response/>"
"""The answer to every accepted inbound webhook: replies go out through the REST API."""

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
"""Media type of ``format=csv``."""

Day = Annotated[str | None, QueryParameter(max_length=32, description="YYYY-MM-DD, inclusive")]
Choice = Annotated[str | None, QueryParameter(max_length=16)]


async def _form(request: Request[object, object, State]) -> list[tuple[str, str]]:
    """The form, read only when signed at all and at most 64 KiB (``403`` / ``413`` otherwise)."""
    return await read_webhook_form(
        request.headers.get(SIGNATURE_HEADER),
        request.stream(),
        content_length=request.headers.get("content-length"),
    )


class SmsWebhookController(Controller):
    """Twilio calls these; each is refused with ``403`` unless its signature matches."""

    path = "/sms"
    tags = ["sms"]
    dependencies = providers.webhook_dependencies

    @post("/inbound", summary="Twilio inbound SMS webhook", status_code=HTTP_200_OK)
    async def inbound(
        self, request: Request[object, object, State], sms_router: NamedDependency[SmsRouter]
    ) -> Response[bytes]:
        """Verify, deduplicate and route; answer at once with empty TwiML."""
        await sms_router.receive(await _form(request), request.headers.get(SIGNATURE_HEADER))
        return Response(EMPTY_TWIML, media_type="text/xml", status_code=HTTP_200_OK)

    @post("/status", summary="Twilio message status callback", status_code=HTTP_204_NO_CONTENT)
    async def status(
        self, request: Request[object, object, State], sms_router: NamedDependency[SmsRouter]
    ) -> None:
        """Verify, then move the message's status forward (never back)."""
        await sms_router.status_callback(
            await _form(request), request.headers.get(SIGNATURE_HEADER)
        )


class SmsNumbersController(Controller):
    """The caller's own phone numbers."""

    path = "/api/v1/sms"
    tags = ["sms"]
    dependencies = providers.numbers_dependencies

    @get(
        "/numbers",
        summary="The caller's active numbers",
        guards=[requires_permission(Permissions.SMS_NUMBERS_READ)],
    )
    async def numbers(
        self, principal: NamedDependency[Principal], numbers: NamedDependency[NumberManager]
    ) -> NumbersOut:
        """Active numbers only: a released number is no longer listed."""
        found = await numbers.numbers_of(principal.user_id)
        return NumbersOut(items=[NumberOut.of(n) for n in found])


class AdminSmsController(Controller):
    """Provision and release users' numbers (permission ``sms:numbers:manage``)."""

    path = "/api/v1/admin/sms"
    tags = ["admin", "sms"]
    guards = [requires_permission(Permissions.SMS_NUMBERS_MANAGE)]
    dependencies = providers.numbers_dependencies

    @post("/numbers", summary="Provision a number for a user", status_code=HTTP_201_CREATED)
    async def provision(
        self,
        data: JSONBody[ProvisionIn],
        principal: NamedDependency[Principal],
        numbers: NamedDependency[NumberManager],
        audit_context: NamedDependency[AuditContext],
    ) -> AdminNumberOut:
        """Buy a number with its webhooks set; ``404`` for an unknown user."""
        number = await numbers.provision(
            data.user_id,
            country=data.country,
            area_code=data.area_code,
            actor_id=principal.user_id,
            context=audit_context,
        )
        return AdminNumberOut.of(number)

    @delete("/numbers/{number_id:str}", summary="Release a number", status_code=HTTP_204_NO_CONTENT)
    async def release(
        self,
        number_id: FromPath[str],
        principal: NamedDependency[Principal],
        numbers: NamedDependency[NumberManager],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Give the number back; its routing and opt-outs are cleared."""
        await numbers.release(number_id, actor_id=principal.user_id, context=audit_context)


class SmsUsageController(Controller):
    """The caller's own SMS usage and cost."""

    path = "/api/v1/sms"
    tags = ["sms"]
    dependencies = providers.analytics_dependencies

    @get(
        "/usage",
        summary="The caller's SMS usage and cost, day by day",
        guards=[requires_permission(Permissions.SMS_USAGE_READ)],
    )
    async def usage(
        self,
        principal: NamedDependency[Principal],
        analytics: NamedDependency[UsageAnalytics],
        since: Day = None,
        until: Day = None,
    ) -> UsageOut:
        """Only the caller's own messages and numbers; the 30 days ending today by default."""
        report = await analytics.report(
            "day",
            parse_day(since, "since"),
            parse_day(until, "until"),
            user_id=principal.user_id,
        )
        return UsageOut.of(report)


class SmsAnalyticsController(Controller):
    """Everyone's SMS usage and cost (permission ``analytics:read``)."""

    path = "/api/v1/admin/sms"
    tags = ["admin", "sms"]
    guards = [requires_permission(Permissions.ANALYTICS_READ)]
    dependencies = providers.analytics_dependencies

    @get("/analytics", summary="SMS usage and cost by user, number or day (JSON or CSV)")
    async def analytics(
        self,
        analytics: NamedDependency[UsageAnalytics],
        since: Day = None,
        until: Day = None,
        group_by: Choice = None,
        output: Annotated[str | None, QueryParameter(name="format", max_length=16)] = None,
    ) -> Response[bytes] | AnalyticsOut:
        """``format=csv``: one header row with the item fields, then one row per item."""
        grouping = parse_group_by(group_by)
        fmt = parse_format(output)
        report = await analytics.report(
            grouping, parse_day(since, "since"), parse_day(until, "until")
        )
        if fmt == "json":
            return AnalyticsOut.of(report)
        name = f"sms-{grouping}-{report.since}-{report.until}.csv"
        return Response(
            report.to_csv().encode("utf-8"),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
