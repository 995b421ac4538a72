"""Browser tests: Debian's Chromium driven by Playwright against a real ``linkgate serve``.

Each module gets its own server (a real process on a free loopback port,
SQLite in a temporary directory), an integrator API key and console users
made with the real CLI. A local HTTP server stands in for the sites links
point to: Chromium resolves the test's target host names to it and
nothing else (every other name fails to resolve), so no request leaves
the machine. Screenshots of every page go to ``build/screenshots/``.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.servers import SECRET_KEYS, Server, free_port, start_server
from tests.services import CHROMIUM_ARGS, chromium_or_skip

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
#: Host names Chromium sends to the local target server.
TARGET_HOSTS = ("item.taobao.com", "item.jd.com", "www.example.com")
PASSWORD = "correct horse battery staple"
MOBILE = {"width": 375, "height": 740}


@dataclass
class Target:
    """The local stand-in for the sites links point to; it records every request."""

    port: int
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def paths(self, host: str) -> list[str]:
        return [path for h, _, path in self.seen if h.split(":")[0] == host]


def _target_handler(target: Target) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = self.headers.get("Host", "")
            target.seen.append((host, "GET", self.path))
            body = (
                "<!doctype html><meta charset=utf-8><title>target reached</title>"
                f"<h1 id=target>target reached: {host}{self.path}</h1>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    port = free_port()
    found = Target(port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _target_handler(found))
    thread = threading.Thread(target=server.serve_forever, name="target-server", daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(target: Target) -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API keeps an event loop running in
    this thread while it is open, which other modules' ``asyncio.run`` must not meet."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    rules = [f"MAP {host} 127.0.0.1:{target.port}" for host in TARGET_HOSTS]
    rules += ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules={', '.join(rules)}"],
            timeout=60_000,
        )
        yield launched
        launched.close()


def cli(home: Path, database: str, *args: str, stdin: str | None = None) -> str:
    """Run the real ``linkgate`` command on the test store; returns its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "linkgate", *args, "--database", database],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LINKGATE_HOME": str(home), "LINKGATE_SECRET_KEYS": SECRET_KEYS},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Linkgate:
    """A running server with an integrator key and console users (password ``PASSWORD``)."""

    server: Server
    home: Path
    database: str
    integrator_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.integrator_key}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def share(self, url: str, channel: str = "private_chat", **extra: Any) -> str:
        """The shim link a chat app would get for ``url`` shared in ``channel``."""
        response = self.api("POST", "/v1/decisions", json={"url": url, "channel": channel, **extra})
        assert response.status_code == 200, response.text
        shim: str = response.json()["shim_url"]
        assert shim.startswith(f"{self.url}/l/")
        return shim

    def add_user(self, username: str, role: str) -> None:
        cli(
            self.home,
            self.database,
            "users",
            "create",
            "--username",
            username,
            "--role",
            role,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )


def start_linkgate(home: Path, env: dict[str, str] | None = None) -> Iterator[Linkgate]:
    home.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{home / 'linkgate.sqlite'}"
    key = cli(home, database, "keys", "create", "--role", "integrator").strip()
    server = start_server(home, database, env=env)
    try:
        yield Linkgate(server, home, database, key)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def linkgate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linkgate]:
    chromium_or_skip()
    yield from start_linkgate(tmp_path_factory.mktemp("linkgate"))


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh mobile-sized browsing context (zh-CN) that may use the clipboard."""
    made = browser.new_context(viewport=MOBILE, locale="zh-CN")
    made.set_default_timeout(15_000)
    yield made
    made.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``build/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def requests_of(page: Any) -> list[str]:
    """Start recording the URL of every request ``page`` makes; returns the live list."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen
