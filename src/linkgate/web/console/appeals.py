"""Appeals: open appeals soonest due first (overdue ones marked); grant or deny with a note.

Deciding is :meth:`Casework.decide_appeal`, as ``POST /v1/appeals/{id}/decision``
runs it: granting lifts the block (or the account action) and voids its
credit events, restoring the score. Deciding is for reviewers (and admins),
as in the API; operators see the appeals.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.api.auth import Role
from linkgate.casework import CaseError
from linkgate.errors import RequestError
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.access import actor, may, viewer
from linkgate.web.console.forms import FormProblem, choice, refused, text, typed
from linkgate.web.console.registry import register
from linkgate.web.console.render import render
from linkgate.web.console.security import HEADERS

PAGE = register("appeals", "/console/appeals", "Appeals", ("operator", "reviewer"), 50)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))
DECIDERS: Final[tuple[Role, ...]] = ("reviewer",)
DECIDE = Depends(actor(PAGE, *DECIDERS))
OUTCOMES: Final = ("granted", "denied")


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
    store = runtime.casework.stores.appeals
    now = runtime.casework.now()
    open_ = store.page(status="open", limit=200)
    decided = [*store.page(status="granted", limit=1000), *store.page(status="denied", limit=1000)]
    decided.sort(key=lambda a: a.decided_at or a.filed_at, reverse=True)
    return render(
        request,
        "appeals.html",
        session=session,
        page=PAGE,
        status=status,
        now=now,
        appeals=open_,
        overdue=sum(1 for a in open_ if a.overdue(now)),
        decided=decided[:20],
        may_decide=may(session, DECIDERS),
        failed=failed,
        problem=problem,
        problem_listed=any(a.id == failed for a in open_),
        values=values or {},
        **context,
    )


@router.get(PAGE.path)
async def appeals(
    request: Request, decided: str | None = None, session: ConsoleSession = SEE
) -> Response:
    runtime: Runtime = request.app.state.runtime
    done = runtime.casework.stores.appeals.get(decided) if decided else None
    return _page(request, session, done=done)


@router.post(f"{PAGE.path}/{{appeal_id}}/decision")
async def decide(appeal_id: str, request: Request, session: ConsoleSession = DECIDE) -> Response:
    runtime: Runtime = request.app.state.runtime
    values = await typed(request)
    try:
        outcome = choice(values, "outcome", OUTCOMES, "an outcome")
        note = text(values, "note")
        runtime.casework.decide_appeal(
            appeal_id, outcome=outcome, note=note, by=f"console:{session.username}"
        )
    except (FormProblem, RequestError, CaseError) as exc:
        return _page(request, session, **refused(exc, appeal_id, values))
    return RedirectResponse(
        f"{PAGE.path}?decided={appeal_id}", status_code=303, headers=dict(HEADERS)
    )
