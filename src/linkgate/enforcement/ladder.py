"""Which block an upheld violation earns: the narrowest scope, the next rung, evasion.

Published practice for violating links: the first time, the link is blocked
until it is fixed and appealed; then blocks of 12 hours, 1 day, 1 week.
Evasion — flipping a page back after it was unblocked, or rotating domains
to serve the same thing — is a separate, harsher offence.

Scope follows the evidence, narrowest first: one URL; a path prefix once
several distinct URLs under it are upheld; a whole domain only for domains
that belong to no registered platform and only after repeated *severe*
violations. A platform as a whole is never blocked from here: that is the
credit band's job, and it needs evidence across many links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

PlanScope = Literal["url", "path", "domain"]


@dataclass(frozen=True, slots=True)
class LadderParams:
    """The policy's ``violations:`` section."""

    rungs: tuple[timedelta | None, ...] = (
        None,
        timedelta(hours=12),
        timedelta(days=1),
        timedelta(days=7),
    )
    lookback_days: int = 180
    path_min_urls: int = 3
    domain_min_urls: int = 3
    domain_min_severity: float = 5.0
    evasion: timedelta | None = timedelta(days=365)
    flip_window_days: int = 30


@dataclass(frozen=True, slots=True)
class Violation:
    """An upheld violation, as the ladder sees it."""

    at: datetime
    url: str
    host: str
    path: str
    domain: str
    severity: float
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class Lifted:
    """A block that was lifted (appeal granted, expired, lifted by an operator)."""

    scope: str
    target: str
    lifted_at: datetime


@dataclass(frozen=True, slots=True)
class BlockPlan:
    scope: PlanScope
    target: str
    duration: timedelta | None
    rung: int
    evasion: bool
    why: str

    def expires_at(self, now: datetime) -> datetime | None:
        return now + self.duration if self.duration is not None else None


def path_prefix(host: str, path: str) -> str | None:
    """``host/first-segment/`` for a path with at least one directory, else None."""
    parts = path.split("/")
    if len(parts) < 3 or not parts[1]:
        return None
    return f"{host}/{parts[1]}/"


def fingerprint(path: str) -> str | None:
    """What stays the same when a page moves to another domain: a non-trivial path."""
    bare = path.split("?", 1)[0].rstrip("/")
    return bare if len(bare) >= 4 else None


def _describe(duration: timedelta | None) -> str:
    if duration is None:
        return "until fixed and appealed"
    hours = duration.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 24 else f"{hours:g} hours"


def plan(
    violation: Violation,
    history: Sequence[Violation],
    lifted: Sequence[Lifted],
    params: LadderParams,
) -> BlockPlan:
    """The block for ``violation`` given earlier violations and lifted blocks.

    ``history`` holds earlier upheld violations (any domain; the function
    filters); ``lifted`` the blocks lifted so far.
    """
    since = violation.at - timedelta(days=params.lookback_days)
    recent = [v for v in history if since <= v.at < violation.at]
    same_domain = [v for v in recent if v.domain == violation.domain]
    rung = min(len(same_domain), len(params.rungs) - 1)

    scope: PlanScope = "url"
    target = violation.url
    why = "one URL upheld"
    prefix = path_prefix(violation.host, violation.path)
    if prefix is not None:
        urls = {v.url for v in same_domain if path_prefix(v.host, v.path) == prefix}
        urls.add(violation.url)
        if len(urls) >= params.path_min_urls:
            scope, target = "path", prefix
            why = f"{len(urls)} distinct URLs upheld under {prefix}"
    if violation.platform is None:
        severe = {v.url for v in same_domain if v.severity >= params.domain_min_severity}
        if violation.severity >= params.domain_min_severity:
            severe.add(violation.url)
        if len(severe) >= params.domain_min_urls:
            scope, target = "domain", violation.domain
            why = f"{len(severe)} distinct URLs on {violation.domain} upheld for severe violations"

    flip_since = violation.at - timedelta(days=params.flip_window_days)
    flipped = next(
        (
            lift
            for lift in lifted
            if flip_since <= lift.lifted_at <= violation.at and _covers(lift, violation)
        ),
        None,
    )
    mark = fingerprint(violation.path)
    rotated = (
        next(
            (v for v in recent if v.domain != violation.domain and fingerprint(v.path) == mark),
            None,
        )
        if mark is not None
        else None
    )
    if flipped is not None or rotated is not None:
        if violation.platform is None:
            scope, target = "domain", violation.domain
        detail = (
            f"violating again within {params.flip_window_days} days of the {flipped.scope} "
            f"block on {flipped.target} being lifted"
            if flipped is not None
            else f"the same page ({mark}) was upheld on {rotated.domain}"  # type: ignore[union-attr]
        )
        return BlockPlan(
            scope=scope,
            target=target,
            duration=params.evasion,
            rung=len(params.rungs),
            evasion=True,
            why=f"evasion: {detail}; {_describe(params.evasion)}",
        )
    duration = params.rungs[rung]
    ordinal = rung + 1
    return BlockPlan(
        scope=scope,
        target=target,
        duration=duration,
        rung=ordinal,
        evasion=False,
        why=f"violation {ordinal} on {violation.domain} in {params.lookback_days} days "
        f"({why}): blocked {_describe(duration)}",
    )


def _covers(lift: Lifted, violation: Violation) -> bool:
    if lift.scope == "url":
        return lift.target == violation.url
    if lift.scope == "path":
        return f"{violation.host}{violation.path}".startswith(lift.target)
    if lift.scope == "domain":
        host = violation.host
        return host == lift.target or host.endswith("." + lift.target)
    return False
