"""Sender accounts: share counting, the anti-spam ladder, lifting and account appeals.

Each share decision with a sender is counted (``ShareCounter``: in-process,
or Redis across replicas, falling back to in-process counts while Redis is
away). When the counts cross a policy threshold the sender earns the next
ladder action, written with its reason, evidence and expiry in one audited
transaction that re-reads the sender's earlier actions, so two replicas
seeing the same crossing act once. Actions are kept under the account's
pseudonym; the decision snapshot's sender table is keyed the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from linkgate.casework import LOCK, CaseError, Casework
from linkgate.enforcement.counters import (
    DEFAULT_MAX_EVENTS,
    CountPlan,
    LocalCounter,
    Share,
    ShareCounter,
    make_share,
)
from linkgate.enforcement.senders import SenderTable
from linkgate.enforcement.spam import (
    Counts,
    SpamParams,
    Trigger,
    Verdict,
    next_action,
    trigger,
    verdict,
)
from linkgate.errors import RequestError
from linkgate.events import Pseudonymizer
from linkgate.policy.model import Policy
from linkgate.storage.accounts import AccountAction, AccountStore
from linkgate.storage.appeals import Appeal
from linkgate.storage.engine import STORE_ERRORS
from linkgate.storage.reports import new_id
from linkgate.storage.schema import DecisionEventRow, ReportRow
from linkgate.storage.transactions import write_transaction

log = logging.getLogger("linkgate.accounts")

#: How long counting stays on the in-process counters after Redis failed.
REDIS_RETRY_SECONDS = 5.0


class Counting:
    """Shared counters with an in-process fallback while the shared store is away."""

    def __init__(
        self, shared: ShareCounter | None, *, max_events: int = DEFAULT_MAX_EVENTS
    ) -> None:
        self.shared = shared
        self.local = LocalCounter(max_events=max_events)
        self.fallbacks = 0
        self.shared_ok = True
        self._down_until = 0.0
        self._lock = threading.Lock()

    def observe(self, share: Share, plan: CountPlan) -> Counts:
        if self.shared is not None and time.monotonic() >= self._down_until:
            try:
                counts = self.shared.observe(share, plan)
                self.shared_ok = True
                return counts
            except Exception as exc:  # the shared store is away: count here meanwhile
                with self._lock:
                    self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
                    self.shared_ok = False
                log.warning("share counters fall back to this process: %s", exc)
        if self.shared is not None:
            self.fallbacks += 1
        return self.local.observe(share, plan)


class Accounts:
    def __init__(
        self,
        casework: Casework,
        store: AccountStore,
        *,
        counting: Counting,
        policy: Callable[[], Policy],
        pseudonym: Pseudonymizer,
        clock: Callable[[], datetime],
    ) -> None:
        self.casework = casework
        self.store = store
        self.counting = counting
        self._policy = policy
        self._pseudonym = pseudonym
        self._clock = clock
        self._recent: dict[str, tuple[float, list[AccountAction]]] = {}
        self._plans: dict[str, CountPlan] = {}

    def key(self, account: str) -> str:
        found = self._pseudonym(account)
        assert found is not None
        return found

    # -- counting on the decision path ------------------------------------------------

    def observe(
        self,
        *,
        event: str,
        sender: str,
        recipients: Sequence[str],
        link: str,
        platform: str | None,
    ) -> tuple[Counts, AccountAction | None]:
        """Count one share; act on the sender if it crosses a threshold."""
        policy = self._policy()
        params = policy.enforcement
        plan = self._plan(policy)
        if not plan:
            return Counts(), None
        now = self._clock()
        sender_key = self.key(sender)
        targets = tuple(self.key(r) for r in recipients)
        share = make_share(event, sender_key, targets, link, platform, now.timestamp())
        counts = self.counting.observe(share, plan)
        if not params.thresholds:
            return counts, None
        why = trigger(params, counts)
        if why is None:  # the common case: no threshold crossed, the sender's history unread
            return counts, None
        try:
            found = next_action(params, self._prior(sender_key, now), now, why)
            if found is None:
                return counts, None
            return counts, self._act(sender_key, found, params, by="linkgate")
        except STORE_ERRORS as exc:
            # The decision goes on from the snapshot; a crossing that could not be recorded
            # is seen again on the sender's next share once the store is back.
            log.warning("sender history unavailable, no action recorded: %s", exc)
            return counts, None

    def _plan(self, policy: Policy) -> CountPlan:
        held = self._plans.get(policy.revision)
        if held is None:
            forward_windows = sorted({f.window for f in policy.forward_limits})
            held = CountPlan.of(policy.enforcement.wants, forward_windows)
            self._plans = {policy.revision: held}
        return held

    def _prior(self, key: str, now: datetime) -> list[Any]:
        held = self._recent.get(key)
        if held is not None and held[0] > time.monotonic():
            return [a.prior() for a in held[1]]
        try:
            actions = self.store.for_account(key)
        except STORE_ERRORS:
            if held is None:
                raise
            return [a.prior() for a in held[1]]  # the last read, while the store is away
        if len(self._recent) > 100_000:
            self._recent.clear()
        self._recent[key] = (time.monotonic() + 10.0, actions)
        return [a.prior() for a in actions]

    def _act(
        self, key: str, found: Verdict, params: SpamParams, *, by: str
    ) -> AccountAction | None:
        now = self._clock()
        with write_transaction(self.casework.engine, LOCK) as conn:
            earlier = self.store.for_account(key, conn)
            why = Trigger(found.reason, found.evidence)
            again = next_action(params, [a.prior() for a in earlier], now, why)
            if again is None:
                self._recent.pop(key, None)
                return None  # another replica acted first (cooldown)
            action = self.store.add(
                conn,
                {
                    "id": new_id("act"),
                    "account_hash": key,
                    "action": again.action,
                    "rung": again.rung,
                    "reason": found.reason,
                    "evidence": dict(found.evidence),
                    "created_at": now,
                    "created_by": by,
                    "expires_at": again.expires_at,
                    "lifted_at": None,
                    "lifted_by": None,
                    "lift_reason": None,
                },
            )
            self.casework.audit(
                conn,
                by,
                f"account.{again.action}",
                f"account:{key}",
                {
                    "action_id": action.id,
                    "reason": found.reason,
                    "evidence": dict(found.evidence),
                    "expires_at": again.expires_at.isoformat() if again.expires_at else None,
                },
            )
        self._recent.pop(key, None)
        self.casework.changed()
        return action

    def after_upheld(self, urls: Sequence[str]) -> list[AccountAction]:
        """Act on senders of links whose reports were just upheld (if over the threshold)."""
        params = self._policy().enforcement
        if not params.upheld_reports or not urls:
            return []
        with self.casework.engine.connect() as conn:
            senders = (
                conn.execute(
                    select(DecisionEventRow.sender_hash)
                    .where(
                        DecisionEventRow.url.in_(list(urls)),
                        DecisionEventRow.kind == "share",
                        DecisionEventRow.sender_hash.is_not(None),
                    )
                    .distinct()
                )
                .scalars()
                .all()
            )
        done: list[AccountAction] = []
        now = self._clock()
        for sender in senders:
            if sender is None:
                continue
            with self.casework.engine.connect() as conn:
                shared = (
                    select(DecisionEventRow.url)
                    .where(DecisionEventRow.sender_hash == sender, DecisionEventRow.kind == "share")
                    .distinct()
                )
                upheld = conn.execute(
                    select(ReportRow.id).where(
                        ReportRow.status == "upheld", ReportRow.url.in_(shared)
                    )
                ).all()
            found = verdict(
                params, Counts(), self._prior(sender, now), now, upheld_reports=len(upheld)
            )
            if found is not None:
                action = self._act(sender, found, params, by="linkgate")
                if action is not None:
                    done.append(action)
        return done

    # -- operators and appeals ----------------------------------------------------------

    def actions(self, account: str) -> list[AccountAction]:
        return self.store.for_account(self.key(account))

    def sender_table(self, at: datetime | None = None) -> SenderTable:
        when = at or self._clock()
        return SenderTable((a.state() for a in self.store.active(when)), key=self._pseudonym)

    def lift(self, account: str, action_id: str, *, by: str, reason: str) -> AccountAction:
        return self.lift_key(self.key(account), action_id, by=by, reason=reason)

    def lift_key(self, key: str, action_id: str, *, by: str, reason: str) -> AccountAction:
        """Lift an action on the account whose pseudonym is ``key`` (as lists show it)."""
        now = self._clock()
        with write_transaction(self.casework.engine, LOCK) as conn:
            action = self.store.get(action_id, conn)
            if action is None or action.account_hash != key:
                raise CaseError(404, f"no action {action_id} on this account")
            if not self.store.lift(conn, action_id, at=now, by=by, reason=reason):
                raise CaseError(409, f"action {action_id} is already lifted")
            self.casework.audit(
                conn,
                by,
                "account.lift",
                f"account:{key}",
                {"action_id": action_id, "reason": reason},
            )
            lifted = self.store.get(action_id, conn)
            assert lifted is not None
        self._recent.pop(key, None)
        self.casework.changed()
        return lifted

    def file_appeal(self, account: str, *, action_id: str | None, reason: str, by: str) -> Appeal:
        """The account appeals an action (its latest active one when none is named)."""
        key = self.key(account)
        now = self._clock()
        actions = self.store.for_account(key)
        if action_id is None:
            active = [a for a in actions if a.active(now)]
            if not active:
                raise CaseError(404, "this account has no active action to appeal")
            target = active[-1]
        else:
            found = next((a for a in actions if a.id == action_id), None)
            if found is None:
                raise CaseError(404, f"no action {action_id} on this account", field="action_id")
            target = found
        if not reason.strip():
            raise RequestError("reason", "say why the action was wrong")
        return self.casework.file_account_appeal(key, target.id, reason=reason, by=by)
