"""Storage: SQLAlchemy 2 on a SQLite file (embedded) or PostgreSQL (by URL), Alembic migrations.

::

    engine.py        database_url(), make_engine()
    migrate.py       upgrade(url), current(url)
    schema.py        the tables
    repos.py         the stores, one per aggregate:
      policies.py    PolicyStore     policy revisions, publish, live
      platforms.py   PlatformStore   registry entries
      groups.py      GroupStore      group settings, member preferences
      keys.py        KeyStore        API keys (hashed secrets)
      events.py      EventStore      decision events, batched
      audit.py       AuditLog        hash-chained audit log
      threat_lists.py ThreatListStore imported threat lists and their entries
"""
