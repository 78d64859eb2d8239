"""SMS usage routes: the caller's own usage, and analytics across users (``analytics:read``).

Reports read the daily rollups, refreshed in the background every
``PA_SMS_USAGE_REFRESH_SECONDS``; the library decides everything else.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from examples.litestar_app.guards import requires_permission
from examples.litestar_app.schemas_sms_usage import AnalyticsOut, UsageOut
from examples.litestar_app.services import Services
from pa_core.auth import Principal
from pa_core.rbac import Permissions
from pa_sms.usage.reports import parse_day, parse_format, parse_group_by

__all__ = ["CSV_MEDIA_TYPE", "SmsAnalyticsController", "SmsUsageController"]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
"""Media type of ``format=csv``."""

Day = Annotated[str | None, QueryParameter(max_length=32, description="YYYY-MM-DD, inclusive")]
Choice = Annotated[str | None, QueryParameter(max_length=16)]


class SmsUsageController(Controller):
    """The caller's own SMS usage and cost."""

    path = "/api/v1/sms"
    tags = ["sms"]

    @get(
        "/usage",
        summary="The caller's SMS usage and cost, day by day",
        guards=[requires_permission(Permissions.SMS_USAGE_READ)],
    )
    async def usage(
        self,
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        since: Day = None,
        until: Day = None,
    ) -> UsageOut:
        """Only the caller's own messages and numbers; the 30 days ending today by default."""
        report = await services.sms_usage.analytics.report(
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

    @get("/analytics", summary="SMS usage and cost by user, number or day (JSON or CSV)")
    async def analytics(
        self,
        services: NamedDependency[Services],
        since: Day = None,
        until: Day = None,
        group_by: Choice = None,
        output: Annotated[str | None, QueryParameter(name="format", max_length=16)] = None,
    ) -> Response[bytes] | AnalyticsOut:
        """``format=csv``: one header row with the item fields, then one row per item."""
        grouping = parse_group_by(group_by)
        fmt = parse_format(output)
        report = await services.sms_usage.analytics.report(
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
