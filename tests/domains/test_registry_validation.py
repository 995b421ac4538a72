"""A broken registry file: every mistake is reported at once, each at its line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkgate.datafile import DataFileError
from linkgate.domains.registry import Registry

BAD_REGISTRY = """\
version: 2
platforms:
  - id: shop
    names: {zh: 商店}
    tier: gold
    priority_rank: 0
    domains: [shop.com, "*.shop.net", shop.com]
    link_kinds:
      - kind: product
        path: '^/item/(\\d+'
      - kind: commerce
        hosts: [other.com]
        qurey: [id]
    capabilities: [login, teleport]
    jsapi_safe_domains: [a.shop.com, b.shop.com, c.shop.com, d.shop.com]
    colour: red
  - id: Shop
    names: {zh: 店, en: Store}
    tier: partner
    priority_rank: 1
    domains: [shop.com, store.com]
    passcode_patterns: ['(x)?', '[unclosed']
    mini_programs:
      - app_id: wx0123456789abcdef
        name: 店
        match: {path: '^/p/(?P<pid>\\d+)$'}
        path_template: 'pages/p?id={pid}&sku={sku}'
      - app_id: wx0123456789abcdef
        name: 店二
        path_template: 'pages/index'
  - id: ok
    names: {zh: 好, en: OK}
    tier: neutral
    priority_rank: 1
    domains: [ok.org]
    jsapi_safe_domains: [ok.com]
    contact: 42
  - names: {zh: 无, en: None}
    tier: unknown
"""

EXPECTED = [
    "1:10: version: version 2 is not supported (expected 1)",
    "4:12: platforms[0].names: missing required key 'en'",
    "5:11: platforms[0].tier: 'gold' is not allowed"
    " (expected one of first_party, partner, neutral, competitor, unknown)",
    "6:20: platforms[0].priority_rank: 0 is out of range (expected >= 1)",
    "7:25: platforms[0].domains[1]: '*.shop.net' has a wildcard or leading dot"
    " (expected a plain domain (a domain covers all its subdomains))",
    "7:39: platforms[0].domains[2]: 'shop.com' is already registered by this platform at line 7"
    " (expected each domain registered once)",
    "9:15: platforms[0].link_kinds[0].kind: 'product' is not allowed"
    " (expected one of commerce, content, short_link, app_download, other)",
    "10:15: platforms[0].link_kinds[0].path: bad regular expression:"
    " missing ), unterminated subpattern at position 7 (expected a valid regular expression)",
    "12:17: platforms[0].link_kinds[1].hosts[0]: 'other.com' is not one of this platform's domains"
    " (expected a host under shop.com)",
    "13:9: platforms[0].link_kinds[1].qurey: unknown key 'qurey'"
    " (expected one of hosts, kind, path, query)",
    "14:27: platforms[0].capabilities[1]: 'teleport' is not allowed (expected one of login,"
    " social_graph, share, like, add_to_cart, open_app, payment, qr_code, mini_program, mall)",
    "15:25: platforms[0].jsapi_safe_domains: has 4 items (expected at most 3)",
    "16:5: platforms[0].colour: unknown key 'colour' (expected one of app_names, capabilities,"
    " contact, domains, id, jsapi_safe_domains, link_kinds, mini_programs, names,"
    " passcode_patterns, priority_rank, short_link_hosts, tier)",
    "17:9: platforms[1].id: 'Shop' is not valid (expected a lower-case id such as jd or bytedance)",
    "21:15: platforms[1].domains[0]: 'shop.com' is already registered by 'shop' at line 7"
    " (expected each domain registered once)",
    "22:25: platforms[1].passcode_patterns[0]: the pattern matches empty text"
    " (expected a pattern that needs characters)",
    "22:33: platforms[1].passcode_patterns[1]: bad regular expression:"
    " unterminated character set at position 0 (expected a valid regular expression)",
    "27:24: platforms[1].mini_programs[0].path_template: placeholder {sku} is not captured by"
    " the match rule (expected names of path groups (?P<name>...) or query parameters: pid)",
    "28:9: platforms[1].mini_programs[1]: 'path_template' needs 'match'"
    " (expected both match and path_template, or neither)",
    "28:17: platforms[1].mini_programs[1].app_id: app id 'wx0123456789abcdef' is already listed"
    " at line 24",
    "34:20: platforms[2].priority_rank: priority rank 1 is already given to 'Shop' at line 20",
    "36:26: platforms[2].jsapi_safe_domains[0]: 'ok.com' is not one of this platform's domains"
    " (expected a host under ok.org)",
    "37:14: platforms[2].contact: is a number (42) (expected a string)",
    "38:5: platforms[3]: missing required key 'id'",
    "38:5: platforms[3]: missing required key 'domains'",
]


def test_every_problem_reported_at_once_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(BAD_REGISTRY, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        Registry.load(path)
    problems = info.value.problems
    assert all(p.file == str(path) for p in problems)
    got = [f"{p.line}:{p.column}: {p.path}: {p.message}" + _expected(p.expected) for p in problems]
    assert got == EXPECTED
    text = str(info.value)
    assert text.splitlines()[0] == f"{len(EXPECTED)} problems:"
    assert f"  {path}:5:11: platforms[0].tier: 'gold' is not allowed" in text


def _expected(expected: str | None) -> str:
    return f" (expected {expected})" if expected else ""


def test_duplicate_domains_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "platforms:\n"
        "  - id: a\n"
        "    names: {zh: 甲, en: A}\n"
        "    tier: neutral\n"
        "    domains: [a.com]\n"
        "    short_link_hosts: [a.com]\n"
        "  - id: b\n"
        "    names: {zh: 乙, en: B}\n"
        "    tier: neutral\n"
        "    tier: partner\n"
        "    domains: [A.COM, b.com]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as info:
        Registry.load(path)
    assert [f"{p.line}:{p.column}: {p.message}" for p in info.value.problems] == [
        "6:24: 'a.com' is already registered by this platform at line 5",
        "10:5: duplicate key 'tier' (first written at line 9)",
        "11:15: 'a.com' is already registered by 'a' at line 5",
    ]


def test_syntax_error_in_registry(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("platforms:\n  - id: a\n    names: {zh: 甲, en: A\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        Registry.load(path)
    (problem,) = info.value.problems
    assert problem.line == 4 and problem.message.startswith("YAML syntax error")


def test_top_level_shape() -> None:
    with pytest.raises(DataFileError) as info:
        Registry.loads("- just\n- a list\n", "list.yaml")
    assert str(info.value) == "list.yaml:1:1: (document): is a list (expected a mapping)"
    with pytest.raises(DataFileError, match="missing required key 'platforms'"):
        Registry.loads("version: 1\n")


def test_unicode_domains_are_stored_in_punycode() -> None:
    registry = Registry.loads(
        "platforms:\n"
        "  - id: shishi\n"
        "    names: {zh: 食狮, en: Shishi}\n"
        "    tier: neutral\n"
        "    domains: [食狮.中国, Example.COM]\n"
    )
    platform = registry.get("shishi")
    assert platform is not None
    assert platform.domains == ("xn--85x722f.xn--fiqs8s", "example.com")
    found = registry.resolve("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s", "/", "")
    assert found.platform is platform
