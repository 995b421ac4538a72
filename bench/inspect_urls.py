"""Benchmark: the ``url inspect`` work per URL, in-process, against gglsbl in the same run.

Run ``python -m bench.inspect_urls`` (``--n N``, ``--quick``, ``--repeat R``, ``--json FILE``).

Two corpora of ``n`` URLs (see :mod:`bench.harness`):

- ``unique``: ``n`` distinct strings, inspected by an ``Inspector`` whose per-string cache is
  off (``cache_size=0``: ``functools.lru_cache(maxsize=0)`` stores nothing and never hits), so
  every URL is inspected in full. The host-level memos inside the link core (the inspector's
  record per host, public-suffix lookups, deception host signals, lookup-expression host
  suffixes) stay as deployed: URL strings are distinct, hosts are not. Every pass starts them
  cold (a new inspector, and ``linkgate.facts.clear_caches()`` for the module-level ones).
- ``zipf``: ``n`` Zipf draws over the corpus, inspected with the default cache, as deployed.

On each corpus, three variants are timed ``--repeat`` times each, round-robin, with fresh
objects for every pass: as a bare loop (throughput, the fastest pass counts) and with a
``perf_counter_ns`` pair around every call (percentiles, from the pass with the lowest median):

``inspect``
    ``Inspector.inspect(u)``: parse, canonicalise, IDN, registrable domain, platform, signals.
``inspect_expressions_hashes``
    ``inspect(u)``, then ``facts.full_hashes()`` (the lookup expressions and the full SHA-256
    of each, computed once per link and kept with its cached facts) and their 4-byte prefixes.
``gglsbl``
    gglsbl's ``x = URL(u); x.canonical; list(x.hashes)`` (``hashes`` canonicalises again, as
    gglsbl's own lookup does); exceptions are caught, counted and timed.

Targets (from the issue): ``inspect_expressions_hashes`` throughput at least 5x gglsbl's, and
``inspect`` median at most 10 µs per URL. A per-stage split of ``inspect`` on the unique corpus
times each stage in a bare loop over the inputs that stage sees inside ``Inspector``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from time import perf_counter_ns
from typing import Any

from gglsbl.protocol import URL
from rich.table import Table

from bench.harness import (
    UNIQUE,
    ZIPF,
    BareKernel,
    EachKernel,
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
from linkgate.domains.idn import to_unicode
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.facts import DEFAULT_CACHE_SIZE, Inspector, UrlFacts, clear_caches
from linkgate.facts import _new_facts as new_facts
from linkgate.urls.canonical import canonicalize
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse

INSPECT = "inspect"
WITH_HASHES = "inspect_expressions_hashes"
GGLSBL = "gglsbl"

TARGET_RATIO = 5.0
TARGET_MEDIAN_US = 10.0
PREFIX_BYTES = 4

CACHE_SIZES = {UNIQUE: 0, ZIPF: DEFAULT_CACHE_SIZE}


def fresh_inspector(cache_size: int) -> Inspector:
    """A new inspector with cold caches (the link core's module-level memos are cleared too)."""
    clear_caches()
    return Inspector(Registry.default(), PublicSuffix.load(), cache_size=cache_size)


# --------------------------------------------------------------------------- kernels
#
# Each variant has a bare kernel (for throughput) and a per-call kernel (for percentiles) that
# do the same work. Kernels that compute hashes add the number of hashes to ``tally`` so the
# work is used and the two implementations' expression counts can be compared.


class Tally:
    """Counts kept by the kernels over all passes: hashes produced, exceptions by type."""

    def __init__(self) -> None:
        self.passes = 0
        self.hashes = 0
        self.errors: Counter[str] = Counter()

    def per_pass(self, count: int) -> float:
        return count / self.passes if self.passes else 0.0


def inspect_bare(inspector: Inspector) -> BareKernel[str]:
    inspect = inspector.inspect

    def kernel(part: Sequence[str]) -> None:
        for u in part:
            inspect(u)

    return kernel


def inspect_each(inspector: Inspector) -> EachKernel[str]:
    inspect = inspector.inspect
    pc = perf_counter_ns

    def kernel(part: Sequence[str], samples: list[int]) -> None:
        append = samples.append
        for u in part:
            t0 = pc()
            inspect(u)
            append(pc() - t0)

    return kernel


def hashes_bare(inspector: Inspector, tally: Tally) -> BareKernel[str]:
    inspect = inspector.inspect
    tally.passes += 1

    def kernel(part: Sequence[str]) -> None:
        count = 0
        for u in part:
            digests = inspect(u).full_hashes()
            prefixes = [h[:PREFIX_BYTES] for h in digests]
            count += len(prefixes)
        tally.hashes += count

    return kernel


def hashes_each(inspector: Inspector, tally: Tally) -> EachKernel[str]:
    inspect = inspector.inspect
    pc = perf_counter_ns
    tally.passes += 1

    def kernel(part: Sequence[str], samples: list[int]) -> None:
        append = samples.append
        count = 0
        for u in part:
            t0 = pc()
            digests = inspect(u).full_hashes()
            prefixes = [h[:PREFIX_BYTES] for h in digests]
            append(pc() - t0)
            count += len(prefixes)
        tally.hashes += count

    return kernel


def gglsbl_bare(tally: Tally) -> BareKernel[str]:
    tally.passes += 1

    def kernel(part: Sequence[str]) -> None:
        count = 0
        for u in part:
            try:
                x = URL(u)
                x.canonical  # noqa: B018  (a property: it canonicalises)
                count += len(list(x.hashes))
            except Exception as exc:
                tally.errors[type(exc).__name__] += 1
        tally.hashes += count

    return kernel


def gglsbl_each(tally: Tally) -> EachKernel[str]:
    pc = perf_counter_ns
    tally.passes += 1

    def kernel(part: Sequence[str], samples: list[int]) -> None:
        append = samples.append
        count = 0
        for u in part:
            t0 = pc()
            try:
                x = URL(u)
                x.canonical  # noqa: B018  (a property: it canonicalises)
                count += len(list(x.hashes))
            except Exception as exc:
                tally.errors[type(exc).__name__] += 1
            append(pc() - t0)
        tally.hashes += count

    return kernel


# --------------------------------------------------------------------------- measurement


def astuple_shallow(facts: UrlFacts) -> tuple[Any, ...]:
    """The constructor arguments of ``facts`` in field order, not copied (unlike
    ``dataclasses.astuple``): every field but the expression memo, which is not passed in."""
    return tuple(getattr(facts, f.name) for f in fields(UrlFacts) if f.init)


def warm_up(runner: Runner) -> None:
    """Load lazy tables and compiled patterns in every code path before timing anything."""
    urls = warmup_corpus()
    inspector = fresh_inspector(0)
    tally = Tally()
    runner.bare("warm-up: inspect", urls, inspect_bare(inspector))
    runner.bare("warm-up: + expressions and hashes", urls, hashes_bare(inspector, tally))
    runner.bare("warm-up: gglsbl", urls, gglsbl_bare(tally))


def measure_corpus(runner: Runner, corpus: str, urls: Sequence[str]) -> dict[str, Any]:
    """The three variants on one corpus, each with fresh objects for every pass."""
    size = CACHE_SIZES[corpus]
    hashes_tally, gglsbl_tally = Tally(), Tally()
    subjects: list[Subject[str]] = [
        Subject(
            INSPECT,
            urls,
            lambda: inspect_bare(fresh_inspector(size)),
            lambda: inspect_each(fresh_inspector(size)),
        ),
        Subject(
            WITH_HASHES,
            urls,
            lambda: hashes_bare(fresh_inspector(size), hashes_tally),
            lambda: hashes_each(fresh_inspector(size), hashes_tally),
        ),
        Subject(GGLSBL, urls, lambda: gglsbl_bare(gglsbl_tally), lambda: gglsbl_each(gglsbl_tally)),
    ]
    measured = runner.compare(corpus, subjects)
    n = len(urls)
    variants = {name: m.to_dict() for name, m in measured.items()}
    variants[WITH_HASHES]["hashes_per_url"] = round(
        hashes_tally.per_pass(hashes_tally.hashes) / n, 3
    )
    variants[GGLSBL]["hashes_per_url"] = round(gglsbl_tally.per_pass(gglsbl_tally.hashes) / n, 3)
    variants[GGLSBL]["errors"] = round(gglsbl_tally.per_pass(sum(gglsbl_tally.errors.values())))
    variants[GGLSBL]["error_types"] = {
        name: round(gglsbl_tally.per_pass(count))
        for name, count in sorted(gglsbl_tally.errors.items())
    }
    base = measured[GGLSBL].per_second
    return {
        "urls": n,
        "distinct": len(set(urls)),
        "inspector_cache_size": size,
        "variants": variants,
        "ratio_vs_gglsbl": {
            name: round(measured[name].per_second / base, 3) if base else 0.0
            for name in (INSPECT, WITH_HASHES)
        },
    }


def measure_stages(runner: Runner, urls: Sequence[str]) -> dict[str, Any]:
    """Each stage of ``Inspector.inspect`` timed alone over the inputs it sees there.

    Inputs are prepared once with one inspector; every pass of a stage runs on the parts of a
    fresh one, so host-level memos start cold as they do in an ``inspect`` pass. ``inspect``
    itself is timed in the same round-robin; what the stages do not cover (the cache wrapper,
    the glue between stages, and stages running interleaved rather than each in a tight loop)
    is reported as ``other``.
    """
    prep = fresh_inspector(0)
    parsed_all = [p for p in map(parse, urls) if isinstance(p, ParsedUrl)]
    hosts: list[tuple[ParsedUrl, str, bool]] = []
    for p in parsed_all:
        host = p.hostname.rstrip(".") if p.hostname.endswith(".") else p.hostname
        hosts.append((p, host, p.host_type in ("ipv4", "ipv6")))
    idn_hosts = [host for _, host, is_ip in hosts if not is_ip and "xn--" in host]
    named = [host for _, host, is_ip in hosts if host and not is_ip]
    detect_inputs: list[tuple[ParsedUrl, str, str | None]] = []
    resolve_inputs: list[tuple[str, str | None, str, str]] = []
    for p, host, is_ip in hosts:
        host_unicode = host if is_ip or "xn--" not in host else to_unicode(host)
        registrable = None if is_ip or not host else prep.psl.registrable_domain(host)
        if host and not is_ip:
            resolve_inputs.append((host, registrable, p.pathname, p.search))
        detect_inputs.append((p, host_unicode, registrable))
    # The finished facts of every valid URL, taken apart again: the input of the last stage,
    # building ``UrlFacts`` as the inspector builds them (its field-by-field builder).
    facts_inputs = [astuple_shallow(f) for f in map(prep.inspect, urls) if f.valid]

    def k_parse() -> BareKernel[str]:
        def kernel(part: Sequence[str]) -> None:
            for u in part:
                parse(u)

        return kernel

    def k_canonical() -> BareKernel[ParsedUrl]:
        def kernel(part: Sequence[ParsedUrl]) -> None:
            for p in part:
                canonicalize(p)

        return kernel

    def k_idn() -> BareKernel[str]:
        def kernel(part: Sequence[str]) -> None:
            for host in part:
                to_unicode(host)

        return kernel

    def k_psl() -> BareKernel[str]:
        registrable_domain = fresh_inspector(0).psl.registrable_domain

        def kernel(part: Sequence[str]) -> None:
            for host in part:
                registrable_domain(host)

        return kernel

    def k_resolve() -> BareKernel[tuple[str, str | None, str, str]]:
        resolve = fresh_inspector(0).registry.resolve

        def kernel(part: Sequence[tuple[str, str | None, str, str]]) -> None:
            for host, registrable, path, query in part:
                resolve(host, registrable, path, query)

        return kernel

    def k_detect() -> BareKernel[tuple[ParsedUrl, str, str | None]]:
        detect = fresh_inspector(0).detector.detect

        def kernel(part: Sequence[tuple[ParsedUrl, str, str | None]]) -> None:
            for p, host_unicode, registrable in part:
                detect(p, host_unicode=host_unicode, registrable_domain=registrable)

        return kernel

    def k_facts() -> BareKernel[tuple[Any, ...]]:
        def kernel(part: Sequence[tuple[Any, ...]]) -> None:
            for args in part:
                new_facts(*args)

        return kernel

    subjects: list[Subject[Any]] = [
        Subject("parse", urls, k_parse),
        Subject("canonicalize", parsed_all, k_canonical),
        Subject("idn to_unicode", idn_hosts, k_idn),
        Subject("registrable_domain", named, k_psl),
        Subject("registry.resolve", resolve_inputs, k_resolve),
        Subject("deception detect", detect_inputs, k_detect),
        Subject("UrlFacts construction", facts_inputs, k_facts),
        Subject(INSPECT, urls, lambda: inspect_bare(fresh_inspector(0))),
    ]
    measured = runner.compare("stage", subjects)
    whole = measured.pop(INSPECT)
    n = len(urls)
    covered = sum(m.seconds for m in measured.values())
    rows = [(name, m.items, m.seconds) for name, m in measured.items()]
    rows.append(("other", n, whole.seconds - covered))
    stages = {
        name: {
            "calls": calls,
            "seconds": round(seconds, 6),
            "us_per_url": round(us_per_item(n, seconds), 3),
            "share": round(seconds / whole.seconds, 4) if whole.seconds > 0 else 0.0,
        }
        for name, calls, seconds in rows
    }
    return {
        "corpus": UNIQUE,
        "inspect_seconds": round(whole.seconds, 6),
        "inspect_us_per_url": round(whole.us_per_item, 3),
        "stages": stages,
    }


# --------------------------------------------------------------------------- report


def results_table(corpora: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="url inspect work per URL (µs; percentiles from the per-call pass)")
    for column in (
        "corpus",
        "variant",
        "median",
        "p90",
        "p99",
        "mean (bare)",
        "URLs/s",
        "× gglsbl",
    ):
        table.add_column(column, justify="left" if column in ("corpus", "variant") else "right")
    for corpus, result in corpora.items():
        for variant, figures in result["variants"].items():
            latency = figures["latency"]
            ratio = result["ratio_vs_gglsbl"].get(variant)
            table.add_row(
                corpus,
                variant,
                fmt(latency["median_us"]),
                fmt(latency["p90_us"]),
                fmt(latency["p99_us"]),
                fmt(figures["us_per_url"]),
                fmt(figures["urls_per_s"], 0),
                "1.00 (baseline)" if ratio is None else fmt(ratio),
            )
    return table


def stages_table(split: dict[str, Any]) -> Table:
    table = Table(
        title=f"inspect by stage, {split['corpus']} corpus "
        f"(whole inspect {fmt(split['inspect_us_per_url'])} µs/URL)"
    )
    for column in ("stage", "calls", "µs per URL", "share"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for name, figures in split["stages"].items():
        table.add_row(
            name,
            f"{figures['calls']:,}",
            fmt(figures["us_per_url"]),
            f"{figures['share'] * 100:.1f} %",
        )
    return table


def targets(corpora: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for corpus, result in corpora.items():
        rows.append(
            target_row(
                "inspect + expressions + hashes vs gglsbl throughput",
                corpus,
                result["ratio_vs_gglsbl"][WITH_HASHES],
                "×",
                ">=",
                TARGET_RATIO,
            )
        )
        rows.append(
            target_row(
                "inspect median (no expressions)",
                corpus,
                result["variants"][INSPECT]["latency"]["median_us"],
                "µs",
                "<=",
                TARGET_MEDIAN_US,
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(
        "python -m bench.inspect_urls",
        "Time linkgate's url inspect work per URL against gglsbl on the same corpus.",
    )
    args = p.parse_args(argv)
    n = corpus_size(p, args)
    out = console()
    out.print(
        f"[bold]bench.inspect_urls[/bold]: n = {n:,} URLs per corpus, "
        f"{args.repeat} timed pass(es) per subject"
    )
    urls = {UNIQUE: unique_corpus(n), ZIPF: zipf_corpus(n)}
    overhead = timer_overhead_ns()
    runner = Runner(out, repeat=args.repeat)
    with warnings.catch_warnings(), runner.session():
        # gglsbl calls urllib's deprecated split helpers on every URL; a deployed process
        # ignores DeprecationWarning the same way.
        warnings.simplefilter("ignore", DeprecationWarning)
        warm_up(runner)
        corpora = {corpus: measure_corpus(runner, corpus, urls[corpus]) for corpus in urls}
        split = measure_stages(runner, urls[UNIQUE])
    rows = targets(corpora)
    out.print(results_table(corpora))
    out.print(stages_table(split))
    out.print(targets_table(rows))
    out.print(
        f"per-call samples include the timer itself: {overhead} ns per perf_counter_ns pair; "
        "gglsbl errors: "
        + ", ".join(f"{c} {corpora[c]['variants'][GGLSBL]['errors']:,}" for c in corpora)
    )
    report: dict[str, Any] = {
        "benchmark": "inspect_urls",
        "n": n,
        "repeat": args.repeat,
        "environment": environment(),
        "timer_overhead_ns": overhead,
        "corpora": corpora,
        "stages": split,
        "targets": rows,
    }
    if args.json:
        write_json(args.json, report)
        out.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
