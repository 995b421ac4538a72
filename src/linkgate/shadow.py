"""Shadow mode: a stored policy revision decides beside the live one, never enforced.

While a revision is in shadow, the request path hands each live decision's
inputs to a :class:`ShadowLog` (a bounded queue, as decision events are) and
answers at once. A background thread decides the queued requests again
with the shadow policy — same link facts, same state (blocks, credit, sender
actions), same time, same content signals — and logs each pair. Nothing the
shadow decides reaches a response, a counter or the decision log.

:func:`shadow_report` turns the logged pairs into the report: per platform ×
channel, how many decisions would move from each live treatment to each
shadow treatment, and which reason codes only one side gave.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from linkgate.events import EventWriter
from linkgate.gateway import Gateway, Snapshot
from linkgate.policy.decision import Decision
from linkgate.policy.evaluator import Evaluator
from linkgate.policy.model import Policy
from linkgate.vocabulary import RANK


@dataclass(frozen=True, slots=True)
class ShadowPolicy:
    """The compiled policy in shadow."""

    revision: str
    policy: Policy
    evaluator: Evaluator

    @classmethod
    def of(cls, policy: Policy) -> ShadowPolicy:
        return cls(policy.revision, policy, Evaluator(policy))


def differing_reasons(live: Decision, shadow: Decision) -> dict[str, list[str]]:
    """The reason codes only the live decision gave, and those only the shadow gave."""
    a, b = set(live.reasons), set(shadow.reasons)
    return {"live": sorted(a - b), "shadow": sorted(b - a)}


def pair_row(kind: str, live: Decision, shadow: Decision) -> dict[str, Any]:
    """The logged form of a live decision and the shadow's decision of the same request."""
    return {
        "decision_id": live.decision_id,
        "decided_at": live.decided_at,
        "kind": kind,
        "live_revision": live.policy_revision,
        "shadow_revision": shadow.policy_revision,
        "platform": live.platform,
        "channel": live.channel,
        "live_treatment": live.treatment,
        "shadow_treatment": shadow.treatment,
        "live_interstitial": live.interstitial,
        "shadow_interstitial": shadow.interstitial,
        "reasons_differing": differing_reasons(live, shadow),
    }


class ShadowLog:
    """Decides queued live requests with the shadow policy, off the request path.

    ``snapshot()`` gives the live snapshot when a batch is decided (its link
    facts and state are shared); ``sink`` stores the pairs (a batch writer).
    A full queue drops the job (counted in ``dropped``), never the decision.
    """

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        sink: Callable[[list[dict[str, Any]]], object],
        *,
        maxsize: int = 100_000,
    ) -> None:
        self._snapshot = snapshot
        self._sink = sink
        self._writer = EventWriter(self._decide_and_log, maxsize=maxsize)

    def start(self) -> None:
        self._writer.start()

    def close(self, timeout: float = 5.0) -> None:
        self._writer.close(timeout)

    def put(
        self,
        shadow: ShadowPolicy,
        kind: str,
        url: str,
        kwargs: Mapping[str, Any],
        live: Decision,
    ) -> bool:
        """Queue one live decision with the arguments it was decided with."""
        return self._writer.put(
            {"shadow": shadow, "kind": kind, "url": url, "kwargs": kwargs, "live": live}
        )

    @property
    def logged(self) -> int:
        return self._writer.written

    @property
    def dropped(self) -> int:
        return self._writer.dropped

    @property
    def failed(self) -> int:
        return self._writer.failed

    @property
    def pending(self) -> int:
        return self._writer.pending

    def _decide_and_log(self, jobs: list[dict[str, Any]]) -> None:
        live_snapshot = self._snapshot()
        gateways: dict[str, Gateway] = {}
        rows = []
        for job in jobs:
            shadow: ShadowPolicy = job["shadow"]
            gateway = gateways.get(shadow.revision)
            if gateway is None:
                gateway = gateways[shadow.revision] = Gateway(
                    Snapshot(
                        shadow.policy,
                        shadow.evaluator,
                        live_snapshot.inspector,
                        live_snapshot.state,
                    )
                )
            live: Decision = job["live"]
            kwargs = {**job["kwargs"], "at": live.decided_at}
            decision = gateway.decide(job["url"], **kwargs)
            rows.append(pair_row(job["kind"], live, decision))
        self._sink(rows)


def _arrow(live: str, shadow: str) -> str:
    return f"{live} → {shadow}"


def shadow_report(
    transitions: Iterable[Any],
    reasons: Mapping[tuple[str, str], int],
) -> dict[str, Any]:
    """The report from counted transitions (``platform, channel, live, shadow, count``)
    and differing reason counts: per cell, per platform and in total, how many
    decisions keep their treatment, would get a better one or a worse one."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    totals: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    per_platform: dict[str, Counter[str]] = defaultdict(Counter)
    for t in transitions:
        platform = t.platform or "unregistered"
        cell = cells.setdefault(
            (platform, t.channel),
            {
                "platform": platform,
                "channel": t.channel,
                "decisions": 0,
                "same": 0,
                "better": 0,
                "worse": 0,
                "transitions": {},
            },
        )
        direction = (
            "same"
            if t.live == t.shadow
            else ("better" if RANK[t.shadow] < RANK[t.live] else "worse")
        )
        cell["decisions"] += t.count
        cell[direction] += t.count
        arrow = _arrow(t.live, t.shadow)
        cell["transitions"][arrow] = cell["transitions"].get(arrow, 0) + t.count
        totals["decisions"] += t.count
        totals[direction] += t.count
        per_platform[platform]["decisions"] += t.count
        per_platform[platform][direction] += t.count
        moves[arrow] += t.count
    ordered = sorted(cells.values(), key=lambda c: (-(c["better"] + c["worse"]), -c["decisions"]))
    for cell in ordered:
        cell["transitions"] = dict(sorted(cell["transitions"].items(), key=lambda kv: -kv[1]))
    return {
        "total": {k: totals[k] for k in ("decisions", "same", "better", "worse")},
        "transitions": dict(moves.most_common()),
        "platforms": [
            {"platform": p, **{k: c[k] for k in ("decisions", "same", "better", "worse")}}
            for p, c in sorted(per_platform.items(), key=lambda kv: -kv[1]["decisions"])
        ],
        "cells": ordered,
        "reasons": {
            side: dict(
                sorted(
                    ((code, n) for (s, code), n in reasons.items() if s == side),
                    key=lambda kv: (-kv[1], kv[0]),
                )
            )
            for side in ("live", "shadow")
        },
    }
