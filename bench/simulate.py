"""Benchmark: share events simulated per second, against ``Gateway.decide`` on the same events.

Run ``python -m bench.simulate`` (``--n N`` events, default 1,000,000; ``--quick`` for 20,000;
``--repeat R``, default 3; ``--json FILE``; ``--profile``).

Traffic: ``linkgate.simulator.traffic.generate`` with seed :data:`SEED`, ten days from
2021-09-15 (so the 2021-09-17 rollout phase falls inside), ``n / 10`` shares a day (at least
two days for small ``n``), written once to a temporary JSON Lines file. Every subject streams
that file event by event (events are never gathered in lists, as ``linkgate simulate`` reads
them); each timed pass builds its objects afresh (cold caches), and the pass with the least
CPU time counts (throughput per core; on a shared machine the minimum is the estimate least
disturbed by other work). Subjects:

``simulate A``
    ``simulate_file`` with the default policy, then ``simulation_dict`` (every aggregate the
    reports print): reading, validating, replaying and aggregating — what ``linkgate simulate
    TRAFFIC`` does before it draws tables.
``simulate A + titles``
    ``simulate A`` with every distinct share title classified by the bundled content
    classifier (as ``linkgate simulate`` does unless ``--no-content``); the classifier keeps
    no memory of texts, the replay classifies each distinct title once per pass.
``simulate A vs B``
    ``simulate A`` with a second policy (the default with phase 1 moved from 2021-09-17 to
    2021-09-20) and the diff.
``read``
    reading and validating the file alone (``TrafficReader``).
``read + decide A`` (the baseline)
    reading the same file and calling ``Gateway.decide(url, channel=…, at=time, sender=…)``
    for every event, on a fresh gateway with the same policy and registry.

Derived: ``replay A`` = ``simulate A`` - ``read`` and ``decide A`` = ``read + decide A`` -
``read``, the two without the shared cost of reading. Ratios are per-event time over the
baseline's (``decide A`` over ``replay A`` for the derived pair) in the same run. The target
(from the issue): simulating 1,000,000 share events in at most 60 s on one core, i.e. at least
16,667 events/s for ``simulate A``; the report also gives the seconds per 1,000,000 events.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.harness import (
    console,
    environment,
    fmt,
    target_row,
    targets_table,
    write_json,
)
from linkgate.checks.classifier import default_classifier
from linkgate.facts import Inspector
from linkgate.gateway import Gateway, Snapshot
from linkgate.policy.evaluator import Evaluator
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.policy.model import Policy
from linkgate.simulator.replay import PolicyRun, TitleSignals
from linkgate.simulator.results import simulation_dict
from linkgate.simulator.schema import TrafficReader, write_traffic
from linkgate.simulator.simulate import CHUNK, simulate_file, title_signals
from linkgate.simulator.traffic import DEFAULT_START, TrafficSpec, generate

DEFAULT_N = 1_000_000
QUICK_N = 20_000
DEFAULT_REPEAT = 3
SEED = 20210917
TARGET_SECONDS_PER_MILLION = 60.0
TARGET_PER_S = 1_000_000 / TARGET_SECONDS_PER_MILLION
PHASE_1 = "start: 2021-09-17T00:00:00+08:00\n      platforms: {tiers: [competitor]}"
PHASE_1_MOVED = "start: 2021-09-20T00:00:00+08:00\n      platforms: {tiers: [competitor]}"
PROFILE_TOP = 15

SIMULATE_A = "simulate A"
SIMULATE_TITLES = "simulate A + titles"
SIMULATE_AB = "simulate A vs B"
READ = "read"
BASELINE = "read + decide A"
REPLAY = "replay A (derived)"
DECIDE = "decide A (derived)"


def spec_for(n: int) -> TrafficSpec:
    days = 10 if n >= 100_000 else 2
    return TrafficSpec(days=days, shares_per_day=max(1, n // days), seed=SEED, start=DEFAULT_START)


def policies() -> tuple[Policy, Policy]:
    path = default_policy_path()
    text = path.read_text(encoding="utf-8")
    if PHASE_1 not in text:
        raise SystemExit("bench.simulate: the default policy no longer has phase 1 where expected")
    return parse_policy(text, str(path)), parse_policy(
        text.replace(PHASE_1, PHASE_1_MOVED), "moved-phase-1.yaml"
    )


@dataclass(frozen=True, slots=True)
class Pass:
    cpu: float
    wall: float


#: Progress of a pass: (done, total) in bytes of the traffic file.
Tick = Callable[[int, int], None]


class Clock:
    """Accumulates CPU and wall time around the timed parts of a pass."""

    def __init__(self) -> None:
        self.cpu = 0
        self.wall = 0

    def __enter__(self) -> Clock:
        self._c0, self._w0 = time.process_time_ns(), time.perf_counter_ns()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall += time.perf_counter_ns() - self._w0
        self.cpu += time.process_time_ns() - self._c0

    def result(self) -> Pass:
        return Pass(self.cpu / 1e9, self.wall / 1e9)


# --------------------------------------------------------------------------- subjects


def run_simulate(
    path: Path,
    runs: Sequence[PolicyRun],
    inspector: Inspector,
    tick: Tick,
    classify: TitleSignals | None = None,
) -> Pass:
    clock = Clock()
    with clock:
        sim = simulate_file(path, runs, inspector, classify=classify, progress=tick)
        simulation_dict(sim)
    return clock.result()


def run_read(path: Path, tick: Tick) -> Pass:
    clock = Clock()
    reader = TrafficReader(path)
    count = 0
    with clock:
        for _ in reader:
            count += 1
            if count % CHUNK == 0:
                tick(reader.bytes_read, reader.size)
    return clock.result()


def run_decide(path: Path, gateway: Gateway, tick: Tick) -> Pass:
    clock = Clock()
    decide = gateway.decide
    reader = TrafficReader(path)
    count = 0
    with clock:
        for e in reader:
            decide(e.url, channel=e.channel, at=e.time, sender=e.sender)
            count += 1
            if count % CHUNK == 0:
                tick(reader.bytes_read, reader.size)
    return clock.result()


def fresh_inspector() -> Inspector:
    base = Inspector.default()
    return Inspector(base.registry, base.psl)


def fresh_gateway(policy: Policy) -> Gateway:
    return Gateway(Snapshot(policy, Evaluator(policy), fresh_inspector()))


# --------------------------------------------------------------------------- measurement


def measure(path: Path, n: int, repeat: int, out: Console) -> dict[str, dict[str, Any]]:
    a, b = policies()
    subjects: dict[str, Callable[[Tick], Pass]] = {
        SIMULATE_A: lambda t: run_simulate(path, [PolicyRun.of("A", a)], fresh_inspector(), t),
        SIMULATE_TITLES: lambda t: run_simulate(
            path, [PolicyRun.of("A", a)], fresh_inspector(), t, title_signals(default_classifier())
        ),
        SIMULATE_AB: lambda t: run_simulate(
            path, [PolicyRun.of("A", a), PolicyRun.of("B", b)], fresh_inspector(), t
        ),
        READ: lambda t: run_read(path, t),
        BASELINE: lambda t: run_decide(path, fresh_gateway(a), t),
    }
    passes: dict[str, list[Pass]] = {name: [] for name in subjects}
    progress = Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    )
    with progress:
        for r in range(repeat):
            for name, subject in subjects.items():
                label = f"{name} [{r + 1}/{repeat}]"
                task = progress.add_task(label, total=None)

                def tick(done: int, total: int, task: Any = task) -> None:
                    progress.update(task, completed=done, total=total or n)
                    progress.refresh()

                gc.collect()
                passes[name].append(subject(tick))
                progress.remove_task(task)
    results = {name: figures(n, found) for name, found in passes.items()}
    read = min(p.cpu for p in passes[READ])
    for derived, whole in ((REPLAY, SIMULATE_A), (DECIDE, BASELINE)):
        cpu = max(0.0, min(p.cpu for p in passes[whole]) - read)
        results[derived] = figures(n, [Pass(cpu, cpu)], derived=True)
    base = results[BASELINE]["us_per_event"]
    for values in results.values():
        values["ratio_to_baseline"] = round(values["us_per_event"] / base, 4) if base else 0.0
    decide = results[DECIDE]["us_per_event"]
    results[REPLAY]["ratio_to_decide"] = (
        round(results[REPLAY]["us_per_event"] / decide, 4) if decide else 0.0
    )
    return results


def figures(n: int, found: Sequence[Pass], *, derived: bool = False) -> dict[str, Any]:
    """Throughput of the fastest pass (CPU time) over ``n`` events."""
    best = min(found, key=lambda p: p.cpu)
    out: dict[str, Any] = {
        "events": n,
        "seconds": round(best.cpu, 6),
        "events_per_s": round(n / best.cpu, 1) if best.cpu else 0.0,
        "us_per_event": round(best.cpu * 1e6 / n, 3),
        "seconds_per_million": round(best.cpu * 1e6 / n, 3),
    }
    if derived:
        out["derived"] = True
    else:
        out["wall_seconds"] = round(best.wall, 6)
        out["seconds_all"] = [round(p.cpu, 6) for p in found]
    return out


def profile(path: Path) -> list[dict[str, Any]]:
    a, _ = policies()
    profiler = cProfile.Profile()
    profiler.enable()
    sim = simulate_file(path, [PolicyRun.of("A", a)], fresh_inspector())
    simulation_dict(sim)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    # pstats keeps its table as an undeclared attribute.
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    entries = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)
    total = sum(v[2] for _, v in entries) or 1.0
    for (file, line, func), (_, calls, tottime, cumtime, _) in entries[:PROFILE_TOP]:
        rows.append(
            {
                "function": func,
                "where": f"{_short(file)}:{line}",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
                "share_of_total": round(tottime / total, 4),
            }
        )
    return rows


def _short(path: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python"):
        i = path.find(marker)
        if i >= 0:
            return path[i + len(marker) :]
    return path


# --------------------------------------------------------------------------- report


def results_table(results: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Share events simulated in one process (CPU time, fastest pass)")
    for column in ("subject", "events/s", "µs/event", "s per 1,000,000", "× baseline"):
        table.add_column(column, justify="left" if column == "subject" else "right")
    for name, r in results.items():
        table.add_row(
            name + (" (baseline)" if name == BASELINE else ""),
            fmt(r["events_per_s"], 0),
            fmt(r["us_per_event"]),
            fmt(r["seconds_per_million"], 1),
            fmt(r["ratio_to_baseline"], 3),
        )
    return table


def profile_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=f"cProfile of one simulate A pass: top {len(rows)} by own time")
    for column in ("function", "where", "calls", "own s", "cum s", "own share"):
        table.add_column(column, justify="left" if column in ("function", "where") else "right")
    for row in rows:
        table.add_row(
            row["function"],
            row["where"],
            f"{row['calls']:,}",
            fmt(row["tottime_s"], 3),
            fmt(row["cumtime_s"], 3),
            f"{row['share_of_total'] * 100:.1f} %",
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.simulate",
        description="Time the policy simulator against plain Gateway.decide on the same events.",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--n", type=int, default=None, help=f"events (default {DEFAULT_N:,})")
    size.add_argument("--quick", action="store_true", help=f"a short run: --n {QUICK_N:,}")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timed passes per subject")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    p.add_argument("--profile", action="store_true", help="also profile one simulate A pass")
    args = p.parse_args(argv)
    n = QUICK_N if args.quick else (args.n if args.n is not None else DEFAULT_N)
    if n <= 0:
        p.error("--n must be positive")
    if args.repeat <= 0:
        p.error("--repeat must be positive")
    out = console()
    spec = spec_for(n)
    n = spec.total
    out.print(
        f"[bold]bench.simulate[/bold]: {n:,} share events ({spec.days} days × "
        f"{spec.shares_per_day:,}), {args.repeat} timed pass(es) per subject"
    )
    report: dict[str, Any] = {
        "benchmark": "simulate",
        "n": n,
        "repeat": args.repeat,
        "environment": environment(),
        "traffic": {
            "days": spec.days,
            "shares_per_day": spec.shares_per_day,
            "seed": spec.seed,
            "start": spec.start.isoformat(),
        },
    }
    with tempfile.TemporaryDirectory(prefix="linkgate-bench-") as tmp:
        path = Path(tmp) / "traffic.jsonl"
        c0 = time.process_time()
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            written = write_traffic(generate(spec), handle)
        generation = time.process_time() - c0
        report["traffic"]["generate_seconds"] = round(generation, 3)
        report["traffic"]["generate_events_per_s"] = round(written / generation, 1)
        report["traffic"]["bytes"] = path.stat().st_size
        stats = simulate_file(path, [PolicyRun.of("A", policies()[0])], fresh_inspector())
        report["traffic"]["distinct_urls"] = stats.traffic.distinct_urls
        report["traffic"]["evaluations"] = stats.tally.evaluations
        results = measure(path, n, args.repeat, out)
        report["subjects"] = results
        rows = [
            target_row(
                "simulate A: events per second",
                f"{n:,} events",
                results[SIMULATE_A]["events_per_s"],
                "/s",
                ">=",
                TARGET_PER_S,
            ),
            target_row(
                "simulate A: seconds per 1,000,000 events",
                f"{n:,} events",
                results[SIMULATE_A]["seconds_per_million"],
                "s",
                "<=",
                TARGET_SECONDS_PER_MILLION,
            ),
        ]
        report["targets"] = rows
        out.print(
            f"traffic: generated {written:,} events in {generation:.1f} s CPU; "
            f"{stats.traffic.distinct_urls:,} distinct links, "
            f"{stats.tally.evaluations:,} evaluations for policy A"
        )
        out.print(results_table(results))
        out.print(
            f"replay / decide without reading: {results[REPLAY]['ratio_to_decide']:.3f} "
            "(derived: each minus read)"
        )
        out.print(targets_table(rows))
        if args.profile:
            top = profile(path)
            report["profile"] = top
            out.print(profile_table(top))
    if args.json:
        write_json(args.json, report)
        out.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
