"""Reports (complaints): file, list the review queue, review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.api.schemas import ReportIn, ReportOut, ReviewIn
from linkgate.casework import LinkCase, ReportIntake, weights_to_dict
from linkgate.runtime import Runtime
from linkgate.storage.reports import Report

router = APIRouter(tags=["reports"])


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "report_id": report.id,
        "created_at": report.created_at.isoformat(),
        "url": report.url,
        "platform": report.platform,
        "domain": report.domain,
        "link_kind": report.link_kind,
        "category": report.category,
        "channel": report.channel,
        "comment": report.comment,
        "status": report.status,
        "base_weight": round(report.base_weight, 4),
        "reviewed_at": report.reviewed_at.isoformat() if report.reviewed_at else None,
        "review_category": report.review_category,
        "review_note": report.review_note,
    }


def case_dict(case: LinkCase) -> dict[str, Any]:
    weights = {w["report_id"]: w for w in weights_to_dict(case)}
    return {
        "url": case.url,
        "platform": case.platform,
        "domain": case.domain,
        "category": case.category,
        "weight": round(case.total, 4),
        "severity": case.severity,
        "priority": round(case.priority, 4),
        "restriction": case.restriction.to_dict() if case.restriction else None,
        "reports": [
            {**report_dict(w.report), "weight": weights[w.report.id]} for w in case.reports
        ],
    }


@router.post(
    "/v1/reports",
    status_code=201,
    summary="File a report against a link (idempotent per reporter and link)",
    responses={200: {"description": "This reporter had already reported this link."}},
)
def post_report(
    body: ReportIn,
    request: Request,
    response: Response,
    caller: Caller = Depends(require("integrator")),
) -> ReportOut:
    runtime: Runtime = request.app.state.runtime
    receipt = runtime.casework.file_report(ReportIntake(**body.model_dump()))
    if not receipt.created:
        response.status_code = 200
    return ReportOut(
        report_id=receipt.report.id,
        status=receipt.report.status,
        created=receipt.created,
        restricted=receipt.restricted is not None,
    )


@router.get("/v1/reports", summary="Reports; pending ones grouped by link in priority order")
def get_reports(
    request: Request,
    status: str = Query("pending", pattern="^(pending|upheld|rejected)$"),
    platform: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    caller: Caller = Depends(require("reviewer", "operator", "platform")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    platform = caller.platform_filter(platform)
    if status == "pending":
        cases = runtime.casework.queue(platform=platform, limit=limit)
        return {"status": status, "cases": [case_dict(c) for c in cases]}
    reports = runtime.casework.stores.reports.page(status=status, platform=platform, limit=limit)
    return {"status": status, "reports": [report_dict(r) for r in reports]}


@router.get("/v1/reports/{report_id}", summary="One report with its link's weighted case")
def get_report(
    report_id: str,
    request: Request,
    caller: Caller = Depends(require("reviewer", "operator", "platform")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    report = runtime.casework.stores.reports.get(report_id)
    if report is None or (caller.role == "platform" and report.platform != caller.platform_id):
        raise Problem(404, f"no report {report_id}")
    case = runtime.casework.link_case(report.url) if report.status == "pending" else None
    return {"report": report_dict(report), "case": case_dict(case) if case else None}


@router.post(
    "/v1/reports/{report_id}/review",
    summary="Uphold or reject (every pending report on the same link)",
)
def post_review(
    report_id: str,
    body: ReviewIn,
    request: Request,
    caller: Caller = Depends(require("reviewer")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    result = runtime.casework.review(
        report_id,
        outcome=body.outcome,
        category=body.category,
        note=body.note,
        by=caller.key_id,
    )
    if body.outcome == "upheld":
        acted = runtime.accounts.after_upheld([result["url"]])
        result["account_actions"] = [a.id for a in acted]
    return result
