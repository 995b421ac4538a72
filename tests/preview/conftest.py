"""Preview tests fetch from a real local HTTP server (see pages.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.preview.pages import PageServer, page_server


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server
