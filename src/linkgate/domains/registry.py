"""The platform registry: who owns a link, and what kind of link it is.

Third-party platforms register their domains, short-link hosts, the names
their apps go by in share texts, their pass-code formats, URL rules that say
which pages are product pages, videos or app downloads, their mini-programs,
the capabilities they want to use and a few JS-API safe domains. The
registry is data (``data/registry.yaml``, documented in that file), loaded
and validated by :mod:`linkgate.domains.registry_loader` with every error
reported at once.

At decision time :meth:`Registry.resolve` maps a serialised host (plus path
and query) to a :class:`Resolution`: the platform owning the most specific
registered suffix of the host, the link kind from that platform's first
matching rule (any link on a short-link host is ``short_link``; no matching
rule is ``other``) and, when a mini-program rule matches, the mini-program
page the link corresponds to. Everything is compiled at construction; a
resolve is a few dict probes and at most a few precompiled regex searches.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final, NamedTuple

from linkgate.domains.index import SuffixIndex
from linkgate.records import untracked
from linkgate.vocabulary import LINK_KINDS, Capability, LinkKind, Tier

__all__ = [
    "LinkKindRule",
    "MiniProgram",
    "MiniProgramMatch",
    "Platform",
    "PlatformNames",
    "Registry",
    "Resolution",
    "UrlRule",
]

DEFAULT_REGISTRY_RESOURCE: Final = "data/registry.yaml"
MAX_JSAPI_SAFE_DOMAINS: Final = 3


def _query_params(query: str) -> dict[str, str]:
    """``"?a=1&b&a=2"`` -> ``{"a": "1", "b": ""}`` (first value wins, raw, not decoded)."""
    if query.startswith("?"):
        query = query[1:]
    params: dict[str, str] = {}
    if not query:
        return params
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name and name not in params:
            params[name] = value
    return params


@dataclass(frozen=True, slots=True)
class UrlRule:
    """Which links a rule covers: host suffixes, a path regex and required query parameters.

    ``hosts`` empty means any host of the platform; ``path`` is searched in
    the serialised path (anchor it with ``^``/``$``); every name in ``query``
    must be present in the query string.
    """

    hosts: tuple[str, ...] = ()
    path: re.Pattern[str] | None = None
    query: tuple[str, ...] = ()
    _exact: frozenset[str] = field(init=False, repr=False, compare=False)
    _dotted: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact", frozenset(self.hosts))
        object.__setattr__(self, "_dotted", tuple("." + h for h in self.hosts))

    def covers_host(self, host: str) -> bool:
        """``host`` (lower case, no trailing dot) is one of ``hosts`` or under one."""
        return not self.hosts or host in self._exact or host.endswith(self._dotted)


@dataclass(frozen=True, slots=True)
class LinkKindRule:
    """Links matching ``rule`` are of ``kind``; ``source`` is where the rule was written."""

    kind: LinkKind
    rule: UrlRule
    source: str | None = None


def template_parts(template: str) -> tuple[tuple[str, str | None], ...]:
    """``"a?id={sku}"`` -> ``(("a?id=", "sku"),)``; raises ``ValueError`` if malformed.

    Placeholders are bare names (``{sku}``); ``{{`` and ``}}`` are literal braces.
    """
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise ValueError(f"placeholder {{{name}}} must be a bare name such as {{id}}")
        parts.append((literal, name))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class MiniProgram:
    """A registered mini-program and, optionally, which links open as which of its pages.

    ``path_template`` uses ``{name}`` placeholders filled from the named
    groups of ``match.path`` and from the query parameters in ``match.query``.
    """

    app_id: str
    name: str
    match: UrlRule | None = None
    path_template: str | None = None
    source: str | None = None
    _parts: tuple[tuple[str, str | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = template_parts(self.path_template) if self.path_template is not None else ()
        object.__setattr__(self, "_parts", parts)

    def page_for(self, path_match: re.Match[str] | None, params: Mapping[str, str]) -> str:
        """The mini-program path for a link that matched ``match``."""
        groups = path_match.re.groupindex if path_match is not None else {}
        out: list[str] = []
        for literal, name in self._parts:
            out.append(literal)
            if name is not None:
                value = path_match[name] if path_match is not None and name in groups else None
                out.append(value if value is not None else params.get(name, ""))
        return "".join(out)


class MiniProgramMatch(NamedTuple):
    """The mini-program page a link corresponds to (a named tuple: built per resolve)."""

    app_id: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class PlatformNames:
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Platform:
    """A third party that owns domains and mini-programs, with its relationship tier."""

    id: str
    names: PlatformNames
    tier: Tier
    priority_rank: int | None
    domains: tuple[str, ...]
    short_link_hosts: tuple[str, ...] = ()
    app_names: tuple[str, ...] = ()
    passcode_patterns: tuple[re.Pattern[str], ...] = ()
    link_kinds: tuple[LinkKindRule, ...] = ()
    mini_programs: tuple[MiniProgram, ...] = ()
    capabilities: frozenset[Capability] = frozenset()
    jsapi_safe_domains: tuple[str, ...] = ()
    contact: str | None = None
    source: str | None = None


class Resolution(NamedTuple):
    """What the registry knows about one link.

    A named tuple rather than a dataclass because a resolve that finds a
    mini-program page builds one per call, and tuples are the cheapest
    immutable records to build.
    """

    platform: Platform | None
    link_kind: LinkKind
    mini_program: MiniProgramMatch | None = None

    @property
    def platform_id(self) -> str | None:
        return None if self.platform is None else self.platform.id


UNKNOWN: Final = Resolution(None, "other", None)


# Query parameter names become needles: "&name=" or "&name&" in "&" + query + "&".
_Needles = tuple[tuple[str, str], ...]
_KindStep = tuple[LinkKind, "re.Pattern[str] | None", _Needles]
_MiniStep = tuple[MiniProgram, "re.Pattern[str] | None", _Needles]


def _needles(names: tuple[str, ...]) -> _Needles:
    return tuple((f"&{name}=", f"&{name}&") for name in names)


def _has_params(probe: str, needles: _Needles) -> bool:
    # A loop rather than all() over a generator: half the cost per resolve.
    for with_value, bare in needles:  # noqa: SIM110
        if with_value not in probe and bare not in probe:
            return False
    return True


PLAN_CACHE_SIZE: Final = 4096


class _Entry:
    """One registered suffix: its platform and whether it is a short-link host."""

    __slots__ = ("by_kind", "platform", "short")

    def __init__(self, platform: Platform, short: bool, by_kind: Mapping[LinkKind, Resolution]):
        self.platform = platform
        self.short = short
        self.by_kind = by_kind


class _HostPlan(NamedTuple):
    """What resolving one known host needs: its entry and the rules that cover it, in order."""

    registrable: str
    entry: _Entry
    kinds: tuple[_KindStep, ...]
    minis: tuple[_MiniStep, ...]


def _plan(host: str, registrable: str, entry: _Entry) -> _HostPlan:
    platform = entry.platform
    if entry.short:
        return _HostPlan(registrable, entry, (), ())
    kinds = tuple(
        (r.kind, r.rule.path, _needles(r.rule.query))
        for r in platform.link_kinds
        if r.rule.covers_host(host)
    )
    minis = tuple(
        (m, m.match.path, _needles(m.match.query))
        for m in platform.mini_programs
        if m.match is not None and m.match.covers_host(host)
    )
    return _HostPlan(registrable, entry, kinds, minis)


class Registry:
    """All registered platforms, compiled for :meth:`resolve`."""

    __slots__ = ("_by_id", "_index", "_plans", "platforms", "source")

    def __init__(self, platforms: Iterable[Platform], *, source: str = "<memory>") -> None:
        """Compile ``platforms``; raises ``ValueError`` for repeated ids or domains.

        Files go through :meth:`load`, which reports such mistakes with their
        positions before this point is reached.
        """
        self.platforms: tuple[Platform, ...] = tuple(platforms)
        self.source = source
        self._by_id: dict[str, Platform] = {}
        self._index: SuffixIndex[_Entry] = SuffixIndex()
        # known hosts -> their plan; a bounded memo, emptied when full
        self._plans: dict[str, _HostPlan] = {}
        for platform in self.platforms:
            if platform.id in self._by_id:
                raise ValueError(f"platform {platform.id!r} is registered twice")
            self._by_id[platform.id] = platform
            by_kind = {kind: Resolution(platform, kind) for kind in LINK_KINDS}
            for short, hosts in ((False, platform.domains), (True, platform.short_link_hosts)):
                for host in hosts:
                    if host in self._index:
                        owner = self._index[host].platform.id
                        raise ValueError(f"{host!r} is registered by {owner!r} and {platform.id!r}")
                    self._index[host] = _Entry(platform, short, by_kind)

    # -- construction from files -------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Registry:
        """Load and validate a registry file; raises ``DataFileError`` listing every problem."""
        from linkgate.domains.registry_loader import load_platforms

        return cls(load_platforms(path), source=os.fspath(path))

    @classmethod
    def loads(cls, text: str, file: str = "<string>") -> Registry:
        from linkgate.domains.registry_loader import loads_platforms

        return cls(loads_platforms(text, file), source=file)

    @classmethod
    def default(cls) -> Registry:
        """The registry bundled with linkgate (``linkgate/data/registry.yaml``)."""
        return _default_registry()

    # -- lookups ------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.platforms)

    def __iter__(self) -> Iterator[Platform]:
        return iter(self.platforms)

    def get(self, platform_id: str) -> Platform | None:
        return self._by_id.get(platform_id)

    def platform_for(self, host: str, registrable: str | None) -> Platform | None:
        if registrable is None:
            return None
        entry = self._index.find(host, floor=registrable)
        return None if entry is None else entry.platform

    def resolve(self, host: str, registrable: str | None, path: str, query: str) -> Resolution:
        """Platform, link kind and mini-program page for one link.

        ``host`` is the serialised host; ``registrable`` its registrable
        domain (``None`` for IP hosts and bare public suffixes, which belong
        to no platform). Registered suffixes shorter than ``registrable`` are
        ignored, so a registry entry can never capture domains other owners
        register under a public suffix. ``path`` is the serialised path and
        ``query`` the query string with or without its ``?``.
        """
        if registrable is None:
            return UNKNOWN
        plan = self._plans.get(host)
        if plan is None or plan.registrable != registrable:
            if host.endswith("."):
                host = host[:-1]
            host = host.lower()
            entry = self._index.find_normalised(host, registrable)
            if entry is None:
                return UNKNOWN
            plan = _plan(host, registrable, entry)
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[host] = plan
        entry = plan.entry
        if entry.short:
            return entry.by_kind["short_link"]
        probe: str | None = None
        kind: LinkKind = "other"
        kinds = plan.kinds
        for rule_kind, pattern, needles in kinds:
            if pattern is not None and pattern.search(path) is None:
                continue
            if needles:
                if probe is None:
                    probe = f"&{query[1:] if query.startswith('?') else query}&"
                if not _has_params(probe, needles):
                    continue
            kind = rule_kind
            break
        for program, pattern, needles in plan.minis:
            found = None
            if pattern is not None:
                found = pattern.search(path)
                if found is None:
                    continue
            if needles:
                if probe is None:
                    probe = f"&{query[1:] if query.startswith('?') else query}&"
                if not _has_params(probe, needles):
                    continue
            page = program.page_for(found, _query_params(query) if needles else {})
            mini = untracked(MiniProgramMatch(program.app_id, program.name, page))
            return Resolution(entry.platform, kind, mini)
        return entry.by_kind[kind]

    def protected_domains(self) -> tuple[str, ...]:
        """Every registered domain and short-link host, for the lookalike check."""
        return tuple(sorted(self._index))

    def passcode_rules(self) -> list[tuple[str, re.Pattern[str] | None, tuple[str, ...]]]:
        """``(platform_id, pattern, app_names)`` for share-text pass-codes.

        One entry per registered pattern; a platform with app names but no
        pattern of its own gets one entry with ``None``, so its app names
        still attribute wrapped codes (``【京东】￥N5Ab7Cd9Ef2￥``).
        """
        rules: list[tuple[str, re.Pattern[str] | None, tuple[str, ...]]] = []
        for platform in self.platforms:
            for pattern in platform.passcode_patterns:
                rules.append((platform.id, pattern, platform.app_names))
            if not platform.passcode_patterns and platform.app_names:
                rules.append((platform.id, None, platform.app_names))
        return rules


@cache
def _default_registry() -> Registry:
    from linkgate.domains.registry_loader import loads_platforms

    resource = resources.files("linkgate").joinpath(DEFAULT_REGISTRY_RESOURCE)
    text = resource.read_text(encoding="utf-8")
    name = f"linkgate/{DEFAULT_REGISTRY_RESOURCE}"
    return Registry(loads_platforms(text, name), source=name)
