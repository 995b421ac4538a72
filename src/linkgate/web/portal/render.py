"""Rendering portal pages: one Jinja2 environment, the navigation and the CSRF token."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from linkgate import __version__
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.security import CSRF_FIELD, HEADERS
from linkgate.web.i18n import CATEGORY_NAMES

#: The portal's pages in navigation order: (id, path, title).
PAGES: Final = (
    ("credit", "/portal/credit", "Credit"),
    ("reports", "/portal/reports", "Reports"),
    ("blocks", "/portal/blocks", "Blocks"),
    ("appeals", "/portal/appeals", "Appeals"),
    ("analytics", "/portal/analytics", "Analytics"),
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""


templates = Environment(
    loader=PackageLoader("linkgate.web", "templates/portal"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)
templates.filters["when"] = _when
templates.filters["category"] = lambda value: (
    f"{CATEGORY_NAMES['en'].get(value, value)} ({value})" if value else ""
)


def render(
    request: Request,
    name: str,
    *,
    session: ConsoleSession | None,
    page: str | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    html = templates.get_template(name).render(
        session=session,
        page=page,
        nav=PAGES if session is not None else (),
        csrf_field=CSRF_FIELD,
        csrf_token=session.csrf_token if session is not None else "",
        version=__version__,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=dict(HEADERS))
