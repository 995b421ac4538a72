"""Reporting a link from its own page: ``GET/POST /l/{token}/report``.

The warning, copy-only and blocked pages link to a form listing the report
reasons users know. Posting it files a real report through casework, with
the same rules as ``POST /v1/reports``: one report per reporter and link,
and a per-reporter rate limit (a friendly page with ``Retry-After``).

Who reports: shim tokens name where a link was shared, never who opens it
(one shared link reaches many people), so the reporter is this browser: a
random id in the signed cookie ``linkgate_reporter`` (``HttpOnly``,
``SameSite=Lax``, limited to ``/l``), pseudonymised like any reporter.

CSRF: the form carries a token signed over that browser id and the link's
shim token, valid for an hour. A post without it, with another browser's,
or for another link, is refused (403) and files nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from linkgate.api.routes.shim import claims_of, refused, render
from linkgate.casework import RateLimited, ReportIntake
from linkgate.errors import RequestError
from linkgate.opening.keys import ShimKeys, ShimTokenError, sign_payload, str_field, verify_payload
from linkgate.opening.nonce import digest_token
from linkgate.opening.shim import ShimClaims
from linkgate.runtime import Runtime
from linkgate.vocabulary import REPORT_CATEGORIES
from linkgate.web.i18n import CATEGORY_NAMES, REPORT_REASONS, TEXTS, language

router = APIRouter(tags=["link shim"])

REPORTER_COOKIE: Final = "linkgate_reporter"
REPORTER_COOKIE_SECONDS: Final = 365 * 24 * 3600
FORM_SECONDS: Final = 3600
COMMENT_MAX: Final = 500
CSRF_FIELD: Final = "csrf_token"
_REPORTER_PURPOSE: Final = b"linkgate.reporter.v1"
_FORM_PURPOSE: Final = b"linkgate.report-form.v1"


def _browser_id(request: Request, keys: ShimKeys) -> str | None:
    cookie = request.cookies.get(REPORTER_COOKIE)
    if not cookie:
        return None
    try:
        return str_field(verify_payload(_REPORTER_PURPOSE, cookie, keys), "b")
    except ShimTokenError:
        return None


def _binding(browser: str, token: str) -> str:
    """What a form token is bound to: this browser and this link."""
    return hashlib.sha256(f"{browser}\n{digest_token(token)}".encode()).hexdigest()[:32]


def form_token(browser: str, token: str, keys: ShimKeys, now: int) -> str:
    return sign_payload(_FORM_PURPOSE, {"b": _binding(browser, token), "t": now}, keys)


def form_token_ok(value: str, browser: str | None, token: str, keys: ShimKeys, now: int) -> bool:
    if not value or browser is None:
        return False
    try:
        payload = verify_payload(_FORM_PURPOSE, value, keys)
        bound = str_field(payload, "b")
    except ShimTokenError:
        return False
    issued = payload.get("t")
    if not isinstance(issued, int) or not 0 <= now - issued <= FORM_SECONDS:
        return False
    return hmac.compare_digest(bound, _binding(browser, token))


def _wait(seconds: int, lang: str) -> str:
    texts = TEXTS[lang]
    if seconds < 60:
        return texts["seconds"].format(n=seconds)
    return texts["minutes"].format(n=(seconds + 59) // 60)


def _form(
    request: Request,
    runtime: Runtime,
    token: str,
    claims: ShimClaims,
    *,
    status: int = 200,
    error: str | None = None,
    chosen: str = "",
    comment: str = "",
) -> Response:
    browser = _browser_id(request, runtime.keys)
    fresh = browser is None
    if browser is None:
        browser = secrets.token_urlsafe(24)
    lang = language(request.headers.get("accept-language"))
    response = render(
        "report.html",
        request,
        status,
        state="report",
        token=token,
        url=claims.url,
        reasons=[(c, CATEGORY_NAMES[lang][c]) for c in REPORT_REASONS],
        chosen=chosen,
        comment=comment,
        error=error,
        comment_max=COMMENT_MAX,
        csrf_field=CSRF_FIELD,
        csrf_token=form_token(browser, token, runtime.keys, int(time.time())),
    )
    if fresh:
        response.set_cookie(
            REPORTER_COOKIE,
            sign_payload(_REPORTER_PURPOSE, {"b": browser}, runtime.keys),
            max_age=REPORTER_COOKIE_SECONDS,
            path="/l",
            httponly=True,
            samesite="lax",
            secure=runtime.settings.public_url.lower().startswith("https://"),
        )
    return response


@router.get(
    "/l/{token}/report",
    summary="The report form of a shared link",
    response_class=HTMLResponse,
)
async def report_form(token: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    claims = claims_of(runtime, token)
    if isinstance(claims, ShimTokenError):
        return refused(request, claims)
    return _form(request, runtime, token, claims)


@router.post(
    "/l/{token}/report",
    summary="File a report against a shared link",
    response_class=HTMLResponse,
    responses={201: {"description": "The report was filed", "content": {"text/html": {}}}},
)
async def file_report(token: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    claims = claims_of(runtime, token)
    if isinstance(claims, ShimTokenError):
        return refused(request, claims)
    form = await request.form()
    browser = _browser_id(request, runtime.keys)
    if not form_token_ok(
        str(form.get(CSRF_FIELD) or ""), browser, token, runtime.keys, int(time.time())
    ):
        return render("report_done.html", request, 403, state="expired", token=token)
    assert browser is not None
    lang = language(request.headers.get("accept-language"))
    category = str(form.get("category") or "")
    comment = str(form.get("comment") or "").strip()
    if category not in REPORT_CATEGORIES:
        return _form(
            request,
            runtime,
            token,
            claims,
            status=422,
            error=TEXTS[lang]["report_choose"],
            comment=comment,
        )
    if len(comment) > COMMENT_MAX:
        return _form(
            request,
            runtime,
            token,
            claims,
            status=422,
            error=TEXTS[lang]["report_comment_long"],
            chosen=category,
            comment=comment,
        )
    intake = ReportIntake(
        url=claims.url,
        category=category,
        reporter=f"browser:{browser}",
        channel=claims.channel,
        group=claims.group,
        comment=comment or None,
    )
    try:
        receipt = runtime.casework.file_report(intake)
    except RateLimited as exc:
        return render(
            "report_done.html",
            request,
            429,
            headers={"Retry-After": str(exc.retry_after)},
            state="limited",
            token=token,
            wait=_wait(exc.retry_after, lang),
        )
    except RequestError as exc:
        return _form(request, runtime, token, claims, status=422, error=exc.message)
    return render(
        "report_done.html",
        request,
        201 if receipt.created else 200,
        state="reported",
        token=token,
        report_id=receipt.report.id,
        created=receipt.created,
        category_name=CATEGORY_NAMES[lang][receipt.report.category],
    )
