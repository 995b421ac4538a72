"""Alembic migrations of linkgate's schema (run by :mod:`linkgate.storage.migrate`)."""
