"""Decision events, written in batches off the hot path.

Deciding never waits on storage: each decision's event is put on a bounded
queue; a writer thread drains it in batches into the event store. When the
queue is full the event is counted as dropped and the decision goes on.
Sender, viewer and group ids are pseudonymised with a keyed hash before they
are queued, so no personal id reaches the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from linkgate.policy.decision import Decision

log = logging.getLogger("linkgate.events")

BATCH_SIZE = 500
FLUSH_SECONDS = 0.2


class Pseudonymizer:
    """Keyed hash of personal ids: stable for joins, useless without the key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        digest = hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return digest.hexdigest()[:24]


def event_row(
    decision: Decision,
    kind: str,
    pseudonym: Pseudonymizer,
    *,
    sender: str | None = None,
    viewer: str | None = None,
    group: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The stored form of one decision: what was decided, never who (only pseudonyms).

    ``title`` is the link preview's title the decision classified (kept for replays).
    """
    return {
        "decision_id": decision.decision_id,
        "decided_at": decision.decided_at,
        "kind": kind,
        "url": decision.url or "",
        "input": decision.input if decision.signals else None,
        "title": title,
        "platform": decision.platform,
        "domain": decision.domain,
        "link_kind": decision.link_kind,
        "channel": decision.channel,
        "treatment": decision.treatment,
        "interstitial": decision.interstitial,
        "reasons": list(decision.reasons),
        "category": decision.category,
        "policy_revision": decision.policy_revision,
        "sender_hash": pseudonym(sender),
        "viewer_hash": pseudonym(viewer),
        "group_hash": pseudonym(group),
    }


class EventWriter:
    """A bounded queue drained by one thread into ``sink`` (a batch writer)."""

    def __init__(
        self,
        sink: Callable[[list[dict[str, Any]]], object],
        *,
        maxsize: int = 100_000,
        batch_size: int = BATCH_SIZE,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._sink = sink
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=maxsize)
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self.dropped = 0
        self.written = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="linkgate-events", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def put(self, row: dict[str, Any]) -> bool:
        """Queue one event; False (and counted as dropped) when the queue is full."""
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[dict[str, Any]] = []
            try:
                item = self._queue.get(timeout=self._flush_seconds)
            except queue.Empty:
                continue
            if item is None:
                stopping = True
            else:
                batch.append(item)
            while len(batch) < self._batch_size:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            if batch:
                self._write(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            self._sink(batch)
            self.written += len(batch)
        except ValueError:
            # A malformed event must not take its whole batch down: write them one
            # by one and count only the ones the store refuses.
            for row in batch:
                try:
                    self._sink([row])
                    self.written += 1
                except ValueError:
                    self.failed += 1
                    log.exception("a malformed decision event was not written")
                except Exception:
                    self.failed += 1
        except Exception:  # the store is down: count, log, keep deciding
            self.failed += len(batch)
            log.exception("could not write %d decision events", len(batch))

    def close(self, timeout: float = 5.0) -> None:
        """Flush what is queued and stop the thread."""
        if not self._started:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)
