"""Blocks on links, paths, domains and platforms, each with a scope and an expiry.

Blocks come from the credit system or from an operator. A block is scoped
to the narrowest level the evidence supports: ``url`` (one canonical URL),
``path`` (a host plus path prefix), ``domain`` (a domain and its
subdomains) or ``platform`` (every domain of a registered platform).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from linkgate.domains.index import SuffixIndex, is_suffix
from linkgate.vocabulary import Treatment

BlockScope = Literal["url", "path", "domain", "platform"]
BLOCK_SCOPES: tuple[BlockScope, ...] = ("url", "path", "domain", "platform")


@dataclass(frozen=True, slots=True)
class Block:
    id: str
    scope: BlockScope
    target: str
    treatment: Treatment
    reason: str
    category: str | None = None
    expires_at: datetime | None = None
    detail: str = ""

    def active(self, at: datetime) -> bool:
        return self.expires_at is None or at < self.expires_at


@dataclass(frozen=True, slots=True)
class Override:
    """An operator's audited allow: enforcement blocks and credit bands do not apply."""

    id: str
    scope: BlockScope
    target: str
    expires_at: datetime
    note: str = ""

    def active(self, at: datetime) -> bool:
        return at < self.expires_at


class BlockIndex:
    """All current blocks, indexed for lookup by a decision's facts."""

    def __init__(self, blocks: Iterable[Block] = (), overrides: Iterable[Override] = ()) -> None:
        self._url: dict[str, list[Block]] = {}
        self._path: dict[str, list[Block]] = {}
        self._domain: SuffixIndex[list[Block]] = SuffixIndex()
        self._domains: dict[str, list[Block]] = {}
        # Domain targets no suffix index can hold (a host such as ``*`` or ``a..b``,
        # which browsers accept): they cover that exact host only.
        self._hosts: dict[str, list[Block]] = {}
        self._platform: dict[str, list[Block]] = {}
        self.blocks: tuple[Block, ...] = tuple(blocks)
        for block in self.blocks:
            if block.scope == "url":
                self._url.setdefault(block.target, []).append(block)
            elif block.scope == "path":
                self._path.setdefault(block.target, []).append(block)
            elif block.scope == "domain":
                self._domains.setdefault(block.target.lower().rstrip("."), []).append(block)
            else:
                self._platform.setdefault(block.target, []).append(block)
        for domain, found in self._domains.items():
            if is_suffix(domain):
                self._domain[domain] = found
            else:
                self._hosts[domain] = found
        self.overrides: tuple[Override, ...] = tuple(overrides)

    def __len__(self) -> int:
        return len(self.blocks)

    def override(
        self,
        *,
        canonical: str | None,
        host: str | None,
        path: str,
        platform_id: str | None,
        at: datetime,
    ) -> Override | None:
        """The active allow override covering this link, if any."""
        for o in self.overrides:
            if not o.active(at):
                continue
            if o.scope == "url" and o.target == canonical:
                return o
            if o.scope == "path" and host and f"{host}{path}".startswith(o.target):
                return o
            if o.scope == "domain" and host and (host == o.target or host.endswith("." + o.target)):
                return o
            if o.scope == "platform" and platform_id is not None and o.target == platform_id:
                return o
        return None

    def match(
        self,
        *,
        canonical: str | None,
        host: str | None,
        path: str,
        platform_id: str | None,
        at: datetime,
    ) -> list[Block]:
        """Active blocks that cover this link, narrowest scope first."""
        if not self.blocks:
            return []
        found: list[Block] = []
        if canonical is not None:
            found.extend(self._url.get(canonical, ()))
        if host and self._path:
            prefix = f"{host}{path}"
            for target, blocks in self._path.items():
                if prefix.startswith(target):
                    found.extend(blocks)
        if host:
            for _, hit in self._domain.find_all(host):
                found.extend(hit)
            if self._hosts:
                found.extend(self._hosts.get(host, ()))
        if platform_id is not None:
            found.extend(self._platform.get(platform_id, ()))
        return [b for b in found if b.active(at)]
