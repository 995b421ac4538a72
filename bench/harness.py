"""Shared machinery of linkgate's benchmark scripts (``bench.inspect_urls``, ``bench.decisions``).

What it provides:

- the command line every benchmark takes: ``--n`` (default 200,000), ``--quick`` (n = 20,000),
  ``--repeat R`` (default 3) and ``--json FILE``;
- the corpora: :func:`unique_corpus` (``n`` distinct strings from :func:`bench.corpus.generate`)
  and :func:`zipf_corpus` (``n`` Zipf draws over ``generate(n)``, as deployed traffic repeats);
- :class:`Runner`, which times a *kernel* (a function that processes one chunk of inputs) over
  a list in chunks of :data:`CHUNK`, either as a whole (:meth:`Runner.bare`, for throughput) or
  with one ``perf_counter_ns`` pair around every call (:meth:`Runner.each`, for percentiles).
  Bare passes read both the process CPU clock and the wall clock around each chunk;
  throughput is computed from CPU time, i.e. per core. Only the kernels are timed: the Rich
  progress bar is refreshed by hand between chunks, never by a background thread, and a full
  garbage collection runs before every timed pass, after which what is alive is frozen out of
  the collector's passes until the pass ends (:func:`frozen_heap`), as a server freezes its
  loaded heap. :meth:`Runner.compare` times several
  :class:`Subject` s ``--repeat`` times each, round-robin, with fresh objects for every pass,
  and keeps the fastest pass: on a shared two-core machine one pass of the same code varies by
  tens of percent, and the minimum is the estimate least disturbed by other work;
- :class:`Latency`, the summary of per-call samples, and the Rich / JSON output helpers.

Benchmarks report ratios against a baseline measured in the same run, so a slower or busier
machine moves both sides; absolute figures are for the machine and moment of the run only.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bench.corpus import DEFAULT_N, DEFAULT_SEED, generate, zipf

T = TypeVar("T")

QUICK_N = 20_000
DEFAULT_REPEAT = 3
CHUNK = 4096
WARMUP_N = 2_000
# A corpus seed that is not the measured one: warm-up must not pre-fill caches the measured
# passes would then hit.
WARMUP_SEED = DEFAULT_SEED + 1

UNIQUE = "unique"
ZIPF = "zipf"


# --------------------------------------------------------------------------- command line


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--n", type=int, default=None, help=f"URLs per corpus (default {DEFAULT_N:,})"
    )
    size.add_argument("--quick", action="store_true", help=f"a short run: --n {QUICK_N:,}")
    p.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="timed passes per subject, round-robin; the fastest counts "
        f"(default {DEFAULT_REPEAT})",
    )
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    return p


def corpus_size(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The ``n`` chosen by ``--n`` / ``--quick``; exits through ``p.error`` when not positive."""
    n: int = QUICK_N if args.quick else (args.n if args.n is not None else DEFAULT_N)
    if n <= 0:
        p.error("--n must be positive")
    if args.repeat <= 0:
        p.error("--repeat must be positive")
    return n


# --------------------------------------------------------------------------- corpora


def unique_corpus(n: int, *, seed: int = DEFAULT_SEED) -> list[str]:
    """``n`` distinct URL strings, in corpus order.

    ``generate(n)`` repeats a few percent of its strings (popular searches, short malformed
    inputs); those are dropped and the list is drawn from a larger corpus of the same mix until
    ``n`` distinct strings remain. Deterministic for a given ``n`` and ``seed``.
    """
    size = n
    while True:
        distinct = list(dict.fromkeys(generate(size, seed=seed)))
        if len(distinct) >= n:
            return distinct[:n]
        size += 2 * (n - len(distinct)) + 64


def zipf_corpus(n: int, *, seed: int = DEFAULT_SEED) -> list[str]:
    """``n`` Zipf-distributed draws (``bench.corpus.zipf``) over ``generate(n)``."""
    return zipf(generate(n, seed=seed), n)


def warmup_corpus() -> list[str]:
    """A small corpus from another seed, to load lazy tables before anything is measured."""
    return generate(WARMUP_N, seed=WARMUP_SEED)


# --------------------------------------------------------------------------- statistics


def percentile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank percentile ``q`` (0 < q <= 1) of an ascending, non-empty sequence."""
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Latency:
    """Per-call times in microseconds: nearest-rank percentiles and the mean."""

    median_us: float
    p90_us: float
    p99_us: float
    mean_us: float
    max_us: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Latency:
        if not samples_ns:
            return cls(0.0, 0.0, 0.0, 0.0, 0.0)
        ordered = sorted(samples_ns)
        return cls(
            median_us=percentile(ordered, 0.5) / 1e3,
            p90_us=percentile(ordered, 0.9) / 1e3,
            p99_us=percentile(ordered, 0.99) / 1e3,
            mean_us=sum(ordered) / len(ordered) / 1e3,
            max_us=ordered[-1] / 1e3,
        )

    def to_dict(self) -> dict[str, float]:
        return {key: round(value, 3) for key, value in asdict(self).items()}


def timer_overhead_ns(rounds: int = 20_000) -> int:
    """Median cost of one ``perf_counter_ns`` pair, the floor under every per-call sample."""
    pc = time.perf_counter_ns
    samples = []
    for _ in range(rounds):
        t0 = pc()
        samples.append(pc() - t0)
    samples.sort()
    return percentile(samples, 0.5)


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def us_per_item(count: int, seconds: float) -> float:
    return seconds * 1e6 / count if count else 0.0


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


# --------------------------------------------------------------------------- timing

BareKernel = Callable[[Sequence[T]], None]
EachKernel = Callable[[Sequence[T], list[int]], None]


@dataclass(frozen=True, slots=True)
class Subject(Generic[T]):
    """One thing to time: its inputs and factories of fresh kernels.

    Every timed pass calls a factory first, so each pass starts from new objects (cold caches
    where the subject has them). ``each`` may be ``None`` when per-call times are not wanted.
    """

    name: str
    items: Sequence[T]
    bare: Callable[[], BareKernel[T]]
    each: Callable[[], EachKernel[T]] | None = None


@dataclass(frozen=True, slots=True)
class Pass:
    """One bare pass: seconds of process CPU time and of wall-clock time in the kernel."""

    cpu: float
    wall: float


@dataclass(frozen=True, slots=True)
class Measurement:
    """What the passes over one subject gave: the fastest bare pass and its latencies.

    ``seconds`` is the CPU time of the pass with the least CPU time (throughput is per core:
    time the process spent waiting for a core shared with other work is not counted);
    ``wall_seconds`` is the wall-clock time of that same pass.
    """

    items: int
    seconds: float
    wall_seconds: float
    seconds_all: tuple[float, ...]
    latency: Latency | None

    @property
    def per_second(self) -> float:
        return per_second(self.items, self.seconds)

    @property
    def us_per_item(self) -> float:
        return us_per_item(self.items, self.seconds)

    def to_dict(self, unit: str = "url") -> dict[str, Any]:
        out: dict[str, Any] = {
            "items": self.items,
            "seconds": round(self.seconds, 6),
            "wall_seconds": round(self.wall_seconds, 6),
            "seconds_all": [round(s, 6) for s in self.seconds_all],
            f"{unit}s_per_s": round(self.per_second, 1),
            f"us_per_{unit}": round(self.us_per_item, 3),
        }
        if self.latency is not None:
            out["latency"] = self.latency.to_dict()
        return out


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect, then keep what is alive now out of the collector's passes until the block ends.

    What a timed pass finds alive (the corpora, prepared inputs, the subject's freshly loaded
    gateway) is the benchmark's and the process's start-up heap, which a server freezes once
    it has loaded (``gc.freeze()``, see ``linkgate.runtime``). Left in, every full collection
    during the pass walked it (about half a million objects while a full run of
    ``bench.decisions`` times Zipf traffic: its prepared inputs), a cost that grew with what the
    benchmark held rather than with the work timed. Objects the pass itself creates (the
    caches it fills, its garbage) are collected as usual. It unfreezes everything at its end,
    so it is not used inside another freeze (``bench.http_load`` freezes its client later).
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.collect()


class Runner:
    """Times kernels over inputs in chunks, with one Rich progress bar per pass."""

    def __init__(self, console: Console, *, repeat: int = 1) -> None:
        self.console = console
        self.repeat = max(1, repeat)
        self._progress: Progress | None = None

    @contextmanager
    def session(self) -> Iterator[Runner]:
        """Show progress bars while the block runs (refreshed between chunks only)."""
        progress = Progress(
            TextColumn("{task.description:<48}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            auto_refresh=False,
            transient=True,
        )
        self._progress = progress
        with progress:
            try:
                yield self
            finally:
                self._progress = None

    def _chunks(self, label: str, items: Sequence[T]) -> Iterator[Sequence[T]]:
        progress = self._progress
        task = progress.add_task(label, total=len(items)) if progress is not None else None
        for start in range(0, len(items), CHUNK):
            part = items[start : start + CHUNK]
            yield part
            if progress is not None and task is not None:
                progress.update(task, advance=len(part))
                progress.refresh()
        if progress is not None and task is not None:
            progress.remove_task(task)

    def bare(self, label: str, items: Sequence[T], kernel: BareKernel[T]) -> Pass:
        """CPU and wall time spent in ``kernel`` over all of ``items`` (a throughput pass)."""
        cpu, wall = time.process_time_ns, time.perf_counter_ns
        cpu_total = wall_total = 0
        with frozen_heap():
            for part in self._chunks(label, items):
                c0, w0 = cpu(), wall()
                kernel(part)
                w1, c1 = wall(), cpu()
                cpu_total += c1 - c0
                wall_total += w1 - w0
        return Pass(cpu_total / 1e9, wall_total / 1e9)

    def in_turns(
        self, label: str, kernels: Mapping[str, tuple[Sequence[Any], BareKernel[Any]]], chunk: int
    ) -> dict[str, float]:
        """One pass of several kernels over their items (of equal length), ``chunk`` items at a
        time in turn, the order rotating each turn: the CPU seconds each spent. A machine whose
        speed drifts during the pass slows them alike, so the ratios between them hold."""
        names = list(kernels)
        lengths = {len(items) for items, _ in kernels.values()}
        if len(lengths) != 1:
            raise ValueError("kernels taking turns need as many items each")
        total = lengths.pop()
        spent = dict.fromkeys(names, 0)
        cpu = time.process_time_ns
        progress = self._progress
        task = progress.add_task(label, total=total) if progress is not None else None
        with frozen_heap():
            for k, start in enumerate(range(0, total, chunk)):
                turn = k % len(names)
                for name in names[turn:] + names[:turn]:
                    items, kernel = kernels[name]
                    part = items[start : start + chunk]
                    c0 = cpu()
                    kernel(part)
                    spent[name] += cpu() - c0
                if progress is not None and task is not None:
                    progress.update(task, advance=min(chunk, total - start))
                    progress.refresh()
        if progress is not None and task is not None:
            progress.remove_task(task)
        return {name: ns / 1e9 for name, ns in spent.items()}

    def each(self, label: str, items: Sequence[T], kernel: EachKernel[T]) -> list[int]:
        """Per-call nanoseconds: ``kernel(part, samples)`` appends one sample per item."""
        samples: list[int] = []
        with frozen_heap():
            for part in self._chunks(label, items):
                kernel(part, samples)
        return samples

    def compare(self, label: str, subjects: Sequence[Subject[Any]]) -> dict[str, Measurement]:
        """Time every subject ``repeat`` times, round-robin, so a busy spell hits them alike.

        Throughput comes from each subject's bare pass with the least CPU time; percentiles
        (wall-clock, ``perf_counter_ns``) from its per-call pass with the lowest median.
        """
        passes: dict[str, list[Pass]] = {s.name: [] for s in subjects}
        latencies: dict[str, list[Latency]] = {s.name: [] for s in subjects}
        for r in range(self.repeat):
            run = f" [{r + 1}/{self.repeat}]" if self.repeat > 1 else ""
            for s in subjects:
                passes[s.name].append(self.bare(f"{label}: {s.name}{run}", s.items, s.bare()))
                if s.each is not None:
                    samples = self.each(f"{label}: {s.name} per call{run}", s.items, s.each())
                    latencies[s.name].append(Latency.of(samples))
        out: dict[str, Measurement] = {}
        for s in subjects:
            best = min(passes[s.name], key=lambda x: x.cpu)
            lowest = min(latencies[s.name], key=lambda x: x.median_us, default=None)
            out[s.name] = Measurement(
                items=len(s.items),
                seconds=best.cpu,
                wall_seconds=best.wall,
                seconds_all=tuple(x.cpu for x in passes[s.name]),
                latency=lowest,
            )
        return out


# --------------------------------------------------------------------------- output


def environment() -> dict[str, Any]:
    """Where the figures were taken: interpreter, machine and package versions."""
    versions: dict[str, str] = {}
    for name in ("linkgate", "ada-url", "publicsuffixlist", "gglsbl", "rich"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpu_count": os.cpu_count(),
        "packages": versions,
    }


def console() -> Console:
    """A Rich console; 120 columns wide when the output is not a terminal (logs, tests)."""
    return Console(width=None if sys.stdout.isatty() else 120)


def write_json(path: str, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def target_row(
    name: str, corpus: str, measured: float, unit: str, op: str, goal: float
) -> dict[str, Any]:
    """One target with its verdict; ``op`` is ``">="`` or ``"<="``."""
    passed = measured >= goal if op == ">=" else measured <= goal
    return {
        "target": name,
        "corpus": corpus,
        "measured": round(measured, 3),
        "unit": unit,
        "goal": f"{op} {goal:g}",
        "pass": passed,
    }


def targets_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Targets")
    for column in ("target", "corpus", "measured", "goal", "verdict"):
        table.add_column(column, justify="right" if column == "measured" else "left")
    for row in rows:
        style = "green" if row["pass"] else "red"
        table.add_row(
            row["target"],
            row["corpus"],
            f"{row['measured']:,.2f} {row['unit']}",
            f"{row['goal']} {row['unit']}",
            f"[{style}]{verdict(row['pass'])}[/{style}]",
        )
    return table


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"
