"""Inspector: its per-host record and the link core's memos change no fact.

The reference below runs every step of the link core for each link, as the inspector did
before it kept a record per host; the inspector must give the same facts on a deterministic
share-traffic corpus and on links chosen to reach every host type.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from hashlib import sha256

import pytest

from bench.corpus import generate
from linkgate.domains.idn import to_unicode
from linkgate.domains.psl import PublicSuffix
from linkgate.domains.registry import Registry
from linkgate.facts import Inspector, UrlFacts, clear_caches
from linkgate.urls import canonical
from linkgate.urls.canonical import canonicalize, expressions, full_hashes, hash_prefixes
from linkgate.urls.deception import DeceptionDetector
from linkgate.urls.model import InvalidUrl
from linkgate.urls.parse import parse

ODD = [
    "",
    "http://",
    "HTTP://EXAMPLE.COM./A/../b?x#y",
    "foo://BAR.com/x",
    "foo://1.2.3.4/",
    "http://1.2.3.4/",
    "http://[::1]/",
    "http://10.0.0.1/admin",
    "mailto:a@b",
    "javascript:alert(1)",
    "https://xn--tobao-4ve.com/",
    "https://tаobao.com/item",
    "https://taobao.com@evil.top/login",
    "https://www.taobao.com.evil.top/x",
    "m.tb.cn/h.abc",
    "https://item.taobao.com/item.htm?id=1&spm=x",
    "https://detail.tmall.com/item.htm?id=2",
    "localhost:3000/app",
    "http://localhost./",
]


@cache
def reference_parts() -> tuple[Registry, PublicSuffix, DeceptionDetector]:
    registry = Registry.default()
    return registry, PublicSuffix.load(), DeceptionDetector(registry.protected_domains())


def reference(raw: str) -> UrlFacts:
    """The facts of one link, every step run for it."""
    registry, psl, detector = reference_parts()
    parsed = parse(raw)
    if isinstance(parsed, InvalidUrl):
        return UrlFacts(
            raw, False, parsed.code, None, None, None, None, None, False, None, "other", ()
        )
    host = parsed.hostname.rstrip(".")
    is_ip = parsed.host_type in ("ipv4", "ipv6")
    host_unicode = host if is_ip or "xn--" not in host else to_unicode(host)
    registrable = None if is_ip or not host else psl.registrable_domain(host)
    platform, link_kind, mini = None, "other", None
    if host and not is_ip:
        platform, link_kind, mini = registry.resolve(
            host, registrable, parsed.pathname, parsed.search
        )
    signals = detector.detect(parsed, host_unicode=host_unicode, registrable_domain=registrable)
    return UrlFacts(
        raw,
        True,
        None,
        canonicalize(parsed),
        parsed.scheme,
        host or None,
        host_unicode or None,
        registrable,
        is_ip,
        platform,
        link_kind,
        signals,
        parsed,
        mini,
    )


def corpus() -> list[str]:
    # Shares repeat hosts (and links): the per-host record is hit as well as filled.
    return [*ODD, *generate(3000, seed=7), *ODD]


@pytest.fixture(scope="module")
def inspector() -> Inspector:
    clear_caches()
    registry, psl, _ = reference_parts()
    return Inspector(registry, psl, cache_size=0)


def test_facts_are_those_of_the_step_by_step_reference(inspector: Inspector) -> None:
    for raw in corpus():
        facts = inspector.inspect(raw)
        expected = reference(raw)
        assert facts == expected, raw
        assert facts.to_dict(with_expressions=True) == expected.to_dict(with_expressions=True)


def test_a_name_is_a_domain_or_another_host_type_by_scheme(inspector: Inspector) -> None:
    web = inspector.inspect("http://1.2.3.4/")
    opaque = inspector.inspect("foo://1.2.3.4/")
    assert (web.is_ip, web.registrable_domain) == (True, None)
    assert (opaque.is_ip, opaque.parsed and opaque.parsed.host_type) == (False, "opaque")
    again = inspector.inspect("http://1.2.3.4/x")
    assert again.is_ip and "ip_host" in again.signals


def test_expressions_are_memoised_on_the_facts_but_handed_out_fresh(
    inspector: Inspector,
) -> None:
    url = "http://a.b.example.co.uk/1/2/3?q=1"
    facts = inspector.inspect(url)
    first = facts.expressions()
    assert first == expressions(url)
    first.append("changed")
    second = facts.expressions()
    assert "changed" not in second
    assert facts.expression_memo == tuple(second)
    assert second == expressions(url)
    assert full_hashes(second) == full_hashes(list(second))
    # The memo is no fact: equal facts compare equal whether or not it is filled,
    # and a copy with another canonical form does not inherit it.
    assert facts == reference(url)
    other = replace(facts, canonical="http://other.example/")
    assert other.expression_memo is None
    assert other.expressions() == ["other.example/"]


def test_digests_are_memoised_with_the_cached_facts() -> None:
    registry, psl, _ = reference_parts()
    inspector = Inspector(registry, psl, cache_size=16)
    url = "http://a.b.example.co.uk/1/2/3?q=1"
    facts = inspector.inspect(url)
    assert facts.hash_memo is None
    digests = facts.full_hashes()
    assert list(digests) == full_hashes(expressions(url))
    # A repeated link is the cached facts object: its digests are not recomputed.
    assert inspector.inspect(url).full_hashes() is digests
    assert facts.to_dict(with_expressions=True)["hash_prefixes"] == [d[:4].hex() for d in digests]
    assert facts == reference(url)
    other = replace(facts, canonical="http://other.example/")
    assert other.hash_memo is None
    assert other.full_hashes() == tuple(full_hashes(["other.example/"]))
    assert inspector.inspect("not a url").full_hashes() == ()
    # Text the compiled digests do not take (not ASCII, which no canonical URL is) is digested
    # the general way.
    odd = replace(facts, canonical="http://例子.example/a")
    assert odd.full_hashes() == tuple(
        sha256(e.encode("utf-8")).digest() for e in ("例子.example/a", "例子.example/")
    )


def test_the_module_memo_of_host_suffixes_is_cleared() -> None:
    canonical.lookup_parts("http://a.b.example.co.uk/1/2/3?q=1")
    assert canonical._lookup_hosts.cache_info().currsize > 0
    clear_caches()
    assert canonical._lookup_hosts.cache_info().currsize == 0


def test_digests_are_sha256_of_the_expressions() -> None:
    exprs = [f"h{i}.example/p/" for i in range(12)] + ["\udcff.example/"]
    expected = [sha256(e.encode("utf-8", "surrogatepass")).digest() for e in exprs]
    assert full_hashes(exprs) == expected
    assert hash_prefixes(exprs, 8) == [d[:8] for d in expected]


def test_digests_are_those_of_the_expressions_whichever_is_asked_first() -> None:
    links = [
        "http://a.b.example.co.uk/1/2/3?q=1",
        "https://item.jd.com/100012043978.html?spm=x",
        "http://例子.测试.cn/路径/x",
        "http://1.2.3.4/a/b/",
        "mailto:someone@example.com",
        "javascript:alert(1)",
        "not a url",
    ]
    digests_first = Inspector.default()
    expressions_first = Inspector.default()
    for link in links:
        facts = digests_first.inspect(link)
        digests = facts.full_hashes()
        other = expressions_first.inspect(link)
        exprs = other.expressions()
        assert digests == tuple(full_hashes(exprs)) == other.full_hashes(), link
        assert facts.expressions() == exprs
