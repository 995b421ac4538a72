"""Appeals: a platform files against its blocks and credit events; reviewers decide."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.api.schemas import AppealDecisionIn, AppealIn
from linkgate.runtime import Runtime

router = APIRouter(tags=["appeals"])


@router.post("/v1/appeals", status_code=201, summary="Appeal a block or a credit event")
def post_appeal(
    body: AppealIn,
    request: Request,
    caller: Caller = Depends(require("platform", admin=False)),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    appeal = runtime.casework.file_appeal(
        platform=caller.platform_id,
        target=body.target,
        reason=body.reason,
        evidence_url=body.evidence_url,
        by=caller.key_id,
    )
    return appeal.to_dict(appeal.filed_at)


@router.get("/v1/appeals", summary="Appeals, soonest due first; overdue=true lists overdue ones")
def get_appeals(
    request: Request,
    status: str | None = Query(None, pattern="^(open|granted|denied)$"),
    overdue: bool = False,
    platform: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = Depends(require("reviewer", "operator", "platform")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    platform = caller.platform_filter(platform)
    now = runtime.casework.now()
    appeals = runtime.casework.stores.appeals.page(
        status=status, platform=platform, overdue_at=now if overdue else None, limit=limit
    )
    return {"items": [a.to_dict(now) for a in appeals]}


@router.get("/v1/appeals/{appeal_id}", summary="One appeal")
def get_appeal(
    appeal_id: str,
    request: Request,
    caller: Caller = Depends(require("reviewer", "operator", "platform")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    appeal = runtime.casework.stores.appeals.get(appeal_id)
    if appeal is None or (caller.role == "platform" and appeal.platform != caller.platform_id):
        raise Problem(404, f"no appeal {appeal_id}")
    return appeal.to_dict(runtime.casework.now())


@router.post("/v1/appeals/{appeal_id}/decision", summary="Grant or deny an appeal")
def post_appeal_decision(
    appeal_id: str,
    body: AppealDecisionIn,
    request: Request,
    caller: Caller = Depends(require("reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    return runtime.casework.decide_appeal(
        appeal_id, outcome=body.outcome, note=body.note, by=caller.key_id
    )
