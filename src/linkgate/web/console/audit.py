"""Audit log: newest entries first, a page at a time, and a check of the hash chain."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.access import viewer
from linkgate.web.console.registry import register
from linkgate.web.console.render import render

PAGE = register("audit", "/console/audit", "Audit log", ("operator",), 90)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))

PER_PAGE: Final = 50


@router.get(PAGE.path)
async def audit(
    request: Request,
    before: int | None = None,
    verify: bool = False,
    session: ConsoleSession = SEE,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    log = runtime.stores.audit
    head_seq, head_hash = log.head()
    top = head_seq + 1 if before is None else max(1, min(before, head_seq + 1))
    first = max(0, top - 1 - PER_PAGE)
    entries = [e for e in log.page(first, PER_PAGE) if e.seq < top]
    entries.reverse()
    problems = log.verify() if verify else None
    return render(
        request,
        "audit.html",
        session=session,
        page=PAGE,
        entries=entries,
        head_seq=head_seq,
        head_hash=head_hash,
        newer=min(top + PER_PAGE, head_seq + 1) if top <= head_seq else None,
        older=entries[-1].seq if entries and entries[-1].seq > 1 else None,
        problems=problems,
        verified=verify,
    )
