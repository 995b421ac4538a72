"""When repeated failed sign-ins lock a username or a client out (pure arithmetic).

A key (a username, or a client address) is locked while it has at least
``limit`` failures in the last ``window``. The lock ends when enough of them
have aged out of the window that fewer than ``limit`` remain. Attempts made
while locked are refused without checking the password and are not counted,
so a lockout always ends ``window`` after the failure that started it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta


def locked_until(
    failures: Sequence[datetime], limit: int, window: timedelta, now: datetime
) -> datetime | None:
    """The end of the current lockout, or None when the key is not locked at ``now``."""
    if limit <= 0:
        return None
    recent = sorted(at for at in failures if now - window < at <= now)
    if len(recent) < limit:
        return None
    return recent[len(recent) - limit] + window
