"""A real Synapse homeserver on loopback for integration tests, and Matrix clients for it.

``start_homeserver`` writes a config (SQLite, client API only on a free
127.0.0.1 port, no federation, no key servers, no URL previews, no stats,
registration by shared secret only, generous rate limits), runs
``python -m synapse.app.homeserver`` as a subprocess, waits for
``/_matrix/client/versions`` with a bounded timeout, and stops it by PID.
Synapse and matrix-nio come from the ``matrix`` extra and the test
dependencies; when they are missing the tests skip, or fail under
``LINKGATE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.service.servers import free_port
from tests.services import services_required

SERVER_NAME = "localhost"
READY_TIMEOUT_SECONDS = 120


def synapse_or_skip() -> None:
    """Skip (or fail, when services are required) unless Synapse and matrix-nio are installed."""
    missing = [name for name in ("synapse", "nio") if importlib.util.find_spec(name) is None]
    if missing:
        message = (
            f"{' and '.join(missing)} not installed: pip install -e '.[test,matrix]' "
            "installs matrix-synapse and matrix-nio"
        )
        if services_required():
            pytest.fail(f"{message} (LINKGATE_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)


@dataclass(frozen=True)
class Account:
    user_id: str
    access_token: str
    device_id: str


@dataclass
class Homeserver:
    process: subprocess.Popen[bytes]
    url: str
    directory: Path
    log: Path
    shared_secret: str

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def register(self, localpart: str, *, admin: bool = False) -> Account:
        """Register a user through the shared-secret admin API."""
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).json()["nonce"]
        password = secrets.token_urlsafe(12)
        signed = "\x00".join((nonce, localpart, password, "admin" if admin else "notadmin"))
        mac = hmac.new(self.shared_secret.encode(), signed.encode(), hashlib.sha1)
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        response = httpx.post(endpoint, json=body, timeout=30)
        response.raise_for_status()
        data = response.json()
        return Account(data["user_id"], data["access_token"], data["device_id"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _signing_key() -> str:
    seed = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


def homeserver_config(
    directory: Path, port: int, shared_secret: str, module: Mapping[str, Any]
) -> dict[str, Any]:
    """A loopback-only, federation-free homeserver config with the linkgate module."""
    plenty = {"per_second": 1000, "burst_count": 1000}
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "enable_metrics": False,
        "presence": {"enabled": False},
        "macaroon_secret_key": secrets.token_urlsafe(24),
        "form_secret": secrets.token_urlsafe(24),
        "rc_message": plenty,
        "rc_room_creation": plenty,
        "rc_registration": plenty,
        "rc_login": {"address": plenty, "account": plenty, "failed_attempts": plenty},
        "rc_joins": {"local": plenty, "remote": plenty},
        "rc_invites": {"per_room": plenty, "per_user": plenty, "per_issuer": plenty},
        "modules": [{"module": "linkgate.matrix.LinkgateModule", "config": dict(module)}],
    }


def start_homeserver(directory: Path, module: Mapping[str, Any]) -> Homeserver:
    """Start Synapse with the linkgate module configured as ``module``."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    shared_secret = secrets.token_urlsafe(24)
    (directory / "signing.key").write_text(_signing_key())
    config = homeserver_config(directory, port, shared_secret, module)
    config_path = directory / "homeserver.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    log = directory / "homeserver.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config_path)],
        cwd=directory,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Homeserver(process, f"http://127.0.0.1:{port}", directory, log, shared_secret)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited:\n{server.log_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/_matrix/client/versions", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"Synapse did not become ready:\n{server.log_text()[-3000:]}")


@asynccontextmanager
async def clients(server: Homeserver, *accounts: Account) -> AsyncIterator[list[Any]]:
    """Logged-in matrix-nio clients for ``accounts``, closed afterwards."""
    from nio import AsyncClient

    made: list[Any] = []
    try:
        for account in accounts:
            client = AsyncClient(server.url, account.user_id)
            client.restore_login(account.user_id, account.device_id, account.access_token)
            made.append(client)
        yield made
    finally:
        for client in made:
            await client.close()
