"""Load a policy from YAML, validate it, and report every error at once with its location.

A policy file names a preset (``open``, ``selective`` or ``compromise``)
whose tier baselines it starts from and may override. Every mistake in the
file (and its preset) is recorded with ``file:line:column`` and what was
expected; one :class:`~linkgate.datafile.DataFileError` carries them all.
The revision of a valid policy is a content hash of the files it was built
from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from linkgate import datafile
from linkgate.credit.score import CreditParams
from linkgate.datafile import DataFileError, Node, Problem, Problems
from linkgate.enforcement.ladder import LadderParams
from linkgate.enforcement.senders import SENDER_ACTIONS
from linkgate.enforcement.spam import MEASURES, Rung, SpamParams, Threshold
from linkgate.policy.model import (
    DEFAULT_CONTINUE_RATES,
    CategoryEffects,
    ChannelRule,
    CreditBand,
    Effect,
    ForwardLimit,
    Funnel,
    GroupPolicy,
    Phase,
    PlatformSelector,
    Policy,
    RampStep,
    ReportPolicy,
    Rollout,
    TierBaseline,
    ViolationPolicy,
)
from linkgate.reports.weighting import WeightParams
from linkgate.vocabulary import (
    CAPABILITIES,
    CHANNELS,
    GROUP_SETTINGS,
    INTERSTITIALS,
    LINK_KINDS,
    POLICY_PATHS,
    REPORT_CATEGORIES,
    TIERS,
    TREATMENTS,
)

T = TypeVar("T")

DECEPTION_SIGNALS = (
    "userinfo",
    "ip_host",
    "private_ip",
    "dangerous_scheme",
    "invisible_chars",
    "mixed_script",
    "confusable",
    "platform_in_subdomain",
    "embedded_url",
    "parser_differential",
    "too_long",
)
CONTENT_CATEGORIES = (
    "induced_sharing",
    "fake_red_envelope",
    "induced_download",
    "induced_follow",
    "rumor",
    "gambling",
    "privacy",
    "vulgar",
)
EFFECT_KEYS = ("treatment", "interstitial", "remove_capabilities", "reason")
TIER_KEYS = ("treatment", "fallback", "interstitial", "reason", "capabilities", "limits")
PHASE_KEYS = (
    "end",
    "link_kinds",
    "percent",
    "ramp",
    "connects",
    "effect",
    "bounds",
    "description",
)
MAX_MINI_PROGRAM_DAYS = 30


def default_policy_path() -> Path:
    return Path(str(resources.files("linkgate") / "data" / "policies" / "default.yaml"))


def preset_path(name: str) -> Path:
    return Path(str(resources.files("linkgate") / "data" / "presets" / f"{name}.yaml"))


def _opt(fields: dict[str, Node], key: str, check: Callable[[Node], T | None]) -> T | None:
    """Check an optional key; ``None`` both when absent and when invalid (then recorded)."""
    node = fields.get(key)
    return check(node) if node is not None else None


def _time(node: Node) -> datetime | None:
    value = node.value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            node.problem(f"{node.value!r} is not a time", "ISO 8601 with a UTC offset")
            return None
    if not isinstance(value, datetime):
        node.problem("is not a time", "ISO 8601 with a UTC offset, e.g. 2021-09-17T00:00:00+08:00")
        return None
    if value.tzinfo is None:
        node.problem("has no UTC offset", "e.g. 2021-09-17T00:00:00+08:00")
        return None
    return value


def _choices(node: Node, options: Sequence[str]) -> frozenset[str] | None:
    values = node.strings(choices=options)
    return frozenset(values) if values is not None else None


def _effect(node: Node, *, extra: Sequence[str] = ()) -> Effect | None:
    fields = node.mapping(optional=(*EFFECT_KEYS, *extra))
    if fields is None:
        return None
    ok = True
    treatment = _opt(fields, "treatment", lambda n: n.choice(TREATMENTS))
    ok = ok and ("treatment" not in fields or treatment is not None)
    interstitial = _opt(fields, "interstitial", lambda n: n.choice(("none", "warn")))
    ok = ok and ("interstitial" not in fields or interstitial is not None)
    remove = _opt(fields, "remove_capabilities", lambda n: _choices(n, CAPABILITIES))
    ok = ok and ("remove_capabilities" not in fields or remove is not None)
    reason = _opt(fields, "reason", lambda n: n.string())
    ok = ok and ("reason" not in fields or reason is not None)
    if not ok:
        return None
    return Effect(
        treatment=treatment,  # type: ignore[arg-type]
        warn=interstitial == "warn",
        remove=remove or frozenset(),
        reason=reason,
        source=node.where,
    )


# -- tiers --------------------------------------------------------------------


def _collect_tiers(node: Node, into: dict[str, dict[str, Node]]) -> None:
    """Gather tier keys (the preset's first, then the policy's overrides) by tier."""
    fields = node.mapping(optional=TIERS)
    for tier, spec in (fields or {}).items():
        keys = spec.mapping(optional=(*TIER_KEYS, "channels"))
        if keys is not None:
            into.setdefault(tier, {}).update(keys)


def _limits(node: Node) -> dict[str, dict[str, Any]] | None:
    fields = node.mapping(optional=("open_app", "payment"))
    if fields is None:
        return None
    out: dict[str, dict[str, Any]] = {}
    ok = True
    if "open_app" in fields:
        sub = fields["open_app"].mapping(required=("daily_cap",))
        cap = (
            sub["daily_cap"].integer(minimum=0, maximum=10_000)
            if sub and "daily_cap" in sub
            else None
        )
        ok = ok and cap is not None
        out["open_app"] = {"daily_cap": cap}
    if "payment" in fields:
        sub = fields["payment"].mapping(required=("provider",))
        provider = sub["provider"].choice(("host", "any")) if sub and "provider" in sub else None
        ok = ok and provider is not None
        out["payment"] = {"provider": provider}
    return out if ok else None


def _baseline(tier: str, spec: dict[str, Node], anchor: Node) -> TierBaseline | None:
    if "treatment" not in spec:
        anchor.problem(f"tier {tier!r} has no treatment", "treatment: " + " | ".join(TREATMENTS))
        return None
    treatment = spec["treatment"].choice(TREATMENTS)
    fallback = _opt(spec, "fallback", lambda n: n.choice(TREATMENTS[1:]))
    interstitial = _opt(spec, "interstitial", lambda n: n.choice(("none", "warn")))
    reason = _opt(spec, "reason", lambda n: n.string())
    capabilities = _opt(spec, "capabilities", lambda n: _choices(n, CAPABILITIES))
    limits = _opt(spec, "limits", _limits)
    failed = [
        k
        for k, v in (
            ("fallback", fallback),
            ("interstitial", interstitial),
            ("reason", reason),
            ("capabilities", capabilities),
            ("limits", limits),
        )
        if k in spec and v is None
    ]
    if treatment is None or failed:
        return None
    return TierBaseline(
        tier=tier,
        treatment=treatment,  # type: ignore[arg-type]
        fallback=fallback or "rich_page",  # type: ignore[arg-type]
        warn=interstitial == "warn",
        reason=reason,
        capabilities=capabilities or frozenset(),
        limits=limits or {},
        source=spec["treatment"].where,
    )


def _tiers(
    specs: dict[str, dict[str, Node]], anchor: Node
) -> dict[tuple[str, str], TierBaseline] | None:
    out: dict[tuple[str, str], TierBaseline] = {}
    ok = True
    for tier in TIERS:
        spec = specs.get(tier)
        if spec is None:
            anchor.problem(f"no baseline for tier {tier!r}", "tiers." + tier)
            ok = False
            continue
        base = _baseline(tier, spec, anchor)
        ok = ok and base is not None
        overrides: dict[str, Node] = {}
        if "channels" in spec:
            overrides = spec["channels"].mapping(optional=CHANNELS) or {}
        for channel in CHANNELS:
            if channel in overrides:
                keys = overrides[channel].mapping(optional=TIER_KEYS)
                specific = _baseline(tier, {**spec, **(keys or {})}, overrides[channel])
                if specific is None:
                    ok = False
                    continue
                out[(tier, channel)] = specific
            elif base is not None:
                out[(tier, channel)] = base
    return out if ok else None


# -- rollout ------------------------------------------------------------------


def _selector(node: Node) -> PlatformSelector | None:
    fields = node.mapping(optional=("tiers", "ids", "max_rank"))
    if fields is None:
        return None
    if not fields:
        node.problem("selects no platform", "tiers, ids or max_rank")
        return None
    tiers = _opt(fields, "tiers", lambda n: _choices(n, TIERS))
    ids = _opt(fields, "ids", lambda n: n.strings())
    rank = _opt(fields, "max_rank", lambda n: n.integer(minimum=1))
    if any(
        k in fields and v is None for k, v in (("tiers", tiers), ("ids", ids), ("max_rank", rank))
    ):
        return None
    return PlatformSelector(tiers or frozenset(), frozenset(ids or ()), rank)


def _ramp(node: Node, start: datetime | None) -> tuple[RampStep, ...] | None:
    items = node.sequence()
    if items is None:
        return None
    steps: list[RampStep] = []
    ok = True
    for item in items:
        fields = item.mapping(required=("at", "percent"))
        if fields is None or len(fields) < 2:
            ok = False
            continue
        at = _time(fields["at"])
        percent = fields["percent"].number(minimum=0, maximum=100)
        if at is None or percent is None:
            ok = False
            continue
        if start is not None and at < start:
            fields["at"].problem("ramp step before the phase starts")
            ok = False
        if steps and at <= steps[-1].at:
            fields["at"].problem("ramp steps must be in time order")
            ok = False
        steps.append(RampStep(at, percent))
    return tuple(steps) if ok else None


def _bounds(node: Node) -> dict[str, float] | None:
    fields = node.mapping(optional=("complaint_rate", "block_rate"))
    if fields is None:
        return None
    out = {k: v.number(minimum=0, maximum=1) for k, v in fields.items()}
    if any(v is None for v in out.values()):
        return None
    return {k: v for k, v in out.items() if v is not None}


def _phase(node: Node) -> Phase | None:
    fields = node.mapping(required=("id", "start", "platforms", "channels"), optional=PHASE_KEYS)
    if fields is None or not {"id", "start", "platforms", "channels"} <= fields.keys():
        return None
    pid = fields["id"].string()
    start = _time(fields["start"])
    platforms = _selector(fields["platforms"])
    channels = _choices(fields["channels"], CHANNELS)
    end = _opt(fields, "end", _time)
    kinds = _opt(fields, "link_kinds", lambda n: _choices(n, LINK_KINDS))
    percent = _opt(fields, "percent", lambda n: n.number(minimum=0, maximum=100))
    ramp = _opt(fields, "ramp", lambda n: _ramp(n, start))
    connects = _opt(fields, "connects", lambda n: _choices(n, CAPABILITIES))
    effect = _opt(fields, "effect", _effect)
    bounds = _opt(fields, "bounds", _bounds)
    optional = {
        "end": end,
        "link_kinds": kinds,
        "percent": percent,
        "ramp": ramp,
        "connects": connects,
        "effect": effect,
        "bounds": bounds,
    }
    if any(k in fields and v is None for k, v in optional.items()):
        return None
    if start is not None and end is not None and end <= start:
        fields["end"].problem("the phase ends before it starts")
        return None
    if pid is None or start is None or platforms is None or channels is None:
        return None
    return Phase(
        id=pid,
        start=start,
        end=end,
        platforms=platforms,
        channels=channels,
        link_kinds=kinds,
        percent=100.0 if percent is None else percent,
        ramp=ramp or (),
        connects=connects or frozenset(),
        effect=effect,
        bounds=bounds or {},
        source=node.where,
    )


def _rollout(node: Node) -> Rollout | None:
    fields = node.mapping(required=("closed", "phases"), optional=("gated_capabilities", "safety"))
    if fields is None or not {"closed", "phases"} <= fields.keys():
        return None
    min_shares = 200
    if "safety" in fields:
        safety = fields["safety"].mapping(required=("min_shares",))
        found = (
            safety["min_shares"].integer(minimum=1)
            if safety is not None and "min_shares" in safety
            else None
        )
        if found is None:
            return None
        min_shares = found
    closed = _effect(fields["closed"])
    if closed is not None and closed.treatment is None:
        fields["closed"].problem("names no treatment", "treatment: copy_only (or another)")
        closed = None
    gated = _opt(fields, "gated_capabilities", lambda n: _choices(n, CAPABILITIES))
    phases = fields["phases"].each(_phase)
    seen: set[str] = set()
    for i, phase in enumerate(phases or []):
        if phase.id in seen:
            fields["phases"].child(i).child("id").problem(f"duplicate phase id {phase.id!r}")
            phases = None
            break
        seen.add(phase.id)
    if closed is None or phases is None or ("gated_capabilities" in fields and gated is None):
        return None
    return Rollout(
        closed=closed,
        gated_capabilities=gated or frozenset(),
        phases=tuple(phases),
        safety_min_shares=min_shares,
    )


# -- other sections -----------------------------------------------------------


def _channel_rule(node: Node) -> ChannelRule | None:
    fields = node.mapping(
        required=("id", "channels", "effect"),
        optional=("link_kinds", "tiers", "platforms", "description"),
    )
    if fields is None or not {"id", "channels", "effect"} <= fields.keys():
        return None
    rid = fields["id"].string()
    channels = _choices(fields["channels"], CHANNELS)
    effect = _effect(fields["effect"])
    kinds = _opt(fields, "link_kinds", lambda n: _choices(n, LINK_KINDS))
    tiers = _opt(fields, "tiers", lambda n: _choices(n, TIERS))
    platforms = _opt(fields, "platforms", lambda n: n.strings())
    if any(
        k in fields and v is None
        for k, v in (("link_kinds", kinds), ("tiers", tiers), ("platforms", platforms))
    ):
        return None
    if rid is None or channels is None or effect is None:
        return None
    return ChannelRule(
        rid,
        channels,
        kinds,
        tiers,
        frozenset(platforms) if platforms is not None else None,
        effect,
        node.where,
    )


def _channel_rules(node: Node) -> tuple[ChannelRule, ...] | None:
    rules = node.each(_channel_rule)
    if rules is None:
        return None
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.id in seen:
            node.child(i).child("id").problem(f"duplicate rule id {rule.id!r}")
            return None
        seen.add(rule.id)
    return tuple(rules)


def _effects(node: Node, names: Sequence[str] | None) -> dict[str, Effect] | None:
    fields = node.mapping(optional=names or (), any_keys=names is None)
    if fields is None:
        return None
    out = {name: _effect(value) for name, value in fields.items()}
    if any(e is None for e in out.values()):
        return None
    return {k: v for k, v in out.items() if v is not None}


def _category_effects(
    node: Node, key: str, names: Sequence[str] | None, *, min_score: bool = False
) -> CategoryEffects | None:
    fields = node.mapping(optional=("default", key, *(("min_score",) if min_score else ())))
    if fields is None:
        return None
    default = _opt(fields, "default", _effect)
    effects = _opt(fields, key, lambda n: _effects(n, names))
    score = _opt(fields, "min_score", lambda n: n.number(minimum=0, maximum=1))
    if any(
        k in fields and v is None
        for k, v in (("default", default), (key, effects), ("min_score", score))
    ):
        return None
    return CategoryEffects(default, effects or {}, 0.5 if score is None else score)


def _groups(node: Node) -> GroupPolicy | None:
    fields = node.mapping(
        required=("denied", "settings", "viewer_opt_out"), optional=("external_tiers",)
    )
    if fields is None or not {"denied", "settings", "viewer_opt_out"} <= fields.keys():
        return None
    tiers = _opt(fields, "external_tiers", lambda n: _choices(n, TIERS))
    denied = _effect(fields["denied"])
    opt_out = _effect(fields["viewer_opt_out"])
    settings = fields["settings"].mapping(required=GROUP_SETTINGS)
    allowed: dict[str, frozenset[str] | None] = {}
    ok = settings is not None and len(settings) == len(GROUP_SETTINGS)
    for name, value in (settings or {}).items():
        sub = value.mapping(optional=("allowed_kinds",))
        if sub is None:
            ok = False
            continue
        kinds = _opt(sub, "allowed_kinds", lambda n: _choices(n, LINK_KINDS))
        if "allowed_kinds" in sub and kinds is None:
            ok = False
        allowed[name] = kinds
    if ("external_tiers" in fields and tiers is None) or denied is None or opt_out is None:
        return None
    if not ok:
        return None
    if tiers is None:
        tiers = frozenset(t for t in TIERS if t != "first_party")
    return GroupPolicy(tiers, denied, allowed, opt_out, node.where)


def _band(node: Node) -> CreditBand | None:
    fields = node.mapping(required=("id", "min"), optional=EFFECT_KEYS)
    if fields is None or not {"id", "min"} <= fields.keys():
        return None
    bid = fields["id"].string()
    low = fields["min"].number(minimum=0, maximum=1000)
    effect = _effect(node, extra=("id", "min"))
    if bid is None or low is None or effect is None:
        return None
    return CreditBand(bid, low, effect)


CREDIT_KEYS = (
    "start",
    "points_per_rate",
    "confidence_z",
    "window_days",
    "prior_shares",
    "recovery",
    "min_links_for_platform",
)


def _credit(node: Node) -> tuple[tuple[CreditBand, ...], CreditParams] | None:
    fields = node.mapping(required=("bands",), optional=CREDIT_KEYS)
    if fields is None or "bands" not in fields:
        return None
    bands = fields["bands"].each(_band)
    d = CreditParams()
    start = _opt(fields, "start", lambda n: n.number(minimum=1, maximum=1000))
    slope = _opt(fields, "points_per_rate", lambda n: n.number(minimum=0))
    z = _opt(fields, "confidence_z", lambda n: n.number(minimum=0, maximum=10))
    window = _opt(fields, "window_days", lambda n: n.integer(minimum=1, maximum=3650))
    prior = _opt(fields, "prior_shares", lambda n: n.integer(minimum=0))
    links = _opt(fields, "min_links_for_platform", lambda n: n.integer(minimum=1))
    recovery = _opt(fields, "recovery", _recovery)
    parsed = {
        "start": start,
        "points_per_rate": slope,
        "confidence_z": z,
        "window_days": window,
        "prior_shares": prior,
        "min_links_for_platform": links,
        "recovery": recovery,
    }
    if bands is None or any(k in fields and v is None for k, v in parsed.items()):
        return None
    if bands and min(b.min for b in bands) > 0:
        fields["bands"].problem("no band covers a score of 0", "a band with min: 0")
        return None
    params = CreditParams(
        start=d.start if start is None else start,
        points_per_rate=d.points_per_rate if slope is None else slope,
        z=d.z if z is None else z,
        window_days=d.window_days if window is None else window,
        prior_shares=d.prior_shares if prior is None else prior,
        recovery_points=d.recovery_points if recovery is None else recovery[0],
        recovery_days=d.recovery_days if recovery is None else recovery[1],
        min_links=d.min_links if links is None else links,
    )
    return tuple(bands), params


def _recovery(node: Node) -> tuple[float, float] | None:
    fields = node.mapping(required=("points", "days"))
    if fields is None or not {"points", "days"} <= fields.keys():
        return None
    points = fields["points"].number(minimum=0)
    days = fields["days"].number(minimum=0.001)
    if points is None or days is None:
        return None
    return points, days


_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86_400, "w": 604_800}


MAX_DURATION_SECONDS = 3650 * 86_400
"""The longest duration a policy may name (ten years)."""


def _duration(node: Node, *, none_word: str | None = None) -> tuple[timedelta | None] | None:
    """``12h``, ``1d``, ``7d``, ``30m``, ``2w``, or ``none_word`` (no expiry): a 1-tuple."""
    text = node.string()
    if text is None:
        return None
    if none_word is not None and text == none_word:
        return (None,)
    unit = _DURATION_UNITS.get(text[-1:])
    number = text[:-1]
    # ASCII digits only: str.isdigit() also admits superscripts int() refuses.
    if unit is None or not (number.isascii() and number.isdigit()) or int(number) == 0:
        node.problem(
            f"{text!r} is not a duration",
            "like 30m, 12h, 1d, 2w" + (f", or {none_word}" if none_word else ""),
        )
        return None
    if len(number) > 12 or int(number) * unit > MAX_DURATION_SECONDS:
        node.problem(f"{text!r} is out of range", f"at most {MAX_DURATION_SECONDS // 86_400}d")
        return None
    return (timedelta(seconds=int(number) * unit),)


VIOLATION_KEYS = (
    "ladder",
    "lookback_days",
    "path_min_urls",
    "domain_min_urls",
    "domain_min_severity",
    "evasion",
    "flip_window_days",
    "effect",
)


def _violations(node: Node) -> ViolationPolicy | None:
    fields = node.mapping(optional=VIOLATION_KEYS)
    if fields is None:
        return None
    d = LadderParams()
    ladder: list[timedelta | None] | None = None
    if "ladder" in fields:
        items = fields["ladder"].sequence(min_items=1)
        if items is not None:
            steps = [_duration(n, none_word="until_appeal") for n in items]
            ladder = [step[0] for step in steps if step is not None]
            if len(ladder) != len(steps):
                ladder = None
    lookback = _opt(fields, "lookback_days", lambda n: n.integer(minimum=1, maximum=3650))
    path_min = _opt(fields, "path_min_urls", lambda n: n.integer(minimum=1))
    domain_min = _opt(fields, "domain_min_urls", lambda n: n.integer(minimum=1))
    severity = _opt(fields, "domain_min_severity", lambda n: n.number(minimum=0))
    evasion = _opt(fields, "evasion", lambda n: _duration(n, none_word="permanent"))
    flip = _opt(fields, "flip_window_days", lambda n: n.integer(minimum=0, maximum=3650))
    effect = _opt(fields, "effect", _effect)
    parsed = {
        "ladder": ladder,
        "lookback_days": lookback,
        "path_min_urls": path_min,
        "domain_min_urls": domain_min,
        "domain_min_severity": severity,
        "evasion": evasion,
        "flip_window_days": flip,
        "effect": effect,
    }
    if any(k in fields and v is None for k, v in parsed.items()):
        return None
    if effect is not None and effect.treatment is None:
        fields["effect"].problem("names no treatment", "treatment: blocked (or copy_only)")
        return None
    params = LadderParams(
        rungs=tuple(ladder) if ladder is not None else d.rungs,
        lookback_days=d.lookback_days if lookback is None else lookback,
        path_min_urls=d.path_min_urls if path_min is None else path_min,
        domain_min_urls=d.domain_min_urls if domain_min is None else domain_min,
        domain_min_severity=d.domain_min_severity if severity is None else severity,
        evasion=d.evasion if evasion is None else evasion[0],
        flip_window_days=d.flip_window_days if flip is None else flip,
    )
    return ViolationPolicy(
        ladder=params, effect=effect or Effect(treatment="blocked"), source=node.where
    )


def _threshold(node: Node) -> Threshold | None:
    fields = node.mapping(required=("id", "measure", "window", "limit"))
    if fields is None or not {"id", "measure", "window", "limit"} <= fields.keys():
        return None
    tid = fields["id"].string()
    measure = fields["measure"].choice(MEASURES)
    window = _duration(fields["window"])
    limit = fields["limit"].integer(minimum=1)
    if tid is None or measure is None or window is None or window[0] is None or limit is None:
        return None
    return Threshold(tid, measure, window[0], limit, node.where)  # type: ignore[arg-type]


def _rung(node: Node) -> Rung | None:
    fields = node.mapping(required=("action",), optional=("duration",))
    if fields is None or "action" not in fields:
        return None
    action = fields["action"].choice(SENDER_ACTIONS)
    duration = _opt(fields, "duration", lambda n: _duration(n, none_word="permanent"))
    if action is None or ("duration" in fields and duration is None):
        return None
    if action in ("restrict_links", "ban") and (duration is None or duration[0] is None):
        node.problem(f"{action} needs a duration", "duration: 24h (or 7d, 30d …)")
        return None
    return Rung(action, duration[0] if duration is not None else None)  # type: ignore[arg-type]


ENFORCEMENT_KEYS = ("thresholds", "ladder", "cooldown", "lookback_days", "upheld_reports")


def _enforcement(node: Node) -> SpamParams | None:
    fields = node.mapping(optional=ENFORCEMENT_KEYS)
    if fields is None:
        return None
    d = SpamParams()
    thresholds = _opt(fields, "thresholds", lambda n: n.each(_threshold))
    ladder = _opt(fields, "ladder", lambda n: n.each(_rung))
    cooldown = _opt(fields, "cooldown", lambda n: _duration(n, none_word="none"))
    lookback = _opt(fields, "lookback_days", lambda n: n.integer(minimum=1, maximum=3650))
    reports = _opt(fields, "upheld_reports", lambda n: n.integer(minimum=0))
    parsed = {
        "thresholds": thresholds,
        "ladder": ladder,
        "cooldown": cooldown,
        "lookback_days": lookback,
        "upheld_reports": reports,
    }
    if any(k in fields and v is None for k, v in parsed.items()):
        return None
    if ladder is not None and not ladder:
        fields["ladder"].problem("the ladder is empty", "at least one action")
        return None
    seen: set[str] = set()
    for i, t in enumerate(thresholds or []):
        if t.id in seen:
            fields["thresholds"].child(i).child("id").problem(f"duplicate threshold id {t.id!r}")
            return None
        seen.add(t.id)
    return SpamParams(
        thresholds=tuple(thresholds or ()),
        ladder=tuple(ladder) if ladder else d.ladder,
        cooldown=(cooldown[0] or timedelta(0)) if cooldown is not None else d.cooldown,
        lookback=timedelta(days=lookback) if lookback is not None else d.lookback,
        upheld_reports=d.upheld_reports if reports is None else reports,
    )


def _forward_limit(node: Node) -> ForwardLimit | None:
    fields = node.mapping(required=("id", "window", "max_forwards", "channels", "effect"))
    if fields is None or len(fields) < 5:
        return None
    fid = fields["id"].string()
    window = _duration(fields["window"])
    most = fields["max_forwards"].integer(minimum=1)
    channels = _choices(fields["channels"], CHANNELS)
    effect = _effect(fields["effect"])
    if fid is None or window is None or window[0] is None or most is None:
        return None
    if channels is None or effect is None:
        return None
    if effect.treatment is None:
        fields["effect"].problem("names no treatment", "treatment: copy_only (or blocked)")
        return None
    return ForwardLimit(fid, window[0], most, channels, effect, node.where)


REPORT_KEYS = ("restrict_weight", "restrict", "severity", "weighting", "rate_limit", "appeals")
WEIGHTING_KEYS = (
    "new_account_days",
    "new_account_factor",
    "burst_minutes",
    "created_together_minutes",
    "accuracy_window_days",
)


def _weighting(node: Node) -> WeightParams | None:
    fields = node.mapping(optional=WEIGHTING_KEYS)
    if fields is None:
        return None
    d = WeightParams()
    values = {
        "new_account_days": _opt(fields, "new_account_days", lambda n: n.number(minimum=0)),
        "new_account_factor": _opt(
            fields, "new_account_factor", lambda n: n.number(minimum=0, maximum=1)
        ),
        "burst_minutes": _opt(fields, "burst_minutes", lambda n: n.number(minimum=0)),
        "created_together_minutes": _opt(
            fields, "created_together_minutes", lambda n: n.number(minimum=0)
        ),
        "accuracy_window_days": _opt(
            fields, "accuracy_window_days", lambda n: n.integer(minimum=1)
        ),
    }
    if any(k in fields and v is None for k, v in values.items()):
        return None
    return WeightParams(
        new_account_days=d.new_account_days
        if values["new_account_days"] is None
        else float(values["new_account_days"]),
        new_account_factor=d.new_account_factor
        if values["new_account_factor"] is None
        else float(values["new_account_factor"]),
        burst_minutes=d.burst_minutes
        if values["burst_minutes"] is None
        else float(values["burst_minutes"]),
        created_together_minutes=d.created_together_minutes
        if values["created_together_minutes"] is None
        else float(values["created_together_minutes"]),
        accuracy_window_days=int(values["accuracy_window_days"] or d.accuracy_window_days),
    )


def _reports(node: Node) -> ReportPolicy | None:
    fields = node.mapping(optional=REPORT_KEYS)
    if fields is None:
        return None
    d = ReportPolicy()
    weight = _opt(fields, "restrict_weight", lambda n: n.number(minimum=0.01))
    restrict = _opt(
        fields, "restrict", lambda n: _category_effects(n, "categories", REPORT_CATEGORIES)
    )
    severity: dict[str, float] | None = None
    if "severity" in fields:
        sev = fields["severity"].mapping(optional=REPORT_CATEGORIES)
        if sev is not None:
            found = {k: v.number(minimum=0, maximum=100) for k, v in sev.items()}
            if all(v is not None for v in found.values()):
                severity = {k: float(v) for k, v in found.items() if v is not None}
    weighting = _opt(fields, "weighting", _weighting)
    per_hour = per_day = None
    if "rate_limit" in fields:
        limit = fields["rate_limit"].mapping(required=("per_hour", "per_day"))
        if limit is not None and {"per_hour", "per_day"} <= limit.keys():
            per_hour = limit["per_hour"].integer(minimum=1)
            per_day = limit["per_day"].integer(minimum=1)
    due: int | None = None
    appeal_limits: dict[str, int | None] = {}
    if "appeals" in fields:
        appeals = fields["appeals"].mapping(
            required=("due_hours",), optional=("per_hour", "per_day")
        )
        if appeals is not None and "due_hours" in appeals:
            due = appeals["due_hours"].integer(minimum=1, maximum=24 * 365)
            appeal_limits = {
                k: appeals[k].integer(minimum=1) for k in ("per_hour", "per_day") if k in appeals
            }
            if any(v is None for v in appeal_limits.values()):
                due = None
    parsed = {
        "restrict_weight": weight,
        "restrict": restrict,
        "severity": severity,
        "weighting": weighting,
        "rate_limit": per_hour if per_day is not None else None,
        "appeals": due,
    }
    if any(k in fields and v is None for k, v in parsed.items()):
        return None
    return ReportPolicy(
        restrict_weight=d.restrict_weight if weight is None else weight,
        restrict=restrict or d.restrict,
        severity=severity if severity is not None else {},
        weighting=weighting or d.weighting,
        per_hour=per_hour or d.per_hour,
        per_day=per_day or d.per_day,
        appeal_due_hours=due or d.appeal_due_hours,
        appeals_per_hour=appeal_limits.get("per_hour") or d.appeals_per_hour,
        appeals_per_day=appeal_limits.get("per_day") or d.appeals_per_day,
        source=node.where,
    )


def _reasons(node: Node) -> dict[str, dict[str, str]] | None:
    fields = node.mapping(any_keys=True)
    if fields is None:
        return None
    out: dict[str, dict[str, str]] = {}
    ok = True
    for code, value in fields.items():
        texts = value.mapping(required=("zh", "en"))
        if texts is None:
            ok = False
            continue
        entry = {lang: text.string() for lang, text in texts.items()}
        if any(t is None for t in entry.values()) or len(entry) < 2:
            ok = False
            continue
        out[code] = {k: v for k, v in entry.items() if v is not None}
    return out if ok else None


def _senders(node: Node) -> CategoryEffects | None:
    effects = _effects(node, SENDER_ACTIONS)
    return CategoryEffects(None, effects) if effects is not None else None


def _mini_program_days(node: Node) -> int | None:
    fields = node.mapping(required=("expiry_days",))
    if fields is None or "expiry_days" not in fields:
        return None
    return fields["expiry_days"].integer(minimum=1, maximum=MAX_MINI_PROGRAM_DAYS)


MAX_CLICKS_PER_SHARE = 1_000_000


def _funnel(node: Node) -> Funnel | None:
    """``simulator.funnel``: continue rates by interstitial, clicks per share by channel.

    Rates are shares (0–1) and may only fall as the interstitial gets harsher
    (none ≥ warn ≥ copy_only ≥ blocked); unset rates keep their defaults.
    """
    fields = node.mapping(optional=("continue", "clicks_per_share"))
    if fields is None:
        return None
    rates = dict(DEFAULT_CONTINUE_RATES)
    ok = True
    if "continue" in fields:
        given = fields["continue"].mapping(optional=INTERSTITIALS)
        if given is None:
            return None
        for state, value in given.items():
            rate = value.number(minimum=0, maximum=1)
            if rate is None:
                ok = False
                continue
            rates[state] = rate
        if ok:
            for better, worse in pairwise(INTERSTITIALS):
                if rates[worse] > rates[better]:
                    where = given.get(worse) or given[better]
                    where.problem(
                        f"continue rate of {worse} ({rates[worse]:g}) is above "
                        f"that of {better} ({rates[better]:g})",
                        "rates that do not rise as the interstitial gets harsher: "
                        "none ≥ warn ≥ copy_only ≥ blocked",
                    )
                    ok = False
    clicks: dict[str, float] = {}
    if "clicks_per_share" in fields:
        given = fields["clicks_per_share"].mapping(optional=CHANNELS)
        if given is None:
            return None
        for channel, value in given.items():
            count = value.number(minimum=0, maximum=MAX_CLICKS_PER_SHARE)
            if count is None:
                ok = False
                continue
            clicks[channel] = count
    return Funnel(rates, clicks, node.where) if ok else None


def _simulator(node: Node) -> Funnel | None:
    fields = node.mapping(optional=("funnel",))
    if fields is None:
        return None
    if "funnel" not in fields:
        return Funnel(source=node.where)
    return _funnel(fields["funnel"])


SECTIONS_REQUIRED = ("preset", "rollout", "groups")
SECTIONS_OPTIONAL = (
    "name",
    "description",
    "ttl_seconds",
    "tiers",
    "channel_rules",
    "deception",
    "credit",
    "content",
    "threat_lists",
    "senders",
    "mini_program_links",
    "reasons",
    "reports",
    "violations",
    "enforcement",
    "forward_limits",
    "simulator",
)


def load_policy(path: Path | None = None, *, preset: str | None = None) -> Policy:
    """Load and validate a policy file (the bundled default when ``path`` is None).

    ``preset`` replaces the preset the file names (the simulator compares
    one policy under each policy path). Raises :class:`DataFileError`
    carrying every problem found, each located.
    """
    path = path if path is not None else default_policy_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(
            [Problem(str(path), 1, 1, "", f"cannot read file: {exc.strerror or exc}")]
        ) from None
    return parse_policy(data, str(path), preset=preset)


def parse_policy(text: str | bytes, file: str = "<policy>", *, preset: str | None = None) -> Policy:
    """Validate policy YAML given as text; ``file`` names it in problem locations.

    ``preset`` (one of the policy paths) replaces the preset the text names.
    """
    if preset is not None and preset not in POLICY_PATHS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(POLICY_PATHS)}")
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    problems = Problems()
    doc = datafile.loads(raw, file, problems)
    hashed = [raw]
    path = Path(file)
    root = doc.root()
    fields = root.mapping(required=SECTIONS_REQUIRED, optional=SECTIONS_OPTIONAL)
    if fields is None:
        problems.raise_if_any()
        raise DataFileError(problems.sorted())
    tier_specs: dict[str, dict[str, Node]] = {}
    named = _opt(fields, "preset", lambda n: n.choice(POLICY_PATHS))
    if preset is None or named is None:
        preset = named
    if preset is not None:
        ppath = preset_path(preset)
        pdoc = datafile.load(ppath, problems)
        hashed.append(ppath.read_bytes())
        pfields = pdoc.root().mapping(required=("tiers",), optional=("path",))
        if pfields is not None and "tiers" in pfields:
            _collect_tiers(pfields["tiers"], tier_specs)
    if "tiers" in fields:
        _collect_tiers(fields["tiers"], tier_specs)
    tiers = _tiers(tier_specs, fields.get("tiers", root)) if preset is not None else None

    name = _opt(fields, "name", lambda n: n.string())
    ttl = _opt(fields, "ttl_seconds", lambda n: n.integer(minimum=0, maximum=86_400))
    rollout = _opt(fields, "rollout", _rollout)
    groups = _opt(fields, "groups", _groups)
    channel_rules = _opt(fields, "channel_rules", _channel_rules)
    deception = _opt(
        fields, "deception", lambda n: _category_effects(n, "signals", DECEPTION_SIGNALS)
    )
    credit = _opt(fields, "credit", _credit)
    content = _opt(
        fields,
        "content",
        lambda n: _category_effects(n, "categories", CONTENT_CATEGORIES, min_score=True),
    )
    threats = _opt(fields, "threat_lists", lambda n: _category_effects(n, "categories", None))
    senders = _opt(fields, "senders", _senders)
    expiry = _opt(fields, "mini_program_links", _mini_program_days)
    reasons = _opt(fields, "reasons", _reasons)
    reports = _opt(fields, "reports", _reports)
    violations = _opt(fields, "violations", _violations)
    enforcement = _opt(fields, "enforcement", _enforcement)
    forward_limits = _opt(fields, "forward_limits", lambda n: n.each(_forward_limit))
    funnel = _opt(fields, "simulator", _simulator)

    problems.raise_if_any()
    assert tiers is not None and rollout is not None and groups is not None
    revision = hashlib.sha256(b"\0".join(hashed)).hexdigest()[:16]
    return Policy(
        name=name or path.stem,
        path=preset or "compromise",
        revision=revision,
        ttl_seconds=300 if ttl is None else ttl,
        tiers=tiers,
        rollout=rollout,
        channel_rules=channel_rules or (),
        deception=deception or CategoryEffects(Effect(treatment="plain_page", warn=True), {}),
        groups=groups,
        credit_bands=credit[0] if credit is not None else (),
        credit=credit[1] if credit is not None else CreditParams(),
        reports=reports or ReportPolicy(),
        violations=violations or ViolationPolicy(),
        enforcement=enforcement or SpamParams(),
        forward_limits=tuple(forward_limits or ()),
        content=content or CategoryEffects(None, {}, 0.5),
        threat_lists=threats or CategoryEffects(Effect(treatment="blocked"), {}),
        senders=senders or CategoryEffects(None, {}),
        mini_program_expiry_days=expiry or MAX_MINI_PROGRAM_DAYS,
        reasons=reasons or {},
        files=(file,),
        funnel=funnel or Funnel(),
    )
