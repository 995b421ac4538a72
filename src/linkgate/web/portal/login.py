"""Signing platform accounts in and out of the portal.

The check is the console's (:func:`~linkgate.web.console.login.check_sign_in`):
the same argon2 hashes, failure counts and lockouts, whichever door the
attempts come through. Only ``platform`` accounts bound to a platform may
sign in here; sign-ins and sign-outs are audited as ``portal:<username>``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from linkgate.runtime import Runtime
from linkgate.web.console.login import check_sign_in, login_form, sign_out
from linkgate.web.console.security import (
    CSRF_FIELD,
    HEADERS,
    client_address,
    login_token_ok,
    start_session,
)
from linkgate.web.portal.access import PORTAL, PortalDenied, portal_session
from linkgate.web.portal.render import PAGES, render

router = APIRouter(include_in_schema=False)

HOME = PAGES[0][1]


def safe_next(target: str | None) -> str | None:
    """Only paths inside the portal: never another site after signing in."""
    if not target or not target.startswith(("/portal/", "/portal?")):
        return None
    if any(c in target for c in "\\\r\n") or target.startswith("/portal//"):
        return None
    return target


@router.get("/portal/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if portal_session(request) is not None:
        return RedirectResponse(safe_next(next) or HOME, 303, headers=dict(HEADERS))
    return login_form(request, render, PORTAL, next_path=safe_next(next))


@router.post("/portal/login")
async def login(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    given = str(form.get("username") or "")
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    if not login_token_ok(request, str(form.get(CSRF_FIELD) or ""), PORTAL):
        raise PortalDenied(
            403, "the sign-in form has expired or did not come from the portal; reload it"
        )
    client = client_address(request)
    attempt = await check_sign_in(runtime, given, password, client)
    user = attempt.user
    if user is None:
        return login_form(
            request,
            render,
            PORTAL,
            status=attempt.status,
            error=attempt.error,
            username=given,
            next_path=next_path,
        )
    if user.role != "platform" or not user.platform_id:
        return login_form(
            request,
            render,
            PORTAL,
            status=403,
            error="this account signs in to the operator console at /console/",
            username=given,
            next_path=next_path,
        )
    runtime.stores.users.record_login(user.username)
    runtime.stores.audit.append(
        f"portal:{user.username}",
        "portal.login",
        f"user:{user.username}",
        {"client": client, "platform": user.platform_id},
    )
    response = RedirectResponse(next_path or HOME, status_code=303, headers=dict(HEADERS))
    start_session(response, runtime, user.username, client, PORTAL)
    return response


@router.post("/portal/logout")
async def logout(request: Request) -> Response:
    return await sign_out(request, "portal", portal_session(request), PORTAL, PortalDenied)


@router.get("/portal")
@router.get("/portal/")
async def portal_home(request: Request) -> Response:
    target = HOME if portal_session(request) is not None else "/portal/login"
    return RedirectResponse(target, status_code=303, headers=dict(HEADERS))
