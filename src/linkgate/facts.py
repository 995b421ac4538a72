"""URL facts: what linkgate knows about a link before any policy applies.

``Inspector`` runs the pure link core end to end for one input string:
parse (WHATWG) -> canonicalise (Safe Browsing) -> IDN -> registrable domain
(public suffix list) -> platform and link kind (registry) -> deception
signals. The result depends only on the input string and the loaded data,
so it is cached by input string; decisions that depend on time, channel,
group or sender are made elsewhere from these facts.

Everything that depends on the host alone (its Unicode form, registrable
domain, whether a platform registers it, its deception signals) is kept per
host as well: distinct links share hosts far more often than they repeat,
so after the parse most links cost a lookup, the path-level checks and the
canonical form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, NamedTuple

from linkgate.domains.idn import to_unicode
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import MiniProgramMatch, Platform, Registry
from linkgate.lists.prefixes import PREFIX_LENGTH
from linkgate.records import slot_builder, tuple_builder, untracked
from linkgate.urls import canonical, deception
from linkgate.urls.canonical import canonicalize, expression_digests, expressions
from linkgate.urls.deception import CLEAN_HOST, DeceptionDetector, HostSignals
from linkgate.urls.model import InvalidUrl, ParsedUrl
from linkgate.urls.parse import parse
from linkgate.urls.quick import quick_link

DEFAULT_CACHE_SIZE = 1 << 16
HOST_CACHE_SIZE = 1 << 16


@dataclass(frozen=True, slots=True)
class UrlFacts:
    """Everything the link core established about one input string."""

    input: str
    valid: bool
    error: str | None
    canonical: str | None
    scheme: str | None
    host: str | None
    host_unicode: str | None
    registrable_domain: str | None
    is_ip: bool
    platform: Platform | None
    link_kind: str
    signals: tuple[str, ...]
    parsed: ParsedUrl | None = None
    mini_program: MiniProgramMatch | None = None
    # The lookup expressions and their SHA-256 digests, once asked for: the
    # facts of a repeated link come from the inspector's cache, so they are
    # computed once per link. Memos, not facts: not compared, not printed,
    # never passed in.
    expression_memo: tuple[str, ...] | None = field(
        default=None, init=False, compare=False, repr=False
    )
    hash_memo: tuple[bytes, ...] | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def deceptive(self) -> bool:
        return bool(self.signals)

    @property
    def platform_id(self) -> str | None:
        return self.platform.id if self.platform is not None else None

    def to_dict(self, *, with_expressions: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": self.input,
            "valid": self.valid,
            "error": self.error,
            "canonical": self.canonical,
            "scheme": self.scheme,
            "host": self.host,
            "host_unicode": self.host_unicode,
            "registrable_domain": self.registrable_domain,
            "is_ip": self.is_ip,
            "platform": self.platform_id,
            "link_kind": self.link_kind,
            "signals": list(self.signals),
            "deceptive": self.deceptive,
        }
        if with_expressions:
            exprs = self.expressions()
            out["expressions"] = exprs
            out["hash_prefixes"] = [h[:PREFIX_LENGTH].hex() for h in self.full_hashes()]
        return out

    def expressions(self) -> list[str]:
        """Safe Browsing lookup expressions (empty for links without a host)."""
        memo = self.expression_memo
        if memo is not None:
            return list(memo)
        if self.canonical is None or not self.host:
            return []
        found = expressions(self.canonical)
        object.__setattr__(self, "expression_memo", tuple(found))
        return found

    def full_hashes(self) -> tuple[bytes, ...]:
        """The SHA-256 digest of each lookup expression, in the same order."""
        memo = self.hash_memo
        if memo is None:
            canonical = self.canonical
            memo = _digests(canonical) if canonical is not None and self.host else ()
            if memo is None:  # the compiled digests take ASCII text, as canonical URLs are
                memo = expression_digests(canonical or "")
            _keep_hashes(self, memo)
        return memo


# The memo's own slot, written past the frozen class's __setattr__ (which refuses), as
# object.__setattr__ would, without looking the name up; once per link that is hashed.
_keep_hashes: Final[Callable[[UrlFacts, tuple[bytes, ...]], None]] = vars(UrlFacts)[
    "hash_memo"
].__set__
_digests: Final[Callable[[str], tuple[bytes, ...] | None]] = (
    canonical.compiled_digests() or expression_digests
)


# Built once per new link, so built field by field (see linkgate.records).
_new_facts: Callable[..., UrlFacts] = slot_builder(
    UrlFacts,
    "input",
    "valid",
    "error",
    "canonical",
    "scheme",
    "host",
    "host_unicode",
    "registrable_domain",
    "is_ip",
    "platform",
    "link_kind",
    "signals",
    "parsed",
    "mini_program",
)


def clear_caches() -> None:
    """Empty the link core's module-level memos (an ``Inspector`` keeps its own).

    What they hold depends only on their input strings, so clearing changes
    no result; benchmarks use it to start every pass cold.
    """
    canonical.clear_caches()
    deception.clear_caches()


def _invalid(raw: str, code: str) -> UrlFacts:
    return untracked(
        UrlFacts(
            input=raw,
            valid=False,
            error=code,
            canonical=None,
            scheme=None,
            host=None,
            host_unicode=None,
            registrable_domain=None,
            is_ip=False,
            platform=None,
            link_kind="other",
            signals=(),
        )
    )


class _Host(NamedTuple):
    """What the link core knows about one host, whatever the link's path."""

    host: str | None
    host_unicode: str | None
    registrable_domain: str | None
    is_ip: bool
    # Whether the registry has a platform for this host: links on hosts it
    # does not know resolve to no platform and kind "other", whatever the path.
    registered: bool
    signals: HostSignals


# Built once per new host (see linkgate.records).
_new_host: Callable[..., _Host] = tuple_builder(_Host)


class Inspector:
    """Turns input strings into :class:`UrlFacts`; never raises on input."""

    def __init__(
        self,
        registry: Registry,
        psl: PublicSuffix,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        host_cache_size: int = HOST_CACHE_SIZE,
    ) -> None:
        self.registry = registry
        self.psl = psl
        self.detector = DeceptionDetector(registry.protected_domains())
        # Asked once per host, whose record below keeps the answer.
        self._registrable = psl.registrable_domain_uncached
        self._registrable_domain_host = psl.registrable_domain_of_domain_host
        self.inspect = lru_cache(maxsize=cache_size)(self._inspect)
        # Domain hosts by their serialised name (one string argument: the
        # cache's fastest key); the same name may be another type of host
        # under another scheme, so the rarer types are kept apart.
        self._domain = lru_cache(maxsize=host_cache_size)(self._domain_host)
        self._other = lru_cache(maxsize=host_cache_size)(self._host)

    @classmethod
    def default(cls) -> Inspector:
        return cls(Registry.default(), PublicSuffix.load())

    def _inspect(self, raw: str) -> UrlFacts:
        quick = quick_link(raw)
        if quick is None:
            found = parse(raw)
            if isinstance(found, InvalidUrl):
                return _invalid(raw, found.code)
            parsed, canonical, plain = found, canonicalize(found), False
        else:
            parsed, quick_form, plain = quick
            canonical = canonicalize(parsed) if quick_form is None else quick_form
        host_type = parsed.host_type
        if host_type == "domain":
            site = self._domain(parsed.hostname)
        else:
            site = self._other(parsed.hostname, host_type)
        host, host_unicode, registrable, is_ip, registered, host_signals = site
        platform: Platform | None = None
        link_kind = "other"
        mini_program: MiniProgramMatch | None = None
        if registered:
            platform, link_kind, mini_program = self.registry.resolve(
                host or "", registrable, parsed.pathname, parsed.search
            )
        # Both are kept in the inspector's cache: out of the collector's passes
        # (linkgate.records.untracked).
        untracked(parsed)
        return untracked(
            _new_facts(
                raw,
                True,
                None,
                canonical,
                parsed.scheme,
                host,
                host_unicode,
                registrable,
                is_ip,
                platform,
                link_kind,
                ()
                if plain and host_signals is CLEAN_HOST
                else self.detector.link_signals(parsed, host_signals),
                parsed,
                mini_program,
            )
        )

    def _domain_host(self, hostname: str) -> _Host:
        return self._host(hostname, "domain")

    def _host(self, hostname: str, host_type: str) -> _Host:
        trailing_dot = hostname.endswith(".")
        host = hostname.rstrip(".") if trailing_dot else hostname
        is_ip = host_type in ("ipv4", "ipv6")
        host_unicode = host if is_ip or "xn--" not in host else to_unicode(host)
        if host_type == "domain" and not trailing_dot:
            registrable = self._registrable_domain_host(host)
        else:
            registrable = None if is_ip or not host else self._registrable(host)
        registered = (
            bool(host) and not is_ip and self.registry.platform_for(host, registrable) is not None
        )
        signals = self.detector.host_signals(hostname, host_type, host_unicode, registrable)
        return untracked(
            _new_host(host or None, host_unicode or None, registrable, is_ip, registered, signals)
        )
