"""Reading and validating a platform registry file.

Every mistake is collected with its ``file:line:column`` before anything is
raised: unknown or missing keys, an unknown tier, link kind or capability, a
regular expression that does not compile (or matches the empty string, for
pass-codes), a domain that is not a host name, a domain registered twice
(within a platform or across platforms), rule hosts outside the platform's
domains, more than three JS-API safe domains, repeated ids or priority
ranks, and mini-program templates naming values their rule does not capture.
:class:`linkgate.datafile.DataFileError` carries them all.

The file format is documented at the top of ``linkgate/data/registry.yaml``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, cast

from linkgate import datafile
from linkgate.datafile import Document, Mark, Node
from linkgate.domains.idn import to_ascii
from linkgate.domains.registry import (
    MAX_JSAPI_SAFE_DOMAINS,
    LinkKindRule,
    MiniProgram,
    Platform,
    PlatformNames,
    UrlRule,
    template_parts,
)
from linkgate.vocabulary import CAPABILITIES, LINK_KINDS, TIERS, Capability, LinkKind, Tier

__all__ = ["load_platforms", "loads_platforms", "read_platforms"]

SUPPORTED_VERSIONS: Final = (1,)

_PLATFORM_KEYS_REQUIRED: Final = ("id", "names", "tier", "domains")
_PLATFORM_KEYS_OPTIONAL: Final = (
    "priority_rank",
    "short_link_hosts",
    "app_names",
    "passcode_patterns",
    "link_kinds",
    "mini_programs",
    "capabilities",
    "jsapi_safe_domains",
    "contact",
)
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_APP_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_QUERY_NAME = re.compile(r"[A-Za-z0-9_\-.\[\]]{1,64}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")


def load_platforms(path: str | os.PathLike[str]) -> list[Platform]:
    """Platforms from a registry file; raises ``DataFileError`` with every problem."""
    doc = datafile.load(path)
    platforms = read_platforms(doc)
    doc.problems.raise_if_any()
    return platforms


def loads_platforms(text: str, file: str = "<string>") -> list[Platform]:
    doc = datafile.loads(text, file)
    platforms = read_platforms(doc)
    doc.problems.raise_if_any()
    return platforms


def read_platforms(doc: Document) -> list[Platform]:
    """Validate a loaded registry document, recording problems in ``doc.problems``.

    The returned list holds the platforms that validated; it is only
    complete when no problem was recorded.
    """
    top = doc.root().mapping(required=("platforms",), optional=("version",))
    if top is None:
        return []
    if "version" in top:
        version = top["version"].integer()
        if version is not None and version not in SUPPORTED_VERSIONS:
            top["version"].problem(
                f"version {version} is not supported",
                " or ".join(str(v) for v in SUPPORTED_VERSIONS),
            )
    if "platforms" not in top:
        return []
    items = top["platforms"].sequence()
    if items is None:
        return []
    checker = _RegistryChecker()
    platforms = []
    for item in items:
        platform = checker.platform(item)
        if platform is not None:
            platforms.append(platform)
    return platforms


@dataclass(frozen=True, slots=True)
class _Seen:
    owner: str
    mark: Mark
    platform: datafile.Path = ()


class _RegistryChecker:
    """Cross-platform checks: unique ids, ranks and domains."""

    def __init__(self) -> None:
        self.ids: dict[str, Mark] = {}
        self.ranks: dict[int, _Seen] = {}
        self.hosts: dict[str, _Seen] = {}

    def platform(self, node: Node) -> Platform | None:
        fields = node.mapping(required=_PLATFORM_KEYS_REQUIRED, optional=_PLATFORM_KEYS_OPTIONAL)
        if fields is None:
            return None
        ok = not _missing(fields, _PLATFORM_KEYS_REQUIRED)
        pid = None
        if "id" in fields:
            pid = fields["id"].string(
                pattern=_ID, expected="a lower-case id such as jd or bytedance"
            )
        if pid is not None:
            first = self.ids.get(pid)
            if first is not None:
                fields["id"].problem(f"platform id {pid!r} is already used at line {first.line}")
                ok = False
            else:
                self.ids[pid] = fields["id"].mark
        raw_id = fields["id"].value if "id" in fields else None
        owner = pid or (raw_id if isinstance(raw_id, str) else datafile.format_path(node.path))

        names = _names(fields["names"]) if "names" in fields else None
        tier = cast(Tier | None, fields["tier"].choice(TIERS)) if "tier" in fields else None
        rank_ok, rank = self._rank(fields.get("priority_rank"), owner)

        claim = _Seen(owner, node.mark, node.path)
        domains_ok, domains = self._hosts(fields.get("domains"), claim, min_items=1)
        shorts_ok, shorts = self._hosts(fields.get("short_link_hosts"), claim)
        ok = ok and domains_ok and shorts_ok
        # the valid ones, so that rules can still be checked against them
        own_hosts = (*domains, *shorts)
        app_names = _optional_strings(fields.get("app_names"))
        passcodes = _passcodes(fields.get("passcode_patterns"))
        link_kinds = _link_kinds(fields.get("link_kinds"), own_hosts)
        minis = _mini_programs(fields.get("mini_programs"), own_hosts)
        capabilities = _optional_strings(fields.get("capabilities"), choices=CAPABILITIES)
        safe = _safe_domains(fields.get("jsapi_safe_domains"), own_hosts)
        contact_node = fields.get("contact")
        contact: str | None = None
        if contact_node is not None and contact_node.value is not None:
            contact = contact_node.string()
            ok = ok and contact is not None

        if (
            not ok
            or not rank_ok
            or pid is None
            or names is None
            or tier is None
            or app_names is None
            or passcodes is None
            or link_kinds is None
            or minis is None
            or capabilities is None
            or safe is None
        ):
            return None
        return Platform(
            id=pid,
            names=names,
            tier=tier,
            priority_rank=rank,
            domains=tuple(domains),
            short_link_hosts=tuple(shorts),
            app_names=tuple(app_names),
            passcode_patterns=tuple(passcodes),
            link_kinds=tuple(link_kinds),
            mini_programs=tuple(minis),
            capabilities=frozenset(cast(list[Capability], capabilities)),
            jsapi_safe_domains=tuple(safe),
            contact=contact,
            source=node.where,
        )

    def _rank(self, node: Node | None, owner: str) -> tuple[bool, int | None]:
        """``(valid, rank)``; the rank is ``None`` when absent or null."""
        if node is None or node.value is None:
            return True, None
        rank = node.integer(minimum=1)
        if rank is None:
            return False, None
        first = self.ranks.get(rank)
        if first is not None:
            node.problem(
                f"priority rank {rank} is already given to {first.owner!r}"
                f" at line {first.mark.line}"
            )
            return False, None
        self.ranks[rank] = _Seen(owner, node.mark)
        return True, rank

    def _hosts(
        self, node: Node | None, claim: _Seen, *, min_items: int = 0
    ) -> tuple[bool, list[str]]:
        """``(all valid, the valid hosts)``; each new host is claimed for the platform."""
        if node is None:
            return True, []
        items = node.sequence(min_items=min_items)
        if items is None:
            return False, []
        out: list[str] = []
        ok = True
        for item in items:
            host = _host(item)
            if host is None:
                ok = False
                continue
            first = self.hosts.get(host)
            if first is not None:
                where = "this platform" if first.platform == claim.platform else repr(first.owner)
                item.problem(
                    f"{host!r} is already registered by {where} at line {first.mark.line}",
                    "each domain registered once",
                )
                ok = False
                continue
            self.hosts[host] = _Seen(claim.owner, item.mark, claim.platform)
            out.append(host)
        return ok and len(items) >= min_items, out


def _missing(fields: dict[str, Node], required: Sequence[str]) -> bool:
    return any(key not in fields for key in required)


def _names(node: Node) -> PlatformNames | None:
    fields = node.mapping(required=("zh", "en"))
    if fields is None or _missing(fields, ("zh", "en")):
        return None
    zh = fields["zh"].string()
    en = fields["en"].string()
    if zh is None or en is None:
        return None
    return PlatformNames(zh=zh, en=en)


def _optional_strings(node: Node | None, choices: Sequence[str] | None = None) -> list[str] | None:
    if node is None:
        return []
    return node.strings(choices=choices)


def _host(node: Node) -> str | None:
    """A registered host name: ASCII (IDNs converted), lower case, two labels or more."""
    text = node.string(expected="a domain name such as jd.com")
    if text is None:
        return None
    if text.startswith(("*.", ".")):
        node.problem(
            f"{text!r} has a wildcard or leading dot",
            "a plain domain (a domain covers all its subdomains)",
        )
        return None
    host = to_ascii(text)
    labels = host.split(".") if host else []
    if (
        host is None
        or len(host) > 253
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        node.problem(f"{text!r} is not a domain name", "a domain name such as jd.com")
        return None
    return host


def _covered(host: str, own_hosts: Sequence[str]) -> bool:
    return any(host == own or host.endswith("." + own) for own in own_hosts)


def _rule_hosts(node: Node | None, own_hosts: Sequence[str]) -> list[str] | None:
    if node is None:
        return []
    items = node.sequence(min_items=1)
    if items is None:
        return None
    out: list[str] = []
    ok = True
    for item in items:
        host = _host(item)
        if host is None:
            ok = False
        elif own_hosts and not _covered(host, own_hosts):
            item.problem(
                f"{host!r} is not one of this platform's domains",
                "a host under " + ", ".join(own_hosts),
            )
            ok = False
        else:
            out.append(host)
    return out if ok else None


def _query_names(node: Node | None) -> list[str] | None:
    if node is None:
        return []
    names = node.strings()
    if names is None:
        return None
    for index, name in enumerate(names):
        if not _QUERY_NAME.fullmatch(name):
            node.child(index).problem(f"{name!r} is not a query parameter name")
            return None
    return names


def _url_rule(
    fields: dict[str, Node], own_hosts: Sequence[str]
) -> tuple[UrlRule | None, list[str]]:
    """The rule and the names it captures (path groups and query parameters)."""
    hosts = _rule_hosts(fields.get("hosts"), own_hosts)
    path = fields["path"].regex() if "path" in fields else None
    query = _query_names(fields.get("query"))
    if hosts is None or query is None or ("path" in fields and path is None):
        return None, []
    captured = list(path.groupindex) if path is not None else []
    return UrlRule(hosts=tuple(hosts), path=path, query=tuple(query)), captured + query


def _link_kinds(node: Node | None, own_hosts: Sequence[str]) -> list[LinkKindRule] | None:
    if node is None:
        return []
    items = node.sequence()
    if items is None:
        return None
    out: list[LinkKindRule] = []
    ok = True
    for item in items:
        fields = item.mapping(required=("kind",), optional=("hosts", "path", "query"))
        if fields is None or "kind" not in fields:
            ok = False
            continue
        kind = cast(LinkKind | None, fields["kind"].choice(LINK_KINDS))
        rule, _ = _url_rule(fields, own_hosts)
        if kind is None or rule is None:
            ok = False
            continue
        out.append(LinkKindRule(kind=kind, rule=rule, source=item.where))
    return out if ok else None


def _mini_programs(node: Node | None, own_hosts: Sequence[str]) -> list[MiniProgram] | None:
    if node is None:
        return []
    items = node.sequence()
    if items is None:
        return None
    out: list[MiniProgram] = []
    ok = True
    seen: dict[str, Mark] = {}
    for item in items:
        program = _mini_program(item, own_hosts, seen)
        if program is None:
            ok = False
        else:
            out.append(program)
    return out if ok else None


def _mini_program(
    item: Node, own_hosts: Sequence[str], seen: dict[str, Mark]
) -> MiniProgram | None:
    fields = item.mapping(required=("app_id", "name"), optional=("match", "path_template"))
    if fields is None or _missing(fields, ("app_id", "name")):
        return None
    app_id = fields["app_id"].string(pattern=_APP_ID, expected="a mini-program app id")
    name = fields["name"].string()
    ok = app_id is not None and name is not None
    if app_id is not None:
        first = seen.get(app_id)
        if first is not None:
            fields["app_id"].problem(f"app id {app_id!r} is already listed at line {first.line}")
            ok = False
        seen[app_id] = fields["app_id"].mark
    rule: UrlRule | None = None
    template: str | None = None
    if ("match" in fields) != ("path_template" in fields):
        present, absent = ("match", "path_template")
        if "path_template" in fields:
            present, absent = absent, present
        item.problem(f"{present!r} needs {absent!r}", "both match and path_template, or neither")
        return None
    if "match" in fields:
        match_fields = fields["match"].mapping(optional=("hosts", "path", "query"))
        if match_fields is None:
            return None
        if not match_fields:
            fields["match"].problem("matches every link", "at least one of hosts, path, query")
            return None
        rule, captured = _url_rule(match_fields, own_hosts)
        template = fields["path_template"].string()
        if rule is None or template is None:
            return None
        try:
            parts = template_parts(template)
        except ValueError as exc:
            fields["path_template"].problem(f"bad template: {exc}")
            return None
        unknown = [n for _, n in parts if n is not None and n not in captured]
        if unknown:
            fields["path_template"].problem(
                f"placeholder {{{unknown[0]}}} is not captured by the match rule",
                "names of path groups (?P<name>...) or query parameters: "
                + (", ".join(captured) or "none"),
            )
            return None
    if not ok:
        return None
    assert app_id is not None and name is not None
    return MiniProgram(
        app_id=app_id, name=name, match=rule, path_template=template, source=item.where
    )


def _passcodes(node: Node | None) -> list[re.Pattern[str]] | None:
    if node is None:
        return []
    items = node.sequence()
    if items is None:
        return None
    out: list[re.Pattern[str]] = []
    ok = True
    for item in items:
        pattern = item.regex()
        if pattern is None:
            ok = False
        elif pattern.search("") is not None:
            item.problem("the pattern matches empty text", "a pattern that needs characters")
            ok = False
        else:
            out.append(pattern)
    return out if ok else None


def _safe_domains(node: Node | None, own_hosts: Sequence[str]) -> list[str] | None:
    if node is None:
        return []
    items = node.sequence(max_items=MAX_JSAPI_SAFE_DOMAINS)
    if items is None:
        return None
    ok = len(items) <= MAX_JSAPI_SAFE_DOMAINS
    out: list[str] = []
    for item in items:
        host = _host(item)
        if host is None:
            ok = False
        elif own_hosts and not _covered(host, own_hosts):
            item.problem(
                f"{host!r} is not one of this platform's domains",
                "a host under " + ", ".join(own_hosts),
            )
            ok = False
        elif host in out:
            item.problem(f"{host!r} is listed twice")
            ok = False
        else:
            out.append(host)
    return out if ok else None
