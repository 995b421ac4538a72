"""Find links and share pass-codes in chat text.

:class:`LinkExtractor` finds, in text order and without overlaps:

* links with a scheme: ``http(s)://`` and any other ``scheme://`` (app deep
  links such as ``weixin://``, ``taobao://``, ``snssdk1128://``), so that
  policy sees them; schemes without ``//`` (``mailto:``, ``javascript:``) are
  not linkified, as chat clients do not linkify them;
* links without a scheme (``m.tb.cn/h.abc``, ``www.jd.com``, ``b23.tv/BV1xx``)
  whose last label is a common generic TLD or a two-letter country code.
  Not links: e-mail addresses, numbers (``1.5倍``, ``v2.0``), file names whose
  extension is a country code that is mostly seen as a file type
  (``main.py``, ``README.md``) unless a path, port or ``www.`` makes them a
  link, and prose such as ``Mr.Li`` (a mixed-case last label);
* pass-codes: every match of a :class:`PasscodeRule` pattern, and codes
  wrapped in a repeated currency sign or emoji (``￥AbC123dEf45￥``,
  ``😆 Bc4xY5Za9Lq 😆``) when an app name of a rule appears within
  :data:`APP_NAME_WINDOW` characters (that rule's platform is reported).

Boundaries: white space, CJK characters, full-width forms and punctuation
(【】「」『』（）《》，。！？；：、“”‘’), emoji and other symbols, ASCII quotes,
``<>``, ``{}``, ``[]`` (except around an IPv6 literal right after ``//``).
Letters of other scripts (Cyrillic, Greek, ...) and invisible characters stay
inside a link, so that the deception detector sees homographs whole. Trailing
``.,;:!?``, unbalanced ``)`` and invisible characters are trimmed, as browser
linkifiers do. Every ``url`` result parses; ``FoundLink.url`` is its WHATWG
serialisation (``http://`` added to scheme-less links).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from linkgate.urls.confusables import is_invisible
from linkgate.urls.model import InvalidUrl
from linkgate.urls.parse import parse

__all__ = [
    "APP_NAME_WINDOW",
    "COMMON_TLDS",
    "COUNTRY_CODE_TLDS",
    "FoundLink",
    "LinkExtractor",
    "PasscodeRule",
]

APP_NAME_WINDOW = 120
"""How far (in characters) an app name may be from a wrapped pass-code."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


COUNTRY_CODE_TLDS: frozenset[str] = _words(
    """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br
    bs bt bv bw by bz ca cc cd cf cg ch ci cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz
    ec ee eg es et eu fi fj fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy
    hk hm hn hr ht hu id ie il im in io iq ir is it je jo jp ke kg kh ki km kn kp kr kw ky kz
    la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mn mo mp mq mr ms mt mu mv mw mx
    my mz na nc ne nf ng ni nl no nr nu nz om pa pe pf ph pk pl pm pn pr ps pt pw py qa re ro
    rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th
    tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt zm zw
    """
)
"""Two-letter country-code TLDs delegated in the root zone."""

COMMON_TLDS: frozenset[str] = _words(
    """
    com net org edu gov mil int info biz name pro mobi asia tel travel jobs
    top xyz site online shop store club vip app dev cloud link live fun ltd ren xin wang
    tech space website press news blog art design life world today icu ink group team
    work zone games video music wiki win cyou cfd sbs bond buzz rest monster click
    """
)
"""Generic TLDs common in Chinese chat and in abuse feeds."""

# Country codes that are far more often file extensions; a scheme-less
# candidate ending in one needs ``www.``, a port or a path.
_FILE_LIKE_TLDS = frozenset({"py", "md", "sh", "rs", "pl", "ps", "so", "ml", "mp", "pm", "do"})

# Non-ASCII characters that end a link: spaces and punctuation, symbols,
# CJK scripts and punctuation, full-width forms, emoji, private use, surrogates.
_STOP_RANGES = (
    "\u00a0-\u00ac\u00ae-\u00bf\u00d7\u00f7"
    "\u1680\u2000-\u200a\u2010-\u2027\u202f-\u205f"
    "\u20a0-\u20cf\u2190-\u2bff\u2e00-\u2fff\u3000-\u9fff"
    "\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7ff\ud800-\udfff\ue000-\uf8ff\uf900-\ufaff"
    "\ufe10-\ufe1f\ufe30-\ufe6f\uff00-\uffef\ufffc-\uffff"
    "\U0001f000-\U0001fbff\U00020000-\U0003ffff\U000f0000-\U0010ffff"
)
# Everything else continues a link; ASCII controls, space, quotes and the
# brackets <>[]{} and the backquote end it.
_LINK_RUN = re.compile(f"[^\\x00-\\x20\"'<>\\[\\]{{}}`\\x7f{_STOP_RANGES}]*")
_LABEL_CHAR = f"[^\\W_{_STOP_RANGES}]"

_CANDIDATE = re.compile(
    # A scheme, not glued to a preceding scheme character.
    r"(?<![A-Za-z0-9+.\-])(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,31})://"
    r"(?P<ipv6>\[[0-9A-Fa-f:.]+\])?"
    # Or a bare host: labels and a letters-only last label, not glued to a
    # word, an e-mail "@", a path or another label.
    rf"|(?<![@.\-/\\]|{_LABEL_CHAR})"
    rf"(?P<host>(?:{_LABEL_CHAR}(?:{_LABEL_CHAR}|-){{0,62}}\.)+"
    rf"(?P<tld>[A-Za-z]{{2,63}}))(?!{_LABEL_CHAR}|[@\-])"
    r"(?P<port>:[0-9]{1,5}(?![0-9]))?"
)
_TRAILING = ".,;:!?"
_Mentions = tuple[list[int], list[int], list[str]]
_SCHEME_SUFFIXES = ("https", "http")

_WRAPPED_CODE = re.compile(
    r"(?P<d>[$¥£€¢￥￡￠₤₳₴₰₵₲₪₹₸₽₭₱฿])(?P<code>[A-Za-z0-9]{6,24})(?P=d)"
    r"|(?P<e>[\u2600-\u27bf\U0001f300-\U0001faff])\ufe0f?[ \u00a0]?"
    r"(?P<ecode>[A-Za-z0-9]{6,24})[ \u00a0]?(?P=e)\ufe0f?"
)


@dataclass(frozen=True, slots=True)
class PasscodeRule:
    """How one platform's share pass-codes look.

    ``pattern`` is a regular expression (source text or compiled); when it
    has a group named ``code`` the group's span is reported, else the whole
    match. ``None`` means the platform has no pattern of its own: its
    ``app_names`` still attribute wrapped codes (``【京东】￥N5Ab7Cd9Ef2￥``).
    ``app_names`` are the names the platform's share texts use for its app
    (``淘宝``, ``手机淘宝``).
    """

    platform: str
    pattern: str | re.Pattern[str] | None
    app_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link or pass-code found in a text; ``text == source[start:end]``."""

    kind: Literal["url", "passcode"]
    text: str
    start: int
    end: int
    url: str | None
    platform: str | None


class LinkExtractor:
    """Finds links and pass-codes in chat messages; never raises on input."""

    def __init__(self, passcode_rules: Sequence[PasscodeRule] = ()) -> None:
        """Compile the rules; a pattern that is not a valid regex raises ``ValueError``."""
        self.passcode_rules: tuple[PasscodeRule, ...] = tuple(passcode_rules)
        self._rule_patterns: list[tuple[str, re.Pattern[str]]] = []
        for rule in self.passcode_rules:
            if rule.pattern is None:
                continue
            try:
                self._rule_patterns.append((rule.platform, re.compile(rule.pattern)))
            except re.error as exc:
                raise ValueError(
                    f"passcode rule for {rule.platform!r}: invalid pattern: {exc}"
                ) from exc
        names: dict[str, str] = {}
        for rule in self.passcode_rules:
            for name in rule.app_names:
                if name:
                    names.setdefault(name, rule.platform)
        self._app_names = names
        ordered = sorted(names, key=len, reverse=True)
        self._app_name_re = re.compile("|".join(re.escape(n) for n in ordered)) if ordered else None

    def extract(self, text: str) -> list[FoundLink]:
        """Links and pass-codes in ``text``, in text order, never overlapping."""
        links = _find_urls(text)
        codes = self._find_passcodes(text)
        if codes:
            links = _merge(links, codes)
        return links

    # -- pass-codes -------------------------------------------------------

    def _find_passcodes(self, text: str) -> list[FoundLink]:
        """Rule matches and app-attributed wrapped codes, without overlaps.

        A rule match that is also a wrapped code takes the platform of the
        app named near it when the rule's own platform is not named there
        (``【京东】￥N5Ab7Cd9Ef2￥`` is JD's even if Taobao's rule matches it).
        """
        mentions = self._mentions(text)
        wrapped: list[tuple[int, int]] = []
        if mentions is not None:
            for match in _WRAPPED_CODE.finditer(text):
                code = match.group("code") or match.group("ecode") or ""
                if any(c.isalpha() for c in code):
                    wrapped.append((match.start(), match.end()))
        wrapped_ends = [end for _, end in wrapped]
        claimed: set[int] = set()
        found: list[tuple[int, int, int, str]] = []  # start, end, priority, platform
        for platform, pattern in self._rule_patterns:
            for match in pattern.finditer(text):
                start, end = _code_span(match)
                if end <= start:
                    continue
                i = bisect.bisect_right(wrapped_ends, start)
                if mentions is not None and i < len(wrapped) and wrapped[i][0] < end:
                    claimed.add(i)
                    named = _named_near(mentions, *wrapped[i])
                    if named and platform not in named:
                        platform = named[0]
                found.append((start, end, 0, platform))
        if mentions is not None:
            for i, (start, end) in enumerate(wrapped):
                if i not in claimed:
                    named = _named_near(mentions, start, end)
                    if named:
                        found.append((start, end, 1, named[0]))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0]), f[2]))
        out: list[FoundLink] = []
        last_end = -1
        for start, end, _, platform in found:
            if start >= last_end:
                out.append(FoundLink("passcode", text[start:end], start, end, None, platform))
                last_end = end
        return out

    def _mentions(self, text: str) -> _Mentions | None:
        """App names in ``text``: sorted starts, ends and their platforms."""
        if self._app_name_re is None:
            return None
        found = list(self._app_name_re.finditer(text))
        if not found:
            return None
        return (
            [m.start() for m in found],
            [m.end() for m in found],
            [self._app_names[m.group()] for m in found],
        )


def _code_span(match: re.Match[str]) -> tuple[int, int]:
    if "code" in match.re.groupindex and match.start("code") >= 0:
        return match.start("code"), match.end("code")
    return match.start(), match.end()


def _named_near(mentions: _Mentions, start: int, end: int) -> list[str]:
    """Platforms whose app names lie within the window of ``[start, end)``, nearest first."""
    starts, ends, platforms = mentions
    first = bisect.bisect_left(ends, start - APP_NAME_WINDOW)
    stop = bisect.bisect_right(starts, end + APP_NAME_WINDOW)
    ranked: list[tuple[int, int, str]] = []
    for i in range(first, stop):
        distance = start - ends[i] if ends[i] <= start else max(0, starts[i] - end)
        ranked.append((distance, i, platforms[i]))
    ranked.sort()
    out: list[str] = []
    for _, _, platform in ranked:
        if platform not in out:
            out.append(platform)
    return out


def _merge(links: list[FoundLink], codes: list[FoundLink]) -> list[FoundLink]:
    """Add pass-codes that do not overlap a link, keeping text order."""
    kept = [
        code
        for code in codes
        if not any(code.start < link.end and link.start < code.end for link in links)
    ]
    return sorted([*links, *kept], key=lambda f: f.start)


# -- URLs -----------------------------------------------------------------


def _find_urls(text: str) -> list[FoundLink]:
    out: list[FoundLink] = []
    pos = 0
    n = len(text)
    while pos < n:
        match = _CANDIDATE.search(text, pos)
        if match is None:
            break
        if match.group("scheme") is not None:
            found, resume = _scheme_link(text, match)
        else:
            found, resume = _bare_link(text, match)
        if found is not None:
            out.append(found)
        pos = max(resume, match.start() + 1)
    return out


def _scheme_link(text: str, match: re.Match[str]) -> tuple[FoundLink | None, int]:
    start = match.start()
    scheme = match.group("scheme")
    lowered = scheme.lower()
    for suffix in _SCHEME_SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            if text[start + len(scheme) - len(suffix) - 1].isalnum():
                start += len(scheme) - len(suffix)
            break
    run = _LINK_RUN.match(text, match.end())
    end = run.end() if run is not None else match.end()
    end = _trim(text, match.end(), end)
    if end <= match.end():
        return None, match.end()
    return _make(text, start, end), end


def _bare_link(text: str, match: re.Match[str]) -> tuple[FoundLink | None, int]:
    host = match.group("host")
    tld = match.group("tld")
    lowered_tld = tld.lower()
    if lowered_tld not in COMMON_TLDS and lowered_tld not in COUNTRY_CODE_TLDS:
        return None, match.end("host")
    end = match.end()
    has_path = end < len(text) and text[end] in "/?#"
    if has_path:
        run = _LINK_RUN.match(text, end)
        if run is not None:
            end = _trim(text, match.end(), run.end())
    explicit = has_path or match.group("port") is not None or host.lower().startswith("www.")
    if not explicit:
        if lowered_tld in _FILE_LIKE_TLDS:
            return None, end
        if tld != lowered_tld and tld != tld.upper():
            return None, end
    return _make(text, match.start(), end), end


def _trim(text: str, floor: int, end: int) -> int:
    """Drop trailing punctuation, unbalanced ``)`` and invisible characters."""
    opened = closed = -1  # counted on first need
    while end > floor:
        last = text[end - 1]
        if last in _TRAILING or is_invisible(last):
            end -= 1
        elif last == ")":
            if opened < 0:
                opened = text.count("(", floor, end)
                closed = text.count(")", floor, end)
            if opened >= closed:
                break
            end -= 1
            closed -= 1
        else:
            break
    return end


def _make(text: str, start: int, end: int) -> FoundLink | None:
    candidate = text[start:end]
    parsed = parse(candidate)
    if isinstance(parsed, InvalidUrl):
        return None
    return FoundLink("url", candidate, start, end, parsed.href, None)
