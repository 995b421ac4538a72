"""Tests for the deterministic benchmark corpus (bench/corpus.py).

Entries are classified here by simple markers, independently of the generator:

1. ``malformed``: ``ada_url.check_url`` rejects the string after ``http://`` is prefixed to
   strings that do not start with ``scheme://``.
2. ``deceptive``: userinfo, a backslash, a URL embedded in the path or query, a host written
   with non-ASCII characters that folds to a plain ASCII host, or (step 6) a platform's name
   inside a host that is not the platform's.
3. ``idn``: the parsed host has an ``xn--`` label.
4. ``ip_host``: the parsed host is an IPv4 or IPv6 address.
5. ``platform``: the parsed host is a platform domain or a subdomain of one.
6. ``deceptive`` (see 2), else ``long_tail``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import ada_url
import pytest

from bench import corpus

REPO = Path(__file__).resolve().parents[2]
N = 5000

SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
EMBEDDED_URL_RE = re.compile(r"(?i)https?(?::|%3a)(?://|%2f%2f)")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
PLATFORM_DOMAINS = (
    "taobao.com", "tmall.com", "tb.cn", "douyin.com", "iesdouyin.com", "jd.com", "3.cn",
    "yangkeduo.com", "pinduoduo.com", "meituan.com", "dianping.com", "dpurl.cn",
    "kuaishou.com", "bilibili.com", "b23.tv", "xhslink.com", "xiaohongshu.com", "zhihu.com",
    "weibo.com", "weibo.cn", "t.cn", "baidu.com", "qq.com",
)  # fmt: skip
BRAND_MARKERS = (
    "taobao", "tmall", "douyin", "jd.com", "jd-com", "pinduoduo", "yangkeduo", "meituan",
    "dianping", "kuaishou", "bilibili", "xiaohongshu", "zhihu", "weibo", "baidu", "weixin",
    "qq.com", "qq-com", "alipay",
)  # fmt: skip


def strict_form(raw: str) -> str:
    return raw if SCHEME_RE.match(raw) else "http://" + raw


def raw_host(url: str) -> str:
    start = url.find("://") + 3
    end = len(url)
    for ch in "/?#\\":
        i = url.find(ch, start)
        if 0 <= i < end:
            end = i
    return url[start:end].rpartition("@")[2]


def platform_domain(host: str) -> str | None:
    for domain in PLATFORM_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def classify(raw: str) -> str:
    url = strict_form(raw)
    if not ada_url.check_url(url):
        return corpus.MALFORMED
    parsed = ada_url.URL(url)
    host = parsed.hostname
    if (
        parsed.username
        or parsed.password
        or "\\" in raw
        or EMBEDDED_URL_RE.search(parsed.pathname + parsed.search)
        or (not raw_host(url).isascii() and "xn--" not in host)
    ):
        return corpus.DECEPTIVE
    if any(label.startswith("xn--") for label in host.split(".")):
        return corpus.IDN
    if parsed.host_type != ada_url.HostType.DEFAULT:
        return corpus.IP_HOST
    if platform_domain(host):
        return corpus.PLATFORM
    if any(marker in host for marker in BRAND_MARKERS):
        return corpus.DECEPTIVE
    return corpus.LONG_TAIL


@pytest.fixture(scope="module")
def samples() -> list[corpus.Sample]:
    return corpus.generate_labeled(N)


def of(samples: list[corpus.Sample], category: str) -> list[str]:
    return [s.url for s in samples if s.category == category]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_the_same_list() -> None:
    first = corpus.generate(N)
    assert first == corpus.generate(N)
    assert len(first) == N
    assert first == corpus.generate(N, seed=corpus.DEFAULT_SEED)


def test_different_seed_gives_a_different_list() -> None:
    a = corpus.generate(N, seed=1)
    b = corpus.generate(N, seed=2)
    same_position = sum(x == y for x, y in zip(a, b, strict=True))
    assert same_position < N // 100
    assert len(set(a) & set(b)) < N // 10


def test_generate_matches_labeled_urls(samples: list[corpus.Sample]) -> None:
    assert corpus.generate(N) == [s.url for s in samples]


def _digest(urls: list[str]) -> str:
    return hashlib.sha256("\n".join(urls).encode("utf-8")).hexdigest()


# Pinned so that a benchmark run today and one next year measure the same corpus; a change
# to the generator that alters the output must update these on purpose.
PINNED_CORPUS_1000 = "d6448adedc9afc46673b3c6d23e4eca3fd36cb2ea1fa2ff60993425cd1b62022"
PINNED_ZIPF_1000 = "abccdcec7027fa6aefcb65945dec4daecc1859b748ad51b5fd4831c3ff499aa9"


def test_output_is_pinned() -> None:
    urls = corpus.generate(1000)
    assert _digest(urls) == PINNED_CORPUS_1000
    assert _digest(corpus.zipf(urls, 1000)) == PINNED_ZIPF_1000


def test_same_output_in_a_fresh_interpreter_with_other_hash_seeds() -> None:
    code = (
        "import hashlib\nfrom bench import corpus\n"
        "u = corpus.generate(3000, seed=7)\n"
        "z = corpus.zipf(u, 3000, seed=9)\n"
        "print(hashlib.sha256('\\n'.join(u + z).encode()).hexdigest())\n"
    )
    expected = _digest(
        corpus.generate(3000, seed=7) + corpus.zipf(corpus.generate(3000, seed=7), 3000, seed=9)
    )
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, check=True
        )
        assert out.stdout.decode().strip() == expected


# --------------------------------------------------------------------------- the mix


def test_mix_counts_add_up_and_follow_the_documented_shares() -> None:
    assert math.isclose(sum(corpus.MIX.values()), 1.0)
    assert tuple(corpus.MIX) == corpus.CATEGORIES
    for n in (0, 1, 99, 5000, 200_000, 123_457):
        counts = corpus.mix_counts(n)
        assert sum(counts.values()) == n
        for category, share in corpus.MIX.items():
            assert abs(counts[category] - n * share) <= len(corpus.MIX)


def test_labels_agree_with_markers(samples: list[corpus.Sample]) -> None:
    mismatches = [(s.category, classify(s.url), s.url) for s in samples]
    mismatches = [m for m in mismatches if m[0] != m[1]]
    assert mismatches == []


def test_marker_counts_match_the_documented_mix(samples: list[corpus.Sample]) -> None:
    counts = Counter(classify(s.url) for s in samples)
    for category, share in corpus.MIX.items():
        assert abs(counts[category] - N * share) <= 0.003 * N, (category, counts[category])


def test_about_one_percent_fail_the_strict_check(samples: list[corpus.Sample]) -> None:
    failing = [s for s in samples if not ada_url.check_url(strict_form(s.url))]
    assert 0.007 * N <= len(failing) <= 0.013 * N
    assert {s.category for s in failing} == {corpus.MALFORMED}


def test_malformed_entries_cover_the_documented_kinds() -> None:
    bad = corpus.generate_labeled(60_000, seed=11)
    malformed = of(bad, corpus.MALFORMED)
    assert "http://" in malformed
    assert "http://[::1" in malformed
    assert ":::" in malformed
    assert "%" in malformed or "http://%" in malformed
    assert "http://a b/" in malformed
    assert any(u.strip() == "" for u in malformed)
    assert any(re.search(r"[\x00-\x08\x0e-\x1b\x1f\x7f]", u) for u in malformed)
    assert any(len(u) >= 1000 for u in malformed)
    assert any(" " in u and u.startswith("https://") for u in malformed)


def test_every_line_survives_a_one_url_per_line_file(samples: list[corpus.Sample]) -> None:
    for s in samples:
        assert s.url.splitlines() in ([s.url], []), repr(s.url)
        s.url.encode("utf-8")


# --------------------------------------------------------------------------- content


def test_platform_links_cover_every_platform_and_the_chat_variations(
    samples: list[corpus.Sample],
) -> None:
    links = of(samples, corpus.PLATFORM)
    hosts = [ada_url.URL(strict_form(u)).hostname for u in links]
    assert {platform_domain(h) for h in hosts} == set(PLATFORM_DOMAINS)
    share = len(links)
    schemeless = [u for u in links if not SCHEME_RE.match(u)]
    assert 0.06 * share <= len(schemeless) <= 0.14 * share
    mixed_case = [u for u in links if raw_host(strict_form(u)) != raw_host(strict_form(u)).lower()]
    assert 0.03 * share <= len(mixed_case) <= 0.08 * share
    assert sum("#" in u for u in links) >= 0.05 * share
    encoded_cjk = [u for u in links if "%E" in u and CJK_RE.search(unquote(u))]
    raw_cjk = [u for u in links if CJK_RE.search(u)]
    assert len(encoded_cjk) >= 10
    assert len(raw_cjk) >= 5
    assert any(
        re.fullmatch(r"https://item\.taobao\.com/item\.htm\?id=\d{11,12}&spm=.*&scm=.*&pvid=.*", u)
        for u in links
    )
    assert any(
        re.fullmatch(r"https://m\.tb\.cn/h\.[0-9A-Za-z]{6,7}\?tk=[0-9A-Za-z]{11}", u) for u in links
    )
    assert any(re.fullmatch(r"https://v\.douyin\.com/[0-9A-Za-z]{7}/", u) for u in links)
    assert any(re.fullmatch(r"https://www\.douyin\.com/video/\d{19}", u) for u in links)
    assert any(re.fullmatch(r"https://item\.jd\.com/\d{12}\.html", u) for u in links)
    assert any(re.fullmatch(r"https://mp\.weixin\.qq\.com/s/[0-9A-Za-z_-]{22}", u) for u in links)
    assert any(re.fullmatch(r"https://b23\.tv/[0-9A-Za-z]{7}", u) for u in links)
    assert any(re.fullmatch(r"http://xhslink\.com/[0-9A-Za-z]{6}", u) for u in links)
    assert any(u.startswith("m.tb.cn/h.") for u in links)


def test_long_tail_spans_many_tlds(samples: list[corpus.Sample]) -> None:
    hosts = [ada_url.URL(strict_form(u)).hostname for u in of(samples, corpus.LONG_TAIL)]
    for tld in (
        ".com", ".cn", ".net", ".top", ".xyz", ".shop", ".vip", ".club", ".com.cn", ".org.cn",
        ".co.uk", ".io", ".site", ".online", ".ru", ".de", ".jp",
    ):  # fmt: skip
        assert any(h.endswith(tld) for h in hosts), tld
    assert len({h.rsplit(".", 1)[1] for h in hosts}) >= 25


def test_idn_hosts_include_chinese_punycode_and_lookalikes(samples: list[corpus.Sample]) -> None:
    urls = of(samples, corpus.IDN)
    hosts = [raw_host(u) for u in urls]
    assert any(CJK_RE.search(h) for h in hosts)
    assert any(h.startswith("xn--") or ".xn--" in h for h in hosts)
    latin = str.maketrans("аоесрхуіјһ", "aoecpxyijh")  # Cyrillic homoglyphs
    brands = [m for m in BRAND_MARKERS if m.isalpha()] + ["jd"]
    unicode_hosts = [ada_url.idna_to_unicode(ada_url.URL(u).hostname) for u in urls]
    lookalikes = [
        h
        for h in unicode_hosts
        if re.search(r"[\u0400-\u04ff]", h) and any(b in h.translate(latin) for b in brands)
    ]
    assert len(lookalikes) >= 10


def test_ip_hosts_take_every_notation(samples: list[corpus.Sample]) -> None:
    urls = of(samples, corpus.IP_HOST)
    hosts = [
        raw_host(u).rsplit(":", 1)[0] if not raw_host(u).startswith("[") else raw_host(u)
        for u in urls
    ]
    assert any(re.fullmatch(r"0x[0-9a-fA-F]{8}", h) for h in hosts)
    assert any(re.fullmatch(r"0[0-7]+(\.0[0-7]*){3}", h) for h in hosts)
    assert any(re.fullmatch(r"\d{8,10}", h) for h in hosts)
    assert any(h.startswith("[") for h in hosts)
    canonical = [ada_url.URL(u).hostname for u in urls]
    assert "127.0.0.1" in canonical
    assert "[::1]" in canonical
    assert any(
        h.startswith(("10.", "192.168.")) or re.match(r"172\.(1[6-9]|2\d|3[01])\.", h)
        for h in canonical
    )


def test_deceptive_links_use_every_trick(samples: list[corpus.Sample]) -> None:
    urls = of(samples, corpus.DECEPTIVE)
    parsed = [(u, ada_url.URL(strict_form(u))) for u in urls]
    assert any(p.username and platform_domain(p.username.lower()) for _, p in parsed)
    assert any("\\" in u for u in urls)
    assert any(EMBEDDED_URL_RE.search(p.search) for _, p in parsed)
    assert any(
        not platform_domain(p.hostname) and any(m + "." in p.hostname for m in BRAND_MARKERS)
        for _, p in parsed
    )
    assert any(not raw_host(u).isascii() and platform_domain(p.hostname) for u, p in parsed)


# --------------------------------------------------------------------------- zipf


def test_zipf_is_deterministic_and_draws_only_from_urls() -> None:
    urls = corpus.generate(2000)
    draws = corpus.zipf(urls, 20_000)
    assert draws == corpus.zipf(urls, 20_000)
    assert draws != corpus.zipf(urls, 20_000, seed=1)
    assert len(draws) == 20_000
    assert set(draws) <= set(urls)


def test_zipf_repeats_popular_links() -> None:
    urls = [f"https://example.com/{i}" for i in range(N)]
    draws = corpus.zipf(urls, 50_000, s=1.1)
    counts = Counter(draws)
    top = counts.most_common(1)[0][1]
    assert top >= 50 * statistics.median(counts.values())
    harmonic = sum(k**-1.1 for k in range(1, N + 1))
    assert abs(top / 50_000 - 1 / harmonic) < 0.15 / harmonic
    second = counts.most_common(2)[1][1]
    assert abs(top / second - 2**1.1) < 0.35


def test_zipf_with_zero_exponent_is_uniform() -> None:
    urls = [str(i) for i in range(100)]
    counts = Counter(corpus.zipf(urls, 50_000, s=0.0))
    assert len(counts) == 100
    assert max(counts.values()) < 1.3 * min(counts.values())


def test_zipf_edge_cases() -> None:
    assert corpus.zipf([], 0) == []
    assert corpus.zipf(["a"], 3) == ["a", "a", "a"]
    with pytest.raises(ValueError):
        corpus.zipf([], 1)
    for bad in (-0.5, math.nan, math.inf):
        with pytest.raises(ValueError):
            corpus.zipf(["a", "b"], 1, s=bad)


# --------------------------------------------------------------------------- command line


def test_main_writes_one_url_per_line(tmp_path: Path) -> None:
    out = tmp_path / "corpus.txt"
    assert corpus.main(["--n", "700", "--out", str(out)]) == 0
    assert out.read_bytes().decode("utf-8").split("\n") == [*corpus.generate(700), ""]
    zipf_out = tmp_path / "zipf.txt"
    assert corpus.main(["--n", "700", "--out", str(zipf_out), "--zipf"]) == 0
    lines = zipf_out.read_bytes().decode("utf-8").split("\n")
    assert lines == [*corpus.zipf(corpus.generate(700), 700), ""]


def test_runs_as_a_module_to_stdout() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench.corpus", "--n", "300", "--seed", "5", "--out", "-"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode("utf-8").split("\n") == [*corpus.generate(300, seed=5), ""]


def test_main_rejects_a_negative_count(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        corpus.main(["--n", "-1", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
