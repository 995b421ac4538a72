"""Settings every test process shares.

The suite runs in several worker processes at once (scripts/check). Each worker, and every
server it starts, keeps its Redis keys and channels under a namespace of its own, so workers
sharing the test Redis never count each other's shares or hear each other's reloads.
"""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("LINKGATE_REDIS_NAMESPACE", f"linkgate-test-{secrets.token_hex(4)}")
