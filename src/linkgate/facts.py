"""URL facts: what linkgate knows about a link before any policy applies.

``Inspector`` runs the pure link core end to end for one input string:
parse (WHATWG) -> canonicalise (Safe Browsing) -> IDN -> registrable domain
(public suffix list) -> platform and link kind (registry) -> deception
signals. The result depends only on the input string and the loaded data,
so it is cached by input string; decisions that depend on time, channel,
group or sender are made elsewhere from these facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from linkgate.domains.idn import to_unicode
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import MiniProgramMatch, Platform, Registry
from linkgate.urls.canonical import canonicalize, expressions, hash_prefixes
from linkgate.urls.deception import DeceptionDetector
from linkgate.urls.model import InvalidUrl, ParsedUrl
from linkgate.urls.parse import parse

DEFAULT_CACHE_SIZE = 1 << 16


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
            out["hash_prefixes"] = [p.hex() for p in hash_prefixes(exprs)]
        return out

    def expressions(self) -> list[str]:
        """Safe Browsing lookup expressions (empty for links without a host)."""
        if self.canonical is None or not self.host:
            return []
        return expressions(self.canonical)


def _invalid(raw: str, code: str) -> UrlFacts:
    return UrlFacts(
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


class Inspector:
    """Turns input strings into :class:`UrlFacts`; never raises on input."""

    def __init__(
        self,
        registry: Registry,
        psl: PublicSuffix,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.registry = registry
        self.psl = psl
        self.detector = DeceptionDetector(registry.protected_domains())
        self.inspect = lru_cache(maxsize=cache_size)(self._inspect)

    @classmethod
    def default(cls) -> Inspector:
        return cls(Registry.default(), PublicSuffix.load())

    def _inspect(self, raw: str) -> UrlFacts:
        parsed = parse(raw)
        if isinstance(parsed, InvalidUrl):
            return _invalid(raw, parsed.code)
        host = parsed.hostname
        if host.endswith("."):
            host = host.rstrip(".")
        is_ip = parsed.host_type in ("ipv4", "ipv6")
        host_unicode = host if is_ip or "xn--" not in host else to_unicode(host)
        registrable = None if is_ip or not host else self.psl.registrable_domain(host)
        platform: Platform | None = None
        link_kind = "other"
        mini_program: MiniProgramMatch | None = None
        if host and not is_ip:
            resolution = self.registry.resolve(host, registrable, parsed.pathname, parsed.search)
            platform = resolution.platform
            link_kind = resolution.link_kind
            mini_program = resolution.mini_program
        signals = self.detector.detect(
            parsed, host_unicode=host_unicode, registrable_domain=registrable
        )
        return UrlFacts(
            input=raw,
            valid=True,
            error=None,
            canonical=canonicalize(parsed),
            scheme=parsed.scheme,
            host=host or None,
            host_unicode=host_unicode or None,
            registrable_domain=registrable,
            is_ip=is_ip,
            platform=platform,
            link_kind=link_kind,
            signals=signals,
            parsed=parsed,
            mini_program=mini_program,
        )
