"""What a feed may list: never a public suffix, never a registered platform as a whole.

Feeds are written by others and carry mistakes; one bad line must not take
down a whole hosting suffix or a platform the operator has registered. The
rules, applied to every parsed entry:

- a **domain** entry (hosts, domains, adblock feeds) is rejected when the
  domain is a public suffix (``com``, ``github.io``, ``blogspot.com``:
  ``public_suffix``), or is, contains or lies under a registered platform's
  domain or short-link host (``taobao.com``, ``item.taobao.com``, ``tb.cn``
  when ``m.tb.cn`` is registered: ``platform_domain``);
- a **URL** entry lists its own lookup expression and nothing wider. When
  that expression is a whole host (the URL's path is ``/`` and it has no
  query, e.g. ``https://sites.example/``), the same two rules apply to the
  host. A URL with a path is kept even on a platform or public-suffix host:
  ``https://docs.google.com/forms/d/x/viewform`` lists exactly that URL
  prefix, never ``docs.google.com`` or ``google.com``;
- a **full hash** cannot be checked and is kept.

Blocking a platform, or part of one, is an enforcement action (scoped,
audited, appealable), not a feed entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.lists.feeds import FeedEntry

__all__ = ["PLATFORM_DOMAIN", "PUBLIC_SUFFIX", "EntryGuard"]

PUBLIC_SUFFIX: Final = "public_suffix"
PLATFORM_DOMAIN: Final = "platform_domain"


def _parents(name: str) -> Iterable[str]:
    """``a.b.c`` -> ``b.c``, ``c``."""
    dot = name.find(".")
    while dot >= 0:
        yield name[dot + 1 :]
        dot = name.find(".", dot + 1)


class EntryGuard:
    """Checks parsed entries against the public suffix list and the platform registry."""

    def __init__(self, psl: PublicSuffix, platform_domains: Iterable[str]) -> None:
        self._psl = psl
        self._platform = frozenset(d.lower().rstrip(".") for d in platform_domains)
        self._platform_parents = frozenset(p for d in self._platform for p in _parents(d))

    @classmethod
    def for_registry(cls, registry: Registry, psl: PublicSuffix) -> EntryGuard:
        return cls(psl, registry.protected_domains())

    def host_reason(self, host: str) -> str | None:
        """Why ``host`` may not be listed as a whole, or ``None``."""
        if self._psl.is_public_suffix(host):
            return PUBLIC_SUFFIX
        if host in self._platform or host in self._platform_parents:
            return PLATFORM_DOMAIN
        if any(parent in self._platform for parent in _parents(host)):
            return PLATFORM_DOMAIN
        return None

    def check(self, entry: FeedEntry) -> str | None:
        """The reason ``entry`` may not be listed, or ``None`` when it may."""
        if entry.kind == "domain":
            return self.host_reason(entry.value)
        if entry.kind == "expression":
            host, _, rest = entry.value.partition("/")
            if rest == "":
                return self.host_reason(host)
        return None
