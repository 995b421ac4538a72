"""Reading console forms: every field as typed, and problems worded for the page.

A form that cannot be carried out comes back on its page with the message
and with what was typed, so nothing is lost; :class:`FormProblem` carries
the field and the message there.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request

from linkgate.casework import CaseError
from linkgate.errors import RequestError
from linkgate.web.console.security import CSRF_FIELD

#: The API's limit on notes and reasons.
MAX_TEXT: Final = 4000


class FormProblem(Exception):
    """A form field that cannot be accepted; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


async def typed(request: Request) -> dict[str, str]:
    """The posted form's text fields, as typed (files and the CSRF token left out)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def text(values: dict[str, str], name: str, *, required: str | None = None) -> str:
    """A text field, stripped; ``required`` is the message when it is empty."""
    value = values.get(name, "").strip()
    if required is not None and not value:
        raise FormProblem(name, required)
    if len(value) > MAX_TEXT:
        raise FormProblem(name, f"at most {MAX_TEXT} characters (this has {len(value)})")
    return value


def choice(values: dict[str, str], name: str, allowed: tuple[str, ...], what: str) -> str:
    """One of ``allowed``; anything else is a problem naming the choices."""
    value = values.get(name, "")
    if value not in allowed:
        raise FormProblem(name, f"choose {what}: {' or '.join(allowed)}")
    return value


def refused(exc: Exception, failed: str, values: dict[str, str]) -> dict[str, Any]:
    """A page's arguments after a refused form: the status, the row that failed, why, and
    what was typed (shown again)."""
    return {
        "status": exc.status if isinstance(exc, CaseError) else 422,
        "failed": failed,
        "problem": refusal(exc),
        "values": values,
    }


def refusal(exc: Exception) -> FormProblem:
    """A domain refusal (bad field, missing or already-decided case) as a form problem."""
    if isinstance(exc, FormProblem):
        return exc
    if isinstance(exc, RequestError):
        return FormProblem(exc.field, exc.message)
    if isinstance(exc, CaseError):
        return FormProblem(exc.field or "", str(exc))
    raise exc
