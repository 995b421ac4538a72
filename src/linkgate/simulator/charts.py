"""Charts for the simulator's HTML reports: matplotlib figures as embedded PNG data URIs.

Figures are drawn with the Agg canvas directly (no pyplot, no global state,
no display), and written without a software stamp so the same data gives
the same bytes. Labels are ASCII (platform ids, treatment names): they need
no CJK font.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Colours of the treatments as users meet them, best (green) to worst (red).
COLOURS: Final[dict[str, str]] = {
    "mini_program": "#1b7837",
    "mini_program+warn": "#5aae61",
    "rich_page": "#4dac26",
    "rich_page+warn": "#a6dba0",
    "plain_page": "#4393c3",
    "plain_page+warn": "#f4a582",
    "copy_only": "#8073ac",
    "blocked": "#d6604d",
}
SERIES: Final = ("#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214")
DPI: Final = 100


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stacked_shares(
    title: str,
    rows: Sequence[tuple[str, Mapping[str, int]]],
    labels: Sequence[str],
) -> str:
    """Horizontal bars, one per row, split by the share of each label (0–100 %)."""
    fig = _figure(9, max(2.2, 0.32 * len(rows) + 1.4))
    ax = fig.add_subplot()
    names = [name for name, _ in rows]
    left = [0.0] * len(rows)
    present = [label for label in labels if any(counts.get(label) for _, counts in rows)]
    for label in present:
        widths = []
        for _, counts in rows:
            total = sum(counts.values())
            widths.append(100 * counts.get(label, 0) / total if total else 0.0)
        ax.barh(names, widths, left=left, color=COLOURS.get(label, "#999999"), label=label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of shares")
    ax.invert_yaxis()
    ax.set_title(title)
    if present:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize="small")
    return data_uri(fig)


def grouped_bars(
    title: str, categories: Sequence[str], series: Mapping[str, Sequence[float]], ylabel: str
) -> str:
    """Vertical bars: one group per category, one bar per series."""
    fig = _figure(max(6.0, 0.55 * len(categories) * max(1, len(series)) + 2), 4.2)
    ax = fig.add_subplot()
    count = max(1, len(series))
    width = 0.8 / count
    for i, (name, values) in enumerate(series.items()):
        xs = [k + (i - (count - 1) / 2) * width for k in range(len(categories))]
        ax.bar(xs, values, width=width, label=name, color=SERIES[i % len(SERIES)])
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=35, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize="small")
    return data_uri(fig)


def lines(
    title: str, days: Sequence[date], series: Mapping[str, Sequence[float]], ylabel: str
) -> str:
    """One line per series over the days."""
    fig = _figure(9, 3.6)
    ax = fig.add_subplot()
    for i, (name, values) in enumerate(series.items()):
        ax.plot(
            [day.isoformat() for day in days],
            list(values),
            marker="o",
            label=name,
            color=SERIES[i % len(SERIES)],
        )
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    if len(series) > 1:
        ax.legend(fontsize="small")
    return data_uri(fig)


def hours(title: str, counts: Sequence[int]) -> str:
    """Shares by hour of day (the daily rhythm)."""
    fig = _figure(9, 3.0)
    ax = fig.add_subplot()
    ax.bar(range(len(counts)), counts, color=SERIES[0])
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("hour of day (local time of the events)")
    ax.set_ylabel("shares")
    ax.set_title(title)
    return data_uri(fig)


def horizontal(title: str, items: Sequence[tuple[str, float]], xlabel: str) -> str:
    """One horizontal bar per item, in the order given (first at the top)."""
    fig = _figure(9, max(2.0, 0.3 * len(items) + 1.2))
    ax = fig.add_subplot()
    ax.barh([name for name, _ in items], [value for _, value in items], color=SERIES[1])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return data_uri(fig)
