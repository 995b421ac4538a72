"""An API over a real SQLite file, with one key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from linkgate.api.app import create_app
from linkgate.api.auth import ROLES
from linkgate.runtime import Runtime
from linkgate.settings import Settings


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def make_api(tmp_path: Path, **overrides: object) -> Iterator[Api]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/linkgate.sqlite",
        public_url="http://testserver",
        secret_keys="k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY;active=k1",
        pseudonym_key="test-pseudonym-key",
    ).with_overrides(**overrides)
    app = create_app(settings)
    with TestClient(app) as client:
        runtime: Runtime = app.state.runtime
        keys = {
            role: runtime.stores.keys.create(role, "jd" if role == "platform" else None)[1]
            for role in ROLES
        }
        yield Api(app, client, runtime, keys)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("LINKGATE_HOME", str(tmp_path))
    yield from make_api(tmp_path)
