"""Appeals: file one against a block or a credit event of the platform, follow its status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.casework import CaseError
from linkgate.errors import RequestError
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.security import HEADERS
from linkgate.web.portal.access import acting, member
from linkgate.web.portal.render import render

router = APIRouter(include_in_schema=False)
ACT = Depends(acting())


def _page(
    request: Request,
    session: ConsoleSession,
    *,
    status: int = 200,
    target: str = "",
    **context: Any,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    platform = session.platform_id or ""
    stores = runtime.casework.stores
    now = datetime.now(UTC)
    appeals = stores.appeals.page(platform=platform, limit=500)
    open_targets = {a.target_id for a in appeals if a.status == "open"}
    blocks = [
        b
        for b in stores.blocks.page(platform=platform, status="active", limit=500)
        if b.active(now) and b.id not in open_targets
    ]
    return render(
        request,
        "appeals.html",
        session=session,
        page="appeals",
        status=status,
        appeals=sorted(appeals, key=lambda a: (a.status != "open", a.due_at)),
        blocks=blocks,
        target=target,
        now=now,
        **context,
    )


@router.get("/portal/appeals")
async def appeals(
    request: Request,
    target: str = "",
    filed: str | None = None,
    session: ConsoleSession = Depends(member),
) -> Response:
    return _page(request, session, target=target, filed=filed)


@router.post("/portal/appeals")
async def file_appeal(request: Request, session: ConsoleSession = ACT) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    target = str(form.get("target") or "").strip()
    reason = str(form.get("reason") or "")
    evidence = str(form.get("evidence_url") or "").strip() or None
    keep = {"target": target, "reason": reason, "evidence_url": evidence or ""}
    if len(reason) > 4000 or (evidence is not None and len(evidence) > 2048):
        return _page(
            request, session, status=422, error="the reason or the evidence URL is too long", **keep
        )
    try:
        appeal = runtime.casework.file_appeal(
            platform=session.platform_id,
            target=target,
            reason=reason,
            evidence_url=evidence,
            by=f"portal:{session.username}",
        )
    except RequestError as exc:
        return _page(request, session, status=422, error=str(exc), **keep)
    except CaseError as exc:
        return _page(request, session, status=exc.status, error=str(exc), **keep)
    return RedirectResponse(
        f"/portal/appeals?filed={appeal.id}", status_code=303, headers=dict(HEADERS)
    )
