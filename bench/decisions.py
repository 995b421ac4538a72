"""Benchmark: decisions per second in one process, by stage, against the parse + PSL floor.

Run ``python -m bench.decisions`` (``--n N``, ``--quick``, ``--repeat R``, ``--json FILE``,
``--profile``).

Traffic: the URLs of a corpus (see :mod:`bench.harness`) paired with channels drawn
deterministically from a realistic mix (:data:`CHANNEL_MIX`: private chat 60 %, group chat
30 %, moments 7 %, official accounts 2 %, QR scans 1 %). Two corpora of ``n`` URLs:

- ``zipf``: Zipf draws over the corpus, decided by ``Gateway.default()`` (the default
  per-string inspector cache, as deployed);
- ``unique``: ``n`` distinct strings, decided by a gateway built from the default one's policy,
  registry and public suffix list but with the inspector's per-string cache off
  (``cache_size=0``), so no decision reuses another's facts.

Every timed pass uses a new gateway (cold caches). Subjects, timed ``--repeat`` times each,
round-robin, the fastest pass counting:

``decide``
    ``gateway.decide(url, channel=c, at=AT)`` with a fixed aware datetime :data:`AT` (no
    string parsing). Also timed per call for percentiles.
``decide at=None``
    the same with ``at=None`` (the gateway reads the clock).
``floor``
    per URL ``parse(u)``, then ``PublicSuffix.registrable_domain(host)`` on an *uncached*
    public suffix list (``cache_size=0``), so the floor is the full cost of both steps for
    every URL even where hosts repeat. The ratio ``decide / floor`` is per-decision time over
    per-URL floor time on the same URLs.
``floor, cached PSL``
    the same with the default (memoised) public suffix list, for reference only.
``inspect``, ``evaluate``
    the decision's stages over the same inputs: ``snapshot.inspector.inspect(u)`` on a fresh
    snapshot, and ``snapshot.evaluator.evaluate(facts, situation, state)`` on a fresh evaluator
    with prepared facts and ``Situation(channel, at)``. ``assembly`` (checking the channel and
    time, building the situation, the TTL, the ``Decision`` and its id) is ``decide`` minus the
    two.
``decide`` and ``floor`` in turns
    both again over the same links, :data:`TURN` at a time in turn (the order alternating), each
    pass with a fresh gateway and list; the ratio of their CPU seconds is taken within each pass
    and the median over the passes reported. Timed apart, each subject's fastest pass may fall
    in a quicker or slower spell of a shared machine than the other's (the ratio on unique
    links read 2.65× and 3.11× in two runs of the same code minutes apart); in turns, a slow
    spell slows both alike. Both ratios are reported; the target is checked on both.
``decide, facts cached``
    ``decide`` on a gateway whose inspector cache holds every distinct URL of the corpus,
    filled before the pass: the decision without the link core, except for a cache hit.
    ``decide, facts cached`` minus ``evaluate`` is a second estimate of ``assembly``.

Targets (from the issue), on one core: at least 100,000 decisions/s on Zipf traffic, at least
30,000/s all-unique, and a decision cost of at most 3x the floor. ``--profile`` adds a cProfile
run of one ``decide`` pass per corpus and prints its top hot spots.
"""

from __future__ import annotations

import cProfile
import random
import statistics
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from time import perf_counter_ns
from types import CodeType
from typing import Any

from rich.table import Table

from bench.harness import (
    UNIQUE,
    ZIPF,
    BareKernel,
    EachKernel,
    Measurement,
    Runner,
    Subject,
    console,
    corpus_size,
    environment,
    fmt,
    parser,
    target_row,
    targets_table,
    timer_overhead_ns,
    unique_corpus,
    us_per_item,
    warmup_corpus,
    write_json,
    zipf_corpus,
)
from linkgate.domains.psl import PublicSuffix, installed_psl_path, parse_psl_text
from linkgate.facts import DEFAULT_CACHE_SIZE, Inspector, UrlFacts, clear_caches
from linkgate.gateway import Gateway, Snapshot
from linkgate.policy.evaluator import Situation
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse

CHANNEL_MIX: tuple[tuple[str, float], ...] = (
    ("private_chat", 0.60),
    ("group_chat", 0.30),
    ("moments", 0.07),
    ("official_account", 0.02),
    ("qr_scan", 0.01),
)
CHANNEL_SEED = 20211129
# After every rollout phase of the default policy has started (phase 2: 2021-11-29, +08:00).
AT = datetime(2021, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))

DECIDE = "decide"
DECIDE_NOW = "decide at=None"
DECIDE_CACHED = "decide, facts cached"
FLOOR = "floor"
FLOOR_CACHED = "floor, cached PSL"
INSPECT = "inspect"
EVALUATE = "evaluate"
ASSEMBLY = "assembly"

TARGET_PER_S = {ZIPF: 100_000.0, UNIQUE: 30_000.0}
TARGET_FLOOR_RATIO = 3.0
#: Decisions (and floor URLs) a turn when the two are timed in turns.
TURN = 1_000
PROFILE_TOP = 15

CACHE_SIZES = {UNIQUE: 0, ZIPF: DEFAULT_CACHE_SIZE}

Request = tuple[str, str]


def channels(n: int, *, seed: int = CHANNEL_SEED) -> list[str]:
    """``n`` channels drawn from :data:`CHANNEL_MIX`; the same ``n`` and seed give the same list."""
    names = [name for name, _ in CHANNEL_MIX]
    cumulative = list(accumulate(share for _, share in CHANNEL_MIX))
    total = cumulative[-1]
    rnd = random.Random(seed).random
    last = len(names) - 1
    return [names[min(bisect_right(cumulative, rnd() * total), last)] for _ in range(n)]


def fresh_gateway(corpus: str) -> Gateway:
    """A new gateway with cold caches: the default one, with the inspector cache off if unique."""
    clear_caches()
    gateway = Gateway.default()
    if CACHE_SIZES[corpus] == DEFAULT_CACHE_SIZE:
        return gateway
    snap = gateway.snapshot
    inspector = Inspector(
        snap.inspector.registry, snap.inspector.psl, cache_size=CACHE_SIZES[corpus]
    )
    return Gateway(Snapshot(snap.policy, snap.evaluator, inspector, snap.state))


def warm_gateway(corpus: str, urls: Sequence[str]) -> Gateway:
    """A fresh gateway whose inspector cache already holds the facts of every URL in ``urls``."""
    snap = fresh_gateway(corpus).snapshot
    distinct = list(dict.fromkeys(urls))
    size = max(DEFAULT_CACHE_SIZE, len(distinct) + 1)
    inspector = Inspector(snap.inspector.registry, snap.inspector.psl, cache_size=size)
    for url in distinct:
        inspector.inspect(url)
    return Gateway(Snapshot(snap.policy, snap.evaluator, inspector, snap.state))


def uncached_psl() -> PublicSuffix:
    """The list ``PublicSuffix.load()`` would use, with its lookup memo off."""
    installed = installed_psl_path()
    if installed.is_file():
        rules = parse_psl_text(installed.read_text(encoding="utf-8"), str(installed))
        return PublicSuffix(rules, source=str(installed), cache_size=0)
    return PublicSuffix(cache_size=0)


# --------------------------------------------------------------------------- kernels


def decide_bare(gateway: Gateway, at: datetime | None) -> BareKernel[Request]:
    decide = gateway.decide

    def kernel(part: Sequence[Request]) -> None:
        for url, channel in part:
            decide(url, channel=channel, at=at)

    return kernel


def decide_each(gateway: Gateway, at: datetime | None) -> EachKernel[Request]:
    decide = gateway.decide
    pc = perf_counter_ns

    def kernel(part: Sequence[Request], samples: list[int]) -> None:
        append = samples.append
        for url, channel in part:
            t0 = pc()
            decide(url, channel=channel, at=at)
            append(pc() - t0)

    return kernel


def floor_bare(psl: PublicSuffix) -> BareKernel[str]:
    registrable_domain = psl.registrable_domain

    def kernel(part: Sequence[str]) -> None:
        for u in part:
            parsed = parse(u)
            if isinstance(parsed, ParsedUrl) and parsed.hostname:
                registrable_domain(parsed.hostname)

    return kernel


def inspect_bare(gateway: Gateway) -> BareKernel[str]:
    inspect = gateway.snapshot.inspector.inspect

    def kernel(part: Sequence[str]) -> None:
        for u in part:
            inspect(u)

    return kernel


def evaluate_bare(gateway: Gateway) -> BareKernel[tuple[UrlFacts, Situation]]:
    snap = gateway.snapshot
    evaluate = snap.evaluator.evaluate
    state = snap.state

    def kernel(part: Sequence[tuple[UrlFacts, Situation]]) -> None:
        for facts, situation in part:
            evaluate(facts, situation, state)

    return kernel


# --------------------------------------------------------------------------- measurement


def warm_up(runner: Runner) -> None:
    """Run every code path once on another corpus before anything is timed."""
    urls = warmup_corpus()
    requests = list(zip(urls, channels(len(urls), seed=CHANNEL_SEED + 1), strict=True))
    for corpus in (ZIPF, UNIQUE):
        runner.bare(f"warm-up: decide ({corpus})", requests, decide_bare(fresh_gateway(corpus), AT))
    runner.bare("warm-up: decide at=None", requests, decide_bare(fresh_gateway(ZIPF), None))
    runner.bare("warm-up: floor", urls, floor_bare(uncached_psl()))


def measure_corpus(runner: Runner, corpus: str, urls: Sequence[str]) -> dict[str, Any]:
    """All subjects on one corpus; see the module docstring."""
    mix = channels(len(urls))
    requests = list(zip(urls, mix, strict=True))
    prep = fresh_gateway(corpus).snapshot
    evaluate_inputs = [
        (prep.inspector.inspect(url), Situation(channel=channel, at=AT))
        for url, channel in requests
    ]
    treatments = Counter(
        prep.evaluator.evaluate(facts, situation, prep.state).treatment
        for facts, situation in evaluate_inputs
    )
    subjects: list[Subject[Any]] = [
        Subject(
            DECIDE,
            requests,
            lambda: decide_bare(fresh_gateway(corpus), AT),
            lambda: decide_each(fresh_gateway(corpus), AT),
        ),
        Subject(DECIDE_NOW, requests, lambda: decide_bare(fresh_gateway(corpus), None)),
        Subject(DECIDE_CACHED, requests, lambda: decide_bare(warm_gateway(corpus, urls), AT)),
        Subject(FLOOR, urls, lambda: floor_bare(uncached_psl())),
        Subject(FLOOR_CACHED, urls, lambda: floor_bare(PublicSuffix.load())),
        Subject(INSPECT, urls, lambda: inspect_bare(fresh_gateway(corpus))),
        Subject(EVALUATE, evaluate_inputs, lambda: evaluate_bare(fresh_gateway(corpus))),
    ]
    measured = runner.compare(corpus, subjects)
    n = len(urls)
    floor_us = measured[FLOOR].us_per_item
    decide = measured[DECIDE]
    evaluate = measured[EVALUATE].seconds
    assembly = decide.seconds - measured[INSPECT].seconds - evaluate
    assembly_cached = measured[DECIDE_CACHED].seconds - evaluate
    stages = {
        name: {
            "seconds": round(seconds, 6),
            "us_per_decision": round(us_per_item(n, seconds), 3),
            "share": round(seconds / decide.seconds, 4) if decide.seconds > 0 else 0.0,
        }
        for name, seconds in (
            (INSPECT, measured[INSPECT].seconds),
            (EVALUATE, measured[EVALUATE].seconds),
            (ASSEMBLY, assembly),
        )
    }

    by_pass = []
    for r in range(runner.repeat):
        spent = runner.in_turns(
            f"{corpus}: decide and floor in turns [{r + 1}/{runner.repeat}]",
            {
                DECIDE: (requests, decide_bare(fresh_gateway(corpus), AT)),
                FLOOR: (urls, floor_bare(uncached_psl())),
            },
            TURN,
        )
        by_pass.append(round(spent[DECIDE] / spent[FLOOR], 3) if spent[FLOOR] > 0 else 0.0)

    def with_ratio(m: Measurement) -> dict[str, Any]:
        out = m.to_dict("decision")
        out["ratio_to_floor"] = round(m.us_per_item / floor_us, 3) if floor_us else 0.0
        return out

    return {
        "decisions": n,
        "distinct_urls": len(set(urls)),
        "inspector_cache_size": CACHE_SIZES[corpus],
        "at": AT.isoformat(),
        "channels": dict(Counter(mix).most_common()),
        "treatments": dict(treatments.most_common()),
        "decide": with_ratio(decide),
        "decide_at_none": with_ratio(measured[DECIDE_NOW]),
        "decide_facts_cached": with_ratio(measured[DECIDE_CACHED]),
        "ratio_to_floor_in_turns": {
            "median": round(statistics.median(by_pass), 3),
            "by_pass": by_pass,
            "turn": TURN,
        },
        "floor": measured[FLOOR].to_dict("url"),
        "floor_cached_psl": measured[FLOOR_CACHED].to_dict("url"),
        "stages": stages,
        "assembly_facts_cached_us_per_decision": round(us_per_item(n, assembly_cached), 3),
    }


def profile_corpus(corpus: str, urls: Sequence[str]) -> list[dict[str, Any]]:
    """cProfile of one ``decide`` pass on a fresh gateway: the top functions by own time.

    Entries are read from ``Profile.getstats()``, keyed by code object: ``pstats`` keys by file,
    line and name, which merges every dataclass ``__init__`` (all generated in ``<string>``,
    line 2) into one row. Those are named after their class here. The benchmark's own loop is
    left out.
    """
    requests = list(zip(urls, channels(len(urls)), strict=True))
    kernel = decide_bare(fresh_gateway(corpus), AT)
    profiler = cProfile.Profile()
    profiler.enable()
    kernel(requests)
    profiler.disable()
    owners = _init_owners()
    entries = [
        e
        for e in profiler.getstats()
        if not (isinstance(e.code, CodeType) and e.code.co_filename == __file__)
        and "_lsprof.Profiler" not in str(e.code)
    ]
    total = sum(e.inlinetime for e in entries)
    rows: list[dict[str, Any]] = []
    for e in sorted(entries, key=lambda e: e.inlinetime, reverse=True)[:PROFILE_TOP]:
        code = e.code
        if isinstance(code, CodeType):
            name = owners.get(code, code.co_qualname)
            where = f"{_short_path(code.co_filename)}:{code.co_firstlineno}"
        else:
            name, where = str(code), "built-in"
        rows.append(
            {
                "function": name,
                "where": where,
                "calls": e.callcount,
                "tottime_s": round(e.inlinetime, 4),
                "cumtime_s": round(e.totaltime, 4),
                "share_of_total": round(e.inlinetime / total, 4) if total else 0.0,
            }
        )
    return rows


def _init_owners() -> dict[CodeType, str]:
    """``Class.__init__`` for the ``__init__`` code of every class in loaded linkgate modules."""
    owners: dict[CodeType, str] = {}
    for name, module in list(sys.modules.items()):
        if name != "linkgate" and not name.startswith("linkgate."):
            continue
        for value in vars(module).values():
            if isinstance(value, type):
                code = getattr(value.__dict__.get("__init__"), "__code__", None)
                if isinstance(code, CodeType):
                    owners.setdefault(code, f"{value.__qualname__}.__init__")
    return owners


def _short_path(path: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python"):
        i = path.find(marker)
        if i >= 0:
            return path[i + len(marker) :]
    return path


# --------------------------------------------------------------------------- report


def results_table(corpora: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Decisions in one process (µs per decision; floor: µs per URL)")
    columns = ("corpus", "subject", "median", "p90", "p99", "mean (bare)", "per s", "× floor")
    for column in columns:
        table.add_column(column, justify="left" if column in ("corpus", "subject") else "right")
    for corpus, result in corpora.items():
        for label, key, unit in (
            (DECIDE, "decide", "decision"),
            (DECIDE_NOW, "decide_at_none", "decision"),
            (DECIDE_CACHED, "decide_facts_cached", "decision"),
            (FLOOR, "floor", "url"),
            (FLOOR_CACHED, "floor_cached_psl", "url"),
        ):
            figures = result[key]
            latency = figures.get("latency")
            ratio = figures.get("ratio_to_floor")
            table.add_row(
                corpus,
                label,
                fmt(latency["median_us"]) if latency else "",
                fmt(latency["p90_us"]) if latency else "",
                fmt(latency["p99_us"]) if latency else "",
                fmt(figures[f"us_per_{unit}"]),
                fmt(figures[f"{unit}s_per_s"], 0),
                fmt(ratio) if ratio is not None else ("1.00 (baseline)" if key == "floor" else ""),
            )
    return table


def stages_table(corpora: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="decide() by stage (assembly = decide - inspect - evaluate)")
    for column in ("corpus", "stage", "µs per decision", "share"):
        table.add_column(column, justify="left" if column in ("corpus", "stage") else "right")
    for corpus, result in corpora.items():
        for name, figures in result["stages"].items():
            table.add_row(
                corpus, name, fmt(figures["us_per_decision"]), f"{figures['share'] * 100:.1f} %"
            )
        table.add_row(
            corpus,
            "assembly (facts cached - evaluate)",
            fmt(result["assembly_facts_cached_us_per_decision"]),
            "",
        )
    return table


def profile_table(corpus: str, rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=f"cProfile of decide(), {corpus} corpus: top {len(rows)} by own time")
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


def targets(corpora: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for corpus, result in corpora.items():
        rows.append(
            target_row(
                "decisions per second (fixed at)",
                corpus,
                result["decide"]["decisions_per_s"],
                "/s",
                ">=",
                TARGET_PER_S[corpus],
            )
        )
        rows.append(
            target_row(
                "decision cost / parse + PSL floor",
                corpus,
                result["decide"]["ratio_to_floor"],
                "×",
                "<=",
                TARGET_FLOOR_RATIO,
            )
        )
        rows.append(
            target_row(
                "decision cost / floor, in turns",
                corpus,
                result["ratio_to_floor_in_turns"]["median"],
                "×",
                "<=",
                TARGET_FLOOR_RATIO,
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(
        "python -m bench.decisions",
        "Time linkgate's decisions per second, by stage, against the parse + PSL floor.",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help=f"also profile one decide pass per corpus and print the top {PROFILE_TOP}",
    )
    args = p.parse_args(argv)
    n = corpus_size(p, args)
    out = console()
    out.print(
        f"[bold]bench.decisions[/bold]: n = {n:,} decisions per corpus, "
        f"{args.repeat} timed pass(es) per subject, at = {AT.isoformat()}"
    )
    urls = {ZIPF: zipf_corpus(n), UNIQUE: unique_corpus(n)}
    overhead = timer_overhead_ns()
    runner = Runner(out, repeat=args.repeat)
    with runner.session():
        warm_up(runner)
        corpora = {corpus: measure_corpus(runner, corpus, urls[corpus]) for corpus in urls}
    rows = targets(corpora)
    out.print(results_table(corpora))
    out.print(stages_table(corpora))
    out.print(targets_table(rows))
    out.print(f"per-call samples include the timer itself: {overhead} ns per perf_counter_ns pair")
    report: dict[str, Any] = {
        "benchmark": "decisions",
        "n": n,
        "repeat": args.repeat,
        "environment": environment(),
        "timer_overhead_ns": overhead,
        "corpora": corpora,
        "targets": rows,
    }
    if args.profile:
        report["profile"] = {}
        for corpus in urls:
            top = profile_corpus(corpus, urls[corpus])
            report["profile"][corpus] = top
            out.print(profile_table(corpus, top))
    if args.json:
        write_json(args.json, report)
        out.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
