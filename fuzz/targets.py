"""Fuzz targets: one function per surface, each checking its invariants on one input.

A target takes the raw bytes a fuzzer produced and raises :class:`Finding`
(or lets any other exception escape) when an invariant breaks. The same
functions run under atheris (``python -m fuzz.run``), under hypothesis
(``tests/fuzzing``) and in the short CI run.

Invariants:

``urls``
    ``parse``, ``parse_whatwg`` and ``canonicalize_raw`` never raise; the
    canonical form is idempotent (canonicalising it again gives itself) and
    its lookup expressions and hash prefixes can be computed.
``extract``
    ``LinkExtractor.extract`` never raises; every link's text is the slice
    of the message it claims, links come in text order and never overlap.
``policy``
    ``parse_policy`` on any bytes either returns a policy or raises
    :class:`~linkgate.datafile.DataFileError` whose every problem names the
    file and a line and column inside the input; nothing else escapes.
``decide``
    ``Gateway.decide`` on any text returns a decision; text that does not
    parse as a link is answered ``blocked`` with reason ``invalid_url``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Final

from linkgate.datafile import DataFileError
from linkgate.gateway import Gateway
from linkgate.policy.loader import parse_policy
from linkgate.urls.canonical import canonicalize_raw, expressions, hash_prefixes
from linkgate.urls.extract import LinkExtractor, PasscodeRule
from linkgate.urls.model import InvalidUrl
from linkgate.urls.parse import parse, parse_whatwg

POLICY_FILE: Final = "<fuzz>"
CHANNELS: Final = ("private_chat", "group_chat", "moments", "official_account", "qr_scan")


class Finding(AssertionError):
    """An invariant that did not hold for one input."""


def text_of(data: bytes) -> str:
    """Fuzzer bytes as text, lone surrogates included (the parsers must cope with them)."""
    return data.decode("utf-8", "surrogateescape")


def check_urls(data: bytes) -> None:
    raw = text_of(data)
    parse_whatwg(raw)
    parse(raw)
    canonical = canonicalize_raw(raw)
    if canonical is None:
        return
    again = canonicalize_raw(canonical)
    if again != canonical:
        raise Finding(f"canonical form is not idempotent: {raw!r} -> {canonical!r} -> {again!r}")
    hash_prefixes(expressions(canonical))


@functools.cache
def _extractor() -> LinkExtractor:
    gateway = _gateway()
    rules = [
        PasscodeRule(platform=pid, pattern=pattern, app_names=names)
        for pid, pattern, names in gateway.snapshot.inspector.registry.passcode_rules()
    ]
    return LinkExtractor(rules)


def check_extract(data: bytes) -> None:
    text = text_of(data)
    last_end = 0
    for link in _extractor().extract(text):
        if text[link.start : link.end] != link.text:
            raise Finding(f"link text is not its span: {link!r} in {text!r}")
        if link.start < last_end or link.end <= link.start:
            raise Finding(f"links overlap or are out of order: {link!r} in {text!r}")
        last_end = link.end


def check_policy(data: bytes) -> None:
    try:
        parse_policy(data, POLICY_FILE)
    except DataFileError as exc:
        if not exc.problems:
            raise Finding("DataFileError without problems") from exc
        lines = _line_bound(data)
        for problem in exc.problems:
            if problem.file not in (POLICY_FILE, *_preset_files()):
                raise Finding(f"problem in an unknown file: {problem}") from exc
            if problem.file == POLICY_FILE and not 1 <= problem.line <= lines + 1:
                raise Finding(f"problem outside the input ({lines} lines): {problem}") from exc
            if problem.column < 1 or not problem.message:
                raise Finding(f"problem without a column or message: {problem}") from exc


# What YAML counts as a line break (\r, \n, NEL, LS, PS), in UTF-8 and UTF-16 bytes.
_BREAKS: Final = (
    b"\n",
    b"\r",
    b"\x85",
    "\u2028".encode(),
    "\u2029".encode(),
    b"\x28\x20",
    b"\x29\x20",
)


def _line_bound(data: bytes) -> int:
    """At least as many lines as YAML can see in ``data``, whatever its encoding."""
    return sum(data.count(b) for b in _BREAKS) + 1


@functools.cache
def _preset_files() -> tuple[str, ...]:
    presets = resources.files("linkgate") / "data" / "presets"
    return tuple(str(p) for p in presets.iterdir())


@functools.cache
def _gateway() -> Gateway:
    return Gateway.default()


def check_decide(data: bytes) -> None:
    raw = text_of(data[1:])
    channel = CHANNELS[data[0] % len(CHANNELS)] if data else "private_chat"
    decision = _gateway().decide(raw, channel=channel, sender="fuzz-sender")
    if isinstance(parse(raw), InvalidUrl) and (
        decision.treatment != "blocked" or "invalid_url" not in decision.reasons
    ):
        raise Finding(f"unparseable {raw!r} answered {decision.treatment} {decision.reasons}")


@dataclass(frozen=True)
class Target:
    name: str
    check: Callable[[bytes], None]


TARGETS: Final = {
    t.name: t
    for t in (
        Target("urls", check_urls),
        Target("extract", check_extract),
        Target("policy", check_policy),
        Target("decide", check_decide),
    )
}
