"""``POST /v1/previews``: a shared link's title, description and ``og:`` tags."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.preview import PreviewRefused
from linkgate.runtime import Runtime

router = APIRouter(tags=["previews"])

#: HTTP status of a refused preview, by reason: the link's fault (422), the site's (502, 504).
STATUS: Final = {
    "invalid_url": 422,
    "unsupported_scheme": 422,
    "blocked_link": 422,
    "private_address": 422,
    "dns_failed": 502,
    "connect_failed": 502,
    "tls_error": 502,
    "too_many_redirects": 502,
    "bad_redirect": 502,
    "http_error": 502,
    "not_html": 502,
    "too_large": 502,
    "bad_response": 502,
    "timeout": 504,
}


class PreviewIn(BaseModel):
    url: str = Field(min_length=1, description="The link as shared.")


@router.post("/v1/previews", summary="Fetch a shared link's preview (GET only, cached)")
def create_preview(
    body: PreviewIn,
    request: Request,
    caller: Caller = Depends(require("integrator")),
) -> dict[str, Any]:
    runtime: Runtime = request.app.state.runtime
    if len(body.url) > runtime.settings.max_url_length:
        raise Problem(
            414,
            f"url is {len(body.url)} characters; the limit is {runtime.settings.max_url_length}",
            type_="url-too-long",
            errors=[{"field": "url", "message": "too long"}],
        )
    try:
        preview = runtime.previews.fetch(body.url)
    except PreviewRefused as refused:
        raise Problem(
            STATUS.get(refused.reason, 502),
            f"{refused.reason}: {refused.detail}",
            type_=f"preview-{refused.reason.replace('_', '-')}",
            errors=[{"field": "url", "message": refused.reason, "url": refused.url}],
        ) from None
    runtime.remember_preview(body.url, preview.title, preview.description)
    out = preview.to_dict()
    signals = runtime.gateway.content_signals(preview.title, preview.description)
    out["content"] = [
        {"category": c.category, "score": round(c.score, 4), "detail": c.detail} for c in signals
    ]
    return out
