"""Registrable domains from the Public Suffix List.

The registrable domain ("eTLD+1") is the part of a host that one owner
controls: ``item.jd.com`` -> ``jd.com``, ``shop.example.co.uk`` ->
``example.co.uk``. linkgate resolves platforms, threat-list entries and
blocks by it, so it must never be computed for IP addresses (the list would
turn ``1.2.3.4`` into ``3.4``) and is ``None`` for a bare public suffix.

Which list is used:

1. a file installed with :func:`install_psl_file` (``linkgate psl update``)
   into linkgate's data directory, if present;
2. otherwise the snapshot bundled with the ``publicsuffixlist`` package.

Matching follows the PSL algorithm, including wildcard and exception rules
and the implicit ``*`` rule for unknown top-level domains. Loading happens at
construction; lookups do no I/O and are memoised per instance.

The ``publicsuffixlist`` package reads the list and holds its rules. Where the
package was built with a C compiler, a host's suffixes are walked against those
rules in C (``linkgate.domains._suffix``, :data:`COMPILED`), the way the
package's ``privatesuffix`` walks them in Python; hosts that are not ASCII
lower case go to the package itself. The tests hold the two equal on every
rule of the list and on its test cases.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import publicsuffixlist
from publicsuffixlist import PublicSuffixList

from linkgate.domains.idn import to_ascii

__all__ = [
    "COMPILED",
    "DEFAULT_CACHE_SIZE",
    "PSL_FILE_NAME",
    "InstalledPsl",
    "PslFileError",
    "PublicSuffix",
    "data_dir",
    "install_psl_file",
    "installed_psl_path",
    "parse_psl_text",
]

PSL_FILE_NAME: Final = "public_suffix_list.dat"
DEFAULT_CACHE_SIZE: Final = 1 << 16

# One rule: optional "!" (exception), then labels; "*" only as a whole label.
# Non-ASCII labels (e.g. 公司.cn) are allowed; ASCII is limited to the
# characters real rules use.
_LABEL = r"(?:\*|[a-z0-9_\-\u0080-\U0010ffff]+)"
_RULE = re.compile(rf"!?{_LABEL}(?:\.{_LABEL})*")
_HEX = frozenset("0123456789abcdefABCDEF")


def _compiled() -> type | None:
    try:
        from linkgate.domains._suffix import Matcher
    except ImportError:  # not built here (no C compiler at install)
        return None
    return Matcher


_Matcher: Final = _compiled()
COMPILED: Final = _Matcher is not None
"""Whether registrable domains are matched in C (``linkgate.domains._suffix``)."""


def _matcher(psl: PublicSuffixList) -> Callable[[str], str | None] | None:
    """The compiled match over ``psl``'s rules, or ``None`` (not built, or a release of the
    package that keeps its rules otherwise)."""
    rules = getattr(psl, "_publicsuffix", None)
    max_labels = getattr(psl, "_maxlabel", None)
    if _Matcher is None or not isinstance(rules, frozenset) or not isinstance(max_labels, int):
        return None
    matcher: Callable[[str], str | None] = _Matcher(
        rules,
        frozenset(rule[2:] for rule in rules if rule.startswith("*.")),
        frozenset(rule[1:] for rule in rules if rule.startswith("!")),
        max_labels,
        psl.privatesuffix,
    )
    return matcher


class PslFileError(Exception):
    """A public suffix list file that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class InstalledPsl:
    """Where :func:`install_psl_file` put the list, and how many rules it has."""

    path: Path
    rules: int


def data_dir() -> Path:
    """linkgate's data directory: ``$LINKGATE_HOME`` or ``~/.local/share/linkgate``."""
    home = os.environ.get("LINKGATE_HOME")
    if home:
        return Path(home).expanduser()
    return Path.home() / ".local" / "share" / "linkgate"


def installed_psl_path() -> Path:
    return data_dir() / PSL_FILE_NAME


def parse_psl_text(text: str, source: str = "<string>") -> list[str]:
    """The rules of a public suffix list, in file order; raises :class:`PslFileError`.

    Comments (``//``) and blank lines are skipped; a rule is the first
    whitespace-separated word of its line. Every rule must be well formed
    and there must be at least one.
    """
    rules: list[str] = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        rule = stripped.split()[0].lower()
        if not _RULE.fullmatch(rule) or not _idna_encodable(rule):
            if len(bad) < 5:
                bad.append(f"line {number}: {stripped[:60]!r}")
            else:
                bad.append("")
            continue
        rules.append(rule)
    if bad:
        shown = "; ".join(b for b in bad if b)
        more = len(bad) - 5
        suffix = f" (and {more} more)" if more > 0 else ""
        raise PslFileError(f"{source}: not a public suffix list: bad rules at {shown}{suffix}")
    if not rules:
        raise PslFileError(f"{source}: contains no public suffix rules")
    return rules


def _idna_encodable(rule: str) -> bool:
    if rule.isascii():
        return all(len(label) <= 63 for label in rule.lstrip("!").split("."))
    try:
        rule.lstrip("!").encode("idna")
    except UnicodeError:
        return False
    return True


def _read_psl(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PslFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PslFileError(f"{path}: not UTF-8 text") from None
    return parse_psl_text(text, str(path))


def install_psl_file(path: str | os.PathLike[str]) -> InstalledPsl:
    """Validate a public suffix list file and install it for :meth:`PublicSuffix.load`.

    The file is copied (atomically) to ``data_dir() / "public_suffix_list.dat"``.
    Raises :class:`PslFileError` if the file cannot be read, is not UTF-8,
    holds a line that is not a rule or holds no rules at all.
    """
    source = Path(path)
    rules = _read_psl(source)
    try:
        PublicSuffixList(rules)
    except (UnicodeError, ValueError) as exc:
        raise PslFileError(f"{source}: not a usable public suffix list: {exc}") from None
    target = installed_psl_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".psl-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(source.read_bytes())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise PslFileError(f"cannot install into {target.parent}: {exc.strerror or exc}") from None
    return InstalledPsl(path=target, rules=len(rules))


def _is_ip_host(host: str) -> bool:
    """True for serialised IP hosts: ``[v6]``, or a last label that is a number."""
    if host.startswith("[") or ":" in host:
        return True
    last = host[host.rfind(".") + 1 :]
    if not last:
        return False
    if last.isdigit() and last.isascii():
        return True
    if last[:2] in ("0x", "0X"):
        return all(c in _HEX for c in last[2:])
    return False


class PublicSuffix:
    """Registrable-domain lookups against one public suffix list."""

    def __init__(
        self,
        rules: list[str] | None = None,
        *,
        source: str = "bundled",
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        """``rules`` as returned by :func:`parse_psl_text`; ``None`` uses the bundled list."""
        if rules is None:
            rules = _read_psl(Path(publicsuffixlist.PSLFILE))
        self._psl = PublicSuffixList(rules)
        compiled = _matcher(self._psl)
        self.compiled = compiled is not None
        self._private_suffix: Callable[[str], str | None] = (
            compiled if compiled is not None else self._psl.privatesuffix
        )
        self.source = source
        self.rule_count = len(rules)
        self._cached: Callable[[str], str | None] = lru_cache(maxsize=cache_size)(
            self._registrable_domain
        )

    @classmethod
    def bundled(cls) -> PublicSuffix:
        """The snapshot shipped with the ``publicsuffixlist`` package."""
        return cls()

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PublicSuffix:
        """A list read from ``path``; raises :class:`PslFileError` if it is unusable."""
        source = Path(path)
        return cls(_read_psl(source), source=str(source))

    @classmethod
    def load(cls) -> PublicSuffix:
        """The installed list if there is one (see :func:`install_psl_file`), else the bundled."""
        installed = installed_psl_path()
        if installed.is_file():
            return cls.from_file(installed)
        return cls.bundled()

    def registrable_domain(self, host: str) -> str | None:
        """The registrable domain of a serialised host, or ``None``.

        ``host`` is the ASCII form a URL parser serialises (punycode for
        IDNs); one trailing dot is ignored and case does not matter. A
        Unicode host is converted to ASCII first. ``None`` for IP hosts,
        bare public suffixes, empty labels and hosts that are not valid.
        """
        return self._cached(host)

    def registrable_domain_uncached(self, host: str) -> str | None:
        """:meth:`registrable_domain` without the memo, for a caller that keeps its own.

        The ``Inspector`` records each host's registrable domain with the rest
        of what it knows about the host; a second entry per host here would
        only hold memory.
        """
        return self._registrable_domain(host)

    def registrable_domain_of_domain_host(self, host: str) -> str | None:
        """:meth:`registrable_domain_uncached` of a host a WHATWG parser gave as a domain.

        ``host`` is such a host (``ParsedUrl.hostname`` of host type ``domain``) that
        does not end in a dot: ASCII, lower case, punycode for IDNs, no forbidden code
        point, its last label not a number. So it is already what :meth:`_normalise` would
        make of it, and only the length is left to check. (Without its trailing dots, a
        host such as ``foo.09..`` would end in a number: those go the general way.)
        """
        if not host or len(host) > 253:
            return None
        return self._private_suffix(host)

    def is_public_suffix(self, host: str) -> bool:
        """True when ``host`` is itself a public suffix (``com``, ``co.uk``, ``github.io``)."""
        name = self._normalise(host)
        return name is not None and self._psl.is_public(name)

    def _normalise(self, host: str) -> str | None:
        if host.endswith("."):
            host = host[:-1]
        if not host or host.endswith(".") or len(host) > 253 or _is_ip_host(host):
            return None
        # Unicode hosts become ASCII; ASCII ones with forbidden host code points
        # ("/", ";", spaces, ...) are not hosts at all.
        host = to_ascii(host) or ""
        if not host or _is_ip_host(host):
            return None
        return host.lower()

    def _registrable_domain(self, host: str) -> str | None:
        name = self._normalise(host)
        if name is None:
            return None
        return self._private_suffix(name)

    def cache_clear(self) -> None:
        cached = self._cached
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()
