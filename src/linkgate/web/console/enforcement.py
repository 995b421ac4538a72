"""Enforcement: actions against sender accounts (warn, restrict, ban…), and lifting them.

Accounts are shown by pseudonym, as ``linkgate enforcement list`` and
``GET /v1/enforcement`` show them; an account id typed in the search box is
pseudonymised to find its actions (``GET /v1/accounts/{id}/enforcement``).
Lifting is :meth:`Accounts.lift_key`, audited ``account.lift``; it is for
operators (and admins), as in the API.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.api.auth import Role
from linkgate.casework import CaseError
from linkgate.runtime import Runtime
from linkgate.storage.accounts import AccountAction
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.access import actor, may, viewer
from linkgate.web.console.forms import FormProblem, refused, text, typed
from linkgate.web.console.registry import register
from linkgate.web.console.render import render
from linkgate.web.console.security import HEADERS

PAGE = register("enforcement", "/console/enforcement", "Enforcement", ("operator", "reviewer"), 70)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))
LIFTERS: Final[tuple[Role, ...]] = ("operator",)
LIFT = Depends(actor(PAGE, *LIFTERS))
LIMIT = 200


def _actions(runtime: Runtime, account: str, active: bool) -> list[AccountAction]:
    now = runtime.casework.now()
    if account:
        found = list(reversed(runtime.accounts.actions(account)))
        return [a for a in found if a.active(now)] if active else found
    return runtime.accounts.store.page(active_at=now if active else None, limit=LIMIT)


def _page(
    request: Request,
    session: ConsoleSession,
    *,
    account: str = "",
    active: bool = False,
    status: int = 200,
    failed: str | None = None,
    problem: FormProblem | None = None,
    values: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    actions = _actions(runtime, account, active)
    return render(
        request,
        "enforcement.html",
        session=session,
        page=PAGE,
        status=status,
        now=runtime.casework.now(),
        actions=actions,
        account=account,
        active=active,
        may_lift=may(session, LIFTERS),
        failed=failed,
        problem=problem,
        problem_listed=any(a.id == failed for a in actions),
        values=values or {},
        **context,
    )


@router.get(PAGE.path)
async def enforcement(
    request: Request,
    account: str = "",
    active: bool = False,
    lifted: str | None = None,
    session: ConsoleSession = SEE,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    done = runtime.accounts.store.get(lifted) if lifted else None
    return _page(request, session, account=account.strip(), active=active, done=done)


@router.post(f"{PAGE.path}/{{action_id}}/lift")
async def lift(action_id: str, request: Request, session: ConsoleSession = LIFT) -> Response:
    runtime: Runtime = request.app.state.runtime
    values = await typed(request)
    try:
        reason = text(values, "reason", required="say why the action is lifted (it is audited)")
        key = values.get("account_key", "")
        runtime.accounts.lift_key(key, action_id, by=f"console:{session.username}", reason=reason)
    except (FormProblem, CaseError) as exc:
        return _page(request, session, **refused(exc, action_id, values))
    return RedirectResponse(
        f"{PAGE.path}?lifted={action_id}", status_code=303, headers=dict(HEADERS)
    )
