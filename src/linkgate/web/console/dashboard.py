"""Dashboard: decisions by treatment over time, from the decision log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.vocabulary import TREATMENTS
from linkgate.web.charts import Series, stacked_bars
from linkgate.web.console.access import viewer
from linkgate.web.console.registry import register
from linkgate.web.console.render import render

PAGE = register("dashboard", "/console/dashboard", "Dashboard", ("operator", "reviewer"), 10)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))

#: Treatment colours, best to worst.
TREATMENT_COLORS: Final = {
    "mini_program": "#07c160",
    "rich_page": "#10aeff",
    "plain_page": "#576b95",
    "copy_only": "#fa9d3b",
    "blocked": "#fa5151",
}
KINDS: Final = {"all": None, "share": "share", "open": "open"}


@dataclass(frozen=True, slots=True)
class Range:
    label: str
    length: timedelta
    bucket: timedelta
    fmt: str


RANGES: Final = {
    "24h": Range("last 24 hours", timedelta(hours=24), timedelta(hours=1), "%H:%M"),
    "7d": Range("last 7 days", timedelta(days=7), timedelta(hours=6), "%m-%d %H:00"),
    "30d": Range("last 30 days", timedelta(days=30), timedelta(days=1), "%m-%d"),
}


def bucket_edges(now: datetime, span: Range) -> list[datetime]:
    """Edges of whole buckets ending with the one that holds ``now`` (UTC-aligned)."""
    step = int(span.bucket.total_seconds())
    epoch = int(now.timestamp())
    end = datetime.fromtimestamp((epoch // step + 1) * step, UTC)
    count = int(span.length / span.bucket)
    return [end - span.bucket * (count - i) for i in range(count + 1)]


@router.get(PAGE.path)
async def dashboard(
    request: Request,
    period: str = "24h",
    kind: str = "all",
    session: ConsoleSession = SEE,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    span = RANGES.get(period, RANGES["24h"])
    range_key = period if period in RANGES else "24h"
    kind_key = kind if kind in KINDS else "all"
    edges = bucket_edges(datetime.now(UTC), span)
    counts = runtime.stores.events.count_by_bucket("treatment", edges, kind=KINDS[kind_key])
    labels = [edge.strftime(span.fmt) for edge in edges[:-1]]
    series = [
        Series(t, TREATMENT_COLORS[t], [counts.get((i, t), 0) for i in range(len(labels))])
        for t in reversed(TREATMENTS)
    ]
    totals = {s.name: sum(s.values) for s in series}
    total = sum(totals.values())
    chart = stacked_bars(
        labels,
        series,
        title=f"Decisions by treatment, {span.label} (UTC)",
        empty="no decisions in this period",
    )
    return render(
        request,
        "dashboard.html",
        session=session,
        page=PAGE,
        chart=chart,
        totals=[(t, totals.get(t, 0)) for t in TREATMENTS],
        total=total,
        ranges=RANGES,
        range_key=range_key,
        kinds=list(KINDS),
        kind_key=kind_key,
        revision=runtime.gateway.snapshot.revision,
        since=edges[0],
        until=edges[-1],
    )
