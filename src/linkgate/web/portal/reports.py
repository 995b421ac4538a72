"""Reports against the platform's links: counts by category and status, and per link.

Only counts, categories, statuses and times are shown: never who reported,
nor the reporters' comments.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.portal.access import member
from linkgate.web.portal.render import render

router = APIRouter(include_in_schema=False)
PERIODS: Final = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
STATUSES: Final = ("pending", "upheld", "rejected")


def link_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per link: counts by status and by category, first and last report."""
    links: dict[str, dict[str, Any]] = {}
    for row in rows:
        link = links.setdefault(
            row["url"],
            {
                "url": row["url"],
                "statuses": Counter(),
                "categories": Counter(),
                "first": row["first"],
                "last": row["last"],
            },
        )
        link["statuses"][row["status"]] += row["count"]
        link["categories"][row["category"]] += row["count"]
        link["first"] = min(link["first"], row["first"])
        link["last"] = max(link["last"], row["last"])
    for link in links.values():
        link["total"] = sum(link["statuses"].values())
    return sorted(links.values(), key=lambda link: link["last"], reverse=True)


@router.get("/portal/reports")
async def reports(
    request: Request, period: str = "30d", session: ConsoleSession = Depends(member)
) -> Response:
    runtime: Runtime = request.app.state.runtime
    platform = session.platform_id or ""
    key = period if period in PERIODS else "30d"
    now = datetime.now(UTC)
    since = now - timedelta(days=PERIODS[key])
    store = runtime.casework.stores.reports
    counts = store.count_by(start=since, end=now + timedelta(seconds=1), platform=platform)
    categories = sorted({c["category"] for c in counts})
    table = {(c["category"], c["status"]): c["count"] for c in counts}
    return render(
        request,
        "reports.html",
        session=session,
        page="reports",
        periods=PERIODS,
        period=key,
        since=since,
        categories=categories,
        statuses=STATUSES,
        table=table,
        totals={s: sum(table.get((c, s), 0) for c in categories) for s in STATUSES},
        links=link_rows(store.by_link(platform=platform, since=since)),
    )
