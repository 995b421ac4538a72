"""Credit, blocks, overrides and recorded violations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from linkgate.api.auth import Caller, require
from linkgate.api.schemas import MAX_POSITION, BlockIn, LiftIn, OverrideIn, ViolationIn
from linkgate.runtime import Runtime

router = APIRouter(tags=["credit and blocks"])


@router.get(
    "/v1/platforms/{platform_id}/credit",
    summary="Score, band, complaint rate, events (paged), blocks and effective caps",
)
def get_credit(
    platform_id: str,
    request: Request,
    offset: int = Query(0, ge=0, le=MAX_POSITION),
    limit: int = Query(50, ge=1, le=500),
    caller: Caller = Depends(require("operator", "reviewer", "platform")),
) -> dict[str, Any]:
    caller.check_platform(platform_id)
    runtime: Runtime = request.app.state.runtime
    return runtime.casework.credit_view(platform_id, offset=offset, limit=limit)


@router.get("/v1/platforms/{platform_id}/credit/history", summary="Daily score history")
def get_credit_history(
    platform_id: str,
    request: Request,
    days: int = Query(90, ge=1, le=730),
    caller: Caller = Depends(require("operator", "reviewer", "platform")),
) -> dict[str, Any]:
    caller.check_platform(platform_id)
    runtime: Runtime = request.app.state.runtime
    series = runtime.casework.history(platform=platform_id, days=days)
    return {
        "platform": platform_id,
        "points": [{"at": t.isoformat(), "score": s} for t, s in series],
    }


@router.get("/v1/blocks", summary="Blocks, newest first")
def get_blocks(
    request: Request,
    status: str | None = Query(None, pattern="^(active|lifted)$"),
    platform: str | None = None,
    domain: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    blocks = runtime.casework.stores.blocks.page(
        status=status, platform=platform, domain=domain, limit=limit
    )
    return {"items": [b.to_dict() for b in blocks]}


@router.post("/v1/blocks", status_code=201, summary="Block a URL, path, domain or platform")
def post_block(
    body: BlockIn, request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    block = runtime.casework.create_block(
        scope=body.scope,
        target=body.target,
        treatment=body.treatment,
        reason=body.reason,
        category=body.category,
        expires_at=body.expires_at,
        note=body.note,
        by=caller.key_id,
    )
    return block.to_dict()


@router.post("/v1/blocks/{block_id}/lift", summary="Lift a block (audited)")
def post_lift_block(
    block_id: str,
    body: LiftIn,
    request: Request,
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    return runtime.casework.lift_block(block_id, by=caller.key_id, reason=body.reason).to_dict()


@router.get("/v1/overrides", summary="Allow overrides in force")
def get_overrides(
    request: Request, caller: Caller = Depends(require("operator", "reviewer"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    found = runtime.casework.stores.blocks.active_overrides(runtime.casework.now())
    return {"items": [o.to_dict() for o in found]}


@router.post("/v1/overrides", status_code=201, summary="Allow a target despite blocks and bands")
def post_override(
    body: OverrideIn, request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    override = runtime.casework.add_override(
        scope=body.scope,
        target=body.target,
        expires_at=body.expires_at,
        note=body.note,
        by=caller.key_id,
    )
    return override.to_dict()


@router.post("/v1/overrides/{override_id}/lift", status_code=204, summary="End an override")
def post_lift_override(
    override_id: str, request: Request, caller: Caller = Depends(require("operator"))
) -> None:
    runtime: Runtime = request.app.state.runtime
    runtime.casework.lift_override(override_id, by=caller.key_id)


@router.post("/v1/violations", status_code=201, summary="Record a violation on a link")
def post_violation(
    body: ViolationIn,
    request: Request,
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    return runtime.casework.record_violation(
        body.url, body.category, by=caller.key_id, note=body.note
    )
