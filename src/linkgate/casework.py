"""Casework: reports, review, credit, blocks, overrides, appeals and rollout safety.

This is the edge that turns the pure rules (``reports.weighting``,
``credit.score``, ``enforcement.ladder``, ``rollout.safety``) into stored
state. Every state change commits in one write transaction together with
its audit entry, so a change is either recorded and audited or did not
happen. After a change that affects decisions, ``changed`` is called so
the running replicas rebuild their snapshot.

Pending-review restriction: when the weighted reports on one link reach
the policy's ``reports.restrict_weight``, the link is restricted at once
(a ``reports`` block on that URL). Reviewing a report reviews every pending
report on the same link: rejecting lifts the restriction; upholding turns
each upheld report into a credit event and the restriction into a
violation block chosen by the ladder.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection, Engine

from linkgate.credit.score import Score, score_at, score_history
from linkgate.domains.index import is_suffix
from linkgate.domains.registry import Registry
from linkgate.enforcement.blocks import BLOCK_SCOPES, BlockIndex
from linkgate.enforcement.ladder import Violation, fingerprint, plan
from linkgate.errors import LinkgateError, RequestError
from linkgate.events import Pseudonymizer
from linkgate.facts import UrlFacts
from linkgate.policy.evaluator import Evaluator
from linkgate.policy.model import Phase, Policy, ReportPolicy
from linkgate.reports.weighting import (
    Factor,
    Signals,
    Weight,
    base_factors,
    burst_factors,
    combine,
)
from linkgate.rollout.safety import PhaseTraffic, breach
from linkgate.storage.accounts import AccountStore
from linkgate.storage.appeals import Appeal, AppealStore
from linkgate.storage.audit import AuditLog
from linkgate.storage.blocks import BlockRecord, BlockStore, OverrideRecord
from linkgate.storage.credit import CreditStore
from linkgate.storage.phases import PhaseStore
from linkgate.storage.reports import Report, ReportStore, new_id
from linkgate.storage.schema import BlockRow, DecisionEventRow, ReportRow
from linkgate.storage.state import StateHead
from linkgate.storage.transactions import write_transaction
from linkgate.storage.types import utcnow
from linkgate.vocabulary import REPORT_CATEGORIES, TREATMENTS

LOCK = "casework"
#: Audited actions that do not change any decision (no snapshot rebuild needed).
QUIET_ACTIONS = frozenset(
    {"report.file", "appeal.file", "appeal.deny", "credit.score", "credit.band", "account.warn"}
)
RATE_UNIT = "weighted upheld complaints per 10,000 shares (Wilson lower bound)"


class CaseError(LinkgateError):
    """A casework request that cannot be carried out; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class RateLimited(LinkgateError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ReportIntake:
    url: str
    category: str
    reporter: str
    channel: str | None = None
    group: str | None = None
    message_id: str | None = None
    comment: str | None = None
    reporter_created_at: datetime | None = None
    reporter_inviter: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    report: Report
    created: bool
    restricted: BlockRecord | None


@dataclass(frozen=True, slots=True)
class WeightedReport:
    report: Report
    weight: Weight


@dataclass(frozen=True, slots=True)
class LinkCase:
    """Every pending report on one link, weighted, with the restriction if any."""

    url: str
    platform: str | None
    domain: str | None
    reports: tuple[WeightedReport, ...]
    total: float
    category: str
    severity: float
    restriction: BlockRecord | None

    @property
    def priority(self) -> float:
        return self.total * self.severity


@dataclass(frozen=True, slots=True)
class Standing:
    """A platform's or a domain's credit as decisions see it."""

    key: str
    score: Score
    band: str | None
    applies: bool


@dataclass
class Stores:
    reports: ReportStore
    credit: CreditStore
    blocks: BlockStore
    appeals: AppealStore
    phases: PhaseStore
    audit: AuditLog
    state: StateHead
    accounts: AccountStore

    @classmethod
    def on(cls, engine: Engine, audit: AuditLog) -> Stores:
        return cls(
            ReportStore(engine),
            CreditStore(engine),
            BlockStore(engine),
            AppealStore(engine),
            PhaseStore(engine),
            audit,
            StateHead(engine),
            AccountStore(engine),
        )


def _json_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Casework:
    """Reports, credit, blocks and appeals over one store. Thread-safe."""

    def __init__(
        self,
        engine: Engine,
        stores: Stores,
        *,
        policy: Callable[[], Policy],
        registry: Callable[[], Registry],
        inspect: Callable[[str], UrlFacts],
        pseudonym: Pseudonymizer,
        clock: Callable[[], datetime] = utcnow,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.stores = stores
        self._policy = policy
        self._registry = registry
        self._inspect = inspect
        self._pseudonym = pseudonym
        self._clock = clock
        self._changed = changed

    def now(self) -> datetime:
        return self._clock()

    def changed(self) -> None:
        """Tell the server that decisions must see new state."""
        self._changed()

    def audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        target: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        self._audit(conn, actor, action, target, data)

    def _audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        target: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Append to the audit log; bump the state head when decisions are affected."""
        self.stores.audit.append_in(conn, actor, action, target, data)
        if action not in QUIET_ACTIONS:
            self.stores.state.bump(conn)

    # -- reports --------------------------------------------------------------------

    def file_report(self, intake: ReportIntake) -> Receipt:
        """Store a report (idempotent per reporter and link) and restrict the link when
        the weighted reports on it cross the threshold. Raises :class:`RateLimited`."""
        if intake.category not in REPORT_CATEGORIES:
            raise RequestError(
                "category",
                f"unknown category {intake.category!r}; one of {', '.join(REPORT_CATEGORIES)}",
            )
        facts = self._inspect(intake.url)
        if not facts.valid or facts.canonical is None or not facts.host:
            raise RequestError("url", f"not a usable link ({facts.error or 'no host'})")
        policy = self._policy()
        rules = policy.reports
        now = self._clock()
        reporter = self._pseudonym(intake.reporter)
        assert reporter is not None
        with write_transaction(self.engine, LOCK) as conn:
            existing = self.stores.reports.page_one(reporter, facts.canonical, conn)
            if existing is not None:
                return Receipt(
                    existing, False, self.stores.blocks.active_restriction(existing.url, conn)
                )
            self._rate_limit(conn, reporter, now, rules.per_hour, rules.per_day)
            history = self.stores.reports.history(
                reporter, now - timedelta(days=rules.weighting.accuracy_window_days), conn
            )
            factors = base_factors(history, intake.reporter_created_at, now, rules.weighting)
            report, created = self.stores.reports.add(
                conn,
                {
                    "id": new_id("rpt"),
                    "created_at": now,
                    "reporter_hash": reporter,
                    "url": facts.canonical,
                    "input": intake.url,
                    "host": facts.host,
                    "domain": facts.registrable_domain,
                    "platform": facts.platform_id,
                    "link_kind": facts.link_kind,
                    "category": intake.category,
                    "channel": intake.channel,
                    "group_hash": self._pseudonym(intake.group),
                    "message_id": intake.message_id,
                    "comment": intake.comment,
                    "account_created_at": intake.reporter_created_at,
                    "inviter_hash": self._pseudonym(intake.reporter_inviter),
                    "base_weight": combine(factors).value,
                    "factors": [{"name": f.name, "value": f.value, "why": f.why} for f in factors],
                    "status": "pending",
                    "reviewed_at": None,
                    "reviewed_by": None,
                    "review_category": None,
                    "review_note": None,
                },
            )
            self._audit(
                conn,
                f"reporter:{reporter}",
                "report.file",
                report.id,
                {
                    "url": report.url,
                    "category": report.category,
                    "platform": report.platform,
                    "weight": round(report.base_weight, 4),
                },
            )
            restriction = self.stores.blocks.active_restriction(report.url, conn)
            if restriction is None:
                case = self._case(conn, report.url, policy, now)
                if case is not None and case.total >= rules.restrict_weight:
                    restriction = self._restrict(conn, case, policy, now)
        if restriction is not None and created:
            self._changed()
        return Receipt(report, created, restriction)

    def _rate_limit(
        self, conn: Connection, reporter: str, now: datetime, per_hour: int, per_day: int
    ) -> None:
        for window, limit in ((timedelta(hours=1), per_hour), (timedelta(days=1), per_day)):
            count, oldest = self.stores.reports.count_since(reporter, now - window, conn)
            if count >= limit:
                wait = (oldest + window - now).total_seconds() if oldest is not None else 60
                raise RateLimited(
                    f"at most {limit} reports per {_span(window)} from one reporter",
                    max(1, math.ceil(wait)),
                )

    def _case(
        self, conn: Connection | None, url: str, policy: Policy, now: datetime
    ) -> LinkCase | None:
        pending = self.stores.reports.pending_on_link(url, conn)
        if not pending:
            return None
        first = pending[0]
        rules = policy.reports
        burst = timedelta(minutes=rules.weighting.burst_minutes)
        since = min(r.created_at for r in pending) - burst
        nearby = self.stores.reports.recent_against(
            platform=first.platform, domain=first.domain, since=since, connection=conn
        )
        damping = burst_factors([_signals(r) for r in nearby], rules.weighting)
        weighted: list[WeightedReport] = []
        by_category: dict[str, float] = {}
        for r in pending:
            factors: list[Factor] = [Factor(**f) for f in r.factors]
            if r.id in damping:
                factors.append(damping[r.id])
            weight = combine(factors)
            weighted.append(WeightedReport(r, weight))
            by_category[r.category] = by_category.get(r.category, 0.0) + weight.value
        category = max(by_category, key=lambda c: (by_category[c], rules.severity_of(c), c))
        return LinkCase(
            url=url,
            platform=first.platform,
            domain=first.domain,
            reports=tuple(weighted),
            total=sum(w.weight.value for w in weighted),
            category=category,
            severity=max(rules.severity_of(r.category) for r in pending),
            restriction=self.stores.blocks.active_restriction(url, conn),
        )

    def _restrict(
        self, conn: Connection, case: LinkCase, policy: Policy, now: datetime
    ) -> BlockRecord:
        effect = policy.reports.restrict.effect_for(case.category)
        treatment = effect.treatment if effect is not None and effect.treatment else "copy_only"
        block = self.stores.blocks.add(
            conn,
            {
                "id": new_id("blk"),
                "scope": "url",
                "target": case.url,
                "treatment": treatment,
                "reason": case.category,
                "category": case.category,
                "detail": f"{len(case.reports)} reports (weight {case.total:.2f} ≥ "
                f"{policy.reports.restrict_weight:g}) pending review",
                "source": "reports",
                "status": "active",
                "created_at": now,
                "created_by": "linkgate",
                "expires_at": None,
                "lifted_at": None,
                "lifted_by": None,
                "lift_reason": None,
                "platform": case.platform,
                "domain": case.domain,
                "url": case.url,
                "rung": None,
                "evasion": False,
                "evidence": {"reports": [w.report.id for w in case.reports]},
            },
        )
        self._audit(
            conn,
            "linkgate",
            "block.restrict",
            block.id,
            {"url": case.url, "category": case.category, "weight": round(case.total, 4)},
        )
        return block

    def link_case(self, url: str) -> LinkCase | None:
        return self._case(None, url, self._policy(), self._clock())

    def queue(self, *, platform: str | None = None, limit: int = 100) -> list[LinkCase]:
        """Pending reports grouped by link, highest priority (weight × severity) first."""
        policy = self._policy()
        now = self._clock()
        pending = self.stores.reports.page(status="pending", platform=platform, limit=10_000)
        urls = list(dict.fromkeys(r.url for r in pending))
        cases = [c for c in (self._case(None, u, policy, now) for u in urls) if c is not None]
        cases.sort(key=lambda c: (-c.priority, min(r.report.created_at for r in c.reports)))
        return cases[:limit]

    def review(
        self,
        report_id: str,
        *,
        outcome: str,
        by: str,
        note: str,
        category: str | None = None,
    ) -> dict[str, Any]:
        """Uphold or reject every pending report on the link of ``report_id``."""
        if outcome not in ("upheld", "rejected"):
            raise RequestError("outcome", "upheld or rejected")
        if category is not None and category not in REPORT_CATEGORIES:
            raise RequestError("category", f"unknown category {category!r}")
        policy = self._policy()
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            report = self.stores.reports.get(report_id, conn)
            if report is None:
                raise CaseError(404, f"no report {report_id}")
            if report.status != "pending":
                raise CaseError(409, f"report {report_id} was already reviewed: {report.status}")
            case = self._case(conn, report.url, policy, now)
            assert case is not None
            ids = [w.report.id for w in case.reports]
            self.stores.reports.set_status(
                conn, ids, status=outcome, at=now, by=by, category=category, note=note
            )
            self._audit(
                conn,
                by,
                f"report.{'uphold' if outcome == 'upheld' else 'reject'}",
                report.url,
                {"reports": ids, "category": category or case.category, "note": note},
            )
            lifted: list[str] = []
            if case.restriction is not None:
                self.stores.blocks.lift(
                    conn, case.restriction.id, at=now, by=by, reason=f"reports {outcome}"
                )
                self._audit(
                    conn, by, "block.lift", case.restriction.id, {"reason": f"reports {outcome}"}
                )
                lifted.append(case.restriction.id)
            result: dict[str, Any] = {
                "outcome": outcome,
                "url": report.url,
                "reports": ids,
                "lifted": lifted,
                "block": None,
                "events": [],
            }
            if outcome == "upheld":
                chosen = category or case.category
                before = self._scores(case.platform, case.domain, now)
                events = []
                for w in case.reports:
                    cat = category or w.report.category
                    event_id = new_id("cev")
                    self.stores.credit.add_event(
                        conn,
                        {
                            "id": event_id,
                            "at": now,
                            "platform": case.platform,
                            "domain": case.domain,
                            "url": case.url,
                            "fingerprint": fingerprint(_path_of(case.url)),
                            "category": cat,
                            "severity": policy.reports.severity_of(cat),
                            "weight": w.weight.value,
                            "source": "report",
                            "report_id": w.report.id,
                            "created_by": by,
                            "voided_at": None,
                            "void_reason": None,
                        },
                    )
                    events.append(event_id)
                block = self._violation_block(conn, report, chosen, policy, now, by, events, note)
                result["events"] = events
                result["block"] = block.to_dict()
                after = self._scores(case.platform, case.domain, now, conn)
                self._audit_scores(conn, by, before, after, f"reports upheld on {case.url}")
        self._changed()
        return result

    # -- violations and blocks --------------------------------------------------------

    def record_violation(self, url: str, category: str, *, by: str, note: str) -> dict[str, Any]:
        """An operator records a violation directly (no reports): event plus ladder block."""
        if category not in REPORT_CATEGORIES:
            raise RequestError("category", f"unknown category {category!r}")
        facts = self._inspect(url)
        if not facts.valid or facts.canonical is None or not facts.host:
            raise RequestError("url", f"not a usable link ({facts.error or 'no host'})")
        policy = self._policy()
        now = self._clock()
        canonical = facts.canonical
        with write_transaction(self.engine, LOCK) as conn:
            before = self._scores(facts.platform_id, facts.registrable_domain, now)
            event_id = new_id("cev")
            self.stores.credit.add_event(
                conn,
                {
                    "id": event_id,
                    "at": now,
                    "platform": facts.platform_id,
                    "domain": facts.registrable_domain,
                    "url": canonical,
                    "fingerprint": fingerprint(_path_of(canonical)),
                    "category": category,
                    "severity": policy.reports.severity_of(category),
                    "weight": 1.0,
                    "source": "operator",
                    "report_id": None,
                    "created_by": by,
                    "voided_at": None,
                    "void_reason": None,
                },
            )
            self._audit(
                conn, by, "violation.record", event_id, {"url": canonical, "category": category}
            )
            proxy = _ProxyReport(canonical, facts.host, facts.registrable_domain, facts.platform_id)
            block = self._violation_block(conn, proxy, category, policy, now, by, [event_id], note)
            after = self._scores(facts.platform_id, facts.registrable_domain, now, conn)
            self._audit_scores(conn, by, before, after, f"violation recorded on {canonical}")
        self._changed()
        return {"event": event_id, "block": block.to_dict()}

    def _violation_block(
        self,
        conn: Connection,
        report: Report | _ProxyReport,
        category: str,
        policy: Policy,
        now: datetime,
        by: str,
        events: list[str],
        note: str,
    ) -> BlockRecord:
        params = policy.violations.ladder
        since = now - timedelta(days=params.lookback_days)
        domain = report.domain or report.host
        path = _path_of(report.url)
        mark = fingerprint(path)
        history = self._violations(conn, domain, mark, since, exclude=set(events))
        violation = Violation(
            at=now,
            url=report.url,
            host=report.host,
            path=path,
            domain=domain,
            severity=policy.reports.severity_of(category),
            platform=report.platform,
        )
        chosen = plan(violation, history, self.stores.blocks.lifted(conn), params)
        effect = policy.violations.effect
        block = self.stores.blocks.add(
            conn,
            {
                "id": new_id("blk"),
                "scope": chosen.scope,
                "target": chosen.target,
                "treatment": effect.treatment or "blocked",
                "reason": effect.reason or "enforcement_block",
                "category": category,
                "detail": chosen.why,
                "source": "violation",
                "status": "active",
                "created_at": now,
                "created_by": by,
                "expires_at": chosen.expires_at(now),
                "lifted_at": None,
                "lifted_by": None,
                "lift_reason": None,
                "platform": report.platform,
                "domain": domain,
                "url": report.url,
                "rung": chosen.rung,
                "evasion": chosen.evasion,
                "evidence": {"events": events, "note": note},
            },
        )
        self._audit(
            conn,
            by,
            "block.create",
            block.id,
            {
                "scope": block.scope,
                "target": block.target,
                "expires_at": _json_time(block.expires_at),
                "rung": chosen.rung,
                "evasion": chosen.evasion,
                "why": chosen.why,
            },
        )
        return block

    def _violations(
        self, conn: Connection, domain: str, mark: str | None, since: datetime, exclude: set[str]
    ) -> list[Violation]:
        """Earlier upheld violations on this domain (and elsewhere with the same page)."""
        records = [
            e
            for e in self.stores.credit.events(domain=domain, connection=conn)
            if e.at >= since and e.id not in exclude
        ]
        if mark is not None:
            records.extend(
                e
                for e in self.stores.credit.events_with_fingerprint(mark, since, conn)
                if e.domain != domain and e.id not in exclude
            )
        seen: set[tuple[str, datetime]] = set()
        out: list[Violation] = []
        for e in records:
            key = (e.url, e.at)
            if key in seen:
                continue
            seen.add(key)
            facts = self._inspect(e.url)
            out.append(
                Violation(
                    at=e.at,
                    url=e.url,
                    host=facts.host or "",
                    path=_path_of(e.url),
                    domain=e.domain or facts.host or "",
                    severity=e.severity,
                    platform=e.platform,
                )
            )
        return out

    def create_block(
        self,
        *,
        scope: str,
        target: str,
        treatment: str,
        reason: str,
        category: str | None,
        expires_at: datetime | None,
        note: str,
        by: str,
    ) -> BlockRecord:
        """An operator's block on a URL, path, domain or platform."""
        if scope not in BLOCK_SCOPES:
            raise RequestError("scope", f"one of {', '.join(BLOCK_SCOPES)}")
        if treatment not in TREATMENTS:
            raise RequestError("treatment", f"one of {', '.join(TREATMENTS)}")
        now = self._clock()
        if expires_at is not None and expires_at <= now:
            raise RequestError("expires_at", "must be in the future")
        target, platform, domain, url = self._target(scope, target)
        with write_transaction(self.engine, LOCK) as conn:
            block = self.stores.blocks.add(
                conn,
                {
                    "id": new_id("blk"),
                    "scope": scope,
                    "target": target,
                    "treatment": treatment,
                    "reason": reason,
                    "category": category,
                    "detail": note or f"{scope} block by an operator",
                    "source": "operator",
                    "status": "active",
                    "created_at": now,
                    "created_by": by,
                    "expires_at": expires_at,
                    "lifted_at": None,
                    "lifted_by": None,
                    "lift_reason": None,
                    "platform": platform,
                    "domain": domain,
                    "url": url,
                    "rung": None,
                    "evasion": False,
                    "evidence": {"note": note},
                },
            )
            self._audit(
                conn,
                by,
                "block.create",
                block.id,
                {"scope": scope, "target": target, "expires_at": _json_time(expires_at)},
            )
        self._changed()
        return block

    def _target(self, scope: str, target: str) -> tuple[str, str | None, str | None, str | None]:
        """The stored target of a block or override and the platform/domain it concerns."""
        if scope == "platform":
            if self._registry().get(target) is None:
                raise RequestError("target", f"no platform {target!r}")
            return target, target, None, None
        if scope == "domain":
            host = target.strip().lower().rstrip(".")
            facts = self._inspect(f"http://{host}/")
            if not facts.valid or not facts.host or not is_suffix(facts.host):
                raise RequestError("target", f"not a domain: {target!r}")
            return facts.host, facts.platform_id, facts.registrable_domain, None
        facts = self._inspect(target)
        if not facts.valid or facts.canonical is None or not facts.host:
            raise RequestError("target", f"not a usable link: {target!r}")
        if scope == "url":
            return facts.canonical, facts.platform_id, facts.registrable_domain, facts.canonical
        path = _path_of(facts.canonical).split("?", 1)[0]
        return f"{facts.host}{path}", facts.platform_id, facts.registrable_domain, None

    def lift_block(self, block_id: str, *, by: str, reason: str) -> BlockRecord:
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            if not self.stores.blocks.lift(conn, block_id, at=now, by=by, reason=reason):
                found = self.stores.blocks.get(block_id, conn)
                if found is None:
                    raise CaseError(404, f"no block {block_id}")
                raise CaseError(409, f"block {block_id} is already lifted")
            self._audit(conn, by, "block.lift", block_id, {"reason": reason})
            block = self.stores.blocks.get(block_id, conn)
            assert block is not None
        self._changed()
        return block

    def add_override(
        self, *, scope: str, target: str, expires_at: datetime, note: str, by: str
    ) -> OverrideRecord:
        if scope not in BLOCK_SCOPES:
            raise RequestError("scope", f"one of {', '.join(BLOCK_SCOPES)}")
        now = self._clock()
        if expires_at <= now:
            raise RequestError("expires_at", "must be in the future")
        if not note.strip():
            raise RequestError("note", "say why (it is audited)")
        stored, *_ = self._target(scope, target)
        with write_transaction(self.engine, LOCK) as conn:
            override = self.stores.blocks.add_override(
                conn,
                {
                    "id": new_id("ovr"),
                    "scope": scope,
                    "target": stored,
                    "note": note,
                    "created_at": now,
                    "created_by": by,
                    "expires_at": expires_at,
                    "lifted_at": None,
                    "lifted_by": None,
                },
            )
            self._audit(
                conn,
                by,
                "override.create",
                override.id,
                {
                    "scope": scope,
                    "target": stored,
                    "expires_at": expires_at.isoformat(),
                    "note": note,
                },
            )
        self._changed()
        return override

    def lift_override(self, override_id: str, *, by: str) -> None:
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            if not self.stores.blocks.lift_override(conn, override_id, at=now, by=by):
                raise CaseError(404, f"no active override {override_id}")
            self._audit(conn, by, "override.lift", override_id, {})
        self._changed()

    # -- appeals --------------------------------------------------------------------

    def file_appeal(
        self,
        *,
        platform: str | None,
        target: str,
        reason: str,
        evidence_url: str | None,
        by: str,
    ) -> Appeal:
        """A platform appeals one of its blocks (``blk_…``) or credit events (``cev_…``)."""
        kind, owner = self._appeal_target(target)
        if platform is not None and owner != platform:
            raise CaseError(403, f"{target} does not concern platform {platform}")
        if not reason.strip():
            raise RequestError("reason", "say why the decision was wrong")
        return self._new_appeal(
            kind,
            target,
            platform=owner,
            account_hash=None,
            reason=reason,
            evidence_url=evidence_url,
            by=by,
        )

    def file_account_appeal(
        self, account_hash: str, action_id: str, *, reason: str, by: str
    ) -> Appeal:
        """An account appeals an enforcement action against it."""
        return self._new_appeal(
            "account_action",
            action_id,
            platform=None,
            account_hash=account_hash,
            reason=reason,
            evidence_url=None,
            by=by,
        )

    def _new_appeal(
        self,
        kind: str,
        target: str,
        *,
        platform: str | None,
        account_hash: str | None,
        reason: str,
        evidence_url: str | None,
        by: str,
    ) -> Appeal:
        """Store an open appeal (one per target) due by the policy's appeal time."""
        if self.stores.appeals.open_for(kind, target) is not None:
            raise CaseError(409, f"an appeal against {target} is already open")
        now = self._clock()
        rules = self._policy().reports
        due = now + timedelta(hours=rules.appeal_due_hours)
        with write_transaction(self.engine, LOCK) as conn:
            self._appeal_rate_limit(conn, by, account_hash, now, rules)
            appeal = self.stores.appeals.add(
                conn,
                {
                    "id": new_id("apl"),
                    "platform": platform,
                    "account_hash": account_hash,
                    "target_kind": kind,
                    "target_id": target,
                    "reason": reason,
                    "evidence_url": evidence_url,
                    "filed_at": now,
                    "filed_by": by,
                    "due_at": due,
                    "status": "open",
                    "decided_at": None,
                    "decided_by": None,
                    "note": None,
                },
            )
            self._audit(
                conn, by, "appeal.file", appeal.id, {"target": target, "due_at": due.isoformat()}
            )
        return appeal

    def _appeal_rate_limit(
        self,
        conn: Connection,
        by: str,
        account_hash: str | None,
        now: datetime,
        rules: ReportPolicy,
    ) -> None:
        """At most so many appeals per hour and per day from one caller: the account
        appealing its own action, or else the key filing the appeal."""
        limits = (
            (timedelta(hours=1), rules.appeals_per_hour),
            (timedelta(days=1), rules.appeals_per_day),
        )
        for window, limit in limits:
            count, oldest = self.stores.appeals.count_since(
                now - window, filed_by=by, account_hash=account_hash, connection=conn
            )
            if count >= limit:
                wait = (oldest + window - now).total_seconds() if oldest is not None else 60
                raise RateLimited(
                    f"at most {limit} appeals per {_span(window)} from one caller",
                    max(1, math.ceil(wait)),
                )

    def _appeal_target(self, target: str) -> tuple[str, str | None]:
        if target.startswith("blk_"):
            block = self.stores.blocks.get(target)
            if block is None:
                raise CaseError(404, f"no block {target}", field="target")
            return "block", block.platform
        if target.startswith("cev_"):
            event = self.stores.credit.get(target)
            if event is None:
                raise CaseError(404, f"no credit event {target}", field="target")
            return "credit_event", event.platform
        raise RequestError("target", "a block id (blk_…) or a credit event id (cev_…)")

    def decide_appeal(self, appeal_id: str, *, outcome: str, note: str, by: str) -> dict[str, Any]:
        """Grant (lift the block, void its events: the score is restored) or deny."""
        if outcome not in ("granted", "denied"):
            raise RequestError("outcome", "granted or denied")
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            appeal = self.stores.appeals.get(appeal_id, conn)
            if appeal is None:
                raise CaseError(404, f"no appeal {appeal_id}")
            if not self.stores.appeals.decide(
                conn, appeal_id, status=outcome, at=now, by=by, note=note
            ):
                raise CaseError(409, f"appeal {appeal_id} was already decided: {appeal.status}")
            self._audit(
                conn,
                by,
                f"appeal.{'grant' if outcome == 'granted' else 'deny'}",
                appeal_id,
                {"target": appeal.target_id, "note": note},
            )
            result: dict[str, Any] = {
                "appeal": appeal_id,
                "outcome": outcome,
                "lifted": [],
                "voided": [],
            }
            if outcome == "granted" and appeal.target_kind in ("block", "credit_event"):
                result.update(self._grant(conn, appeal, by, now))
            elif (
                outcome == "granted"
                and appeal.target_kind == "account_action"
                and self.stores.accounts.lift(
                    conn, appeal.target_id, at=now, by=by, reason=f"appeal {appeal.id} granted"
                )
            ):
                self._audit(
                    conn,
                    by,
                    "account.lift",
                    f"account:{appeal.account_hash}",
                    {"action_id": appeal.target_id, "appeal": appeal.id},
                )
                result["lifted"] = [appeal.target_id]
        if outcome == "granted":
            self._changed()
        return result

    def _grant(self, conn: Connection, appeal: Appeal, by: str, now: datetime) -> dict[str, Any]:
        events: list[str] = []
        blocks: list[str] = []
        if appeal.target_kind == "block":
            block = self.stores.blocks.get(appeal.target_id, conn)
            assert block is not None
            blocks.append(block.id)
            events.extend(block.evidence.get("events", []))
            reports = block.evidence.get("reports", [])
            if reports:
                events.extend(
                    e.id for e in self.stores.credit.events(report_ids=reports, connection=conn)
                )
        else:
            events.append(appeal.target_id)
            blocks.extend(b.id for b in self.stores.blocks.citing_event(appeal.target_id, conn))
        record = self.stores.credit.get(events[0], conn) if events else None
        platform = record.platform if record else None
        domain = record.domain if record else None
        before = self._scores(platform, domain, now, conn) if record else {}
        lifted = [
            b
            for b in dict.fromkeys(blocks)
            if self.stores.blocks.lift(conn, b, at=now, by=by, reason=f"appeal {appeal.id} granted")
        ]
        for b in lifted:
            self._audit(conn, by, "block.lift", b, {"appeal": appeal.id})
        voided = list(dict.fromkeys(events))
        self.stores.credit.void(conn, voided, at=now, reason=f"appeal {appeal.id} granted")
        if voided:
            self._audit(conn, by, "credit.void", appeal.id, {"events": voided})
        if record is not None:
            after = self._scores(platform, domain, now, conn)
            self._audit_scores(conn, by, before, after, f"appeal {appeal.id} granted")
        return {"lifted": lifted, "voided": voided}

    # -- credit -----------------------------------------------------------------------

    def score(
        self,
        *,
        platform: str | None = None,
        domain: str | None = None,
        at: datetime | None = None,
        connection: Connection | None = None,
    ) -> Score:
        policy = self._policy()
        when = at or self._clock()
        events = self.stores.credit.events(platform=platform, domain=domain, connection=connection)
        shares = self.stores.credit.shares(platform=platform, domain=domain)
        return score_at([e.event() for e in events], shares, when, policy.credit)

    def history(
        self, *, platform: str | None = None, domain: str | None = None, days: int = 90
    ) -> list[tuple[datetime, float]]:
        """The score once a day over the last ``days`` days (for charts)."""
        policy = self._policy()
        now = self._clock()
        events = self.stores.credit.events(platform=platform, domain=domain)
        shares = self.stores.credit.shares(platform=platform, domain=domain)
        times = [now - timedelta(days=d) for d in range(days, -1, -1)]
        return score_history([e.event() for e in events], shares, times, policy.credit)

    def _scores(
        self,
        platform: str | None,
        domain: str | None,
        now: datetime,
        connection: Connection | None = None,
    ) -> dict[str, float]:
        out: dict[str, float] = {}
        if platform is not None:
            out[f"platform:{platform}"] = self.score(
                platform=platform, at=now, connection=connection
            ).score
        if domain is not None:
            out[f"domain:{domain}"] = self.score(domain=domain, at=now, connection=connection).score
        return out

    def _audit_scores(
        self,
        conn: Connection,
        by: str,
        before: dict[str, float],
        after: dict[str, float],
        why: str,
    ) -> None:
        for key, value in after.items():
            old = before.get(key)
            if old is None or abs(old - value) >= 0.005:
                self._audit(
                    conn, by, "credit.score", key, {"before": old, "after": value, "why": why}
                )

    def standings(self, at: datetime | None = None) -> list[Standing]:
        """Scores of every platform and (platform-less) domain with live credit events."""
        policy = self._policy()
        evaluator_bands = sorted(policy.credit_bands, key=lambda b: b.min, reverse=True)
        when = at or self._clock()
        platforms, domains = self.stores.credit.keys_with_events()
        keys: list[tuple[str, str | None, str | None]] = [
            *((f"platform:{p}", p, None) for p in sorted(platforms)),
            *((f"domain:{d}", None, d) for d in sorted(domains)),
        ]
        out: list[Standing] = []
        for key, platform, domain in keys:
            score = self.score(platform=platform, domain=domain, at=when)
            band = next((b.id for b in evaluator_bands if score.score >= b.min), None)
            applies = score.sufficient or domain is not None
            out.append(Standing(key, score, band, applies))
        return out

    def credit_view(self, platform: str, *, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        """A platform's score, band, rate, events (paged), blocks and effective caps."""
        if self._registry().get(platform) is None:
            raise CaseError(404, f"no platform {platform}")
        policy = self._policy()
        now = self._clock()
        score = self.score(platform=platform, at=now)
        evaluator = Evaluator(policy)
        band = evaluator.band(score.score)
        events = self.stores.credit.events(platform=platform, include_voided=True)
        events.sort(key=lambda e: e.at, reverse=True)
        blocks = self.stores.blocks.page(platform=platform, limit=200)
        caps: dict[str, Any] = {"applies": score.sufficient}
        if band is not None:
            caps.update(
                {
                    "band": band.id,
                    "treatment": band.effect.treatment,
                    "interstitial": "warn" if band.effect.warn else None,
                    "remove_capabilities": sorted(band.effect.remove),
                }
            )
        if not score.sufficient:
            caps["why_not"] = (
                f"upheld violations span {score.distinct_links} distinct links; bands apply to a "
                f"whole platform from {policy.credit.min_links}"
            )
        return {
            "platform": platform,
            "score": score.score,
            "band": band.id if band is not None else None,
            "complaint_rate": score.complaint_rate,
            "complaint_rate_unit": RATE_UNIT,
            "complaints": score.complaints,
            "shares": score.shares,
            "window_days": policy.credit.window_days,
            "events": {
                "total": len(events),
                "offset": offset,
                "items": [e.to_dict() for e in events[offset : offset + limit]],
            },
            "blocks": [b.to_dict() for b in blocks if b.active(now)],
            "effective_caps": caps,
        }

    # -- the decision snapshot's state ---------------------------------------------------

    def block_index(self, at: datetime | None = None) -> BlockIndex:
        when = at or self._clock()
        return BlockIndex(
            (b.block() for b in self.stores.blocks.active(when)),
            (o.override() for o in self.stores.blocks.active_overrides(when)),
        )

    def credit_maps(self, at: datetime | None = None) -> tuple[dict[str, float], dict[str, float]]:
        """Platform scores that apply to the platform as a whole, and domain scores."""
        platforms: dict[str, float] = {}
        domains: dict[str, float] = {}
        for s in self.standings(at):
            kind, _, name = s.key.partition(":")
            if kind == "platform" and s.applies:
                platforms[name] = s.score.score
            elif kind == "domain":
                domains[name] = s.score.score
        return platforms, domains

    def paused_phases(self) -> dict[str, str]:
        return {p.phase_id: p.reason for p in self.stores.phases.paused().values()}

    # -- monitoring (run periodically by the server) -------------------------------------

    def monitor(self) -> list[str]:
        """Pause phases whose opened traffic crosses a bound; audit band changes.

        Idempotent across replicas: a pause or a band change is written once.
        Returns what it did, one line each.
        """
        done: list[str] = []
        policy = self._policy()
        now = self._clock()
        paused = self.stores.phases.paused()
        for phase in policy.rollout.phases:
            if not phase.bounds or phase.id in paused or phase.start > now:
                continue
            traffic = self.phase_traffic(phase)
            found = breach(phase.bounds, traffic, min_shares=policy.rollout.safety_min_shares)
            if found is None:
                continue
            stats = {
                "shares": traffic.shares,
                "links": traffic.links,
                "reports": traffic.reports,
                "blocked_links": traffic.blocked_links,
                "complaint_rate": round(traffic.complaint_rate, 6),
                "block_rate": round(traffic.block_rate, 6),
            }
            with write_transaction(self.engine, LOCK) as conn:
                if self.stores.phases.pause(
                    conn, phase.id, at=now, by="linkgate", reason=found.describe(), stats=stats
                ):
                    self._audit(
                        conn,
                        "linkgate",
                        "phase.pause",
                        phase.id,
                        {"reason": found.describe(), "stats": stats},
                    )
                    done.append(f"paused {phase.id}: {found.describe()}")
        if done:
            self._changed()
        for standing in self.standings(now):
            previous = self.stores.credit.standing(standing.key)
            band = standing.band or "none"
            if previous is not None and previous[1] == band:
                continue
            with write_transaction(self.engine, LOCK) as conn:
                if self.stores.credit.set_standing(
                    conn,
                    standing.key,
                    score=standing.score.score,
                    band=band,
                    at=now,
                    previous=previous[1] if previous else None,
                ):
                    self._audit(
                        conn,
                        "linkgate",
                        "credit.band",
                        standing.key,
                        {
                            "from": previous[1] if previous else None,
                            "to": band,
                            "score": standing.score.score,
                            "applies": standing.applies,
                        },
                    )
                    done.append(f"{standing.key}: band {band}")
        return done

    def phase_traffic(self, phase: Phase) -> PhaseTraffic:
        """What ``phase`` opened: shares, links, reports and blocks since it started."""
        registry = self._registry()
        ids = [p.id for p in registry if phase.platforms.matches(p.id, p.tier, p.priority_rank)]
        if not ids:
            return PhaseTraffic(0, 0, 0, 0)
        channels = sorted(phase.channels)
        with self.engine.connect() as conn:
            shares, links = conn.execute(
                select(func.count(), func.count(distinct(DecisionEventRow.url))).where(
                    DecisionEventRow.kind == "share",
                    DecisionEventRow.decided_at >= phase.start,
                    DecisionEventRow.platform.in_(ids),
                    DecisionEventRow.channel.in_(channels),
                )
            ).one()
            reports = conn.execute(
                select(func.count()).where(
                    ReportRow.created_at >= phase.start,
                    ReportRow.platform.in_(ids),
                    ReportRow.channel.in_(channels) | ReportRow.channel.is_(None),
                )
            ).scalar_one()
            blocked = conn.execute(
                select(func.count(distinct(BlockRow.url))).where(
                    BlockRow.created_at >= phase.start,
                    BlockRow.platform.in_(ids),
                    BlockRow.url.is_not(None),
                )
            ).scalar_one()
        return PhaseTraffic(int(shares), int(links), int(reports), int(blocked))

    def resume_phase(self, phase_id: str, *, by: str) -> None:
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            if not self.stores.phases.resume(conn, phase_id, at=now, by=by):
                raise CaseError(409, f"phase {phase_id} is not paused")
            self._audit(conn, by, "phase.resume", phase_id, {})
        self._changed()

    def pause_phase(self, phase_id: str, *, by: str, reason: str) -> None:
        if phase_id not in {p.id for p in self._policy().rollout.phases}:
            raise CaseError(404, f"no rollout phase {phase_id} in the live policy")
        now = self._clock()
        with write_transaction(self.engine, LOCK) as conn:
            if not self.stores.phases.pause(conn, phase_id, at=now, by=by, reason=reason, stats={}):
                raise CaseError(409, f"phase {phase_id} is already paused")
            self._audit(conn, by, "phase.pause", phase_id, {"reason": reason})
        self._changed()


@dataclass(frozen=True, slots=True)
class _ProxyReport:
    """The parts of a report the ladder needs, for violations recorded without one."""

    url: str
    host: str
    domain: str | None
    platform: str | None


def _signals(r: Report) -> Signals:
    return Signals(
        report_id=r.id,
        reporter=r.reporter_hash,
        at=r.created_at,
        account_created_at=r.account_created_at,
        inviter=r.inviter_hash,
        group=r.group_hash,
    )


def _path_of(url: str) -> str:
    """The path (and query) of a canonical URL."""
    rest = url.split("://", 1)[-1]
    i = rest.find("/")
    return rest[i:] if i >= 0 else "/"


def _span(window: timedelta) -> str:
    return "hour" if window <= timedelta(hours=1) else "day"


def weights_to_dict(case: LinkCase) -> list[dict[str, Any]]:
    return [{"report_id": w.report.id, **w.weight.to_dict()} for w in case.reports]


__all__: Sequence[str] = (
    "CaseError",
    "Casework",
    "LinkCase",
    "RateLimited",
    "Receipt",
    "ReportIntake",
    "Standing",
    "Stores",
    "weights_to_dict",
)
