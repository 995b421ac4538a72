"""The link shim: ``GET /l/{token}`` decides again at click time; never an open redirect.

A shared link is rewritten to ``/l/<signed token>``. Opening it verifies the
token (tampered, unsigned or expired tokens get a 4xx page and no redirect),
decides the link again with the current snapshot, and then redirects (302),
or shows the interstitial, copy-only or blocked page. "Continue" on the
interstitial is a POST carrying a one-time nonce, so link-preview fetchers
(which only GET or HEAD) never count as opens and never reach the target.
"""

from __future__ import annotations

import re
import time
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from linkgate.api.problems import Problem
from linkgate.api.routes.decisions import decide_one
from linkgate.opening import capability_ticket
from linkgate.opening.keys import ShimTokenError
from linkgate.opening.nonce import check_nonce, digest_token, issue_nonce
from linkgate.opening.shim import ShimClaims, is_shim_target, verify
from linkgate.policy.decision import Decision
from linkgate.runtime import Runtime
from linkgate.web.i18n import CATEGORY_NAMES, STAGE_NAMES, STAGE_TEXTS, TEXTS, language

router = APIRouter(tags=["link shim"])

templates = Environment(
    loader=PackageLoader("linkgate.web", "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)

# User agents of link-preview fetchers (chat apps and social sites unfurling links).
PREVIEW_AGENTS = re.compile(
    r"bot|crawler|spider|preview|facebookexternalhit|whatsapp|telegram|slack|discord|"
    r"twitterbot|linkedin|skype|embedly|quora|pinterest|vkshare|w3c_validator|"
    r"linkgate-preview",
    re.IGNORECASE,
)
TOKEN_STATUS = {"expired": 410, "future": 403, "unknown_key": 403, "bad_signature": 403}
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def is_preview(request: Request) -> bool:
    """A preview fetch (HEAD, a prefetch, or an unfurling bot) — never an open."""
    if request.method == "HEAD":
        return True
    purpose = request.headers.get("sec-purpose", "") + request.headers.get("purpose", "")
    if "prefetch" in purpose.lower() or "preview" in purpose.lower():
        return True
    return bool(PREVIEW_AGENTS.search(request.headers.get("user-agent", "")))


_HOST = re.compile(r"[a-z0-9.-]+")
_IPV6 = re.compile(r"[0-9a-f:.]+")


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, or None when it cannot be written safely."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https"):
        return None
    if _IPV6.fullmatch(host) and ":" in host:
        host = f"[{host}]"
    elif not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def continue_policy(url: str) -> str:
    """The page's CSP with ``form-action`` admitting the target's origin.

    Browsers apply ``form-action`` to the redirect that follows the continue
    POST too, so the interstitial must allow exactly where the link goes.
    """
    allowed = _origin(url) or "http: https:"
    return HEADERS["Content-Security-Policy"].replace(
        "form-action 'self'", f"form-action 'self' {allowed}"
    )


def render(
    name: str,
    request: Request,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language(request.headers.get("accept-language"))
    html = templates.get_template(name).render(t=TEXTS[lang], lang=lang, **context)
    return HTMLResponse(
        html,
        status_code=status,
        headers={**HEADERS, "Content-Language": TEXTS[lang]["lang"], **(headers or {})},
    )


def claims_of(runtime: Runtime, token: str) -> ShimClaims | ShimTokenError:
    try:
        return verify(
            token, runtime.keys, now=int(time.time()), max_age=runtime.settings.shim_max_age
        )
    except ShimTokenError as exc:
        return exc


def refused(request: Request, error: ShimTokenError) -> HTMLResponse:
    status = TOKEN_STATUS.get(error.code, 400)
    return render("invalid.html", request, status, state="invalid", expired=error.code == "expired")


def _redecide(runtime: Runtime, claims: ShimClaims, kind: str) -> Decision:
    fields = {
        "url": claims.input or claims.url,
        "channel": claims.channel,
        "group": claims.group,
        "at": None,
        "content_category": claims.content,
    }
    return decide_one(runtime, fields, kind=kind)


def _target(runtime: Runtime, decision: Decision) -> str:
    """Where an openable link goes; a rich page carries its capability ticket in the fragment."""
    url = decision.url or ""
    if not is_shim_target(url):  # never a Location header that could mean something else
        raise Problem(400, "this link cannot be opened through the shim", type_="not-openable")
    if decision.treatment in ("rich_page", "mini_program") and decision.platform:
        ticket = capability_ticket.issue(
            decision.decision_id,
            url,
            decision.capabilities,
            decision.platform,
            runtime.keys,
            int(time.time()),
        )
        return f"{url}#linkgate_ticket={ticket}"
    return url


def _blocked_by(decision: Decision, lang: str) -> tuple[str, str]:
    """The category a blocked page names, and a fallback text for it.

    A decision's own category (a threat list's, a content check's, an
    enforcement's) comes first; otherwise the stage that blocked the link.
    """
    stage = next((c.stage for c in decision.trace if c.treatment == "blocked"), None)
    fallback = STAGE_TEXTS[lang].get(stage or "") or TEXTS[lang]["blocked_text"]
    if decision.category:
        return CATEGORY_NAMES[lang].get(decision.category, decision.category), fallback
    return STAGE_NAMES[lang].get(stage or "", TEXTS[lang]["blocked_title"]), fallback


def _page(runtime: Runtime, request: Request, token: str, decision: Decision) -> Response:
    lang = language(request.headers.get("accept-language"))
    reason_text = decision.reason_text.get(lang) if decision.reason_text else None
    if decision.interstitial == "blocked":
        category, text = _blocked_by(decision, lang)
        return render(
            "blocked.html",
            request,
            state="blocked",
            reason_text=reason_text or text,
            category_name=category,
            reference=decision.decision_id,
            token=token,
        )
    if decision.interstitial == "copy_only":
        return render(
            "copy_only.html",
            request,
            state="copy_only",
            url=decision.url,
            token=token,
            reason_text=reason_text,
        )
    nonce = issue_nonce(digest_token(token), runtime.keys, int(time.time()))
    return render(
        "warn.html",
        request,
        headers={"Content-Security-Policy": continue_policy(decision.url or "")},
        state="warn",
        url=decision.url,
        token=token,
        nonce=nonce,
        reason_text=reason_text
        if decision.reasons and decision.reasons[0] != "competitor_platform"
        else None,
    )


_HTML: Final[dict[str, Any]] = {"content": {"text/html": {}}}
#: What the link shim answers: a redirect to the signed target, or a page (HTML).
SHIM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "The interstitial, copy-only or blocked page", **_HTML},
    302: {"description": "Redirect to the signed target"},
    303: {"description": "Redirect to the signed target"},
    **{
        status: {"description": "The token is refused (tampered, expired, unknown key)", **_HTML}
        for status in sorted(set(TOKEN_STATUS.values()) | {400})
    },
}


@router.head("/l/{token}", include_in_schema=False)
@router.get(
    "/l/{token}",
    summary="Open a shared link (decided again now)",
    response_class=HTMLResponse,
    responses=SHIM_RESPONSES,
)
async def open_link(token: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    claims = claims_of(runtime, token)
    if isinstance(claims, ShimTokenError):
        return refused(request, claims)
    preview = is_preview(request)
    decision = _redecide(runtime, claims, "preview" if preview else "open")
    if decision.interstitial == "none" and decision.treatment not in ("copy_only", "blocked"):
        if preview:
            return render(
                "copy_only.html",
                request,
                state="preview",
                url=decision.url,
                token=token,
                reason_text=None,
            )
        return RedirectResponse(_target(runtime, decision), status_code=302, headers=HEADERS)
    return _page(runtime, request, token, decision)


@router.post(
    "/l/{token}/continue",
    summary="Continue past the interstitial (one-time nonce)",
    response_class=HTMLResponse,
    responses=SHIM_RESPONSES,
)
async def continue_link(token: str, request: Request, nonce: str = Form("")) -> Response:
    runtime: Runtime = request.app.state.runtime
    claims = claims_of(runtime, token)
    if isinstance(claims, ShimTokenError):
        return refused(request, claims)
    try:
        nonce_id = check_nonce(nonce, digest_token(token), runtime.keys, int(time.time()))
    except ShimTokenError as exc:
        return refused(request, exc)
    if not runtime.claim_nonce(nonce_id):
        return refused(request, ShimTokenError("expired"))
    decision = _redecide(runtime, claims, "continue")
    if decision.treatment in ("copy_only", "blocked"):
        return _page(runtime, request, token, decision)
    return RedirectResponse(_target(runtime, decision), status_code=303, headers=HEADERS)
