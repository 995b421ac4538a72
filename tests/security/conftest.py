"""Security tests run against the real app over a SQLite file (see tests/api/conftest.py)."""

from __future__ import annotations

from tests.api.conftest import api

__all__ = ["api"]
