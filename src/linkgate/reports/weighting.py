"""How much one report counts: reporter accuracy, account age, and burst damping.

A report's weight is the product of factors, each kept with a sentence that
says why, so a reviewer sees the arithmetic:

- **accuracy**: ``2 * (upheld + 1) / (upheld + rejected + 2)`` over the
  reporter's recent reviewed reports (1.0 for someone never reviewed, up to
  2.0 for a reliable reporter, towards 0 for one whose reports are rejected);
- **account age**: accounts younger than ``new_account_days`` count
  ``new_account_factor``;
- **burst damping**: reports against one platform within ``burst_minutes``
  from accounts that share a signal (same inviter, same group, accounts
  created within ``created_together_minutes`` of each other) form a cluster;
  each of its ``k`` reports counts ``1/k``, so a coordinated cluster weighs
  about as much as one independent reporter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class WeightParams:
    """The policy's ``reports.weighting`` settings."""

    new_account_days: float = 7.0
    new_account_factor: float = 0.5
    burst_minutes: float = 60.0
    created_together_minutes: float = 60.0
    accuracy_window_days: int = 180


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    value: float
    why: str


@dataclass(frozen=True, slots=True)
class Weight:
    value: float
    factors: tuple[Factor, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "value": round(self.value, 4),
            "factors": [
                {"name": f.name, "value": round(f.value, 4), "why": f.why} for f in self.factors
            ],
        }


@dataclass(frozen=True, slots=True)
class ReporterHistory:
    """A reporter's reviewed reports in the accuracy window."""

    upheld: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Signals:
    """What a report says about who sent it, for burst damping."""

    report_id: str
    reporter: str
    at: datetime
    account_created_at: datetime | None = None
    inviter: str | None = None
    group: str | None = None


def base_factors(
    history: ReporterHistory,
    account_created_at: datetime | None,
    at: datetime,
    params: WeightParams,
) -> tuple[Factor, ...]:
    """The factors known when a report arrives: accuracy and account age."""
    reviewed = history.upheld + history.rejected
    accuracy = 2.0 * (history.upheld + 1) / (reviewed + 2)
    if reviewed:
        why = (
            f"{history.upheld} of this reporter's {reviewed} reviewed reports in the last "
            f"{params.accuracy_window_days} days were upheld"
        )
    else:
        why = "no reviewed reports yet: neutral weight"
    factors = [Factor("accuracy", accuracy, why)]
    if account_created_at is not None:
        age = at - account_created_at
        if age < timedelta(days=params.new_account_days):
            days = max(age.total_seconds(), 0) / 86_400
            factors.append(
                Factor(
                    "new_account",
                    params.new_account_factor,
                    f"account is {days:.1f} days old (< {params.new_account_days:g} days)",
                )
            )
    return tuple(factors)


def _linked(a: Signals, b: Signals, params: WeightParams) -> str | None:
    if a.inviter is not None and a.inviter == b.inviter:
        return "same inviter"
    if a.group is not None and a.group == b.group:
        return "same group"
    if a.account_created_at is not None and b.account_created_at is not None:
        apart = abs(a.account_created_at - b.account_created_at)
        if apart <= timedelta(minutes=params.created_together_minutes):
            return "accounts created together"
    return None


def burst_factors(reports: Sequence[Signals], params: WeightParams) -> dict[str, Factor]:
    """Damping factors for reports against one platform, keyed by report id.

    Two reports are linked when they are within ``burst_minutes`` of each other
    and their accounts share a signal; clusters are the connected components.
    Reports in no cluster get no factor.
    """
    ordered = sorted(reports, key=lambda r: r.at)
    parent = list(range(len(ordered)))
    why: dict[int, set[str]] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    burst = timedelta(minutes=params.burst_minutes)
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.at - a.at > burst:
                break
            if a.reporter == b.reporter:
                continue
            link = _linked(a, b, params)
            if link is not None:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[rj] = ri
                    why.setdefault(ri, set()).update(why.pop(rj, set()))
                why.setdefault(ri, set()).add(link)
    members: dict[int, list[int]] = {}
    for i in range(len(ordered)):
        members.setdefault(find(i), []).append(i)
    out: dict[str, Factor] = {}
    for root, group in members.items():
        if len(group) < 2:
            continue
        reasons = ", ".join(sorted(why.get(root, set())))
        for i in group:
            out[ordered[i].report_id] = Factor(
                "burst",
                1.0 / len(group),
                f"one of {len(group)} reports within {params.burst_minutes:g} min from "
                f"accounts sharing signals ({reasons}): each counts 1/{len(group)}",
            )
    return out


def combine(factors: Sequence[Factor]) -> Weight:
    value = 1.0
    for f in factors:
        value *= f.value
    return Weight(value, tuple(factors))
