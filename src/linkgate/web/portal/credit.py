"""Credit: the platform's score, band and complaint rate, its history as a chart, its events."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.charts import Line, line_chart
from linkgate.web.portal.access import member
from linkgate.web.portal.render import render

router = APIRouter(include_in_schema=False)
HISTORY_DAYS: Final = 90
PER_PAGE: Final = 50


@router.get("/portal/credit")
async def credit(
    request: Request, offset: int = 0, session: ConsoleSession = Depends(member)
) -> Response:
    runtime: Runtime = request.app.state.runtime
    platform = session.platform_id or ""
    view = runtime.casework.credit_view(platform, offset=max(0, offset), limit=PER_PAGE)
    history = runtime.casework.history(platform=platform, days=HISTORY_DAYS)
    policy = runtime.gateway.snapshot.policy
    bands = sorted(policy.credit_bands, key=lambda b: b.min, reverse=True)
    chart = line_chart(
        [at.strftime("%m-%d") for at, _ in history],
        [Line("score", "#07c160", [score for _, score in history])],
        title=f"Credit score of {platform}, last {HISTORY_DAYS} days (UTC)",
        top_value=max([policy.credit.start, *(s for _, s in history)]),
    )
    appealed = {
        a.target_id
        for a in runtime.casework.stores.appeals.page(platform=platform, status="open", limit=1000)
    }
    return render(
        request,
        "credit.html",
        session=session,
        page="credit",
        view=view,
        chart=chart,
        bands=[(b.id, b.min) for b in bands],
        appealed=appealed,
        per_page=PER_PAGE,
        history_days=HISTORY_DAYS,
    )
