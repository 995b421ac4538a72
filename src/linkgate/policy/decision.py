"""What a decision says: treatment, capabilities, interstitial, why, and what would change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from linkgate.vocabulary import Interstitial, Treatment


@dataclass(frozen=True, slots=True)
class Constraint:
    """One stage's restriction on a decision; the most restrictive wins.

    ``treatment`` caps the treatment (``None``: no cap), ``warn`` asks for
    the safety interstitial, ``remove`` strips capabilities. ``rule`` and
    ``source`` name the policy rule (with ``file:line:column``) behind it.
    """

    stage: str
    rule: str
    source: str | None
    reason: str | None
    treatment: Treatment | None = None
    warn: bool = False
    remove: frozenset[str] = frozenset()
    detail: str = ""
    category: str | None = None
    expires_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        effect: dict[str, Any] = {}
        if self.treatment is not None:
            effect["treatment"] = self.treatment
        if self.warn:
            effect["interstitial"] = "warn"
        if self.remove:
            effect["remove_capabilities"] = sorted(self.remove)
        return {
            "stage": self.stage,
            "rule": self.rule,
            "source": self.source,
            "reason": self.reason,
            "effect": effect,
            "detail": self.detail,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """The nearest change that would have given a better treatment."""

    stage: str
    change: str
    treatment: Treatment
    interstitial: Interstitial
    at: datetime | None = None
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "change": self.change,
            "treatment": self.treatment,
            "interstitial": self.interstitial,
        }
        if self.at is not None:
            out["at"] = self.at.isoformat()
        if self.threshold is not None:
            out["threshold"] = self.threshold
        return out


@dataclass(frozen=True, slots=True)
class MiniProgramLink:
    """An expiring mini-program link, the way URL Link works (≤ 30 days)."""

    app_id: str
    path: str
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"app_id": self.app_id, "path": self.path, "expires_at": self.expires_at.isoformat()}


@dataclass(frozen=True, slots=True)
class Decision:
    """How a link may open, here, for this person, now — and why."""

    decision_id: str
    input: str
    url: str | None
    channel: str
    decided_at: datetime
    treatment: Treatment
    capabilities: tuple[str, ...]
    capability_limits: dict[str, dict[str, Any]]
    interstitial: Interstitial
    reasons: tuple[str, ...]
    category: str | None
    trace: tuple[Constraint, ...]
    counterfactuals: tuple[Counterfactual, ...]
    policy_revision: str
    ttl_seconds: int
    platform: str | None
    link_kind: str
    signals: tuple[str, ...] = ()
    mini_program: MiniProgramLink | None = None
    reason_text: dict[str, str] = field(default_factory=dict)
    domain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "input": self.input,
            "url": self.url,
            "channel": self.channel,
            "decided_at": self.decided_at.isoformat(),
            "treatment": self.treatment,
            "capabilities": list(self.capabilities),
            "capability_limits": self.capability_limits,
            "interstitial": self.interstitial,
            "reasons": list(self.reasons),
            "reason_text": self.reason_text,
            "category": self.category,
            "platform": self.platform,
            "domain": self.domain,
            "link_kind": self.link_kind,
            "signals": list(self.signals),
            "mini_program": self.mini_program.to_dict() if self.mini_program else None,
            "trace": [c.to_dict() for c in self.trace],
            "counterfactuals": [c.to_dict() for c in self.counterfactuals],
            "policy_revision": self.policy_revision,
            "ttl_seconds": self.ttl_seconds,
        }
