"""Decision events, written in batches off the hot path.

Deciding never waits on storage: each decision's event is put on a bounded
queue; a writer thread drains it in batches into the event store. When the
queue is full the event is counted as dropped and the decision goes on.
Sender, viewer and group ids are pseudonymised with a keyed hash before they
are queued, so no personal id reaches the log.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC
from typing import Generic, TypeVar

from linkgate.hmacs import KeyedSha256
from linkgate.policy.decision import Decision
from linkgate.storage.events import EventRecord

log = logging.getLogger("linkgate.events")

BATCH_SIZE = 500
FLUSH_SECONDS = 0.2
#: Pseudonyms a :class:`Pseudonymizer` keeps for ids it hashed recently.
PSEUDONYM_MEMO = 65_536


class Pseudonymizer:
    """Keyed hash of personal ids: stable for joins, useless without the key."""

    def __init__(self, key: bytes) -> None:
        # Keyed once, and the key itself not kept: each id hashes on copies. (The one-shot
        # hmac.digest would let go of the interpreter lock for every id, and the event
        # writer takes it.)
        self._hmac = KeyedSha256(key)
        # A decision hashes its sender, viewer, group and recipients; the same
        # accounts share again and again, so recent answers are kept (bounded).
        self._memo: dict[str, str] = {}

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        found = self._memo.get(value)
        if found is None:
            found = self._hmac.hexdigest(value.encode("utf-8", "surrogatepass"))[:24]
            if len(self._memo) >= PSEUDONYM_MEMO:
                self._memo.clear()
            self._memo[value] = found
        return found


def event_record(
    decision: Decision,
    kind: str,
    pseudonym: Pseudonymizer,
    *,
    sender: str | None = None,
    viewer: str | None = None,
    group: str | None = None,
    title: str | None = None,
) -> EventRecord:
    """The stored form of one decision: what was decided, never who (only pseudonyms).

    A plain tuple of :data:`~linkgate.storage.events.RECORD_FIELDS`, as the event writer
    queues it (see :data:`~linkgate.storage.events.EventRecord`). ``title`` is the link
    preview's title the decision classified (kept for replays).
    """
    return (
        decision.decision_id,
        decision.decided_at.astimezone(UTC),
        kind,
        decision.link_kind,
        decision.channel,
        decision.treatment,
        decision.interstitial,
        decision.policy_revision,
        decision.url or "",
        decision.input if decision.signals else None,
        title,
        decision.platform,
        decision.domain,
        # A tuple of its own: the decision's may be the policy's, which the collector
        # tracks for good (frozen at start-up), and would keep the record tracked.
        (*decision.reasons,),
        decision.category,
        pseudonym(sender),
        pseudonym(viewer),
        pseudonym(group),
    )


Row = TypeVar("Row")


class EventWriter(Generic[Row]):
    """A bounded queue drained by one thread into ``sink`` (a batch writer).

    The thread writes what has queued every ``flush_seconds``, or as soon as
    ``batch_size`` rows wait, so a quiet server writes small batches within
    ``flush_seconds`` and a busy one full batches: one transaction per event
    costs ten times the rows' own work, and the thread holds the interpreter
    lock while it prepares each batch, which the request path then waits for.
    """

    def __init__(
        self,
        sink: Callable[[list[Row]], object],
        *,
        maxsize: int = 100_000,
        batch_size: int = BATCH_SIZE,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._sink = sink
        # Appending to and popping from a deque are atomic; a put takes no lock and
        # wakes no thread unless a full batch is waiting.
        self._rows: deque[Row] = deque()
        self._maxsize = maxsize
        self._batch_size = batch_size
        self._flush_seconds = flush_seconds
        self._due = threading.Event()
        self._closing = False
        self.dropped = 0
        self.written = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="linkgate-events", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def put(self, row: Row) -> bool:
        """Queue one event; False (and counted as dropped) when the queue is full."""
        rows = self._rows
        waiting = len(rows)
        if waiting >= self._maxsize:
            self.dropped += 1
            return False
        rows.append(row)
        if waiting + 1 >= self._batch_size and not self._due.is_set():
            self._due.set()
        return True

    @property
    def pending(self) -> int:
        return len(self._rows)

    def _run(self) -> None:
        rows = self._rows
        while True:
            self._due.wait(self._flush_seconds)
            self._due.clear()
            stopping = self._closing
            while rows:
                take = min(len(rows), self._batch_size)
                self._write([rows.popleft() for _ in range(take)])
                if len(rows) < self._batch_size and not stopping:
                    # What arrived during that write waits for the next flush (or a full
                    # batch): writing it at once kept the thread writing batches of a few
                    # dozen rows back to back, each a transaction and a turn at the lock.
                    break
            if stopping:
                return

    def _write(self, batch: list[Row]) -> None:
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
        self._closing = True
        self._due.set()
        self._thread.join(timeout)
