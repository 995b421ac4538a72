"""Benchmark: decisions per second over HTTP from one replica, against the stack's hello-world.

Run ``python -m bench.http_load`` (``--seconds S``, ``--rounds R``, ``--connections 1,32``,
``--batch N``, ``--json FILE``).

It starts :mod:`bench.http_server` (one uvicorn worker: one replica on one core) on a free
loopback port, waits for its integrator key, then drives it from this process with ``C``
keep-alive HTTP/1.1 connections, each sending one request and reading its answer before the
next (no pipelining), for ``S`` seconds per subject after a one-second warm-up:

``hello``
    ``GET /hello``: the same middleware, exception handlers and JSON serialisation as the API,
    no work, the first route the router tries. The ceiling of this server stack on this
    machine: the baseline.
``batch``
    ``POST /v1/decisions:batch`` with :data:`BATCH` of the same decisions per request.
``decide``
    ``POST /v1/decisions`` with the integrator key, Zipf-popular links
    (:func:`bench.harness.zipf_corpus`) in one-to-one chats with a sender and a recipient:
    the full API path (auth, validation, share counting, decision, event queueing, shim token).

For each connection count the subjects take turns in ``R`` rounds (default :data:`ROUNDS`),
each measured for ``S / R`` seconds a round, so that a machine whose speed drifts during the
run (a shared host's neighbours) slows them alike; a subject's rate is over all its rounds,
and the ratio of ``decide`` to ``hello`` is the median of the rounds' own ratios. Then:

``in-process``
    ``Gateway.decide`` on the same links, channel and senders in this process, before the
    server starts (CPU time, one core; the fastest of three passes, each on a fresh gateway
    with the heap frozen, as ``bench.decisions`` times): the baseline for the batch endpoint.
``decide at half rate``
    ``POST /v1/decisions`` open loop at half the rate ``decide`` reached with the most
    connections, latency measured from each request's due time (no coordinated omission),
    less the load generator's own lag in sending it (see :func:`_paced`).

Targets (the service's): single decisions at least 60 % of the hello-world rate (each
connection count); batch decisions/s at least 50 % of in-process decisions/s; p99 at most
5 ms at half the maximum rate.

Before each run the server writes out the decision events the run before queued (a
saturating run queues them faster than the writer drains them), so no run is charged for
the one before; the load generator freezes what it holds, so its own collector passes stay
out of the latencies. It prints requests/s, latency percentiles, the targets, and how many
decision events the server dropped because its queue was full. The load generator is a raw
asyncio socket client in this process, so on a small machine it competes with the server for
CPU: the figures are a lower bound of what one replica serves on a dedicated core.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.harness import (
    console,
    environment,
    frozen_heap,
    percentile,
    target_row,
    targets_table,
    write_json,
    zipf_corpus,
)
from bench.http_server import HELLO_PATH, KEY_FILE

HOST = "127.0.0.1"
BATCH = 100
"""Decisions per request of the ``batch`` subject (``--batch``)."""
ROUNDS = 5
"""Rounds the subjects take turns in (``--rounds``): each subject runs ``seconds / rounds`` in
each, so a machine whose speed drifts during the run slows them alike."""
IN_PROCESS_PASSES = 3
"""Timed passes of the in-process baseline; the fastest counts."""
DRAIN_SECONDS = 120
"""How long a run waits at most for the server to write out the events queued before it."""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _requests(kind: str, key: str, port: int, count: int, batch: int = BATCH) -> list[bytes]:
    """Ready-to-send HTTP/1.1 requests (``count`` distinct ones, cycled)."""
    host = f"Host: {HOST}:{port}\r\n"
    if kind == "hello":
        return [f"GET {HELLO_PATH} HTTP/1.1\r\n{host}\r\n".encode()]
    out = []
    if kind == "batch":
        urls = zipf_corpus(count)
        for start in range(0, count, batch):
            items = [
                {
                    "url": u,
                    "channel": "private_chat",
                    "sender": f"s{(start + j) % 9973}",
                    "recipient": f"r{(start + j) % 13}",
                }
                for j, u in enumerate(urls[start : start + batch])
            ]
            body = json.dumps({"items": items}).encode()
            head = (
                f"POST /v1/decisions:batch HTTP/1.1\r\n{host}Authorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            out.append(head.encode() + body)
        return out
    for i, url in enumerate(zipf_corpus(count)):
        fields = {
            "url": url,
            "channel": "private_chat",
            "sender": f"s{i % 9973}",
            "recipient": f"r{i % 13}",
        }
        body = json.dumps(fields).encode()
        head = (
            f"POST /v1/decisions HTTP/1.1\r\n{host}Authorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one response (the server always sends ``Content-Length``); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return int(head[9:12])


async def _connection(
    requests: list[bytes], offset: int, until: float, warm_until: float, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(HOST, out["port"])
    i = offset
    try:
        while True:
            started = time.perf_counter()
            if started >= until:
                return
            writer.write(requests[i % len(requests)])
            i += 1
            status = await _response(reader)
            done = time.perf_counter()
            if started >= warm_until:
                out["latencies"].append(int((done - started) * 1e9))
                out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        writer.close()


async def _drive(
    requests: list[bytes], port: int, connections: int, seconds: float
) -> dict[str, Any]:
    """One closed-loop run: a second's warm-up, then ``seconds`` measured. The raw figures
    (latencies in ns, statuses); :func:`_summary` sums the rounds of a subject."""
    out: dict[str, Any] = {"port": port, "latencies": [], "statuses": {}}
    warm_until = time.perf_counter() + 1.0
    until = warm_until + seconds
    await asyncio.gather(
        *(_connection(requests, c * 7919, until, warm_until, out) for c in range(connections))
    )
    return {"latencies": out["latencies"], "statuses": out["statuses"], "seconds": seconds}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A subject's rounds together: requests/s over all their measured seconds, latency
    percentiles over all their answers, and each round's rate."""
    ordered = sorted(ns for r in runs for ns in r["latencies"])
    statuses: dict[int, int] = {}
    for r in runs:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    count = len(ordered)
    return {
        "requests": count,
        "per_second": count / sum(r["seconds"] for r in runs),
        "round_per_second": [len(r["latencies"]) / r["seconds"] for r in runs],
        "statuses": statuses,
        "p50_ms": percentile(ordered, 0.50) / 1e6 if ordered else None,
        "p99_ms": percentile(ordered, 0.99) / 1e6 if ordered else None,
    }


def charged(due: float, answered: float, sent: float, done: float) -> tuple[float, float]:
    """An open-loop request's latency and the load generator's own lag in sending it, from
    its due time, when its connection's answer before arrived, when it was sent and when
    its answer arrived: it could go out at the later of the first two, and the time from
    then to its send is the generator's, not the server's."""
    lag = max(0.0, sent - max(due, answered))
    return done - due - lag, lag


async def _paced(
    requests: list[bytes], port: int, connections: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Open loop: request ``i`` is due at ``start + i / rate``; latency runs from its due time.

    Each connection takes every ``connections``-th request, so a slow answer delays only
    its own connection's next send, and that delay counts in the next request's latency.
    What the load generator adds itself is not counted: a request can go out at its due
    time or, if its connection is still waiting for the answer before, when that answer
    arrives; the time between then and its actual send is the generator's own lag (its
    timers wake on whole milliseconds, and it may be busy reading other answers), which is
    taken off that request's latency and reported apart (``send_lag_*``).
    """
    latencies: list[int] = []
    lags: list[int] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)

    async def lane(c: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        answered = start
        try:
            for i in range(c, total, connections):
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                sent = time.perf_counter()
                writer.write(requests[i % len(requests)])
                status = await _response(reader)
                done = time.perf_counter()
                latency, lag = charged(due, answered, sent, done)
                answered = done
                latencies.append(int(latency * 1e9))
                lags.append(int(lag * 1e9))
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(lane(c) for c in range(connections)))
    ordered = sorted(latencies)
    lagged = sorted(lags)
    return {
        "rate": rate,
        "requests": len(ordered),
        "statuses": statuses,
        "p50_ms": percentile(ordered, 0.50) / 1e6 if ordered else None,
        "p99_ms": percentile(ordered, 0.99) / 1e6 if ordered else None,
        "send_lag_p50_ms": percentile(lagged, 0.50) / 1e6 if lagged else None,
        "send_lag_p99_ms": percentile(lagged, 0.99) / 1e6 if lagged else None,
    }


def _settle(port: int) -> dict[str, int]:
    """Start each run from a settled server and a quiet load generator.

    The server first writes out the decision events queued by the run before (a
    saturating run queues them faster than the writer drains them; measured while it
    catches up, a run would be charged for the one before). Then what this process
    holds (modules, the requests) is collected once and frozen, so the collector's full
    passes during the run walk only what the run makes: unfrozen, they took 20-60 ms
    here, and every answer due meanwhile counted them. Returns the server's event
    counters (``pending``, ``dropped``, ``failed``) once settled.
    """
    import httpx

    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        events = httpx.get(f"http://{HOST}:{port}/readyz", timeout=5).json()["events"]
        if events["pending"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    gc.collect()
    gc.freeze()
    return {name: int(events[name]) for name in ("pending", "dropped", "failed")}


def in_process_rate(count: int, passes: int = IN_PROCESS_PASSES) -> float:
    """Decisions/s of ``Gateway.decide`` on the benchmark's links (CPU time, one core).

    Timed as ``bench.decisions`` times: each pass on a fresh gateway (after the same
    2,000-decision warm-up), with what is alive when it starts frozen out of the collector's
    passes (:func:`bench.harness.frozen_heap`), and the fastest of ``passes`` counting. One
    unfrozen pass had read anywhere from 83,000 to 132,000 decisions/s on one machine within
    an hour, and the batch ratio moved with it.
    """
    from datetime import UTC, datetime

    from linkgate.gateway import Gateway

    urls = zipf_corpus(count)
    senders = [f"s{i % 9973}" for i in range(count)]
    at = datetime.now(UTC)
    best = math.inf
    for _ in range(passes):
        decide = Gateway.default().decide
        for url, sender in zip(urls[:2000], senders, strict=False):
            decide(url, channel="private_chat", sender=sender, at=at)
        with frozen_heap():
            started = time.process_time()
            for url, sender in zip(urls, senders, strict=True):
                decide(url, channel="private_chat", sender=sender, at=at)
            best = min(best, time.process_time() - started)
    return count / best


def _start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bench.http_server", "--port", str(port), "--home", str(home)]
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not (home / KEY_FILE).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((home / "server.log").read_text(errors="replace")[-2000:])
        time.sleep(0.1)
    import httpx

    while True:
        try:
            if httpx.get(f"http://{HOST}:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the benchmark server never became ready")
        time.sleep(0.1)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m bench.http_load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per subject")
    p.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help="rounds the subjects take turns in, each measured for seconds / rounds",
    )
    p.add_argument("--connections", default="1,32", help="keep-alive connections, comma-separated")
    p.add_argument("--batch", type=int, default=BATCH, help="decisions per batch request")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    try:
        counts = sorted({int(c) for c in str(args.connections).split(",")})
    except ValueError:
        p.error("--connections takes whole numbers separated by commas")
    if args.seconds <= 0 or counts[0] < 1 or not 1 <= args.batch <= 1000 or args.rounds < 1:
        p.error(
            "--seconds must be positive, --connections at least 1, --batch 1 to 1000, "
            "--rounds at least 1"
        )
    out = console()
    baseline = in_process_rate(20_000)
    out.print(f"in-process: {baseline:,.0f} decisions/s (one core)")
    port = _free_port()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="linkgate-http-") as tmp:
        home = Path(tmp)
        process = _start_server(home, port)
        try:
            key = (home / KEY_FILE).read_text(encoding="ascii").strip()
            kinds = ("hello", "decide", "batch")
            requests_of = {kind: _requests(kind, key, port, 20_000, args.batch) for kind in kinds}
            for connections in counts:
                runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
                for _ in range(args.rounds):
                    for kind in kinds:
                        _settle(port)
                        runs[kind].append(
                            asyncio.run(
                                _drive(
                                    requests_of[kind],
                                    port,
                                    connections,
                                    args.seconds / args.rounds,
                                )
                            )
                        )
                for kind in kinds:
                    r = _summary(runs[kind])
                    r["connections"] = connections
                    r["decisions_per_second"] = r["per_second"] * (
                        args.batch if kind == "batch" else 1 if kind == "decide" else 0
                    )
                    results[f"{kind}@{connections}"] = r
            top = counts[-1]
            half = results[f"decide@{top}"]["per_second"] / 2
            requests = _requests("decide", key, port, 20_000)
            _settle(port)
            paced = asyncio.run(_paced(requests, port, top, half, args.seconds))
            logged = _settle(port)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    table = Table(
        title=f"one replica over HTTP ({args.seconds:g} s per subject, in {args.rounds} rounds)"
    )
    for column in ("subject", "connections", "requests/s", "decisions/s", "p50 ms", "p99 ms"):
        table.add_column(column)
    for name, r in results.items():
        table.add_row(
            name.split("@")[0],
            str(r["connections"]),
            f"{r['per_second']:,.0f}",
            f"{r['decisions_per_second']:,.0f}" if r["decisions_per_second"] else "",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
        )
    table.add_row(
        "decide, open loop",
        str(top),
        f"{paced['requests'] / args.seconds:,.0f} (due {half:,.0f})",
        "",
        f"{paced['p50_ms']:.2f}",
        f"{paced['p99_ms']:.2f}",
    )
    out.print(table)
    rows = []
    ratios = {}
    spreads = {}
    for connections in counts:
        # Each round's decide against the same round's hello (they ran side by side); the
        # median of those ratios, so a round the machine slowed down in counts once.
        by_round = [
            d / h
            for d, h in zip(
                results[f"decide@{connections}"]["round_per_second"],
                results[f"hello@{connections}"]["round_per_second"],
                strict=True,
            )
        ]
        ratio = statistics.median(by_round)
        ratios[connections] = ratio
        spreads[connections] = (min(by_round), max(by_round))
        rows.append(
            target_row(f"decide / hello, {connections} conn.", "zipf", ratio, "", ">=", 0.6)
        )
    batch_rate = max(results[f"batch@{c}"]["decisions_per_second"] for c in counts)
    rows.append(
        target_row(
            f"batch of {args.batch} / in-process", "zipf", batch_rate / baseline, "", ">=", 0.5
        )
    )
    rows.append(target_row("p99 at half the maximum rate", "zipf", paced["p99_ms"], "ms", "<=", 5))
    out.print(targets_table(rows))
    for connections, (low, high) in spreads.items():
        out.print(f"decide / hello, {connections} conn., by round: {low:.2f} to {high:.2f}")
    out.print(
        f"open loop: the load generator's own send lag (not counted in the latencies) "
        f"p50 {paced['send_lag_p50_ms']:.2f} ms, p99 {paced['send_lag_p99_ms']:.2f} ms"
    )
    out.print(
        f"decision events: {logged['dropped']:,} dropped (queue full), {logged['failed']:,} "
        f"failed, {logged['pending']:,} still queued at the end"
    )
    out.print(f"load average {os.getloadavg()[0]:.1f}")
    if args.json:
        write_json(
            args.json,
            {
                "environment": environment(),
                "in_process_per_second": baseline,
                "results": results,
                "half_rate": paced,
                "ratios": {str(c): r for c, r in ratios.items()},
                "rounds": args.rounds,
                "batch": args.batch,
                "targets": rows,
                "events": logged,
            },
        )
    bad = {s for r in [*results.values(), paced] for s in r["statuses"] if int(s) != 200}
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
