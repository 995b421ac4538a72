"""The audit log: page through it and verify the chain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from linkgate.api.auth import Caller, require
from linkgate.api.schemas import MAX_POSITION
from linkgate.runtime import Runtime

router = APIRouter(tags=["audit"])


@router.get("/v1/audit", summary="Audit entries after a sequence number, oldest first")
def get_audit(
    request: Request,
    after: int = Query(0, ge=0, le=MAX_POSITION),
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = Depends(require("operator", "reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    entries = runtime.stores.audit.page(after, limit)
    return {
        "items": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "data": e.data,
                "hash": e.hash,
            }
            for e in entries
        ]
    }


@router.get("/v1/audit/verify", summary="Check the hash chain; every problem found")
def get_verify(request: Request, caller: Caller = Depends(require("operator"))) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    problems = runtime.stores.audit.verify()
    seq, digest = runtime.stores.audit.head()
    return {
        "ok": not problems,
        "head": {"seq": seq, "hash": digest},
        "problems": [
            {"kind": p.kind, "seq": p.seq, "through": p.through, "detail": p.detail}
            for p in problems
        ],
    }
