"""The simulation report: Rich tables for the terminal, JSON, and a self-contained HTML page.

One policy: per platform × channel treatments, warnings, capabilities,
blocks and expected opens. Two policies (A, B): what changes from A to B per
cell, with the treatment moves. Three or more (the presets): who gains
what, per tier and per platform.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from linkgate.simulator.html import render
from linkgate.simulator.results import (
    Simulation,
    Stats,
    comparison,
    headline,
    ordered_cells,
    platform_weights,
    run_info,
    simulation_dict,
    tier_sorted,
)
from linkgate.vocabulary import TREATMENTS

SHORT = {
    "mini_program": "mini",
    "rich_page": "rich",
    "plain_page": "plain",
    "copy_only": "copy",
    "blocked": "blocked",
}
PROBLEMS_SHOWN = 5
MOVES_SHOWN = 2


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def signed(value: float, digits: int = 0) -> str:
    return f"{value:+,.{digits}f}"


def mix(stats: Stats) -> str:
    """``rich 62% · plain+w 30% · copy 8%``: the treatments as users meet them."""
    parts = []
    for t in TREATMENTS:
        n = stats.treatments[t]
        if n:
            parts.append(f"{SHORT[t]} {100 * n / stats.shares:.0f}%")
    warned = stats.interstitials["warn"]
    if warned:
        parts.append(f"warned {100 * warned / stats.shares:.0f}%")
    return " · ".join(parts)


# --------------------------------------------------------------------------- terminal


def _stats_table(
    title: str, first: tuple[str, ...], rows: list[tuple[tuple[str, ...], Stats]]
) -> Table:
    table = Table(title=title, title_justify="left")
    for name in first:
        table.add_column(name)
    for name in (
        "shares",
        *(SHORT[t] for t in TREATMENTS),
        "warned",
        "caps/share",
        "opens",
        "open rate",
    ):
        table.add_column(name, justify="right")
    for keys, s in rows:
        table.add_row(
            *map(escape, keys),
            f"{s.shares:,}",
            *(pct(s.treatments[t], s.shares) for t in TREATMENTS),
            pct(s.warned, s.shares),
            f"{s.grants / s.shares:.2f}" if s.shares else "–",
            f"{s.opens:,.0f}",
            pct(s.opens, s.shares),
        )
    return table


def _header(sim: Simulation, console: Console) -> None:
    t = sim.traffic
    period = f"{t.first.isoformat()} – {t.last.isoformat()}" if t.first and t.last else "no events"
    console.print(
        f"[bold]traffic[/bold] {escape(t.source)}: {t.events:,} share events, "
        f"{t.distinct_urls:,} distinct links, {period}"
    )
    if t.malformed:
        console.print(f"[yellow]{t.malformed:,} malformed line(s) skipped[/yellow]")
        for problem in t.problems[:PROBLEMS_SHOWN]:
            console.print(f"  {problem}", markup=False)
    for run in sim.runs:
        info = run_info(run)
        rates = ", ".join(f"{k} {v:g}" for k, v in info["funnel"]["continue"].items())
        console.print(
            f"[bold]{escape(run.name)}[/bold]: policy {escape(info['policy'])} "
            f"(preset {info['preset']}, revision {info['revision']}); continue rates {rates}"
        )


def _single(sim: Simulation, console: Console) -> None:
    cells = sim.cells(0)
    order = ordered_cells(cells, platform_weights(sim))
    console.print(
        _stats_table(
            f"{sim.runs[0].name}: per platform × channel",
            ("platform", "tier", "channel"),
            [((p, t, c), cells[(p, t, c)]) for p, t, c in order],
        )
    )
    tiers = sim.tiers(0)
    console.print(
        _stats_table("per tier", ("tier",), [((k,), s) for k, s in tier_sorted(tiers).items()])
    )
    console.print(_stats_table("all shares", ("",), [(("total",), sim.total(0))]))
    _reasons(sim, console)


def _reasons(sim: Simulation, console: Console) -> None:
    table = Table(title="blocked and copy-only shares by reason", title_justify="left")
    table.add_column("reason")
    totals = [sim.total(i) for i in range(len(sim.runs))]
    for run in sim.runs:
        table.add_column(f"{run.name} blocked", justify="right")
        table.add_column(f"{run.name} copy-only", justify="right")
    reasons = sorted(
        {r for s in totals for r in (*s.blocked, *s.copy_only)},
        key=lambda r: -sum(s.blocked[r] + s.copy_only[r] for s in totals),
    )
    for reason in reasons:
        row = [escape(reason)]
        for s in totals:
            row += [f"{s.blocked[reason]:,}", f"{s.copy_only[reason]:,}"]
        table.add_row(*row)
    console.print(table)


def _moves(moves: Counter[tuple[str, str]]) -> str:
    shown = [f"{a}→{b} {n:,}" for (a, b), n in moves.most_common() if a != b][:MOVES_SHOWN]
    return "; ".join(shown)


def _pair(sim: Simulation, console: Console) -> None:
    a, b = sim.names
    cells_a, cells_b = sim.cells(0), sim.cells(1)
    moves = sim.transitions()
    table = Table(title=f"{a} → {b}: per platform × channel", title_justify="left")
    for name in ("platform", "tier", "channel"):
        table.add_column(name)
    for name in ("shares", "changed", f"opens {a}", f"opens {b}", "Δ opens", "Δ %", "Δ caps"):
        table.add_column(name, justify="right")
    table.add_column("main moves")
    for key in ordered_cells(cells_a, platform_weights(sim)):
        sa, sb = cells_a[key], cells_b.get(key, Stats())
        cell_moves = moves.get(key, Counter())
        changed = sum(n for (x, y), n in cell_moves.items() if x != y)
        table.add_row(
            *map(escape, key),
            f"{sa.shares:,}",
            f"{changed:,}",
            f"{sa.opens:,.0f}",
            f"{sb.opens:,.0f}",
            signed(sb.opens - sa.opens),
            f"{(sb.opens - sa.opens) / sa.opens * 100:+.1f}%" if sa.opens else "–",
            signed(sb.grants - sa.grants),
            _moves(cell_moves),
        )
    console.print(table)
    tiers_a, tiers_b = sim.tiers(0), sim.tiers(1)
    tiers = Table(title=f"{a} → {b}: per tier", title_justify="left")
    tiers.add_column("tier")
    for name in ("shares", f"opens {a}", f"opens {b}", "Δ opens", f"{a} mix", f"{b} mix"):
        tiers.add_column(name, justify="right" if "mix" not in name else "left")
    for tier in tier_sorted(tiers_a):
        sa, sb = tiers_a[tier], tiers_b.get(tier, Stats())
        tiers.add_row(
            tier,
            f"{sa.shares:,}",
            f"{sa.opens:,.0f}",
            f"{sb.opens:,.0f}",
            signed(sb.opens - sa.opens),
            mix(sa),
            mix(sb),
        )
    console.print(tiers)
    ta, tb = sim.total(0), sim.total(1)
    console.print(
        f"[bold]{sim.changed():,}[/bold] of {ta.shares:,} shares decided differently; "
        f"expected opens {ta.opens:,.0f} → {tb.opens:,.0f} ({signed(tb.opens - ta.opens)})"
    )
    _reasons(sim, console)


def _many(sim: Simulation, console: Console) -> None:
    for by in ("tier", "platform"):
        rows = comparison(sim, by)
        table = Table(title=f"who gains what, per {by}", title_justify="left")
        if by == "platform":
            table.add_column("platform")
        table.add_column("tier")
        table.add_column("shares", justify="right")
        for name in sim.names:
            table.add_column(f"{name} opens", justify="right")
            table.add_column(f"{name} caps/share", justify="right")
        for row in rows:
            cells = [row["platform"]] if by == "platform" else []
            cells += [row["tier"], f"{row['shares']:,}"]
            for name in sim.names:
                r = row[name]
                cells += [
                    f"{r['expected_opens']:,.0f} ({r['open_rate'] * 100:.0f}%)",
                    f"{r['grants_per_share']:.2f}",
                ]
            table.add_row(*cells)
        console.print(table)
    tiers = [sim.tiers(i) for i in range(len(sim.runs))]
    table = Table(title="treatments per tier", title_justify="left")
    table.add_column("tier")
    for name in sim.names:
        table.add_column(name)
    for tier in tier_sorted(tiers[0]):
        table.add_row(tier, *(mix(t.get(tier, Stats())) for t in tiers))
    console.print(table)
    for line in headline(sim):
        console.print(f"• {line}")


def print_simulation(sim: Simulation, console: Console) -> None:
    """The simulation in the terminal."""
    _header(sim, console)
    if len(sim.runs) == 1:
        _single(sim, console)
    elif len(sim.runs) == 2:
        _pair(sim, console)
    else:
        _many(sim, console)


# --------------------------------------------------------------------------- files


def write_json(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def simulation_json(sim: Simulation) -> dict[str, Any]:
    data = simulation_dict(sim)
    if len(sim.runs) > 2:
        data["comparison"] = {
            "tiers": comparison(sim, "tier"),
            "platforms": comparison(sim, "platform"),
        }
        data["headline"] = headline(sim)
    return data


def simulation_charts(sim: Simulation) -> list[dict[str, str]]:
    """The report's charts: ``title``, ``caption`` and ``src`` (a PNG data URI) each."""
    from linkgate.simulator import charts  # matplotlib loads only when a chart is drawn

    out: list[dict[str, str]] = []
    t = sim.traffic
    out.append(
        {
            "title": "Shares by hour of day",
            "caption": "The traffic's daily rhythm.",
            "src": charts.hours("shares by hour of day", t.hours),
        }
    )
    platforms = [sim.platforms(i) for i in range(len(sim.runs))]
    keys = sorted(platforms[0], key=lambda k: -platforms[0][k].shares)
    out.append(
        {
            "title": "Expected opens per platform",
            "caption": "Shares × clicks per share × continue rate of the interstitial met.",
            "src": charts.grouped_bars(
                "expected opens per platform",
                [p for p, _ in keys],
                {
                    run.name: [platforms[i].get(k, Stats()).opens for k in keys]
                    for i, run in enumerate(sim.runs)
                },
                "expected opens",
            ),
        }
    )
    for i, run in enumerate(sim.runs):
        labels = sim.group(i, lambda cls: (cls.platform, cls.label))
        rows: list[tuple[str, Counter[str]]] = []
        for platform, _ in keys:
            counts = Counter({lab: s.shares for (p, lab), s in labels.items() if p == platform})
            rows.append((platform, counts))
        out.append(
            {
                "title": f"Treatments per platform — {run.name}",
                "caption": f"Policy {run.policy.name}, preset {run.policy.path}.",
                "src": charts.stacked_shares(
                    f"treatments per platform ({run.name})", rows, list(charts.COLOURS)
                ),
            }
        )
    days = [sim.days(i) for i in range(len(sim.runs))]
    day_keys = sorted(days[0])
    if day_keys:
        out.append(
            {
                "title": "Expected opens per day",
                "caption": "Rollout phases starting inside the period show as steps.",
                "src": charts.lines(
                    "expected opens per day",
                    day_keys,
                    {
                        run.name: [days[i].get(d, Stats()).opens for d in day_keys]
                        for i, run in enumerate(sim.runs)
                    },
                    "expected opens",
                ),
            }
        )
    tiers = [sim.tiers(i) for i in range(len(sim.runs))]
    tier_keys = list(tier_sorted(tiers[0]))
    out.append(
        {
            "title": "Capability grants per tier",
            "caption": "Capabilities granted, summed over shares.",
            "src": charts.grouped_bars(
                "capability grants per tier",
                tier_keys,
                {
                    run.name: [float(tiers[i].get(k, Stats()).grants) for k in tier_keys]
                    for i, run in enumerate(sim.runs)
                },
                "grants",
            ),
        }
    )
    for i, run in enumerate(sim.runs):
        total = sim.total(i)
        items = [(f"blocked: {r}", float(n)) for r, n in total.blocked.most_common()]
        items += [(f"copy-only: {r}", float(n)) for r, n in total.copy_only.most_common()]
        if items:
            out.append(
                {
                    "title": f"Blocked and copy-only by reason — {run.name}",
                    "caption": "The primary reason of each decision.",
                    "src": charts.horizontal(f"by reason ({run.name})", items, "shares"),
                }
            )
    return out


def simulation_html(sim: Simulation) -> str:
    """A self-contained HTML page: tables and the charts as embedded PNGs."""
    data = simulation_json(sim)
    return render(
        "simulation.html",
        data=data,
        charts=simulation_charts(sim),
        names=sim.names,
        treatments=TREATMENTS,
    )
