"""The platform portal: a platform's own credit, reports, blocks, appeals and link analytics.

People from a third-party platform sign in at ``/portal/`` with a username
and password (``linkgate users create --role platform --platform ID``). The
sign-in check, sessions, CSRF tokens and lockouts are the console's
(:mod:`linkgate.web.console`), behind the portal's own cookie; every page
shows the signed-in account's platform only. ``access`` turns the session
into page dependencies; ``render`` draws ``web/templates/portal``; one module
per page.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from linkgate.web.portal import access, analytics, appeals, blocks, credit, login, reports

router = APIRouter(include_in_schema=False)
for _module in (login, credit, reports, blocks, appeals, analytics):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    """Add the portal's routes and its error pages to ``app``."""
    access.install(app)
    app.include_router(router)
