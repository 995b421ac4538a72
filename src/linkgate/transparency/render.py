"""The transparency report written out: ``transparency.html`` (tables and per-day
charts as embedded PNGs, no external assets), ``transparency.json`` and two CSV
files, ``transparency-daily.csv`` and ``transparency-categories.csv``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from linkgate.simulator.charts import SERIES, data_uri
from linkgate.transparency.report import CATEGORY_COLUMNS, DAILY_COLUMNS

FILES: Final = (
    "transparency.html",
    "transparency.json",
    "transparency-daily.csv",
    "transparency-categories.csv",
)
#: The charts: title, y label, and the daily columns drawn (series name → column).
CHARTS: Final[tuple[tuple[str, str, dict[str, str]], ...]] = (
    (
        "Links handled",
        "share decisions",
        {"blocked": "links_blocked", "copy-only": "links_copy_only", "warned": "links_warned"},
    ),
    ("Domains blocked", "domains", {"domains blocked": "domains_blocked"}),
    (
        "Accounts acted on",
        "actions",
        {
            "warned": "accounts_warned",
            "restricted": "accounts_restricted",
            "banned": "accounts_banned",
            "permanently banned": "accounts_permanently_banned",
        },
    ),
    (
        "Reports",
        "reports",
        {"received": "reports_received", "upheld": "reports_upheld"},
    ),
    ("Appeals", "appeals", {"filed": "appeals_filed", "granted": "appeals_granted"}),
    ("Median time to review", "hours", {"median hours": "median_hours_to_review"}),
)

_env = Environment(
    loader=PackageLoader("linkgate.transparency", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["n"] = lambda value: f"{value:,.0f}" if isinstance(value, int | float) else "—"
_env.filters["hours"] = lambda value: f"{value:,.1f} h" if isinstance(value, int | float) else "—"


def daily_bars(
    title: str, days: Sequence[date], series: dict[str, list[float]], ylabel: str
) -> str:
    """One bar chart per series, stacked one above the other on the same days (a day
    without a value has no bar)."""
    fig = Figure(figsize=(9, 0.6 + 1.7 * len(series)), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(series), 1, sharex=True, squeeze=False)[:, 0]
    xs = list(range(len(days)))
    for i, (ax, (name, values)) in enumerate(zip(axes, series.items(), strict=True)):
        ax.bar(xs, values, width=0.8, color=SERIES[i % len(SERIES)])
        ax.set_ylabel(name if len(series) > 1 else ylabel, fontsize="small")
        ax.set_ylim(bottom=0)
        ax.yaxis.get_major_locator().set_params(integer=ylabel != "hours")
    every = max(1, -(-len(days) // 12))
    axes[-1].set_xticks(xs[::every])
    axes[-1].set_xticklabels([d.isoformat() for d in days][::every], rotation=30, ha="right")
    axes[-1].set_xlim(-0.6, len(days) - 0.4)
    axes[0].set_title(f"{title}, per day" + (f" ({ylabel})" if len(series) > 1 else ""))
    fig.tight_layout()
    return data_uri(fig)


def charts(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, PNG data URI) for each chart, over the report's days."""
    days = [date.fromisoformat(row["day"]) for row in report["daily"]]
    out = []
    for title, ylabel, series in CHARTS:
        values = {
            name: [
                float(row[column]) if row[column] is not None else float("nan")
                for row in report["daily"]
            ]
            for name, column in series.items()
        }
        out.append((title, daily_bars(title, days, values, ylabel)))
    return out


def html(report: dict[str, Any]) -> str:
    return _env.get_template("transparency.html").render(r=report, charts=charts(report))


def _csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in columns})
    return buffer.getvalue()


def write_report(
    report: dict[str, Any], out: Path, step: Callable[[str], None] | None = None
) -> list[Path]:
    """Write the four files into ``out`` (created); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    texts: list[tuple[str, Callable[[], str]]] = [
        ("transparency.json", lambda: json.dumps(report, ensure_ascii=False, indent=2) + "\n"),
        ("transparency-daily.csv", lambda: _csv(DAILY_COLUMNS, report["daily"])),
        ("transparency-categories.csv", lambda: _csv(CATEGORY_COLUMNS, report["categories"])),
        ("transparency.html", lambda: html(report)),
    ]
    written = []
    for name, make in texts:
        if step is not None:
            step(name)
        path = out / name
        path.write_text(make(), encoding="utf-8")
        written.append(path)
    return written
