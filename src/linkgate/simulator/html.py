"""HTML for the simulator's reports: Jinja2 templates, autoescaped, no external assets."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("linkgate.simulator", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["n"] = lambda value: f"{value:,.0f}" if isinstance(value, int | float) else value
_env.filters["pct"] = lambda value: f"{100 * value:.1f}%" if isinstance(value, int | float) else ""
_env.filters["signed"] = lambda value: f"{value:+,.0f}" if isinstance(value, int | float) else ""


def render(template: str, **context: Any) -> str:
    """Render one of the simulator's templates."""
    return _env.get_template(template).render(**context)
