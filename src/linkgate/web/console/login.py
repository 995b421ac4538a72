"""Signing in and out of the console, with lockouts after repeated failures.

A username is locked after ``console_max_failures`` failed sign-ins within
``console_lockout_seconds``, and a client address after
``console_client_max_failures``; both locks end by themselves (see
:mod:`linkgate.web.console.lockout`). Unknown usernames count like known
ones, and the answer to a failed sign-in never says which part was wrong.
Sign-ins, sign-outs and lockouts are written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.storage.console_users import ConsoleUser, check_username
from linkgate.web.console.access import ConsoleDenied
from linkgate.web.console.lockout import locked_until
from linkgate.web.console.passwords import hash_password, needs_rehash, verify_password
from linkgate.web.console.registry import home
from linkgate.web.console.render import render
from linkgate.web.console.security import (
    CONSOLE,
    CSRF_FIELD,
    HEADERS,
    Door,
    client_address,
    csrf_ok,
    current_session,
    end_session,
    login_token,
    login_token_ok,
    set_login_cookie,
    start_session,
)

router = APIRouter(include_in_schema=False)

WRONG: Final = "wrong username or password"


def _safe_next(target: str | None) -> str | None:
    """Only paths inside the console: never another site after signing in."""
    if not target or not (target == "/console" or target.startswith(("/console/", "/console?"))):
        return None
    if any(c in target for c in "\\\r\n"):
        return None
    return target


def login_form(
    request: Request,
    page: Callable[..., Response],
    door: Door,
    *,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    next_path: str | None = None,
) -> Response:
    """The sign-in form of ``door``, drawn by its ``page`` renderer, with its CSRF token
    (and the cookie that token is bound to, when the browser has none yet)."""
    runtime: Runtime = request.app.state.runtime
    token, fresh = login_token(request, door)
    response = page(
        request,
        "login.html",
        session=None,
        status=status,
        error=error,
        username=username,
        next_path=next_path or "",
        login_token=token,
    )
    if fresh is not None:
        set_login_cookie(response, runtime, fresh, door)
    return response


def _wait(left: timedelta) -> str:
    seconds = max(1, int(left.total_seconds() + 0.999))
    if seconds < 60:
        return f"{seconds} second{'s' * (seconds != 1)}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minute{'s' * (minutes != 1)}"


def _lock_end(runtime: Runtime, username: str, client: str, now: datetime) -> datetime | None:
    settings = runtime.settings
    window = timedelta(seconds=settings.console_lockout_seconds)
    failures = runtime.stores.login_failures
    ends = [
        locked_until(
            failures.since(now - window, username=username),
            settings.console_max_failures,
            window,
            now,
        ),
        locked_until(
            failures.since(now - window, client=client),
            settings.console_client_max_failures,
            window,
            now,
        ),
    ]
    found = [end for end in ends if end is not None]
    return max(found) if found else None


def _record_failure(runtime: Runtime, username: str, client: str) -> None:
    settings = runtime.settings
    window = timedelta(seconds=settings.console_lockout_seconds)
    failures = runtime.stores.login_failures
    at = failures.add(username, client, window)
    for key, kind, limit in (
        (username, "username", settings.console_max_failures),
        (client, "client", settings.console_client_max_failures),
    ):
        since = failures.since(at - window, **{kind: key})
        if len(since) == limit:
            runtime.stores.audit.append(
                "console",
                "console.lockout",
                f"{kind}:{key}",
                {"failures": limit, "until": (at + window).isoformat(timespec="seconds")},
            )


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of checking a username and password: the user, or a status and an error."""

    user: ConsoleUser | None
    status: int = 200
    error: str | None = None


async def check_sign_in(runtime: Runtime, given: str, password: str, client: str) -> SignIn:
    """Check a sign-in against the lockouts and the stored hash (the console's and the
    portal's); failures are counted, a success clears them and upgrades an old hash.

    Which roles may sign in where is for the caller to check.
    """
    try:
        username = check_username(given)
    except ValueError:
        username = given.strip().lower()[:64] or "-"
    now = datetime.now(UTC)
    until = _lock_end(runtime, username, client, now)
    if until is not None:
        return SignIn(None, 429, f"too many failed sign-ins; try again in {_wait(until - now)}")
    found = runtime.stores.users.credentials(username)
    stored_hash = found[1] if found is not None and found[0].active else None
    ok = await run_in_threadpool(verify_password, stored_hash, password)
    if not ok or found is None:
        _record_failure(runtime, username, client)
        return SignIn(None, 401, WRONG)
    user, password_hash = found
    runtime.stores.login_failures.clear(user.username)
    if needs_rehash(password_hash):
        rehashed = await run_in_threadpool(hash_password, password)
        runtime.stores.users.set_password_hash(user.username, rehashed)
    return SignIn(user)


@router.get("/console/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    session = current_session(request)
    if session is not None:
        landing = home(session.role)
        if landing is not None:
            return RedirectResponse(_safe_next(next) or landing.path, 303, headers=dict(HEADERS))
    return login_form(request, render, CONSOLE, next_path=_safe_next(next))


@router.post("/console/login")
async def login(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    given = str(form.get("username") or "")
    password = str(form.get("password") or "")
    next_path = _safe_next(str(form.get("next") or ""))
    if not login_token_ok(request, str(form.get(CSRF_FIELD) or "")):
        raise ConsoleDenied(
            403, "the sign-in form has expired or did not come from the console; reload it"
        )
    client = client_address(request)
    attempt = await check_sign_in(runtime, given, password, client)
    user = attempt.user
    if user is None or user.role == "platform":
        status, error = (
            (attempt.status, attempt.error)
            if user is None
            else (403, "platform accounts sign in to the platform portal at /portal/")
        )
        return login_form(
            request,
            render,
            CONSOLE,
            status=status,
            error=error,
            username=given,
            next_path=next_path,
        )
    runtime.stores.users.record_login(user.username)
    runtime.stores.audit.append(
        f"console:{user.username}", "console.login", f"user:{user.username}", {"client": client}
    )
    landing = home(user.role)
    target = next_path or (landing.path if landing is not None else "/console/login")
    response = RedirectResponse(target, status_code=303, headers=dict(HEADERS))
    start_session(response, runtime, user.username, client)
    return response


async def sign_out(
    request: Request,
    area: str,
    session: ConsoleSession | None,
    door: Door,
    denied: Callable[[int, str, ConsoleSession], Exception],
) -> Response:
    """End ``session`` in ``area`` (``console`` or ``portal``) if the form carries its CSRF
    token, audited as ``{area}.logout``; ``denied`` makes the refusal when it does not."""
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    token = form.get(CSRF_FIELD)
    login = f"/{area}/login"
    if session is None:
        return RedirectResponse(login, status_code=303, headers=dict(HEADERS))
    if not csrf_ok(session, token if isinstance(token, str) else None):
        raise denied(
            403, f"this form did not come from the {area}; you are still signed in", session
        )
    response = RedirectResponse(login, status_code=303, headers=dict(HEADERS))
    end_session(request, response, door)
    runtime.stores.audit.append(
        f"{area}:{session.username}", f"{area}.logout", f"user:{session.username}", {}
    )
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    return await sign_out(request, "console", current_session(request), CONSOLE, ConsoleDenied)


@router.get("/console")
@router.get("/console/")
async def console_home(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/console/login", status_code=303, headers=dict(HEADERS))
    landing = home(session.role)
    if landing is None:
        raise ConsoleDenied(403, f"the {session.role} role has no console pages", session)
    return RedirectResponse(landing.path, status_code=303, headers=dict(HEADERS))
