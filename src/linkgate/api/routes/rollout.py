"""Rollout phases: their state, the traffic each opened, pause and resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from linkgate.api.auth import Caller, require
from linkgate.api.schemas import PauseIn
from linkgate.runtime import Runtime

router = APIRouter(tags=["rollout"])


@router.get("/v1/rollout/phases", summary="Phases of the live policy with pauses and traffic")
def get_phases(
    request: Request, caller: Caller = Depends(require("operator", "reviewer"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    casework = runtime.casework
    paused = casework.stores.phases.paused()
    items = []
    for phase in runtime.gateway.snapshot.policy.rollout.phases:
        traffic = casework.phase_traffic(phase) if phase.bounds else None
        pause = paused.get(phase.id)
        items.append(
            {
                "id": phase.id,
                "start": phase.start.isoformat(),
                "end": phase.end.isoformat() if phase.end else None,
                "channels": sorted(phase.channels),
                "bounds": phase.bounds,
                "paused": pause.to_dict() if pause else None,
                "traffic": {
                    "shares": traffic.shares,
                    "links": traffic.links,
                    "reports": traffic.reports,
                    "blocked_links": traffic.blocked_links,
                    "complaint_rate": traffic.complaint_rate,
                    "block_rate": traffic.block_rate,
                }
                if traffic
                else None,
            }
        )
    return {"items": items}


@router.post("/v1/rollout/phases/{phase_id}/pause", status_code=204, summary="Pause a phase")
def post_pause(
    phase_id: str, body: PauseIn, request: Request, caller: Caller = Depends(require("operator"))
) -> None:
    runtime: Runtime = request.app.state.runtime
    runtime.casework.pause_phase(phase_id, by=caller.key_id, reason=body.reason)


@router.post("/v1/rollout/phases/{phase_id}/resume", status_code=204, summary="Resume a phase")
def post_resume(
    phase_id: str, request: Request, caller: Caller = Depends(require("operator"))
) -> None:
    runtime: Runtime = request.app.state.runtime
    runtime.casework.resume_phase(phase_id, by=caller.key_id)
