"""Dashboard: decisions by treatment over time, reports by category, platforms by complaint rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.casework import Standing
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.vocabulary import REPORT_CATEGORIES, TREATMENTS
from linkgate.web.charts import Bar, Series, bars, stacked_bars
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
REPORT_STATUSES: Final = ("pending", "upheld", "rejected")
#: How many platforms the complaint-rate chart shows.
TOP_PLATFORMS: Final = 10


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
    reports = report_counts(runtime, edges[0], edges[-1])
    standings = top_platforms(runtime)
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
        reports=reports,
        report_total=sum(sum(row.values()) for row in reports.values()),
        reports_chart=bars(
            [
                Bar(c, sum(row.values()), "#fa9d3b")
                for c, row in reports.items()
                if sum(row.values())
            ],
            title=f"Reports by category, {span.label}",
            empty="no reports in this period",
        ),
        standings=standings,
        platforms_chart=bars(
            [
                Bar(
                    s.key.partition(":")[2],
                    s.score.complaint_rate,
                    "#fa5151" if s.applies and s.band != bands_top(runtime) else "#576b95",
                    f"{s.score.complaint_rate:.2f}",
                )
                for s in standings
            ],
            title="Platforms by complaint rate (weighted upheld per 10,000 shares)",
            empty="no platform has upheld complaints",
        ),
        since=edges[0],
        until=edges[-1],
    )


def report_counts(runtime: Runtime, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Reports received in [start, end): per category, per status (categories in order)."""
    out: dict[str, dict[str, int]] = {
        c: dict.fromkeys(REPORT_STATUSES, 0) for c in REPORT_CATEGORIES
    }
    for row in runtime.casework.stores.reports.count_by(start=start, end=end):
        out.setdefault(row["category"], dict.fromkeys(REPORT_STATUSES, 0))[row["status"]] = row[
            "count"
        ]
    return out


def top_platforms(runtime: Runtime) -> list[Standing]:
    """Platforms with credit events, highest complaint rate first."""
    found = [s for s in runtime.casework.standings() if s.key.startswith("platform:")]
    found.sort(key=lambda s: (-s.score.complaint_rate, s.key))
    return found[:TOP_PLATFORMS]


def bands_top(runtime: Runtime) -> str | None:
    """The best credit band (a platform in it is not restricted by credit)."""
    bands = runtime.gateway.snapshot.policy.credit_bands
    return max(bands, key=lambda b: b.min).id if bands else None
