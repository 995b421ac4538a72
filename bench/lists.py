"""Benchmark: threat lists' memory, and decision speed with and without them.

Run ``python -m bench.lists`` (``--n N``, ``--quick``, ``--repeat R``, ``--json FILE``,
``--domains D`` (default 1,000,000), ``--prefixes P`` (default 100,000), ``--no-memory``).

Memory
    A fresh Python process (``python -m bench.lists --memory-child``) builds the default
    gateway (policy, registry, public suffix list), reads its resident set size (the
    *baseline*), then loads ``D`` generated domains and ``P`` generated URL prefixes into a
    :class:`~linkgate.lists.threats.ThreatLists` from generators (no list of inputs is
    held) and reads its RSS again, and the peak RSS (``ru_maxrss``). Target (from the issue):
    at most 400 MB RSS after loading 1,000,000 domains + 100,000 URL prefixes.

Speed
    The decisions of :mod:`bench.decisions` (same corpora, channel mix and fixed time) on
    a fresh default gateway, once with empty threat lists and once with the ``D + P``
    lists of the memory run, timed ``--repeat`` times each, round-robin, the fastest pass
    counting. The ratio ``with / without`` is the cost of the lists; the target is "no
    slower" (a ratio of about 1, within the noise of a shared machine).

The generated lists: domains like ``qx7f3a.top`` over a mix of TLDs, never a registered
platform's; URL prefixes like ``a1b2.evil.shop/kit/17/``, 1 % of them on hosts that platform
links in the corpus use (``item.taobao.com/lg-listed/…``), so those decisions pay for the
Safe Browsing expression lookup as a listed host would. None of the corpus URLs is listed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from rich.table import Table

from bench.decisions import AT, channels, decide_bare, fresh_gateway
from bench.harness import (
    UNIQUE,
    ZIPF,
    Runner,
    Subject,
    console,
    corpus_size,
    environment,
    fmt,
    parser,
    unique_corpus,
    write_json,
    zipf_corpus,
)
from linkgate.gateway import Gateway
from linkgate.lists.threats import ListEntry, ThreatLists
from linkgate.policy.evaluator import State

DEFAULT_DOMAINS = 1_000_000
DEFAULT_PREFIXES = 100_000
TARGET_MB = 400.0
TLDS = ("top", "xyz", "shop", "vip", "club", "online", "site", "cn", "com", "net", "ru", "info")
PLATFORM_HOSTS = (
    "item.taobao.com",
    "m.tb.cn",
    "v.douyin.com",
    "item.jd.com",
    "mobile.yangkeduo.com",
    "www.bilibili.com",
    "mp.weixin.qq.com",
    "www.xiaohongshu.com",
)
WITHOUT = "decide, no lists"
WITH = "decide, with lists"

_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _name(i: int, salt: int) -> str:
    """A short deterministic label for ``i`` (distinct for distinct ``i``)."""
    x = (i * 2654435761 + salt) & 0xFFFFFFFF
    head = _LETTERS[x % 26] + _LETTERS[(x >> 5) % 36] + _LETTERS[(x >> 11) % 36]
    return f"{head}{i:x}"


def generated_domains(n: int) -> Iterator[str]:
    for i in range(n):
        yield f"{_name(i, 7)}.{TLDS[i % len(TLDS)]}"


def generated_prefixes(n: int) -> Iterator[str]:
    for i in range(n):
        if i % 100 == 0:
            yield f"{PLATFORM_HOSTS[(i // 100) % len(PLATFORM_HOSTS)]}/lg-listed/{i}/"
        else:
            yield f"{_name(i, 13)}.evil.{TLDS[i % len(TLDS)]}/kit/{i % 97}/"


def build_lists(domains: int, prefixes: int) -> ThreatLists:
    lists = ThreatLists()
    lists.add_entries("domain", generated_domains(domains), ListEntry("generated", "malware"))
    lists.add_entries(
        "expression", generated_prefixes(prefixes), ListEntry("generated-urls", "phishing")
    )
    return lists


def rss_mb() -> float:
    """The resident set size of this process now, in MiB (Linux ``/proc``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def memory_child(domains: int, prefixes: int) -> dict[str, Any]:
    """Run in a fresh process: baseline RSS, then RSS after loading the lists."""
    gateway = Gateway.default()
    gateway.decide("https://item.taobao.com/item.htm?id=1", channel="private_chat", at=AT)
    baseline = rss_mb()
    started = time.perf_counter()
    lists = build_lists(domains, prefixes)
    seconds = time.perf_counter() - started
    loaded = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "domains": domains,
        "prefixes": prefixes,
        "entries": len(lists),
        "baseline_rss_mb": round(baseline, 1),
        "loaded_rss_mb": round(loaded, 1),
        "lists_mb": round(loaded - baseline, 1),
        "peak_rss_mb": round(peak, 1),
        "load_seconds": round(seconds, 3),
        "target_mb": TARGET_MB,
        "passed": loaded <= TARGET_MB,
    }


def measure_memory(domains: int, prefixes: int) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run(
        [sys.executable, "-m", "bench.lists", "--memory-child",
         "--domains", str(domains), "--prefixes", str(prefixes)],
        capture_output=True, text=True, check=True, env=env, timeout=600,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure_speed(
    runner: Runner, corpus: str, urls: Sequence[str], lists: ThreatLists
) -> dict[str, Any]:
    requests = list(zip(urls, channels(len(urls)), strict=True))

    def with_lists() -> Gateway:
        gateway = fresh_gateway(corpus)
        return Gateway(gateway.snapshot.with_state(State(threats=lists)))

    subjects: list[Subject[Any]] = [
        Subject(WITHOUT, requests, lambda: decide_bare(fresh_gateway(corpus), AT)),
        Subject(WITH, requests, lambda: decide_bare(with_lists(), AT)),
    ]
    measured = runner.compare(corpus, subjects)
    check = with_lists()
    listed = sum(
        1
        for url, channel in requests
        if "threat_list" in check.decide(url, channel=channel, at=AT).reasons
    )
    without, with_ = measured[WITHOUT], measured[WITH]
    return {
        WITHOUT: without.to_dict("decision"),
        WITH: with_.to_dict("decision"),
        "ratio": round(with_.seconds / without.seconds, 4) if without.seconds else 0.0,
        "listed_in_corpus": listed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = parser("python -m bench.lists", "Threat lists: memory, and decisions with and without.")
    p.add_argument("--domains", type=int, default=DEFAULT_DOMAINS, help="generated domains")
    p.add_argument("--prefixes", type=int, default=DEFAULT_PREFIXES, help="generated URL prefixes")
    p.add_argument("--no-memory", action="store_true", help="skip the memory run")
    p.add_argument("--memory-child", action="store_true", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.domains < 0 or args.prefixes < 0:
        p.error("--domains and --prefixes must not be negative")
    if args.memory_child:
        print(json.dumps(memory_child(args.domains, args.prefixes)))
        return 0
    n = corpus_size(p, args)
    out = console()
    out.print(
        f"[bold]bench.lists[/bold]: {args.domains:,} domains + {args.prefixes:,} URL prefixes; "
        f"n = {n:,} decisions per corpus, {args.repeat} timed pass(es) per subject"
    )
    report: dict[str, Any] = {
        "benchmark": "lists",
        "n": n,
        "repeat": args.repeat,
        "domains": args.domains,
        "prefixes": args.prefixes,
        "environment": environment(),
    }
    if not args.no_memory:
        with out.status("memory: loading the lists in a fresh process"):
            memory = measure_memory(args.domains, args.prefixes)
        report["memory"] = memory
        out.print(memory_table(memory))
    with out.status("building the lists for the decision runs"):
        started = time.perf_counter()
        lists = build_lists(args.domains, args.prefixes)
        report["build_seconds"] = round(time.perf_counter() - started, 3)
    urls = {ZIPF: zipf_corpus(n), UNIQUE: unique_corpus(n)}
    runner = Runner(out, repeat=args.repeat)
    with runner.session():
        report["corpora"] = {c: measure_speed(runner, c, urls[c], lists) for c in urls}
    out.print(speed_table(report["corpora"]))
    if args.json:
        write_json(args.json, report)
        out.print(f"figures written to {args.json}")
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def memory_table(memory: dict[str, Any]) -> Table:
    table = Table(title="memory (fresh process)")
    for column in ("baseline RSS", "RSS with lists", "lists", "peak RSS", "load", "target"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{memory['baseline_rss_mb']} MB",
        f"{memory['loaded_rss_mb']} MB",
        f"{memory['lists_mb']} MB",
        f"{memory['peak_rss_mb']} MB",
        f"{memory['load_seconds']} s",
        f"≤ {memory['target_mb']:.0f} MB: {'pass' if memory['passed'] else 'FAIL'}",
    )
    return table


def speed_table(corpora: dict[str, Any]) -> Table:
    table = Table(title="decisions per second (one core), with and without the lists")
    for column in ("corpus", "no lists", "with lists", "ratio (with / without)", "listed"):
        table.add_column(column, justify="right")
    for corpus, row in corpora.items():
        table.add_row(
            corpus,
            fmt(row[WITHOUT]["decisions_per_s"], 0),
            fmt(row[WITH]["decisions_per_s"], 0),
            fmt(row["ratio"], 3),
            str(row["listed_in_corpus"]),
        )
    return table


if __name__ == "__main__":
    raise SystemExit(main())
