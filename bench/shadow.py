"""Benchmark: what a policy in shadow costs the request path, against no shadow.

Run ``python -m bench.shadow`` (``--n N`` requests, default 20,000; ``--quick`` for 2,000;
``--repeat R``, default 3; ``--json FILE``).

A real :class:`~linkgate.runtime.Runtime` on a SQLite file in a temporary directory, its
event writer and shadow log running, decides generated share traffic (``linkgate traffic
generate``: URLs, channels, groups, preview titles, times) through
:func:`linkgate.api.routes.decisions.decide_one`, the function behind ``POST
/v1/decisions``. Subjects, timed ``--repeat`` times each, round-robin, the fastest pass
counting (wall clock, since the shadow's thread competes with the request path for the
interpreter and the cores):

``live``
    no shadow: decide, count, queue the decision event (the baseline).
``live + shadow, request path``
    the same with a revision in shadow: the request path also queues the request for the
    shadow; the shadow's thread decides and logs in the background *during* the pass, so
    the time includes what that thread takes from the request path.
``live + shadow, drained``
    the same pass timed until the shadow has decided and logged every queued request:
    the whole extra work, request path and background together.

The shadow policy is the bundled one with group shares blocked, so shadow decisions differ.
Printed: decisions per second and each subject's ratio to ``live``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from linkgate.api.routes.decisions import decide_one
from linkgate.api.schemas import DecisionIn
from linkgate.policy.loader import default_policy_path, parse_policy
from linkgate.runtime import Runtime
from linkgate.settings import Settings
from linkgate.simulator.traffic import TrafficSpec, generate

DEFAULT_N = 20_000
QUICK_N = 2_000
DEFAULT_REPEAT = 3
SECRET_KEYS = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1"
STRICT = (
    default_policy_path()
    .read_text(encoding="utf-8")
    .replace(
        "channel_rules:\n",
        "channel_rules:\n  - id: no-links-in-groups\n    channels: [group_chat]\n"
        "    effect: {treatment: blocked, reason: moments_commerce}\n",
        1,
    )
)


def requests(n: int) -> list[dict[str, Any]]:
    """``n`` request bodies as the API parses them (generated traffic, one day)."""
    out = []
    for event in generate(TrafficSpec(days=1, shares_per_day=n, seed=7)):
        body = DecisionIn.model_validate(
            {
                "url": event.url,
                "channel": event.channel,
                "at": event.time,
                "group": event.group,
                "title": event.title,
            }
        )
        out.append(body.model_dump())
    return out


def _wait(condition: Any, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the background writers did not finish in time")
        time.sleep(0.005)


def one_pass(runtime: Runtime, fields: list[dict[str, Any]], shadow: bool) -> tuple[float, float]:
    """(request-path seconds, seconds until the shadow log drained) for one pass."""
    runtime.shadow = runtime_shadow(runtime) if shadow else None
    log = runtime.shadow_log
    before = log.logged + log.dropped + log.failed
    gc.collect()
    started = time.perf_counter()
    for f in fields:
        decide_one(runtime, f)
    path = time.perf_counter() - started
    if shadow:
        _wait(lambda: log.logged + log.dropped + log.failed >= before + len(fields))
    drained = time.perf_counter() - started
    # Let the event writer catch up outside the timed region, so passes start equal.
    _wait(lambda: runtime.events.pending == 0)
    return path, drained


_SHADOW: dict[int, Any] = {}


def runtime_shadow(runtime: Runtime) -> Any:
    from linkgate.shadow import ShadowPolicy

    key = id(runtime)
    if key not in _SHADOW:
        _SHADOW[key] = ShadowPolicy.of(parse_policy(STRICT, "strict.yaml"))
    return _SHADOW[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shadow", description=__doc__)
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    n = QUICK_N if args.quick else args.n
    console = Console(stderr=True)
    fields = requests(n)
    with tempfile.TemporaryDirectory(prefix="linkgate-bench-shadow-") as home:
        settings = Settings(
            database_url=f"sqlite:///{home}/linkgate.sqlite",
            secret_keys=SECRET_KEYS,
            pseudonym_key="bench",
            event_queue_size=max(100_000, 2 * n),
        )
        runtime = Runtime(settings)
        runtime.events.start()
        runtime.shadow_log.start()
        runtime.gateway.content_signals("预览", None)  # load the classifier
        try:
            one_pass(runtime, fields[: min(n, 500)], True)  # warm caches
            live: list[float] = []
            path: list[float] = []
            drained: list[float] = []
            for r in range(args.repeat):
                console.print(f"pass {r + 1}/{args.repeat}")
                live.append(one_pass(runtime, fields, False)[0])
                p, d = one_pass(runtime, fields, True)
                path.append(p)
                drained.append(d)
            logged = runtime.shadow_log.logged
            dropped = runtime.shadow_log.dropped
        finally:
            runtime.shadow = None
            runtime.close()
    base = min(live)
    subjects = {
        "live": base,
        "live + shadow, request path": min(path),
        "live + shadow, drained": min(drained),
    }
    table = Table(title=f"shadow overhead: {n:,} share decisions, best of {args.repeat}")
    for column in ("subject", "seconds", "decisions/s", "ratio to live"):
        table.add_column(column, justify="right" if column != "subject" else "left")
    for name, seconds in subjects.items():
        table.add_row(name, f"{seconds:.3f}", f"{n / seconds:,.0f}", f"{seconds / base:.2f}x")
    Console(width=120).print(table)
    path_ratio = subjects["live + shadow, request path"] / base
    drained_ratio = subjects["live + shadow, drained"] / base
    print(f"overhead ratio (request path with shadow / without): {path_ratio:.2f}")
    print(f"overhead ratio (shadow drained / without): {drained_ratio:.2f}")
    if args.json is not None:
        report = {
            "n": n,
            "repeat": args.repeat,
            "subjects": {
                name: {"seconds": s, "per_s": n / s, "ratio": s / base}
                for name, s in subjects.items()
            },
            "shadow_logged": logged,
            "shadow_dropped": dropped,
        }
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
