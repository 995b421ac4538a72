"""Policies: validate and store, history, structured diff, publish, shadow."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from linkgate import datafile
from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.api.schemas import PolicyIn, PolicyListOut, PolicyOut
from linkgate.periods import PeriodError, parse_period
from linkgate.policy.diff import diff
from linkgate.policy.loader import parse_policy
from linkgate.runtime import Runtime
from linkgate.shadow import shadow_report

router = APIRouter(tags=["policies"])

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/plain")


def _out(row: Any, live: str | None) -> PolicyOut:
    return PolicyOut(
        revision=row.revision,
        name=row.name,
        preset=row.preset,
        author=row.author,
        created_at=row.created_at,
        published_at=row.published_at,
        published_by=row.published_by,
        live=row.revision == live,
    )


async def _policy_input(request: Request) -> tuple[str, str | None]:
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in YAML_TYPES:
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            raise Problem(422, "the policy is not UTF-8 text") from None
    if kind in ("application/json", ""):
        try:
            body = PolicyIn.model_validate(json.loads(raw or b"null"))
        except ValueError as exc:
            raise Problem(
                422,
                "expected {content, author?} as JSON, or YAML with Content-Type application/yaml",
                errors=[{"field": "body", "message": str(exc).splitlines()[0]}],
            ) from None
        return body.content, body.author
    raise Problem(415, f"unsupported Content-Type {kind!r}; send application/yaml or JSON")


@router.post("/v1/policies", status_code=201, summary="Validate and store a policy revision")
async def post_policy(
    request: Request, response: Response, caller: Caller = Depends(require("operator"))
) -> PolicyOut:
    runtime: Runtime = request.app.state.runtime
    content, author = await _policy_input(request)
    policy = parse_policy(content, "policy.yaml")
    store = runtime.stores.policies
    row = store.add(policy.revision, policy.name, content, policy.path, author or caller.key_id)
    runtime.stores.audit.append(caller.key_id, "policy.add", policy.revision, {"name": policy.name})
    live = store.live()
    response.headers["Location"] = f"/v1/policies/{policy.revision}"
    return _out(row, live.revision if live else None)


@router.get("/v1/policies", summary="Policy revisions, newest first")
async def list_policies(
    request: Request, caller: Caller = Depends(require("operator"))
) -> PolicyListOut:
    runtime: Runtime = request.app.state.runtime
    store = runtime.stores.policies
    live = store.live()
    live_rev = live.revision if live else None
    return PolicyListOut(live=live_rev, items=[_out(r, live_rev) for r in store.history()])


@router.get("/v1/policies/shadow", summary="The policy revision in shadow, if any")
async def get_shadow(
    request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    setting = runtime.stores.shadow.get()
    return {"shadow": setting.to_dict() if setting is not None else None}


@router.delete("/v1/policies/shadow", summary="Stop deciding with the shadow policy")
async def stop_shadow(
    request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    stopped = runtime.stop_shadow(caller.key_id)
    if stopped is None:
        raise Problem(404, "no policy revision is in shadow", type_="no-shadow")
    return {"stopped": stopped.to_dict()}


@router.get("/v1/policies/shadow/report", summary="Live → shadow treatment moves")
async def shadow_report_endpoint(
    request: Request,
    start: str = Query(..., alias="from", description="A day (UTC) or an ISO 8601 time."),
    end: str = Query(..., alias="to", description="A day (counted whole) or a time (exclusive)."),
    kind: str = Query("share", pattern="^(share|open)$"),
    revision: str | None = Query(None, description="One shadow revision (default: all)."),
    caller: Caller = Depends(require("operator")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    try:
        period = parse_period(start, end)
    except PeriodError as exc:
        field = "to" if str(exc).startswith("to") else "from"
        raise Problem(422, str(exc), errors=[{"field": field, "message": str(exc)}]) from None
    store = runtime.stores.shadow
    setting = store.get()
    report = shadow_report(
        store.transitions(*period, kind=kind, revision=revision),
        store.reason_counts(*period, kind=kind, revision=revision),
    )
    return {
        "period": period.to_dict(),
        "kind": kind,
        "shadow": setting.to_dict() if setting is not None else None,
        "revisions": [revision] if revision is not None else store.revisions(*period),
        **report,
    }


def _row(runtime: Runtime, revision: str) -> Any:
    row = runtime.stores.policies.get(revision)
    if row is None:
        raise Problem(404, f"no policy revision {revision!r}")
    return row


@router.get("/v1/policies/{revision}", summary="One revision with its YAML")
async def get_policy(
    revision: str, request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    row = _row(runtime, revision)
    live = runtime.stores.policies.live()
    out = _out(row, live.revision if live else None).model_dump(mode="json")
    out["content"] = row.content
    return out


@router.get("/v1/policies/{revision}/diff", summary="Structured diff against another revision")
async def diff_policy(
    revision: str, against: str, request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    new = _row(runtime, revision)
    old = _row(runtime, against)
    changes = diff(datafile.loads(old.content, "old").data, datafile.loads(new.content, "new").data)
    return {
        "revision": revision,
        "against": against,
        "changes": [c.to_dict() for c in changes],
    }


@router.post("/v1/policies/{revision}/publish", summary="Make a revision live on every replica")
async def publish_policy(
    revision: str, request: Request, caller: Caller = Depends(require("operator"))
) -> PolicyOut:
    runtime: Runtime = request.app.state.runtime
    _row(runtime, revision)
    runtime.publish(revision, caller.key_id)
    return _out(_row(runtime, revision), revision)


@router.post(
    "/v1/policies/{revision}/shadow",
    summary="Decide every live request with this revision too, without enforcing it",
)
async def start_shadow(
    revision: str, request: Request, caller: Caller = Depends(require("operator"))
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    _row(runtime, revision)
    setting = runtime.start_shadow(revision, caller.key_id)
    return {"shadow": setting.to_dict()}
