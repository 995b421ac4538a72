"""Capability tickets for H5 pages, the way the JS-SDK ``wx.config`` model works.

A platform's backend obtains a ticket (cached, valid 7200 s) and asks for the
page configuration of a URL on one of its JS-API safe domains; ``jsApiList``
is cut to what the current decision grants for that URL.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.api.routes.decisions import decide_one
from linkgate.api.schemas import JsapiConfigIn, JsapiTicketOut
from linkgate.opening.jsapi import (
    TICKET_TTL,
    Ticket,
    build_config,
    issue_ticket,
    new_noncestr,
    url_in_safe_domains,
)
from linkgate.runtime import Runtime

router = APIRouter(tags=["open API"])

REFRESH_MARGIN = 300  # hand out a new ticket when the cached one has less left than this


def _platform_of(caller: Caller) -> str:
    if caller.platform_id is None:
        raise Problem(
            403,
            "this endpoint needs a platform key (keys create --platform P)",
            type_="platform-key-required",
        )
    return caller.platform_id


def ticket_for(runtime: Runtime, platform_id: str) -> Ticket:
    now = int(time.time())
    found, ticket = runtime.key_cache.get(("jsapi-ticket", platform_id))
    if found and ticket.expires_at - now > REFRESH_MARGIN:
        return ticket  # type: ignore[no-any-return]
    fresh = issue_ticket(platform_id, runtime.keys, now, TICKET_TTL)
    runtime.key_cache.put(("jsapi-ticket", platform_id), fresh)
    return fresh


@router.get("/v1/jsapi/ticket", summary="A JS-API ticket for the calling platform (7200 s)")
async def get_ticket(
    request: Request, caller: Caller = Depends(require("platform", admin=False))
) -> JsapiTicketOut:
    runtime: Runtime = request.app.state.runtime
    ticket = ticket_for(runtime, _platform_of(caller))
    return JsapiTicketOut(
        ticket=ticket.value,
        expires_in=max(0, ticket.expires_at - int(time.time())),
        expires_at=datetime.fromtimestamp(ticket.expires_at, UTC),
    )


@router.post("/v1/jsapi/config", summary="Signed page configuration for a URL")
async def post_config(
    body: JsapiConfigIn,
    request: Request,
    caller: Caller = Depends(require("platform", admin=False)),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    platform_id = _platform_of(caller)
    platform = runtime.gateway.snapshot.inspector.registry.get(platform_id)
    if platform is None:
        raise Problem(404, f"platform {platform_id!r} is not registered")
    if not url_in_safe_domains(body.url, platform.jsapi_safe_domains):
        raise Problem(
            403,
            f"{body.url} is not on a JS-API safe domain of {platform_id}",
            type_="not-a-safe-domain",
            errors=[{"field": "url", "message": "not on a JS-API safe domain"}],
        )
    decision = decide_one(
        runtime, {"url": body.url, "channel": body.channel, "at": None}, kind="jsapi"
    )
    granted = decision.capabilities if decision.platform == platform_id else ()
    ticket = ticket_for(runtime, platform_id)
    config = build_config(
        platform_id,
        body.url,
        ticket.value,
        granted,
        body.js_api_list,
        int(time.time()),
        new_noncestr(),
    )
    return {**config, "treatment": decision.treatment, "decision_id": decision.decision_id}
