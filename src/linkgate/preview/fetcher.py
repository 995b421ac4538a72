"""The preview fetcher: a shared link's title, description and ``og:`` tags, fetched safely.

An edge (it does I/O). What a fetch does, and never does:

- **GET only.** Never POST, never submits a form, never runs a script,
  never sends or stores cookies, never sends credentials from the URL.
  Every request says it is a preview: ``User-Agent: linkgate-preview/…``
  plus ``Purpose: preview`` and ``X-Purpose: preview`` (the headers browsers
  use for link previews), so a site can keep single-use links (logins,
  invitations) unspent by previews.
- **Every hop is checked again** (the first URL and each redirect): scheme
  ``http``/``https`` only; the optional ``link_check`` (the gateway's view:
  a listed or blocked link is not visited); the host resolved through DNS
  and *every* address it resolves to must be public (see
  :mod:`linkgate.preview.addresses`): private, loopback, link-local,
  multicast, reserved and unspecified addresses, IPv4-mapped ones included,
  are refused. The connection then goes to the address that was checked
  (never a second lookup), so DNS rebinding between check and connect
  cannot work; TLS still verifies the certificate for the host name.
- **Bounded**: connect, per-read and total timeouts (a watchdog closes a
  connection that outlives the total), a size cap on the body (a declared
  ``Content-Length`` over the cap is refused before reading), a cap on
  redirects, HTML only.
- ``allow_hosts`` (``"127.0.0.1:8080"``, ``"[::1]:8080"``, ``"localhost:8080"``)
  names host:port pairs that skip the address check, for tests and for
  deployments that preview an internal site on purpose.

Results are cached (size- and time-bounded); refusals too, for less time.
:class:`PreviewRefused` carries a reason code, see :data:`REASONS`.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urljoin

from linkgate import __version__
from linkgate.preview.addresses import address_problem
from linkgate.preview.cache import TtlLru
from linkgate.preview.html import decode_html, extract_meta
from linkgate.urls.model import ParsedUrl
from linkgate.urls.parse import parse

__all__ = [
    "PREVIEW_HEADERS",
    "REASONS",
    "USER_AGENT",
    "Preview",
    "PreviewConfig",
    "PreviewFetcher",
    "PreviewRefused",
]

USER_AGENT: Final = f"linkgate-preview/{__version__} (link preview bot; GET only, no cookies)"
#: Sent with every preview request, so a site can tell a preview from a click.
PREVIEW_HEADERS: Final = {"Purpose": "preview", "X-Purpose": "preview"}

#: Refusal reasons and what they mean.
REASONS: Final = {
    "invalid_url": "the link is not a URL",
    "unsupported_scheme": "only http and https links are previewed",
    "blocked_link": "the gateway blocks this link (threat list or enforcement)",
    "dns_failed": "the host name does not resolve",
    "private_address": "the host resolves to a private, loopback, link-local or reserved address",
    "connect_failed": "no connection could be made",
    "tls_error": "the TLS handshake or certificate check failed",
    "timeout": "the site did not answer in time",
    "too_many_redirects": "more redirects than allowed",
    "bad_redirect": "a redirect without a usable Location",
    "http_error": "the site answered with an error status",
    "not_html": "the response is not an HTML page",
    "too_large": "the page is larger than the size cap",
    "bad_response": "the response is not valid HTTP",
}

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_CHUNK: Final = 16_384

Resolver = Callable[[str, int], list[str]]
LinkCheck = Callable[[str], str | None]


class PreviewRefused(Exception):
    """A preview that was not (or could not be) fetched; ``reason`` is a :data:`REASONS` key."""

    def __init__(self, reason: str, detail: str, url: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.url = url


@dataclass(frozen=True, slots=True)
class PreviewConfig:
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = 1 << 20
    max_redirects: int = 5
    cache_size: int = 10_000
    cache_ttl: float = 600.0
    refusal_ttl: float = 60.0
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Preview:
    """A fetched preview: what the link shows, and where it ended up."""

    url: str
    final_url: str
    status: int
    title: str | None
    description: str | None
    og: dict[str, str]
    charset: str
    redirects: tuple[str, ...]
    fetched_at: datetime
    bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "title": self.title,
            "description": self.description,
            "og": dict(self.og),
            "charset": self.charset,
            "redirects": list(self.redirects),
            "fetched_at": self.fetched_at.isoformat(),
            "bytes": self.bytes,
        }


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allow_key(host: str, port: int) -> str:
    host = host.lower().rstrip(".")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to one checked address, whatever the Host header says."""

    def __init__(self, address: str, port: int, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to one checked address, verifying the certificate for ``sni``."""

    def __init__(
        self, address: str, port: int, timeout: float, sni: str, tls: ssl.SSLContext
    ) -> None:
        super().__init__(address, port, timeout=timeout, context=tls)
        self._address = address
        self._sni = sni
        self._tls = tls

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self._sni)


@dataclass
class _Hop:
    url: str
    parsed: ParsedUrl
    port: int
    addresses: list[str]


class PreviewFetcher:
    """Fetches previews; thread-safe. See the module docstring for what it refuses."""

    def __init__(
        self,
        config: PreviewConfig | None = None,
        *,
        allow_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        link_check: LinkCheck | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config or PreviewConfig()
        self.allow_hosts = frozenset(h.strip().lower() for h in allow_hosts if h.strip())
        self._resolve = resolver
        self._link_check = link_check
        self._tls = tls or ssl.create_default_context()
        self._cache: TtlLru[Preview | PreviewRefused] = TtlLru(self.config.cache_size)

    # -- public --------------------------------------------------------------

    def fetch(self, url: str) -> Preview:
        """The preview of ``url`` (cached); raises :class:`PreviewRefused`."""
        key = url.strip()
        cached = self._cache.get(key)
        if isinstance(cached, PreviewRefused):
            raise cached
        if cached is not None:
            return cached
        try:
            result = self._fetch(key)
        except PreviewRefused as refused:
            self._cache.put(key, refused, self.config.refusal_ttl)
            raise
        self._cache.put(key, result, self.config.cache_ttl)
        return result

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- one fetch -------------------------------------------------------------

    def _fetch(self, url: str) -> Preview:
        config = self.config
        deadline = time.monotonic() + config.total_timeout
        redirects: list[str] = []
        current = url
        while True:
            hop = self._check(current)
            status, headers, body = self._get(hop, deadline)
            location = headers.get("location")
            if status in _REDIRECTS and location is not None:
                if len(redirects) >= config.max_redirects:
                    raise PreviewRefused(
                        "too_many_redirects",
                        f"more than {config.max_redirects} redirects",
                        current,
                    )
                target = urljoin(hop.parsed.href, location.strip())
                if not target:
                    raise PreviewRefused("bad_redirect", "empty Location", current)
                redirects.append(target)
                current = target
                continue
            if status in _REDIRECTS:
                raise PreviewRefused("bad_redirect", f"{status} without a Location", current)
            if status >= 400:
                raise PreviewRefused("http_error", f"the site answered {status}", current)
            text, charset = decode_html(body, headers.get("content-type"))
            meta = extract_meta(text)
            return Preview(
                url=url,
                final_url=hop.parsed.href,
                status=status,
                title=meta.title,
                description=meta.description,
                og=meta.og,
                charset=charset,
                redirects=tuple(redirects),
                fetched_at=datetime.now(UTC),
                bytes=len(body),
            )

    def _check(self, url: str) -> _Hop:
        """Everything decided before connecting to one hop."""
        parsed = parse(url)
        if not isinstance(parsed, ParsedUrl) or not parsed.hostname:
            raise PreviewRefused("invalid_url", "not a URL with a host", url)
        if parsed.scheme not in _DEFAULT_PORTS:
            raise PreviewRefused(
                "unsupported_scheme", f"{parsed.scheme}: links are not previewed", url
            )
        if self._link_check is not None:
            why = self._link_check(parsed.href)
            if why is not None:
                raise PreviewRefused("blocked_link", why, url)
        host = parsed.hostname.rstrip(".")
        port = int(parsed.port) if parsed.port else _DEFAULT_PORTS[parsed.scheme]
        named_allowed = _allow_key(host, port) in self.allow_hosts
        if parsed.host_type in ("ipv4", "ipv6"):
            addresses = [host.strip("[]")]
        else:
            try:
                addresses = self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise PreviewRefused("dns_failed", f"{host} does not resolve: {exc}", url) from None
            if not addresses:
                raise PreviewRefused("dns_failed", f"{host} has no address", url)
        if not named_allowed:
            for address in addresses:
                problem = address_problem(address)
                if problem is not None and _allow_key(address, port) not in self.allow_hosts:
                    raise PreviewRefused(
                        "private_address", f"{host} is {address}, a {problem} address", url
                    )
        return _Hop(url, parsed, port, addresses)

    def _get(self, hop: _Hop, deadline: float) -> tuple[int, dict[str, str], bytes]:
        """GET one hop from a checked address: ``(status, headers, body)``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewRefused("timeout", "the total time ran out", hop.url)
        connection = self._connect(hop, min(self.config.connect_timeout, remaining))
        watchdog = threading.Timer(remaining, _shut, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._exchange(connection, hop, deadline)
        except PreviewRefused:
            raise
        except TimeoutError:
            raise PreviewRefused("timeout", "the site did not answer in time", hop.url) from None
        except ssl.SSLError as exc:
            raise PreviewRefused("tls_error", str(exc), hop.url) from None
        except (http.client.HTTPException, OSError, ValueError) as exc:
            if time.monotonic() >= deadline:
                raise PreviewRefused("timeout", "the total time ran out", hop.url) from None
            raise PreviewRefused("bad_response", f"{type(exc).__name__}: {exc}", hop.url) from None
        finally:
            watchdog.cancel()
            connection.close()

    def _connect(self, hop: _Hop, timeout: float) -> http.client.HTTPConnection:
        last: Exception | None = None
        for address in hop.addresses:
            connection: http.client.HTTPConnection
            if hop.parsed.scheme == "https":
                sni = hop.parsed.hostname.rstrip(".").strip("[]")
                connection = _PinnedHTTPS(address, hop.port, timeout, sni, self._tls)
            else:
                connection = _PinnedHTTP(address, hop.port, timeout)
            try:
                connection.connect()
                return connection
            except ssl.SSLError as exc:
                connection.close()
                raise PreviewRefused("tls_error", str(exc), hop.url) from None
            except TimeoutError:
                connection.close()
                last = TimeoutError(f"connecting to {address} timed out")
            except OSError as exc:
                connection.close()
                last = exc
        if isinstance(last, TimeoutError):
            raise PreviewRefused("timeout", str(last), hop.url)
        raise PreviewRefused("connect_failed", f"{hop.parsed.hostname}: {last}", hop.url)

    def _exchange(
        self, connection: http.client.HTTPConnection, hop: _Hop, deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        config = self.config
        parsed = hop.parsed
        target = (parsed.pathname or "/") + parsed.search
        host = parsed.hostname
        if parsed.port:
            host = f"{host}:{parsed.port}"
        self._timeout(connection, deadline, hop.url)
        connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        connection.putheader("User-Agent", config.user_agent)
        connection.putheader("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
        connection.putheader("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
        connection.putheader("Accept-Encoding", "identity")
        for name, value in PREVIEW_HEADERS.items():
            connection.putheader(name, value)
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        status = response.status
        if status in _REDIRECTS or status >= 400:
            return status, headers, b""
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media and media not in _HTML_TYPES:
            raise PreviewRefused("not_html", f"the page is {media}", hop.url)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > config.max_bytes:
            raise PreviewRefused(
                "too_large", f"{declared} bytes; the cap is {config.max_bytes}", hop.url
            )
        body = bytearray()
        while True:
            self._timeout(connection, deadline, hop.url)
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > config.max_bytes:
                raise PreviewRefused("too_large", f"more than {config.max_bytes} bytes", hop.url)
        if time.monotonic() >= deadline:
            raise PreviewRefused("timeout", "the total time ran out", hop.url)
        if not media and not _looks_like_html(bytes(body[:1024])):
            raise PreviewRefused("not_html", "no Content-Type and no HTML", hop.url)
        return status, headers, bytes(body)

    def _timeout(self, connection: http.client.HTTPConnection, deadline: float, url: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewRefused("timeout", "the total time ran out", url)
        if connection.sock is not None:
            connection.sock.settimeout(min(self.config.read_timeout, remaining))


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lstrip().lower()
    return lowered.startswith((b"<!doctype html", b"<html", b"<head", b"<title", b"<meta"))


def _shut(connection: http.client.HTTPConnection) -> None:
    """The watchdog: end a connection that outlived the total timeout."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
