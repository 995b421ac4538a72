"""A real HTTP server on 127.0.0.1 serving the pages the preview tests fetch.

Every request is recorded (method, path, headers), so tests can count hits
on single-use links and see what the fetcher sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title> 年货节 &amp; Sale </title>
<meta name="description" content="Everything   half price">
<meta property="og:title" content="OG title">
<meta property="og:description" content="OG description">
<meta property="og:image" content="https://img.example/a.png">
<meta property="og:url" content="https://shop.example/item/1">
<script>document.title = "not this"</script>
</head><body><form method="post" action="/invite/abc/accept"><button>accept</button></form>
</body></html>"""

GBK_PAGE = (
    "<html><head><title>京东商城 - 正品低价</title>"
    '<meta name="description" content="网购上京东，省钱又放心"></head></html>'
)
GBK_META_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    "<title>淘宝网 - 淘！我喜欢</title></head></html>"
)


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class PageServer:
    port: int
    hits: list[Hit] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    def count(self, method: str, path: str) -> int:
        return sum(1 for h in self.hits if h.method == method and h.path == path)


def _handler(server_state: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _record(self) -> None:
            server_state.hits.append(
                Hit(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            )

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str, status: int = 302) -> None:
            self._send(status, b"", headers={"Location": location})

        def do_POST(self) -> None:
            self._record()
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            if self.path.startswith("/invite/") and self.path.endswith("/accept"):
                token = self.path.split("/")[2]
                if token in server_state.consumed:
                    self._send(410, b"<html><title>used</title></html>")
                    return
                server_state.consumed.add(token)
                self._send(200, b"<html><title>welcome</title></html>")
                return
            self._send(405, b"")

        def do_GET(self) -> None:
            self._record()
            path = self.path
            port = server_state.port
            if path == "/page":
                self._send(200, PAGE.encode("utf-8"))
            elif path == "/lure":
                lure = "<html><head><title>转发到3个群即可领取红包</title></head></html>"
                self._send(200, lure.encode("utf-8"))
            elif path == "/gbk":
                self._send(200, GBK_PAGE.encode("gbk"), "text/html; charset=GBK")
            elif path == "/gbk-meta":
                self._send(200, GBK_META_PAGE.encode("gb2312"), "text/html")
            elif path.startswith("/goto?u="):
                self._redirect(unquote(path.removeprefix("/goto?u=")))
            elif path.startswith("/r/"):
                left = int(path[3:])
                self._redirect("/page" if left <= 1 else f"/r/{left - 1}")
            elif path == "/loop":
                self._redirect("/loop", 301)
            elif path == "/to-private":
                self._redirect("http://10.0.0.1/admin")
            elif path == "/to-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/", 307)
            elif path == "/to-ipv6-loopback":
                self._redirect(f"http://[::1]:{port}/page")
            elif path == "/to-mapped":
                self._redirect(f"http://[::ffff:127.0.0.1]:{port}/page")
            elif path == "/to-ftp":
                self._redirect("ftp://127.0.0.1/file")
            elif path == "/post-redirect":
                self._redirect("/invite/abc/accept", 307)
            elif path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(50 << 20))
                self.end_headers()
                self.wfile.write(b"<html>" + b"x" * 1024)
            elif path == "/huge-stream":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for _ in range(64):
                        self.wfile.write(b"<p>" + b"x" * 16_384)
                except OSError:
                    pass
                self.close_connection = True
            elif path == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100")
                self.end_headers()
                try:
                    for _ in range(100):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:
                    pass
            elif path == "/image.png":
                self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
            elif path == "/missing":
                self._send(404, b"<html><title>not found</title></html>")
            elif path.startswith("/invite/"):
                token = path.split("/")[2]
                state = "used" if token in server_state.consumed else "open"
                form = f'<form method="post" action="/invite/{token}/accept"><button>join</button>'
                body = f"<html><title>invite {state}</title><body>{form}</form></body></html>"
                self._send(200, body.encode())
            elif path == "/once":
                # A single-use GET link that honours the preview headers.
                preview = self.headers.get("Purpose") == "preview"
                if "once" in server_state.consumed:
                    self._send(410, b"<html><title>used</title></html>")
                    return
                if not preview:
                    server_state.consumed.add("once")
                self._send(200, b"<html><title>one-time login</title></html>")
            elif path == "/set-cookie":
                self._send(302, b"", headers={"Location": "/cookie-check", "Set-Cookie": "s=1"})
            elif path == "/cookie-check":
                seen = "cookie" if self.headers.get("Cookie") else "no cookie"
                self._send(200, f"<html><title>{seen}</title></html>".encode())
            else:
                self._send(404, b"")

    return Handler


@contextmanager
def page_server() -> Iterator[PageServer]:
    """A server on a free port of 127.0.0.1, stopped when the block ends."""
    state = PageServer(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
