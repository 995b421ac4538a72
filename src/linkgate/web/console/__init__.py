"""The operator console: server-rendered pages behind a username and password.

One module per page (``dashboard``, ``policy``, ``rollout``, ``reports``,
``appeals``, ``platforms``, ``enforcement``, ``audit``), each
registering itself in :mod:`~linkgate.web.console.registry`, which builds the
navigation and says which roles may open what. ``login`` signs people in
and out (argon2 passwords, lockouts); ``security`` holds the session cookie
and CSRF tokens; ``access`` turns both into page dependencies; ``render``
draws the templates in ``web/templates/console``. Charts are inline SVG
from :mod:`linkgate.web.charts`: nothing is loaded from anywhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from linkgate.web.console import (
    access,
    appeals,
    audit,
    dashboard,
    enforcement,
    login,
    platforms,
    policy,
    reports,
    rollout,
)

router = APIRouter(include_in_schema=False)
for _module in (login, dashboard, policy, rollout, reports, appeals, platforms, enforcement, audit):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    """Add the console's routes and its error pages to ``app``."""
    access.install(app)
    app.include_router(router)
