"""The decision log written by a child process, so the serving process only hands it batches.

Writing an event into the store is Python work (its row's values converted as the column
types want them) and the database driver's (SQLite's own insert runs in the serving
process); in the serving process it takes the interpreter lock the request path needs, about
a fifth of the interpreter when a replica is saturated. :class:`ProcessSink` is a batch sink
for :class:`~linkgate.events.EventWriter` that sends each batch, pickled, down a pipe to a
child (``python -m linkgate.storage.event_process``) that stores it with
:class:`~linkgate.storage.events.EventStore` and answers how it went: the serving process
spends about 2 µs per event on it (pickling, the pipe), against about 24 µs to write it.

Framing on the child's standard input and output: a 4-byte big-endian length, then that many
bytes. The first frame to the child is the database URL (UTF-8, so no password shows in the
process list), answered ``("ready", None)`` once the child can write (within
``start_seconds``); each later one a pickled list of records. Each answer is a pickled
``(status, value)``: ``("ok", count)``, ``("value", message)`` for a batch the store refused
as malformed (raised again here as ``ValueError``, so the writer retries its events one by
one), ``("error", message)`` for anything else.

The child runs :data:`NICENESS` steps below the server's priority, so that requests come
before batches where they want the same core. It ignores SIGINT and SIGTERM (a stop sent to
the server's whole process group must not end it before the server hands over its last
batch) and exits when its input closes: when the server closes it, or dies. A child that
dies, hangs past ``reply_seconds`` or answers nonsense is ended and the batch in hand counts
as failed (it may or may not have been committed: it is not sent twice). For a few seconds
after that, batches are stored by a fallback in this process (the server's own store), then
the next batch starts a new child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, BinaryIO, Final

from linkgate.errors import LinkgateError

_HEADER: Final = 4
_MAX_FRAME: Final = 1 << 30

NICENESS: Final = 10
"""How much lower the child runs than the server (``os.nice``): the decision log is
background work, so where the server's requests and the child's batches want the same core,
the batch waits. (With the child at the server's priority, on two cores shared with a load
generator, its batch writes showed in the tail latency of the requests arriving meanwhile.)"""


class EventProcessError(LinkgateError, RuntimeError):
    """The child process writing the decision log failed, hung or could not start."""


_FAILURES: Final = (OSError, EOFError, ValueError, pickle.UnpicklingError, EventProcessError)
"""What a dead, silent or confused child raises here."""


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(_HEADER, "big") + payload


class ProcessSink:
    """A batch sink that stores each batch through a child process (see the module).

    ``fallback``, when given, stores batches in this process while no child can be had: for
    ``retry_seconds`` after a child failed (or could not start), after which the next batch
    starts a new one. Without it, those batches fail.
    """

    def __init__(
        self,
        database_url: str,
        *,
        fallback: Callable[[Sequence[Any]], int] | None = None,
        reply_seconds: float = 60.0,
        start_seconds: float = 60.0,
        retry_seconds: float = 5.0,
    ) -> None:
        self._url = database_url
        self._fallback = fallback
        self._reply_seconds = reply_seconds
        self._start_seconds = start_seconds
        self._retry_seconds = retry_seconds
        self._retry_at = 0.0
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.starts = 0
        """Children started so far (one more after each failure)."""
        self.fallbacks = 0
        """Batches stored by ``fallback`` while no child could be had."""

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first batch or after a failure)."""
        return self._child.pid if self._child is not None else None

    def __call__(self, records: Sequence[Any]) -> int:
        """Store ``records`` in one transaction of the child's; how many were stored."""
        with self._lock:
            child = self._child
            if child is None and time.monotonic() >= self._retry_at:
                try:
                    child = self._start()
                except _FAILURES as exc:
                    self._failed()
                    if self._fallback is None:
                        raise EventProcessError(
                            f"the decision log's writer process could not start: {exc}"
                        ) from exc
            if child is None:  # none to be had for now: nothing was sent, store it here
                if self._fallback is None:
                    raise EventProcessError("the decision log's writer process failed recently")
                self.fallbacks += 1
                return self._fallback(records)
            try:
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(_frame(pickle.dumps(list(records), pickle.HIGHEST_PROTOCOL)))
                child.stdin.flush()
                status, value = pickle.loads(self._read(child.stdout, self._reply_seconds))
            except _FAILURES as exc:
                self._failed()
                raise EventProcessError(f"the decision log's writer process failed: {exc}") from exc
        if status == "ok":
            return int(value)
        if status == "value":
            raise ValueError(str(value))
        raise EventProcessError(f"the decision log's writer process: {value}")

    def _failed(self) -> None:
        """End the child, if any, and wait ``retry_seconds`` before starting another."""
        if self._child is not None:
            self._end(self._child)
        self._retry_at = time.monotonic() + self._retry_seconds

    def _start(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "linkgate.storage.event_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        self._child = child
        self.starts += 1
        child.stdin.write(_frame(self._url.encode("utf-8")))
        child.stdin.flush()
        status, value = pickle.loads(self._read(child.stdout, self._start_seconds))
        if status != "ready":
            raise EventProcessError(str(value))
        return child

    def _read(self, stream: IO[bytes], seconds: float) -> bytes:
        """One frame from ``stream``, within ``seconds``."""
        deadline = time.monotonic() + seconds
        header = self._exactly(stream, _HEADER, deadline)
        size = int.from_bytes(header, "big")
        if size > _MAX_FRAME:
            raise EventProcessError(f"an answer of {size} bytes")
        return self._exactly(stream, size, deadline)

    @staticmethod
    def _exactly(stream: IO[bytes], size: int, deadline: float) -> bytes:
        fd = stream.fileno()
        parts: list[bytes] = []
        left = size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise EventProcessError("no answer in time")
            chunk = os.read(fd, left)
            if not chunk:
                raise EOFError("the writer process closed its output")
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def _end(self, child: subprocess.Popen[bytes]) -> None:
        self._child = None
        child.kill()
        child.wait(timeout=10)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                # What was left unflushed for a child that is gone cannot be written.
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self, timeout: float = 10.0) -> None:
        """Let the child finish what it was given and exit (ended if it does not in time)."""
        with self._lock:
            child, self._child = self._child, None
        if child is None:
            return
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.close()
            child.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            self._end(child)
            return
        child.stdout.close()


def _read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        return None
    payload = stream.read(int.from_bytes(header, "big"))
    return payload


def serve(inbound: BinaryIO, outbound: BinaryIO) -> int:
    """The child's loop: the URL, then batches until the parent closes the pipe."""
    first = _read_frame(inbound)
    if first is None:
        return 0
    from linkgate.storage.engine import make_engine
    from linkgate.storage.events import EventStore

    try:
        engine = make_engine(first.decode("utf-8"))
        store = EventStore(engine)
    except Exception as exc:  # a URL this process cannot use: said once, then exit
        outbound.write(_frame(pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))))
        outbound.flush()
        return 1
    outbound.write(_frame(pickle.dumps(("ready", None))))
    outbound.flush()
    try:
        while (frame := _read_frame(inbound)) is not None:
            answer: tuple[str, Any]
            try:
                answer = ("ok", store.add_records(pickle.loads(frame)))
            except ValueError as exc:
                answer = ("value", str(exc))
            except Exception as exc:  # reported to the parent, which counts the batch failed
                answer = ("error", f"{type(exc).__name__}: {exc}")
            outbound.write(_frame(pickle.dumps(answer)))
            outbound.flush()
    finally:
        engine.dispose()
    return 0


def main() -> int:
    # The child lives as long as its input: a Ctrl-C or a stop signal sent to the whole
    # process group must not end it before the server has handed over its last batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # a platform without priorities
        os.nice(NICENESS)
    # Answers go to the parent on the original standard output; anything else printed
    # there (a library's warning) goes to standard error instead.
    outbound = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return serve(sys.stdin.buffer, outbound)


if __name__ == "__main__":
    raise SystemExit(main())
