"""A day's traffic mix, open loop, against linkgate replicas; then a check of the stored reports.

Run ``python -m bench.load --database postgresql://... [--redis redis://...] --rate 400``. It

1. starts ``--replicas`` (2) ``linkgate serve`` processes on loopback over that store with
   :class:`bench.cluster.Cluster` (or uses running ones: ``--url URL --url URL --key KEY``) and
   creates an ``integrator`` key in the store;
2. opens a pool of shim links by deciding 200 links, then sends ``--warmup`` seconds (5) of
   traffic at the first rate that are not measured (connection pools and caches fill);
3. sends requests at a fixed rate for ``--duration`` seconds (60; at most 600): 95 % decisions
   (``POST /v1/decisions``: share-traffic URLs from :mod:`bench.corpus` drawn with a Zipf law,
   the channel mix of a day, a third naming their sender and recipient), 4 % shim opens
   (``GET /l/{token}``) and 1 % reports (``POST /v1/reports``, each a new reporter and link).
   The client is *open loop*: request ``i`` is due at ``start + i / rate`` whether or not
   earlier ones were answered, and its latency is measured from when it was due, so a slow
   server shows as latency instead of slowing the client down (no coordinated omission).
   Requests go round-robin over the replicas, on keep-alive connections (one request at a
   time each; new connections open when all are busy, up to ``--connections`` per replica).
   A request that fails in transport (refused, reset, timed out) is sent again to the next
   replica, up to ``--retries`` times; a replica that refused is skipped for a second;
4. reports the achieved rate, p50/p99/p999 latency (overall and per kind), errors by kind and
   cause, and how much the client itself was behind: the CPU it used (of one core) and how
   late it sent requests against their due times (its *lag*). A p99 lag well under the
   latencies measured means the client was not the bottleneck;
5. checks in the store that every acknowledged report (201, or 200 for a retry of one already
   stored) is stored exactly once, and that nothing was stored for a link it never sent.

``--rates 200,400,800`` runs each rate in turn (same cluster) and prints which held 0 errors
and a p99 within ``--slo-p99-ms`` (20). Exit status: 0 when the last run held its invariants
(0 errors, reports stored once), else 1.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import random
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.cluster import Cluster
from bench.corpus import generate, zipf

MAX_DURATION = 600.0
MAX_RATE = 50_000.0
IDLE_LIMIT = 4.0  # seconds; uvicorn closes keep-alive connections idle for 5
TICK = 0.001  # the scheduler wakes at most this late to send what is due
DECISION_SHARE, OPEN_SHARE = 0.95, 0.04  # reports: the remaining 1 %
CHANNEL_MIX = (
    ("private_chat", 0.55),
    ("group_chat", 0.30),
    ("moments", 0.10),
    ("official_account", 0.03),
    ("qr_scan", 0.02),
)
REPORT_CATEGORIES = ("marketing", "fraud", "fake_red_envelope", "induced_sharing", "other")
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, EOFError)


class TransportError(Exception):
    """The request got no complete answer (refused, reset, closed, timed out)."""


# -- a minimal HTTP/1.1 keep-alive client on asyncio streams -----------------------------------


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    async def exchange(self, request: bytes) -> tuple[Answer, bool]:
        """Send one request and read its answer; also whether the connection may be reused."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        reusable = True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                reusable = False
        if chunked:
            body = await self._chunks()
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            reusable = False
        return Answer(status, body), reusable

    async def _chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return b"".join(p[:-2] for p in parts)

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Keep-alive connections to one replica, at most ``limit`` of them at once."""

    def __init__(self, url: str, limit: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.authority = f"{self.host}:{self.port}".encode()
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(limit)
        self.down_until = 0.0

    async def request(self, raw: bytes, timeout: float) -> Answer:
        """One exchange on an idle connection or a new one; :class:`TransportError` when it
        gets no complete answer within ``timeout`` seconds."""
        async with self.slots:
            conn: Connection | None = None
            reusable = False
            try:
                async with asyncio.timeout(timeout):
                    while self.idle and time.monotonic() - self.idle[-1].idle_since > IDLE_LIMIT:
                        self.idle.pop().close()  # the server may be closing it right now
                    if self.idle:
                        conn = self.idle.pop()
                    else:
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                        conn = Connection(reader, writer)
                    answer, reusable = await conn.exchange(raw)
                return answer
            except (TimeoutError, *TRANSPORT_ERRORS, ValueError, IndexError) as exc:
                raise TransportError(type(exc).__name__) from exc
            finally:
                if conn is not None:
                    if reusable:
                        conn.idle_since = time.monotonic()
                        self.idle.append(conn)
                    else:
                        conn.close()

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


def http_request(method: str, path: str, authority: bytes, key: str, body: bytes | None) -> bytes:
    head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + authority]
    head.append(f"Authorization: Bearer {key}".encode())
    if body is not None:
        head.append(b"Content-Type: application/json")
        head.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + (body or b"")


# -- the traffic mix ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    kind: str  # "decision", "open" or "report"
    method: str
    path: str
    body: bytes | None
    report: tuple[str, str] | None = None  # (url, reporter) of a report


class Mix:
    """Request ``i`` of a run, deterministic for a seed: decisions, shim opens and reports."""

    def __init__(self, seed: int, run: str, opens: Sequence[str], pool_size: int = 20_000) -> None:
        rng = random.Random(seed)
        urls = zipf(generate(pool_size // 2, seed=seed), pool_size, seed=seed + 1)
        channels = [c for c, _ in CHANNEL_MIX]
        weights = [w for _, w in CHANNEL_MIX]
        self.decisions: list[bytes] = []
        for n, url in enumerate(urls):
            fields: dict[str, Any] = {
                "url": url,
                "channel": rng.choices(channels, weights)[0],
            }
            if n % 3 == 0:
                fields["sender"] = f"sender-{rng.randrange(50_000)}"
                if fields["channel"] == "group_chat":
                    fields["group"] = f"group-{rng.randrange(5_000)}"
                else:
                    fields["recipient"] = f"user-{rng.randrange(500_000)}"
            self.decisions.append(json.dumps(fields, ensure_ascii=False).encode())
        self.opens = list(opens)
        self.run = run
        self.rng = random.Random(seed + 2)
        self.kinds = [self._kind(self.rng.random()) for _ in range(pool_size)]

    @staticmethod
    def _kind(x: float) -> str:
        if x < DECISION_SHARE:
            return "decision"
        if x < DECISION_SHARE + OPEN_SHARE:
            return "open"
        return "report"

    def item(self, i: int) -> Item:
        kind = self.kinds[i % len(self.kinds)]
        if kind == "open" and self.opens:
            return Item("open", "GET", self.opens[i % len(self.opens)], None)
        if kind == "report":
            url = f"https://r{self.run}-{i % 997}.example-shop.top/item/{i}"
            reporter = f"load-{self.run}-{i}"
            body = {
                "url": url,
                "reporter": reporter,
                "category": REPORT_CATEGORIES[i % len(REPORT_CATEGORIES)],
            }
            return Item("report", "POST", "/v1/reports", json.dumps(body).encode(), (url, reporter))
        return Item("decision", "POST", "/v1/decisions", self.decisions[i % len(self.decisions)])


def ok(kind: str, status: int) -> bool:
    if kind == "decision":
        return status == 200
    if kind == "report":
        return status in (200, 201)
    return status in (200, 302)


# -- a run -------------------------------------------------------------------------------------


@dataclass
class Result:
    rate: float
    duration: float
    replicas: int
    sent: int = 0
    answered: int = 0
    errors: int = 0
    retries: int = 0
    error_causes: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    lag_ms: dict[str, float] = field(default_factory=dict)
    achieved_rate: float = 0.0
    client_cpu: float = 0.0
    acknowledged: dict[str, str] = field(default_factory=dict)  # report id -> url
    attempted_reports: list[str] = field(default_factory=list)  # urls
    reports: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.errors == 0 and bool(self.reports.get("stored_once", True))


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p99, p999 and max of ``values`` (nearest rank), in the values' unit."""
    if not values:
        return {"p50": math.nan, "p99": math.nan, "p999": math.nan, "max": math.nan}
    ordered = sorted(values)
    last = len(ordered) - 1

    def rank(q: float) -> float:
        return ordered[min(last, max(0, math.ceil(q * len(ordered)) - 1))]

    return {"p50": rank(0.5), "p99": rank(0.99), "p999": rank(0.999), "max": ordered[-1]}


async def drive(
    urls: Sequence[str],
    key: str,
    mix: Mix,
    *,
    rate: float,
    duration: float,
    connections: int = 64,
    retries: int = 2,
    timeout: float = 10.0,
) -> Result:
    """Send ``rate * duration`` requests of ``mix`` on schedule; wait for every answer."""
    loop = asyncio.get_running_loop()
    clock = time.perf_counter  # the loop's own clock may count whole milliseconds (uvloop)
    pools = [Pool(u, connections) for u in urls]
    total = int(rate * duration)
    result = Result(rate=rate, duration=duration, replicas=len(urls))
    latencies: dict[str, list[float]] = {"decision": [], "open": [], "report": []}
    statuses: dict[str, Counter[str]] = {k: Counter() for k in latencies}
    lags: list[float] = []
    causes: Counter[str] = Counter()

    async def one(i: int, due: float) -> None:
        item = mix.item(i)
        lags.append(clock() - due)
        if item.report is not None:
            result.attempted_reports.append(item.report[0])
        start = i % len(pools)
        for attempt in range(retries + 1):
            pool = pools[(start + attempt) % len(pools)]
            if attempt == 0 and pool.down_until > clock() and len(pools) > 1:
                pool = pools[(start + 1) % len(pools)]
            raw = http_request(item.method, item.path, pool.authority, key, item.body)
            try:
                answer = await pool.request(raw, timeout)
            except TransportError as exc:
                pool.down_until = clock() + 1.0
                if attempt < retries:
                    result.retries += 1
                    continue
                causes[f"{item.kind}: {exc}"] += 1
                statuses[item.kind]["transport"] += 1
                result.errors += 1
                return
            latencies[item.kind].append((clock() - due) * 1000)
            statuses[item.kind][str(answer.status)] += 1
            result.answered += 1
            if not ok(item.kind, answer.status):
                result.errors += 1
                causes[f"{item.kind}: HTTP {answer.status}"] += 1
            elif item.report is not None:
                result.acknowledged[json.loads(answer.body)["report_id"]] = item.report[0]
            return

    cpu0, wall0 = time.process_time(), time.perf_counter()
    begin = clock() + 0.05
    tasks: set[asyncio.Task[None]] = set()
    i = 0
    while i < total:
        now = clock()
        while i < total and begin + i / rate <= now:
            task = loop.create_task(one(i, begin + i / rate))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if i < total:
            await asyncio.sleep(min(TICK, max(0.0, begin + i / rate - clock())))
    sent_for = clock() - begin
    while tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    for pool in pools:
        pool.close()

    result.sent = total
    result.achieved_rate = total / sent_for if sent_for > 0 else 0.0
    result.client_cpu = cpu / wall if wall > 0 else 0.0
    result.error_causes = dict(causes)
    every = [v for values in latencies.values() for v in values]
    result.latency_ms = percentiles(every)
    result.lag_ms = percentiles([v * 1000 for v in lags])
    for kind, values in latencies.items():
        result.by_kind[kind] = {
            "count": sum(statuses[kind].values()),
            "statuses": dict(statuses[kind]),
            **percentiles(values),
        }
    return result


# -- setup and checks ----------------------------------------------------------------------------


def create_key(database: str) -> str:
    """A new ``integrator`` API key in the store."""
    from linkgate.storage.engine import make_engine
    from linkgate.storage.repos import KeyStore

    engine = make_engine(database)
    try:
        return KeyStore(engine).create("integrator", None, "load benchmark")[1]
    finally:
        engine.dispose()


async def shim_paths(urls: Sequence[str], key: str, count: int, seed: int) -> list[str]:
    """Paths (``/l/{token}``) of shim links, from deciding ``count`` share-traffic links."""
    links = generate(count, seed=seed + 3)
    channels = [c for c, _ in CHANNEL_MIX]
    pools = [Pool(u, 8) for u in urls]
    paths: list[str] = []
    for n, link in enumerate(links):
        pool = pools[n % len(pools)]
        body = json.dumps({"url": link, "channel": channels[n % len(channels)]}).encode()
        raw = http_request("POST", "/v1/decisions", pool.authority, key, body)
        answer = await pool.request(raw, 10.0)
        if answer.status != 200:
            raise RuntimeError(f"warm-up decision answered {answer.status}: {answer.body[:200]!r}")
        shim = json.loads(answer.body).get("shim_url")
        if shim:
            paths.append(urlsplit(shim).path)
    for pool in pools:
        pool.close()
    return paths


def check_reports(database: str, run: str, result: Result) -> dict[str, Any]:
    """Whether every acknowledged report of run ``run`` is stored exactly once."""
    from sqlalchemy import select

    from linkgate.storage.engine import make_engine
    from linkgate.storage.schema import ReportRow

    engine = make_engine(database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(ReportRow.id, ReportRow.input, ReportRow.reporter_hash).where(
                    ReportRow.input.like(f"https://r{run}-%")
                )
            ).all()
    finally:
        engine.dispose()
    stored = {r.id: r.input for r in rows}
    missing = [i for i in result.acknowledged if i not in stored]
    wrong = [i for i, url in result.acknowledged.items() if i in stored and stored[i] != url]
    attempted = set(result.attempted_reports)
    strangers = [i for i, url in stored.items() if url not in attempted]
    counts = Counter(r.input for r in rows)
    return {
        "acknowledged": len(result.acknowledged),
        "attempted": len(attempted),
        "stored": len(rows),
        "missing": len(missing),
        "mismatched": len(wrong),
        "duplicated": sum(1 for c in counts.values() if c > 1),
        "never_sent": len(strangers),
        "stored_once": not (missing or wrong or strangers) and all(c == 1 for c in counts.values()),
    }


@dataclass
class Plan:
    database: str
    rates: list[float]
    duration: float = 60.0
    replicas: int = 2
    redis: str | None = None
    urls: list[str] = field(default_factory=list)
    key: str | None = None
    seed: int = 1
    links: int = 200
    connections: int = 64
    retries: int = 2
    timeout: float = 10.0
    slo_p99_ms: float = 20.0
    warmup: float = 5.0
    env: dict[str, str] = field(default_factory=dict)


def run_rate(
    plan: Plan,
    urls: Sequence[str],
    key: str,
    rate: float,
    opens: Sequence[str],
    *,
    during: Callable[[], None] | None = None,
) -> Result:
    """One run at ``rate``, checked; ``during`` runs in this thread while the load runs."""
    run = secrets.token_hex(4)
    mix = Mix(plan.seed, run, opens)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                box["result"] = runner.run(
                    drive(
                        urls,
                        key,
                        mix,
                        rate=rate,
                        duration=plan.duration,
                        connections=plan.connections,
                        retries=plan.retries,
                        timeout=plan.timeout,
                    )
                )
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="load-driver", daemon=True)
    thread.start()
    if during is not None:
        during()
    thread.join()
    if "error" in box:
        raise box["error"]
    result: Result = box["result"]
    result.reports = check_reports(plan.database, run, result)
    return result


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    if importlib.util.find_spec("uvloop") is None:
        return None
    import uvloop

    return uvloop.new_event_loop


def run(plan: Plan, out: Callable[[str], None] = print) -> list[Result]:
    """Every rate of ``plan`` in turn, on its own cluster or the given replicas."""
    cluster: Cluster | None = None
    urls, key = list(plan.urls), plan.key
    try:
        if not urls:
            cluster = Cluster(
                database=plan.database, replicas=plan.replicas, redis=plan.redis, env=plan.env
            )
            cluster.start()
            urls = cluster.urls
        if key is None:
            key = create_key(plan.database)
        opens = asyncio.run(shim_paths(urls, key, plan.links, plan.seed))
        if plan.warmup > 0:  # connection pools, caches and the allocator settle; not counted
            warm = replace(plan, duration=plan.warmup, seed=plan.seed + 100)
            run_rate(warm, urls, key, plan.rates[0], opens)
        results = []
        for rate in plan.rates:
            result = run_rate(plan, urls, key, rate, opens)
            results.append(result)
            out(summary(result, plan.slo_p99_ms))
        return results
    finally:
        if cluster is not None:
            cluster.stop()


def held(result: Result, slo_p99_ms: float) -> bool:
    return result.clean and result.latency_ms["p99"] <= slo_p99_ms


def summary(result: Result, slo_p99_ms: float) -> str:
    lat, lag = result.latency_ms, result.lag_ms
    reports = result.reports
    verdict = "HELD" if held(result, slo_p99_ms) else "MISSED"
    lines = [
        f"rate {result.rate:.0f}/s for {result.duration:.0f}s on {result.replicas} replicas: "
        f"sent {result.sent} at {result.achieved_rate:.1f}/s, answered {result.answered}, "
        f"errors {result.errors}, retries {result.retries}  [{verdict} p99 <= {slo_p99_ms:g} ms]",
        f"  latency ms  p50 {lat['p50']:.2f}  p99 {lat['p99']:.2f}  p999 {lat['p999']:.2f}  "
        f"max {lat['max']:.2f}",
    ]
    for kind, figures in result.by_kind.items():
        lines.append(
            f"  {kind:<9} n={figures['count']:<7} p50 {figures['p50']:.2f}  "
            f"p99 {figures['p99']:.2f}  statuses {figures['statuses']}"
        )
    lines.append(
        f"  client      cpu {result.client_cpu * 100:.0f}% of a core, send lag ms "
        f"p50 {lag['p50']:.2f} p99 {lag['p99']:.2f} max {lag['max']:.2f}"
    )
    lines.append(
        f"  reports     acknowledged {reports.get('acknowledged')}, "
        f"stored {reports.get('stored')}, "
        f"missing {reports.get('missing')}, duplicated {reports.get('duplicated')}, "
        f"stored once: {reports.get('stored_once')}"
    )
    if result.error_causes:
        lines.append(f"  errors      {result.error_causes}")
    return "\n".join(lines)


def to_json(result: Result) -> dict[str, Any]:
    data = asdict(result)
    data.pop("acknowledged")
    data.pop("attempted_reports")
    return data


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Drive a day's mix (95% decisions, 4% shim opens, 1% reports) open loop "
        "against linkgate replicas and check that acknowledged reports are stored once.",
    )
    parser.add_argument("--database", required=True, help="the replicas' store URL")
    parser.add_argument("--redis", default=None, help="Redis URL for the replicas it starts")
    parser.add_argument("--replicas", type=int, default=2, help="replicas to start (default 2)")
    parser.add_argument("--url", action="append", default=[], help="a running replica (repeat)")
    parser.add_argument("--key", default=None, help="integrator key (with --url)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--rates", default=None, help="comma-separated rates to step through")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per rate")
    parser.add_argument("--connections", type=int, default=64, help="per replica, at most")
    parser.add_argument("--retries", type=int, default=2, help="resends after transport errors")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--slo-p99-ms", type=float, default=20.0, help="p99 bound for --rates")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds at the first rate before measuring"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        rates = [float(r) for r in args.rates.split(",")] if args.rates else [args.rate]
    except ValueError:
        parser.error("--rates takes numbers separated by commas")
    if not all(0 < r <= MAX_RATE for r in rates):
        parser.error(f"rates must be above 0 and at most {MAX_RATE:.0f}/s")
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be above 0 and at most {MAX_DURATION:.0f} s")
    if not 0 <= args.warmup <= MAX_DURATION:
        parser.error(f"--warmup must be between 0 and {MAX_DURATION:.0f} s")
    if args.url and not args.key:
        parser.error("--url needs --key")
    if not 1 <= args.replicas <= 16:
        parser.error("--replicas must be between 1 and 16")
    plan = Plan(
        database=args.database,
        rates=rates,
        duration=args.duration,
        replicas=args.replicas,
        redis=args.redis,
        urls=list(args.url),
        key=args.key,
        seed=args.seed,
        connections=args.connections,
        retries=args.retries,
        timeout=args.timeout,
        slo_p99_ms=args.slo_p99_ms,
        warmup=args.warmup,
    )
    try:
        results = run(plan)
    except RuntimeError as exc:
        print(f"load: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    passing = [r.rate for r in results if held(r, plan.slo_p99_ms)]
    if len(results) > 1:
        best = f"{max(passing):.0f}/s" if passing else "none"
        print(f"highest rate held (0 errors, p99 <= {plan.slo_p99_ms:g} ms): {best}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"results": [to_json(r) for r in results]}, indent=2), encoding="utf-8"
        )
    return 0 if results[-1].clean else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)  # stop the replicas it started, as on Ctrl-C
    raise SystemExit(main())
