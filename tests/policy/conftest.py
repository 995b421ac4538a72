"""Gateways over the bundled registry and the default policy under each preset."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkgate.gateway import Gateway
from linkgate.policy.loader import default_policy_path


def policy_with_preset(tmp: Path, preset: str) -> Path:
    text = default_policy_path().read_text(encoding="utf-8")
    assert "preset: compromise\n" in text
    path = tmp / f"{preset}.yaml"
    path.write_text(text.replace("preset: compromise\n", f"preset: {preset}\n"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Gateway]:
    tmp = tmp_path_factory.mktemp("presets")
    return {
        preset: Gateway.from_files(policy=policy_with_preset(tmp, preset))
        for preset in ("open", "selective", "compromise")
    }
