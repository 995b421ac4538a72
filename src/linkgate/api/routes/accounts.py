"""Sender accounts: their enforcement actions, lifting, and the account's own appeals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from linkgate.api.auth import Caller, require
from linkgate.api.schemas import AccountAppealIn, LiftIn
from linkgate.runtime import Runtime

router = APIRouter(tags=["accounts"])


@router.get("/v1/accounts/{account_id}/enforcement", summary="An account's actions, oldest first")
def get_enforcement(
    account_id: str,
    request: Request,
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    now = runtime.casework.now()
    actions = runtime.accounts.actions(account_id)
    active = [a for a in actions if a.active(now)]
    return {
        "account": account_id,
        "state": max(active, key=lambda a: a.rung).action if active else None,
        "actions": [a.to_dict(now) for a in actions],
    }


@router.get("/v1/enforcement", summary="Recent actions against accounts (pseudonymous)")
def get_actions(
    request: Request,
    active: bool = False,
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    now = runtime.casework.now()
    found = runtime.accounts.store.page(active_at=now if active else None, limit=limit)
    return {"items": [{**a.to_dict(now), "account_key": a.account_hash} for a in found]}


@router.post(
    "/v1/accounts/{account_id}/enforcement/{action_id}/lift",
    summary="Lift an action (audited)",
)
def post_lift(
    account_id: str,
    action_id: str,
    body: LiftIn,
    request: Request,
    caller: Caller = Depends(require("operator")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    action = runtime.accounts.lift(account_id, action_id, by=caller.key_id, reason=body.reason)
    return action.to_dict(runtime.casework.now())


@router.post(
    "/v1/accounts/{account_id}/appeals",
    status_code=201,
    summary="The account appeals an action (filed by the app on its behalf)",
)
def post_account_appeal(
    account_id: str,
    body: AccountAppealIn,
    request: Request,
    caller: Caller = Depends(require("integrator")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    appeal = runtime.accounts.file_appeal(
        account_id, action_id=body.action_id, reason=body.reason, by=caller.key_id
    )
    return appeal.to_dict(appeal.filed_at)
