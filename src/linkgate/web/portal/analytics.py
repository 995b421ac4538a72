"""Link analytics as charts: the figures of ``GET /v1/platforms/{id}/analytics``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.analytics import LinkAnalytics
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.charts import Line, Series, grouped_bars, line_chart
from linkgate.web.portal.access import member
from linkgate.web.portal.render import render

router = APIRouter(include_in_schema=False)
PERIODS: Final = {"7d": 7, "30d": 30, "90d": 90}
SHARES: Final = "#576b95"
OPENS: Final = "#10aeff"


@router.get("/portal/analytics")
async def analytics(
    request: Request, period: str = "30d", session: ConsoleSession = Depends(member)
) -> Response:
    runtime: Runtime = request.app.state.runtime
    platform = session.platform_id or ""
    key = period if period in PERIODS else "30d"
    until = datetime.now(UTC)
    since = until - timedelta(days=PERIODS[key])
    reader = LinkAnalytics(runtime.engine)
    figures = {
        "channel": reader.summary(platform, since, until, "channel"),
        "treatment": reader.summary(platform, since, until, "treatment"),
        "day": reader.summary(platform, since, until, "day"),
    }
    charts = {}
    for grouping in ("channel", "treatment"):
        groups = figures[grouping].groups
        charts[grouping] = grouped_bars(
            [g.key for g in groups],
            [
                Series("shares", SHARES, [g.shares for g in groups]),
                Series("opens", OPENS, [g.opens for g in groups]),
            ],
            title=f"Shares and opens by {grouping}, last {PERIODS[key]} days",
            empty="no shares or opens in this period",
        )
    days = figures["day"].groups
    charts["continue_rate"] = line_chart(
        [g.key[5:] for g in days],
        [Line("continue rate", "#fa9d3b", [g.continue_rate for g in days])],
        title=f"Interstitial continue rate by day (UTC), last {PERIODS[key]} days",
        top_value=1.0,
        percent=True,
        empty="nobody saw the warning page in this period",
    )
    return render(
        request,
        "analytics.html",
        session=session,
        page="analytics",
        periods=PERIODS,
        period=key,
        figures=figures,
        charts=charts,
        since=since,
        until=until,
    )
