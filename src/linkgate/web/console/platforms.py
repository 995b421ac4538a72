"""Platforms: every registered platform's credit score and band; one platform's credit page.

A platform's page draws its daily score (:meth:`Casework.history`) with the
policy's band thresholds, lists its blocks (lifting one is
:meth:`Casework.lift_block`, audited ``block.lift``, as
``POST /v1/blocks/{id}/lift``) and its credit events (:meth:`Casework.credit_view`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.casework import CaseError
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.charts import Threshold, line
from linkgate.web.console.access import ConsoleDenied, actor, viewer
from linkgate.web.console.forms import FormProblem, refused, text, typed
from linkgate.web.console.registry import register
from linkgate.web.console.render import render
from linkgate.web.console.security import HEADERS

PAGE = register("platforms", "/console/platforms", "Platforms", ("operator", "reviewer"), 60)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))
ACT = Depends(actor(PAGE))

HISTORY_DAYS: Final = 90
EVENTS_PER_PAGE: Final = 50
BAND_COLORS: Final = ("#07c160", "#fa9d3b", "#fa5151", "#b3261e", "#8e6bbf")


@router.get(PAGE.path)
async def platforms(request: Request, session: ConsoleSession = SEE) -> Response:
    runtime: Runtime = request.app.state.runtime
    snapshot = runtime.gateway.snapshot
    now = runtime.casework.now()
    blocked = Counter(b.platform for b in runtime.casework.stores.blocks.active(now))
    rows = []
    for platform in snapshot.inspector.registry:
        score = runtime.casework.score(platform=platform.id, at=now)
        band = snapshot.evaluator.band(score.score)
        rows.append((platform, score, band.id if band else None, blocked.get(platform.id, 0)))
    rows.sort(key=lambda r: (r[1].score, r[0].id))
    return render(request, "platforms.html", session=session, page=PAGE, rows=rows)


def _platform_page(
    request: Request,
    session: ConsoleSession,
    platform_id: str,
    *,
    offset: int = 0,
    status: int = 200,
    failed: str | None = None,
    problem: FormProblem | None = None,
    values: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    snapshot = runtime.gateway.snapshot
    platform = snapshot.inspector.registry.get(platform_id)
    try:
        view = runtime.casework.credit_view(
            platform_id, offset=max(offset, 0), limit=EVENTS_PER_PAGE
        )
    except CaseError as exc:
        raise ConsoleDenied(exc.status, str(exc), session) from None
    bands = sorted(snapshot.policy.credit_bands, key=lambda b: b.min, reverse=True)
    thresholds = [
        Threshold(b.min, b.id, BAND_COLORS[min(i, len(BAND_COLORS) - 1)])
        for i, b in enumerate(bands)
    ]
    history = runtime.casework.history(platform=platform_id, days=HISTORY_DAYS)
    chart = line(
        history,
        title=f"Credit score of {platform_id}, last {HISTORY_DAYS} days (UTC)",
        thresholds=thresholds,
        ceiling=snapshot.policy.credit.start,
        empty="no history",
    )
    now = runtime.casework.now()
    blocks = runtime.casework.stores.blocks.page(platform=platform_id, limit=200)
    total = view["events"]["total"]
    return render(
        request,
        "platform.html",
        session=session,
        page=PAGE,
        status=status,
        platform=platform,
        view=view,
        chart=chart,
        active=[b for b in blocks if b.active(now)],
        ended=[b for b in blocks if not b.active(now)][:20],
        newer=max(offset - EVENTS_PER_PAGE, 0) if offset > 0 else None,
        older=offset + EVENTS_PER_PAGE if offset + EVENTS_PER_PAGE < total else None,
        failed=failed,
        problem=problem,
        values=values or {},
        **context,
    )


@router.get(f"{PAGE.path}/{{platform_id}}")
async def platform_page(
    platform_id: str,
    request: Request,
    offset: int = 0,
    lifted: str | None = None,
    session: ConsoleSession = SEE,
) -> Response:
    return _platform_page(request, session, platform_id, offset=offset, lifted=lifted)


@router.post(f"{PAGE.path}/{{platform_id}}/blocks/{{block_id}}/lift")
async def lift_block(
    platform_id: str, block_id: str, request: Request, session: ConsoleSession = ACT
) -> Response:
    runtime: Runtime = request.app.state.runtime
    values = await typed(request)
    try:
        reason = text(values, "reason", required="say why the block is lifted (it is audited)")
        block = runtime.casework.stores.blocks.get(block_id)
        if block is None or block.platform != platform_id:
            raise CaseError(404, f"no block {block_id} on {platform_id}")
        runtime.casework.lift_block(block_id, by=f"console:{session.username}", reason=reason)
    except (FormProblem, CaseError) as exc:
        return _platform_page(request, session, platform_id, **refused(exc, block_id, values))
    return RedirectResponse(
        f"{PAGE.path}/{platform_id}?lifted={block_id}", status_code=303, headers=dict(HEADERS)
    )
