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
from datetime import datetime
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from linkgate import datafile
from linkgate.datafile import DataFileError, Node, Problem, Problems
from linkgate.enforcement.senders import SENDER_ACTIONS
from linkgate.policy.model import (
    DEFAULT_CONTINUE_RATES,
    CategoryEffects,
    ChannelRule,
    CreditBand,
    Effect,
    Funnel,
    GroupPolicy,
    Phase,
    PlatformSelector,
    Policy,
    RampStep,
    Rollout,
    TierBaseline,
)
from linkgate.vocabulary import (
    CAPABILITIES,
    CHANNELS,
    GROUP_SETTINGS,
    INTERSTITIALS,
    LINK_KINDS,
    POLICY_PATHS,
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
    fields = node.mapping(required=("closed", "phases"), optional=("gated_capabilities",))
    if fields is None or not {"closed", "phases"} <= fields.keys():
        return None
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
    return Rollout(closed=closed, gated_capabilities=gated or frozenset(), phases=tuple(phases))


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


def _credit(node: Node) -> tuple[CreditBand, ...] | None:
    fields = node.mapping(required=("bands",))
    if fields is None or "bands" not in fields:
        return None
    bands = fields["bands"].each(_band)
    if bands is None:
        return None
    if bands and min(b.min for b in bands) > 0:
        fields["bands"].problem("no band covers a score of 0", "a band with min: 0")
        return None
    return tuple(bands)


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
        credit_bands=credit or (),
        content=content or CategoryEffects(None, {}, 0.5),
        threat_lists=threats or CategoryEffects(Effect(treatment="blocked"), {}),
        senders=senders or CategoryEffects(None, {}),
        mini_program_expiry_days=expiry or MAX_MINI_PROGRAM_DAYS,
        reasons=reasons or {},
        files=(file,),
        funnel=funnel or Funnel(),
    )
