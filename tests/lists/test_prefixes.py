"""The hash-prefix export and the client-side check, round trip through the CLI and a store."""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

import pytest

from bench.corpus import generate
from linkgate.cli.main import main
from linkgate.lists.prefixes import (
    HashPrefixSet,
    encode_prefixes,
    listed_prefixes,
    lookup_prefixes,
)
from linkgate.storage.engine import make_engine
from linkgate.storage.threat_lists import ThreatListStore
from linkgate.urls.canonical import canonicalize_raw, expressions
from tests.lists.conftest import FEEDS, TESTDATA, feed_urls


def test_format_is_sorted_distinct_4_byte_prefixes() -> None:
    prefixes = listed_prefixes(domains=["evil.top"], expressions=["evil.top/", "a.b/x"])
    assert len(prefixes) == 2 and prefixes == sorted(prefixes)
    assert prefixes[0] in {sha256(b"evil.top/").digest()[:4], sha256(b"a.b/x").digest()[:4]}
    data = encode_prefixes(prefixes)
    assert len(data) == 8
    hex_text = encode_prefixes(prefixes, "hex").decode()
    assert hex_text.splitlines() == [p.hex() for p in prefixes]
    assert list(HashPrefixSet.from_hex(hex_text)) == list(HashPrefixSet(data))
    with pytest.raises(ValueError):
        HashPrefixSet(b"abc")


def test_round_trip(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'linkgate.sqlite'}"
    for name, format, category in FEEDS:
        main(["lists", "import", str(TESTDATA / name), "--format", format,
              "--category", category, "--database", database])  # fmt: skip
    domains = tmp_path / "domains.txt"
    domains.write_text("evil-domain.top\n", encoding="utf-8")
    main(["lists", "import", str(domains), "--format", "domains", "--category", "malware",
          "--database", database])  # fmt: skip
    out = tmp_path / "prefixes.bin"
    main(["lists", "export", "--hash-prefixes", str(out), "--database", database])
    prefixes = HashPrefixSet.load(out)
    engine = make_engine(database)
    try:
        stored = list(ThreatListStore(engine).entries())
    finally:
        engine.dispose()
    assert len(prefixes) == len({e for _, _, e in stored}) == 2887 + 2826 + 3012 + 1
    listed_hashes = {sha256(v.encode()).digest() for _, k, v in stored if k == "expression"}
    listed_hashes.add(sha256(b"evil-domain.top/").digest())
    # Every listed URL hits.
    for name, _, _ in FEEDS:
        for line, url in feed_urls(name):
            if name.startswith("openphish") and line == 2804:
                continue  # not listed (public suffix), see feed_rejections.json
            assert lookup_prefixes(url, prefixes), (name, line, url)
    assert lookup_prefixes("https://deep.sub.evil-domain.top/x?y", prefixes) == ["evil-domain.top/"]
    # An unlisted link does not, except by a prefix collision.
    collisions = 0
    for url in generate(5000):
        for expression in lookup_prefixes(url, prefixes):
            assert sha256(expression.encode()).digest() not in listed_hashes, url
            collisions += 1
    assert collisions <= 2
    # The hex format holds the same list.
    hex_out = tmp_path / "prefixes.txt"
    main(["lists", "export", "--hash-prefixes", str(hex_out), "--prefix-format", "hex",
          "--database", database])  # fmt: skip
    assert list(HashPrefixSet.load(hex_out, "hex")) == list(prefixes)


def test_lookup_of_unparseable_input() -> None:
    prefixes = HashPrefixSet(encode_prefixes(listed_prefixes(expressions=["a.b/"])))
    assert lookup_prefixes("", prefixes) == []
    assert lookup_prefixes("http://a.b/", prefixes) == ["a.b/"]
    canonical = canonicalize_raw("http://x.a.b/y")
    assert canonical is not None and "a.b/" in expressions(canonical)
