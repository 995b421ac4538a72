"""Benchmark: decisions per second over HTTP from one replica, against the stack's hello-world.

Run ``python -m bench.http_load`` (``--seconds S``, ``--connections C``, ``--json FILE``).

It starts :mod:`bench.http_server` (one uvicorn worker: one replica on one core) on a free
loopback port, waits for its integrator key, then drives it from this process with ``C``
keep-alive HTTP/1.1 connections, each sending one request and reading its answer before the
next (no pipelining), for ``S`` seconds per subject after a one-second warm-up:

``hello``
    ``GET /hello``: the same middleware, exception handlers and JSON serialisation as the API,
    no work. The ceiling of this server stack on this machine: the baseline.
``batch``
    ``POST /v1/decisions:batch`` with :data:`BATCH` of the same decisions per request.
``decide``
    ``POST /v1/decisions`` with the integrator key, Zipf-popular links
    (:func:`bench.harness.zipf_corpus`) in one-to-one chats with a sender: the full API path
    (auth, validation, decision, share counting, event queueing, shim token).

It prints requests/s, latency percentiles and ``decide / hello``. The load generator is a raw
asyncio socket client in this process, so on a small machine it competes with the server for
CPU: the figures are a lower bound of what one replica serves on a dedicated core.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.harness import console, environment, percentile, write_json, zipf_corpus
from bench.http_server import HELLO_PATH, KEY_FILE

HOST = "127.0.0.1"
BATCH = 50
"""Decisions per request of the ``batch`` subject."""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _requests(kind: str, key: str, port: int, count: int) -> list[bytes]:
    """Ready-to-send HTTP/1.1 requests (``count`` distinct ones, cycled)."""
    host = f"Host: {HOST}:{port}\r\n"
    if kind == "hello":
        return [f"GET {HELLO_PATH} HTTP/1.1\r\n{host}\r\n".encode()]
    out = []
    if kind == "batch":
        urls = zipf_corpus(count)
        for start in range(0, count, BATCH):
            items = [
                {"url": u, "channel": "private_chat", "sender": f"s{(start + j) % 997}"}
                for j, u in enumerate(urls[start : start + BATCH])
            ]
            body = json.dumps({"items": items}).encode()
            head = (
                f"POST /v1/decisions:batch HTTP/1.1\r\n{host}Authorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            out.append(head.encode() + body)
        return out
    for i, url in enumerate(zipf_corpus(count)):
        body = json.dumps({"url": url, "channel": "private_chat", "sender": f"s{i % 997}"}).encode()
        head = (
            f"POST /v1/decisions HTTP/1.1\r\n{host}Authorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


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
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            if started >= warm_until:
                out["latencies"].append(int((done - started) * 1e9))
                out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        writer.close()


async def _drive(
    requests: list[bytes], port: int, connections: int, seconds: float
) -> dict[str, Any]:
    out: dict[str, Any] = {"port": port, "latencies": [], "statuses": {}}
    warm_until = time.perf_counter() + 1.0
    until = warm_until + seconds
    await asyncio.gather(
        *(_connection(requests, c * 7919, until, warm_until, out) for c in range(connections))
    )
    ordered = sorted(out["latencies"])
    count = len(ordered)
    return {
        "requests": count,
        "per_second": count / seconds,
        "statuses": out["statuses"],
        "p50_ms": percentile(ordered, 0.50) / 1e6 if ordered else None,
        "p99_ms": percentile(ordered, 0.99) / 1e6 if ordered else None,
    }


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
    p.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.connections < 1:
        p.error("--seconds must be positive and --connections at least 1")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="linkgate-http-") as tmp:
        home = Path(tmp)
        process = _start_server(home, port)
        try:
            key = (home / KEY_FILE).read_text(encoding="ascii").strip()
            results = {}
            for kind in ("hello", "decide", "batch"):
                requests = _requests(kind, key, port, 20_000)
                results[kind] = asyncio.run(_drive(requests, port, args.connections, args.seconds))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    table = Table(
        title=f"one replica over HTTP ({args.connections} connections, {args.seconds:g} s)"
    )
    for column in ("subject", "requests/s", "p50 ms", "p99 ms", "statuses"):
        table.add_column(column)
    for kind, r in results.items():
        per = BATCH if kind == "batch" else 1
        r["decisions_per_second"] = r["per_second"] * per
        table.add_row(
            kind,
            f"{r['per_second']:,.0f}"
            + ("" if kind == "hello" else f" ({r['decisions_per_second']:,.0f} decisions/s)"),
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            json.dumps(r["statuses"]),
        )
    out = console()
    out.print(table)
    ratio = results["decide"]["per_second"] / results["hello"]["per_second"]
    out.print(f"decide / hello: {ratio:.2f} (load {os.getloadavg()[0]:.1f})")
    gain = results["batch"]["decisions_per_second"] / results["decide"]["decisions_per_second"]
    out.print(f"decisions/s, batch of {BATCH} / one per request: {gain:.2f}")
    if args.json:
        write_json(args.json, {"environment": environment(), "results": results, "ratio": ratio})
    bad = {s for r in results.values() for s in r["statuses"] if int(s) != 200}
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
