"""The README's first command: ``linkgate demo`` then ``linkgate serve`` on the embedded store.

A new user follows what the demo prints: the integrator key decides a link, the
reviewer key sees the sample reports, the admin signs in to the console and the
platform account to its portal.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.servers import SECRET_KEYS, Server, start_server


def sign_in(url: str, path: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10, follow_redirects=True)
    form = client.get(f"{path}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form[:500]
    page = client.post(
        f"{path}/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    assert page.status_code == 200, page.text[:500]
    return client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    home: Path = tmp_path_factory.mktemp("demo-home")
    env = {**os.environ, "LINKGATE_HOME": str(home), "LINKGATE_SECRET_KEYS": SECRET_KEYS}
    env.pop("LINKGATE_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "linkgate", "demo", "--decisions", "100"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    database = f"sqlite:///{home / 'linkgate.sqlite'}"
    assert (home / "linkgate.sqlite").exists(), sorted(p.name for p in home.iterdir())
    server = start_server(home, database)
    try:
        yield server, done.stderr
    finally:
        server.stop()


def printed(output: str, pattern: str) -> str:
    found = re.search(pattern, output, re.M)
    assert found is not None, output
    return found.group(1)


def test_the_printed_keys_work(demo: tuple[Server, str]) -> None:
    server, output = demo
    integrator = printed(output, r"^\s+integrator\s+(lg_\S+)")
    reviewer = printed(output, r"^\s+reviewer\s+(lg_\S+)")
    decided = httpx.post(
        f"{server.url}/v1/decisions",
        json={"url": "https://item.jd.com/100012043978.html", "channel": "private_chat"},
        headers={"Authorization": f"Bearer {integrator}"},
        timeout=10,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["platform"] == "jd"
    queue = httpx.get(
        f"{server.url}/v1/reports?status=pending",
        headers={"Authorization": f"Bearer {reviewer}"},
        timeout=10,
    )
    assert queue.status_code == 200, queue.text
    assert queue.json()["cases"], "the demo files sample reports"


def test_the_printed_console_and_portal_users_sign_in(demo: tuple[Server, str]) -> None:
    server, output = demo
    admin = printed(output, r"^\s+admin\s+demo-admin\s+(\S+)")
    platform = printed(output, r"^\s+platform\s+demo-jd\s+(\S+)")
    console = sign_in(server.url, "/console", "demo-admin", admin)
    dashboard = console.get("/console/dashboard")
    assert dashboard.status_code == 200 and "demo-admin" in dashboard.text
    assert console.get("/console/reports").status_code == 200
    portal = sign_in(server.url, "/portal", "demo-jd", platform)
    home = portal.get("/portal/")
    assert home.status_code == 200
    assert "jd" in home.text.lower()
