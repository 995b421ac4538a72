"""Rollout timeline: the phases of the policy being served, as a chart and a table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePath

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.policy.model import Phase
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.charts import Span, timeline
from linkgate.web.console.access import viewer
from linkgate.web.console.registry import register
from linkgate.web.console.render import render

PAGE = register("rollout", "/console/rollout", "Rollout", ("operator", "reviewer"), 30)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))

COLORS = ("#576b95", "#10aeff", "#07c160", "#fa9d3b", "#8e6bbf", "#c0863d")


def who(phase: Phase) -> str:
    sel = phase.platforms
    parts = [*(f"tier {t}" for t in sorted(sel.tiers)), *sorted(sel.ids)]
    if sel.max_rank is not None:
        parts.append(f"rank ≤ {sel.max_rank}")
    return ", ".join(parts)


def users(phase: Phase) -> str:
    return f"{phase.percent:g}%" + "".join(
        f" → {s.percent:g}% at {s.at:%Y-%m-%d %H:%M}" for s in phase.ramp
    )


def short_source(source: str | None) -> str:
    """``file:line:column`` with the file's directory left out."""
    if not source:
        return ""
    return PurePath(source.split(":", 1)[0]).name + source[len(source.split(":", 1)[0]) :]


def phase_span(phase: Phase, color: str) -> Span:
    marks = [(step.at, f"{step.percent:g}%") for step in phase.ramp]
    if phase.percent < 100 or marks:
        marks.insert(0, (phase.start, f"{phase.percent:g}%"))
    detail = f"{who(phase)} in {', '.join(sorted(phase.channels))}"
    return Span(phase.id, phase.start, phase.end, color, tuple(marks), detail)


@router.get(PAGE.path)
async def rollout(request: Request, session: ConsoleSession = SEE) -> Response:
    runtime: Runtime = request.app.state.runtime
    policy = runtime.gateway.snapshot.policy
    now = datetime.now(UTC)
    phases = sorted(policy.rollout.phases, key=lambda p: p.start)
    spans = [phase_span(p, COLORS[i % len(COLORS)]) for i, p in enumerate(phases)]
    chart = timeline(spans, now=now, title=f"Rollout of policy {policy.name} ({policy.revision})")
    rows = [
        {
            "id": p.id,
            "start": p.start,
            "end": p.end,
            "who": who(p),
            "channels": ", ".join(sorted(p.channels)),
            "link_kinds": ", ".join(sorted(p.link_kinds)) if p.link_kinds is not None else "all",
            "users": users(p),
            "connects": ", ".join(sorted(p.connects)),
            "active": p.start <= now and (p.end is None or now < p.end),
            "source": short_source(p.source),
        }
        for p in phases
    ]
    closed = policy.rollout.closed
    return render(
        request,
        "rollout.html",
        session=session,
        page=PAGE,
        chart=chart,
        rows=rows,
        policy=policy,
        closed=f"{closed.treatment} ({closed.reason or 'rollout_closed'})",
        now=now,
    )
