"""Report review: pending reports by link, every reporter's weight explained; uphold or reject.

The queue and the review are :meth:`Casework.queue` and :meth:`Casework.review`
(then :meth:`Accounts.after_upheld`), exactly as ``POST /v1/reports/{id}/review``
runs them, audited as ``console:<username>``. Reviewing is for reviewers
(and admins), as in the API; operators see the queue.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.api.auth import Role
from linkgate.casework import CaseError, weights_to_dict
from linkgate.errors import RequestError
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.vocabulary import REPORT_CATEGORIES
from linkgate.web.console.access import actor, may, viewer
from linkgate.web.console.forms import FormProblem, choice, refused, text, typed
from linkgate.web.console.registry import register
from linkgate.web.console.render import render
from linkgate.web.console.security import HEADERS

PAGE = register("reports", "/console/reports", "Reports", ("operator", "reviewer"), 40)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))
REVIEWERS: Final[tuple[Role, ...]] = ("reviewer",)
REVIEW = Depends(actor(PAGE, *REVIEWERS))
OUTCOMES = ("upheld", "rejected")


def may_review(session: ConsoleSession) -> bool:
    return may(session, REVIEWERS)


def _page(
    request: Request,
    session: ConsoleSession,
    *,
    status: int = 200,
    failed: str | None = None,
    problem: FormProblem | None = None,
    values: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    cases = runtime.casework.queue(limit=100)
    weights = {w["report_id"]: w for case in cases for w in weights_to_dict(case)}
    return render(
        request,
        "reports.html",
        session=session,
        page=PAGE,
        status=status,
        cases=cases,
        weights=weights,
        categories=REPORT_CATEGORIES,
        may_review=may_review(session),
        problem_in_queue=any(c.reports[0].report.id == failed for c in cases),
        failed=failed,
        problem=problem,
        values=values or {},
        **context,
    )


@router.get(PAGE.path)
async def queue(
    request: Request,
    reviewed: str | None = None,
    block: str | None = None,
    session: ConsoleSession = SEE,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    stores = runtime.casework.stores
    done = stores.reports.get(reviewed) if reviewed else None
    made = stores.blocks.get(block) if block else None
    if done is None or made is None or made.url != done.url:
        made = None
    return _page(request, session, done=done, block=made)


@router.post(f"{PAGE.path}/{{report_id}}/review")
async def review(report_id: str, request: Request, session: ConsoleSession = REVIEW) -> Response:
    runtime: Runtime = request.app.state.runtime
    values = await typed(request)
    try:
        outcome = choice(values, "outcome", OUTCOMES, "an outcome")
        note = text(values, "note")
        result = runtime.casework.review(
            report_id,
            outcome=outcome,
            category=values.get("category") or None,
            note=note,
            by=f"console:{session.username}",
        )
    except (FormProblem, RequestError, CaseError) as exc:
        return _page(request, session, **refused(exc, report_id, values))
    target = f"{PAGE.path}?reviewed={report_id}"
    if outcome == "upheld":
        runtime.accounts.after_upheld([result["url"]])
        target += f"&block={result['block']['id']}"
    return RedirectResponse(target, status_code=303, headers=dict(HEADERS))
