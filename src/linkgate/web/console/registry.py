"""The console's pages: each page module registers itself; the navigation is built from here.

A page has an id, a path, a title and the roles that may open it (as in the
API: ``admin`` may open every page). Adding a page is one module that calls
:func:`register` and adds its routes to the console router; the navigation,
the role checks and the "every form carries a CSRF token" test pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkgate.api.auth import Role


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    path: str
    title: str
    roles: frozenset[str]
    order: int

    def allows(self, role: str) -> bool:
        return role == "admin" or role in self.roles


_PAGES: dict[str, Page] = {}


def register(id: str, path: str, title: str, roles: tuple[Role, ...], order: int) -> Page:
    """Add a page (ids and paths are unique); returns it for the module's routes to use."""
    page = Page(id, path, title, frozenset(roles), order)
    clash = _PAGES.get(id)
    if clash is not None and clash != page:
        raise ValueError(f"console page {id!r} is registered twice")
    if any(p.path == path and p.id != id for p in _PAGES.values()):
        raise ValueError(f"console path {path!r} is registered twice")
    _PAGES[id] = page
    return page


def pages() -> list[Page]:
    """Every registered page, in navigation order."""
    return sorted(_PAGES.values(), key=lambda p: (p.order, p.id))


def navigation(role: str) -> list[Page]:
    """The pages ``role`` may open, in order."""
    return [page for page in pages() if page.allows(role)]


def home(role: str) -> Page | None:
    """Where a user with ``role`` lands after signing in."""
    visible = navigation(role)
    return visible[0] if visible else None
