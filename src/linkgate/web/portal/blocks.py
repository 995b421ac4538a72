"""Blocks and restrictions on the platform's links, domains and the platform itself."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.portal.access import member
from linkgate.web.portal.render import render

router = APIRouter(include_in_schema=False)


@router.get("/portal/blocks")
async def blocks(request: Request, session: ConsoleSession = Depends(member)) -> Response:
    runtime: Runtime = request.app.state.runtime
    platform = session.platform_id or ""
    stores = runtime.casework.stores
    now = datetime.now(UTC)
    found = stores.blocks.page(platform=platform, limit=500)
    appeals = {
        a.target_id: a
        for a in reversed(stores.appeals.page(platform=platform, limit=1000))
        if a.target_kind == "block"
    }
    return render(
        request,
        "blocks.html",
        session=session,
        page="blocks",
        active=[b for b in found if b.active(now)],
        past=[b for b in found if not b.active(now)],
        appeals=appeals,
    )
