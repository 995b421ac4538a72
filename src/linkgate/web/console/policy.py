"""Policy: edit and validate (every error located), diff against live, store, publish,
run a revision in shadow and see what it would change.

Storing and publishing go through the same store and :meth:`Runtime.publish`
as the HTTP API, so a publish from the console reaches every replica and is
audited the same way (actor ``console:<username>``). Bad input never loses
the text: the editor comes back with it and with every problem found.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linkgate import datafile
from linkgate.datafile import DataFileError
from linkgate.policy.diff import Change, diff
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.runtime import Runtime
from linkgate.shadow import shadow_report
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.access import ConsoleDenied, actor, viewer
from linkgate.web.console.registry import register
from linkgate.web.console.render import render
from linkgate.web.console.security import HEADERS

PAGE = register("policy", "/console/policy", "Policy", ("operator",), 20)
router = APIRouter(include_in_schema=False)
SEE = Depends(viewer(PAGE))
ACT = Depends(actor(PAGE))

EDITOR_FILE = "policy.yaml"
#: The shadow report on a revision's page covers this many days.
SHADOW_DAYS = 7


def live_text(runtime: Runtime) -> tuple[str, str]:
    """The live policy's YAML and revision (the bundled default when nothing was published)."""
    row = runtime.stores.policies.live()
    if row is not None:
        return row.content, row.revision
    return default_policy_path().read_text(encoding="utf-8"), runtime.gateway.snapshot.revision


def changes_from_live(runtime: Runtime, content: str) -> list[Change]:
    live, _ = live_text(runtime)
    return diff(datafile.loads(live, "live").data, datafile.loads(content, EDITOR_FILE).data)


def _page(
    request: Request,
    session: ConsoleSession,
    *,
    content: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    runtime: Runtime = request.app.state.runtime
    live, live_revision = live_text(runtime)
    store = runtime.stores.policies
    return render(
        request,
        "policy.html",
        session=session,
        page=PAGE,
        status=status,
        content=live if content is None else content,
        live_row=store.live(),
        live_revision=live_revision,
        history=store.history()[:50],
        **context,
    )


@router.get(PAGE.path)
async def policy_page(
    request: Request,
    published: str | None = None,
    session: ConsoleSession = SEE,
) -> Response:
    return _page(request, session, published=published)


@router.post(f"{PAGE.path}/check")
async def check_policy(request: Request, session: ConsoleSession = ACT) -> Response:
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    content = str(form.get("content") or "").replace("\r\n", "\n")
    action = str(form.get("action") or "validate")
    try:
        policy = parse_policy(content, EDITOR_FILE)
    except DataFileError as exc:
        return _page(request, session, content=content, status=422, problems=exc.problems)
    if action != "save":
        return _page(
            request,
            session,
            content=content,
            valid=policy.revision,
            changes=changes_from_live(runtime, content),
        )
    actor_name = f"console:{session.username}"
    runtime.stores.policies.add(policy.revision, policy.name, content, policy.path, actor_name)
    runtime.stores.audit.append(actor_name, "policy.add", policy.revision, {"name": policy.name})
    return RedirectResponse(
        f"{PAGE.path}/revisions/{policy.revision}", status_code=303, headers=dict(HEADERS)
    )


def _revision(runtime: Runtime, revision: str, session: ConsoleSession) -> Any:
    row = runtime.stores.policies.get(revision)
    if row is None:
        raise ConsoleDenied(404, f"no policy revision {revision!r}", session)
    return row


@router.get(f"{PAGE.path}/revisions/{{revision}}")
async def revision_page(revision: str, request: Request, session: ConsoleSession = SEE) -> Response:
    runtime: Runtime = request.app.state.runtime
    row = _revision(runtime, revision, session)
    _, live_revision = live_text(runtime)
    return render(
        request,
        "policy_revision.html",
        session=session,
        page=PAGE,
        row=row,
        live_revision=live_revision,
        changes=changes_from_live(runtime, row.content),
        shadow=runtime.stores.shadow.get(),
        shadow_report=_shadow_report(runtime, revision),
    )


def _shadow_report(runtime: Runtime, revision: str) -> dict[str, Any]:
    """This revision's shadow decisions of the last :data:`SHADOW_DAYS` days."""
    end = datetime.now(UTC)
    start = end - timedelta(days=SHADOW_DAYS)
    store = runtime.stores.shadow
    report = shadow_report(
        store.transitions(start, end, revision=revision),
        store.reason_counts(start, end, revision=revision),
    )
    return {"days": SHADOW_DAYS, **report}


@router.post(f"{PAGE.path}/revisions/{{revision}}/shadow")
async def shadow(revision: str, request: Request, session: ConsoleSession = ACT) -> Response:
    """Start (``action=start``) or stop (``action=stop``) deciding with this revision in shadow."""
    runtime: Runtime = request.app.state.runtime
    _revision(runtime, revision, session)
    form = await request.form()
    by = f"console:{session.username}"
    if form.get("action") == "stop":
        runtime.stop_shadow(by)
    else:
        runtime.start_shadow(revision, by)
    return RedirectResponse(
        f"{PAGE.path}/revisions/{revision}", status_code=303, headers=dict(HEADERS)
    )


@router.post(f"{PAGE.path}/revisions/{{revision}}/publish")
async def publish(revision: str, request: Request, session: ConsoleSession = ACT) -> Response:
    runtime: Runtime = request.app.state.runtime
    _revision(runtime, revision, session)
    runtime.publish(revision, f"console:{session.username}")
    return RedirectResponse(
        f"{PAGE.path}?published={revision}", status_code=303, headers=dict(HEADERS)
    )
