"""linkgate's exceptions, one tree::

    LinkgateError
    ├── RequestError        a request field is malformed (unknown channel, bad time…)
    ├── DataFileError       a policy or registry file is invalid (every problem, located)
    ├── ShimTokenError      a shim token, nonce or ticket is refused (``code`` says why)
    └── KeyConfigError      the signing key ring is misconfigured

The decision path never raises on a malformed URL: it answers
``blocked: invalid_url``. ``RequestError`` is for the other fields of a
request, which a caller controls. The HTTP API maps each class to a
problem response in one place; the CLI prints one line and exits non-zero.
"""

from __future__ import annotations


class LinkgateError(Exception):
    """Base class of every error linkgate raises on purpose."""


class RequestError(LinkgateError, ValueError):
    """A request field is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
