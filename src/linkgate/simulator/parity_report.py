"""The parity report in the terminal (Rich), as JSON, and as a self-contained HTML page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from linkgate.simulator.html import render
from linkgate.simulator.parity import LABELS, Disparity, Group, Parity

DISPARITIES_SHOWN = 30
RULES_SHOWN = 3


def _mix(group: Group) -> str:
    parts = [
        f"{label} {100 * group.labels[label] / group.shares:.0f}%"
        for label in LABELS
        if group.labels[label]
    ]
    return " · ".join(parts)


def short_source(source: str | None) -> str:
    """``file:line:column``, the file relative to the working directory or as its last two parts."""
    if not source:
        return "built in"
    parts = source.rsplit(":", 2)
    if len(parts) != 3:
        return source
    path = Path(parts[0])
    try:
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(Path(path.parent.name) / path.name)
    return f"{shown}:{parts[1]}:{parts[2]}"


def _rules(d: Disparity) -> str:
    shown = [
        f"{a.rule.stage} {a.rule.rule} [{short_source(a.rule.source)}] "
        f"({a.share_disfavoured:.0%} vs {a.share_favoured:.0%})"
        for a in d.against[:RULES_SHOWN]
    ]
    return escape("\n".join(shown)) or "–"


def _distribution_table(parity: Parity, level: str) -> Table:
    table = Table(
        title=f"treatments per {level}, by credit band and link kind (all channels)",
        title_justify="left",
    )
    for name in ("band", "link kind", level, *(("tier",) if level == "platform" else ())):
        table.add_column(name)
    table.add_column("shares", justify="right")
    table.add_column("treatments")
    for (band, kind), groups in parity.by_band_and_kind(level).items():
        for name, group in groups.items():
            cells = [band, kind, name]
            if level == "platform":
                cells.append(parity.tier_of[name])
            table.add_row(*map(escape, cells), f"{group.shares:,}", _mix(group))
    return table


def print_parity(parity: Parity, console: Console) -> None:
    run = parity.sim.runs[parity.run]
    console.print(
        f"[bold]parity[/bold] of policy {run.policy.name} (revision {run.policy.revision}) over "
        f"{parity.sim.traffic.events:,} shares from {parity.sim.traffic.source}; "
        f"flagged when distance > {parity.threshold:g} with ≥ {parity.min_shares} shares each"
    )
    if parity.credit:
        bands = ", ".join(
            f"{p} {s:g} ({parity.bands[p]})" for p, s in sorted(parity.credit.items())
        )
        console.print(escape(f"credit: {bands}; other platforms are unscored"))
    else:
        console.print("credit: no scores given; every platform is unscored")
    console.print(_distribution_table(parity, "tier"))
    console.print(_distribution_table(parity, "platform"))
    table = Table(title="disparities (most different first)", title_justify="left", show_lines=True)
    for name in ("level", "band / kind / channel", "disfavoured", "favoured", "distance"):
        table.add_column(name, justify="right" if name == "distance" else "left")
    table.add_column("rules behind it (share of decisions bound: disfavoured vs favoured)")
    for d in parity.disparities[:DISPARITIES_SHOWN]:
        band, kind, channel = d.stratum
        table.add_row(
            d.level,
            escape(f"{band} / {kind} / {channel}"),
            escape(f"{d.disfavoured} ({d.disfavoured_tier})\n{_mix(d.disfavoured_group)}"),
            escape(f"{d.favoured} ({d.favoured_tier})\n{_mix(d.favoured_group)}"),
            f"{d.distance:.2f}",
            _rules(d),
        )
    console.print(table)
    shown = min(len(parity.disparities), DISPARITIES_SHOWN)
    levels = Counter(d.level for d in parity.disparities)
    console.print(
        f"{len(parity.disparities):,} disparities flagged ({levels['tier']:,} between tiers, "
        f"{levels['platform']:,} between platforms); {shown} shown"
        + ("; all of them in --json" if len(parity.disparities) > shown else "")
    )


def parity_charts(parity: Parity) -> list[dict[str, str]]:
    from linkgate.simulator import charts  # matplotlib loads only when a chart is drawn

    out: list[dict[str, str]] = []
    for level in ("tier", "platform"):
        pooled = parity.by_band_and_kind(level)
        for band in sorted({band for band, _ in pooled}):
            rows = [
                (f"{kind} · {name}", group.labels)
                for (b, kind), groups in pooled.items()
                if b == band
                for name, group in groups.items()
            ]
            out.append(
                {
                    "title": f"Treatments per {level} — credit band {band}",
                    "caption": "Rows by link kind; all channels pooled (disparities are "
                    "flagged per channel).",
                    "src": charts.stacked_shares(
                        f"treatments per {level}, band {band}", rows, list(charts.COLOURS)
                    ),
                }
            )
    top = parity.disparities[:DISPARITIES_SHOWN]
    if top:
        items = [
            (
                f"{d.stratum[1]}/{d.stratum[2]}: {d.disfavoured} vs {d.favoured}",
                d.distance,
            )
            for d in top
        ]
        out.append(
            {
                "title": "Largest disparities",
                "caption": "Total variation distance between the two treatment distributions.",
                "src": charts.horizontal("largest disparities", items, "distance"),
            }
        )
    return out


def parity_html(parity: Parity) -> str:
    data: dict[str, Any] = parity.to_dict()
    return render(
        "parity.html",
        data=data,
        traffic=parity.sim.traffic.to_dict(),
        charts=parity_charts(parity),
        labels=LABELS,
    )
