"""Charts drawn on the server as inline SVG: no script, no third-party code, works offline.

Each function takes plain data and returns SVG markup (``markupsafe.Markup``)
to place in a page. Every bar carries ``data-*`` attributes and a ``<title>``
(the browser's tooltip) with its exact value, so the chart is also readable
by a screen reader and by tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from markupsafe import Markup, escape

FONT = "system-ui, -apple-system, 'Noto Sans CJK SC', sans-serif"
AXIS = "#8a8a8a"
GRID = "#e6e6e6"


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked quantity: a name, its colour and one value per bucket."""

    name: str
    color: str
    values: Sequence[int]


@dataclass(frozen=True, slots=True)
class Span:
    """One row of a timeline: from ``start`` until ``end`` (None: open-ended)."""

    label: str
    start: datetime
    end: datetime | None
    color: str = "#576b95"
    marks: Sequence[tuple[datetime, str]] = field(default_factory=tuple)
    detail: str = ""


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value`` (1 for 0)."""
    if value <= 0:
        return 1.0
    scale: float = math.pow(10.0, math.floor(math.log10(value)))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * scale >= value:
            return step * scale
    return 10.0 * scale


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 11,
    color: str = "#4c4c4c",
    extra: str = "",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{color}" '
        f'text-anchor="{anchor}" font-family="{FONT}"{extra}>{escape(content)}</text>'
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for item in series:
        out.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{item.color}"/>'
        )
        out.append(_text(x + 14, y, item.name, extra=' class="legend"'))
        x += 24 + 7 * len(item.name)
    return out


def _open(title: str, width: float, height: float, css: str = "chart") -> list[str]:
    """The start of a chart: the ``<svg>`` element and its title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="{css}">',
        f"<title>{escape(title)}</title>",
    ]


def _grid(
    left: float, top: float, plot_w: float, plot_h: float, label: Callable[[int], str]
) -> list[str]:
    """Five horizontal grid lines from the bottom up, each labelled ``label(i)`` on the left."""
    out = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        out.append(_text(left - 6, y + 4, label(i), anchor="end", color=AXIS))
    return out


def _baseline(left: float, top: float, plot_w: float, plot_h: float) -> str:
    return (
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )


def _empty(x: float, y: float, message: str) -> str:
    """The note a chart shows instead of data (``class="empty"``)."""
    return _text(x, y, message, anchor="middle", size=13, color=AXIS, extra=' class="empty"')


@dataclass(frozen=True, slots=True)
class _Plot:
    """Where a chart with a value axis draws: margins and the plotting area inside them."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def of(cls, width: int, height: int, right: int) -> _Plot:
        left, top, bottom = 52, 34, 44
        return cls(left, top, width - left - right, height - top - bottom)

    def start(
        self,
        title: str,
        width: int,
        height: int,
        legend: Sequence[Series],
        label: Callable[[int], str],
    ) -> list[str]:
        """The ``<svg>`` element, its title, the legend and the labelled grid."""
        parts = _open(title, width, height)
        parts += _legend(legend, self.left, 16)
        parts += _grid(self.left, self.top, self.width, self.height, label)
        return parts

    def finish(self, parts: list[str], has_data: bool, empty: str) -> Markup:
        """The baseline, the note when there is nothing to show, and the end of the chart."""
        parts.append(_baseline(self.left, self.top, self.width, self.height))
        if not has_data:
            parts.append(_empty(self.left + self.width / 2, self.top + self.height / 2, empty))
        parts.append("</svg>")
        return Markup("".join(parts))


def _bar(x: float, y: float, w: float, h: float, item: Series, label: str, value: int) -> str:
    """One bar (or bar segment) of ``item`` at ``label``, titled with its value."""
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'fill="{item.color}" data-series="{escape(item.name)}" '
        f'data-bucket="{escape(label)}" data-value="{value}">'
        f"<title>{escape(label)} · {escape(item.name)}: {value}</title></rect>"
    )


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 760,
    height: int = 300,
    empty: str = "nothing in this period",
) -> Markup:
    """Bars over ``labels``, each stacked from ``series`` in order (bottom first)."""
    plot = _Plot.of(width, height, right=12)
    left, top, plot_w, plot_h = plot.left, plot.top, plot.width, plot.height
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    peak = nice_ceiling(max(totals, default=0))
    parts = plot.start(title, width, height, series, lambda i: f"{peak * i / 4:g}")
    count = max(len(labels), 1)
    slot = plot_w / count
    bar_w = max(slot * 0.72, 1.0)
    every = max(1, math.ceil(count / 8))
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_w) / 2
        y: float = top + plot_h
        for item in series:
            value = item.values[i]
            if value <= 0:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(_bar(x, y, bar_w, h, item, label, value))
        if i % every == 0:
            parts.append(
                _text(
                    left + slot * i + slot / 2,
                    top + plot_h + 16,
                    label,
                    anchor="middle",
                    color=AXIS,
                )
            )
    return plot.finish(parts, any(totals), empty)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 760,
    height: int = 300,
    empty: str = "nothing in this period",
) -> Markup:
    """Bars over ``labels``, one beside the other for each of ``series``."""
    plot = _Plot.of(width, height, right=12)
    left, top, plot_w, plot_h = plot.left, plot.top, plot.width, plot.height
    peak = nice_ceiling(max((v for s in series for v in s.values), default=0))
    parts = plot.start(title, width, height, series, lambda i: f"{peak * i / 4:g}")
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.8 / max(len(series), 1), 1.0)
    for i, label in enumerate(labels):
        x = left + slot * i + slot * 0.1
        for item in series:
            value = item.values[i]
            h = plot_h * value / peak
            parts.append(_bar(x, top + plot_h - h, bar_w, h, item, label, value))
            x += bar_w
        parts.append(
            _text(left + slot * i + slot / 2, top + plot_h + 16, label, anchor="middle", color=AXIS)
        )
    return plot.finish(parts, any(v for s in series for v in s.values), empty)


@dataclass(frozen=True, slots=True)
class Line:
    """One line: a name, its colour and one value per label (None: no value there)."""

    name: str
    color: str
    values: Sequence[float | None]


def line_chart(
    labels: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    top_value: float | None = None,
    percent: bool = False,
    width: int = 760,
    height: int = 260,
    empty: str = "nothing in this period",
) -> Markup:
    """Lines over ``labels``; a None value breaks its line. ``percent`` labels 0..1 as %."""
    plot = _Plot.of(width, height, right=16)
    left, top, plot_w, plot_h = plot.left, plot.top, plot.width, plot.height
    known = [v for line in lines for v in line.values if v is not None]
    peak = top_value if top_value is not None else nice_ceiling(max(known, default=0))
    peak = peak or 1.0

    def shown(value: float) -> str:
        return f"{value * 100:.0f}%" if percent else f"{value:g}"

    legend = [Series(line.name, line.color, ()) for line in lines]
    parts = plot.start(title, width, height, legend, lambda i: shown(peak * i / 4))
    count = max(len(labels), 1)
    step = plot_w / max(count - 1, 1)
    every = max(1, math.ceil(count / 8))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + step * i if count > 1 else left + plot_w / 2
            parts.append(_text(x, top + plot_h + 16, label, anchor="middle", color=AXIS))
    for line in lines:
        path: list[str] = []
        for i, value in enumerate(line.values):
            if value is None:
                if path:
                    parts.append(_polyline(path, line.color))
                path = []
                continue
            x = left + step * i if count > 1 else left + plot_w / 2
            y = top + plot_h - plot_h * min(value, peak) / peak
            path.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{line.color}" '
                f'data-series="{escape(line.name)}" data-bucket="{escape(labels[i])}" '
                f'data-value="{value:g}"><title>{escape(labels[i])} · {escape(line.name)}: '
                f"{shown(value)}</title></circle>"
            )
        if path:
            parts.append(_polyline(path, line.color))
    return plot.finish(parts, bool(known), empty)


def _polyline(points: Sequence[str], color: str) -> str:
    return (
        f'<polyline class="line" points="{" ".join(points)}" fill="none" stroke="{color}" '
        'stroke-width="2"/>'
    )


def _domain(spans: Sequence[Span], now: datetime) -> tuple[datetime, datetime]:
    """The time range to draw: every boundary and ``now``, a far-off first start clipped."""
    times = sorted(
        {s.start for s in spans}
        | {s.end for s in spans if s.end is not None}
        | {at for s in spans for at, _ in s.marks}
        | {now}
    )
    first, last = times[0], times[-1]
    if len(times) > 2:
        rest = times[-1] - times[1]
        if times[1] - times[0] > max(rest, timedelta(days=30)):
            first = times[1] - max(rest * 0.15, timedelta(days=7))
    span = max(last - first, timedelta(days=1))
    return first - span * 0.02, last + span * 0.12


def timeline(spans: Sequence[Span], *, now: datetime, title: str, width: int = 760) -> Markup:
    """A Gantt-like chart: one row per span, ticks for its marks, a line at ``now``."""
    left, right, top, row_h = 170, 16, 22, 34
    height = top + row_h * max(len(spans), 1) + 40
    plot_w = width - left - right
    start, end = _domain(spans, now) if spans else (now - timedelta(days=1), now)
    total = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        offset = (moment - start).total_seconds() / total
        return left + plot_w * min(max(offset, 0.0), 1.0)

    parts = _open(title, width, height, "chart timeline")
    axis_y = top + row_h * max(len(spans), 1) + 6
    for i in range(6):
        moment = start + (end - start) * i / 5
        x = left + plot_w * i / 5
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>'
        )
        parts.append(
            _text(x, axis_y + 16, moment.strftime("%Y-%m-%d"), anchor="middle", color=AXIS)
        )
    for row, span in enumerate(spans):
        y = top + row * row_h
        x0 = x_of(span.start)
        x1 = x_of(span.end) if span.end is not None else left + plot_w
        since = "" if span.start >= start else f" (since {span.start:%Y-%m-%d})"
        until = f"{span.end:%Y-%m-%d %H:%M}" if span.end else "open-ended"
        parts.append(_text(left - 8, y + 17, span.label, anchor="end", size=12, color="#111"))
        parts.append(
            f'<rect class="span" x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 2):.1f}" '
            f'height="{row_h - 12}" rx="3" fill="{span.color}" fill-opacity="0.85" '
            f'data-label="{escape(span.label)}" data-start="{span.start.isoformat()}" '
            f'data-end="{span.end.isoformat() if span.end else ""}">'
            f"<title>{escape(span.label)}: {span.start:%Y-%m-%d %H:%M} → {until}{since}"
            f"{' · ' + escape(span.detail) if span.detail else ''}</title></rect>"
        )
        if span.end is None:
            half = (row_h - 12) / 2
            parts.append(
                f'<path d="M{x1 - 1:.1f} {y + 5} l8 {half:.1f} l-8 {half:.1f}z" '
                f'fill="{span.color}" fill-opacity="0.85"/>'
            )
        if since:
            parts.append(_text(x0 + 4, y + 21, f"◀ {span.start:%Y-%m-%d}", size=10, color="#fff"))
        for at, label in span.marks:
            mx = x_of(at)
            parts.append(
                f'<line x1="{mx:.1f}" y1="{y + 3}" x2="{mx:.1f}" y2="{y + row_h - 5}" '
                'stroke="#111"/>'
            )
            parts.append(_text(mx + 3, y + 14, label, size=10, color="#111", extra=' class="mark"'))
    if start <= now <= end:
        nx = x_of(now)
        parts.append(
            f'<line class="now" x1="{nx:.1f}" y1="{top - 10}" x2="{nx:.1f}" y2="{axis_y}" '
            f'stroke="#fa5151" stroke-dasharray="4 3"/>'
        )
        parts.append(_text(nx, top - 12, "now", anchor="middle", size=10, color="#fa5151"))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a horizontal bar chart: a label, its value and its colour."""

    label: str
    value: float
    color: str = "#576b95"
    text: str = ""
    """How the value is written beside the bar (the value itself when empty)."""


def bars(
    rows: Sequence[Bar],
    *,
    title: str,
    width: int = 760,
    label_width: int = 150,
    empty: str = "nothing to show",
) -> Markup:
    """One horizontal bar per row, longest for the largest value, its value written beside it."""
    top, row_h, right = 10, 26, 70
    height = top + row_h * max(len(rows), 1) + 10
    plot_w = width - label_width - right
    peak = max((r.value for r in rows), default=0.0) or 1.0
    parts = _open(title, width, height, "chart bars")
    for i, row in enumerate(rows):
        y = top + i * row_h
        w = plot_w * max(row.value, 0.0) / peak
        shown = row.text or f"{row.value:g}"
        parts.append(_text(label_width - 8, y + 16, row.label, anchor="end", size=12, color="#111"))
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{max(w, 1.0):.1f}" '
            f'height="{row_h - 8}" rx="2" fill="{row.color}" data-label="{escape(row.label)}" '
            f'data-value="{row.value:g}"><title>{escape(row.label)}: {escape(shown)}</title></rect>'
        )
        parts.append(_text(label_width + w + 6, y + 16, shown, color=AXIS))
    if not rows:
        parts.append(_empty(width / 2, top + row_h / 2 + 4, empty))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class Threshold:
    """A horizontal line across a line chart, e.g. where a credit band starts."""

    value: float
    label: str
    color: str = "#fa9d3b"


def line(
    points: Sequence[tuple[datetime, float]],
    *,
    title: str,
    thresholds: Sequence[Threshold] = (),
    floor: float | None = None,
    ceiling: float | None = None,
    width: int = 760,
    height: int = 280,
    empty: str = "no data",
) -> Markup:
    """Values over time as a line, with labelled threshold lines; each point has a title."""
    left, right, top, bottom = 52, 90, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points] + [t.value for t in thresholds]
    low = min([*values, *([] if floor is None else [floor])], default=0.0)
    high = max([*values, *([] if ceiling is None else [ceiling])], default=1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    parts = _open(title, width, height, "chart line")

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - low) / (high - low)

    parts += _grid(left, top, plot_w, plot_h, lambda i: f"{low + (high - low) * i / 4:.4g}")
    for t in thresholds:
        y = y_of(t.value)
        parts.append(
            f'<line class="threshold" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{t.color}" stroke-dasharray="5 4" data-label="{escape(t.label)}" '
            f'data-value="{t.value:g}"/>'
        )
        parts.append(_text(left + plot_w + 6, y + 4, f"{t.label} ≥ {t.value:g}", color=t.color))
    if points:
        first, last = points[0][0], points[-1][0]
        span = (last - first).total_seconds() or 1.0

        def x_of(moment: datetime) -> float:
            return left + plot_w * (moment - first).total_seconds() / span

        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x_of(at):.1f} {y_of(v):.1f}"
            for i, (at, v) in enumerate(points)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="#10aeff" stroke-width="2"/>')
        for at, v in points:
            parts.append(
                f'<circle class="point" cx="{x_of(at):.1f}" cy="{y_of(v):.1f}" r="2" '
                f'fill="#10aeff" data-at="{at.isoformat()}" data-value="{v:g}">'
                f"<title>{at:%Y-%m-%d}: {v:.2f}</title></circle>"
            )
        for i in range(5):
            moment = first + (last - first) * i / 4
            parts.append(
                _text(
                    left + plot_w * i / 4,
                    top + plot_h + 18,
                    moment.strftime("%Y-%m-%d"),
                    anchor="middle",
                    color=AXIS,
                )
            )
    else:
        parts.append(_empty(left + plot_w / 2, top + plot_h / 2, empty))
    parts.append(_baseline(left, top, plot_w, plot_h))
    parts.append("</svg>")
    return Markup("".join(parts))
