"""Link previews: a shared link's title, description and ``og:`` tags, fetched safely.

``PreviewFetcher(...).fetch(url)`` returns a :class:`Preview` or raises
:class:`PreviewRefused` with a reason code. GET only, no cookies, every hop
checked, public addresses only; see :mod:`linkgate.preview.fetcher`.
"""

from linkgate.preview.fetcher import (
    PREVIEW_HEADERS,
    REASONS,
    USER_AGENT,
    Preview,
    PreviewConfig,
    PreviewFetcher,
    PreviewRefused,
)
from linkgate.preview.html import PageMeta, decode_html, extract_meta

__all__ = [
    "PREVIEW_HEADERS",
    "REASONS",
    "USER_AGENT",
    "PageMeta",
    "Preview",
    "PreviewConfig",
    "PreviewFetcher",
    "PreviewRefused",
    "decode_html",
    "extract_meta",
]
