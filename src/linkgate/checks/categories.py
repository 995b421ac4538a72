"""The content categories, from WeChat's rules for external links.

``normal`` is the absence of a violation; every other category names one kind
of violating preview text. The order is the order reports and tables use.
"""

from __future__ import annotations

from typing import Final

NORMAL: Final = "normal"

#: Violating categories, each with the words users know it by.
VIOLATIONS: Final[dict[str, str]] = {
    "induced_sharing": "诱导分享",
    "fake_red_envelope": "虚假红包",
    "induced_download": "诱导下载",
    "induced_follow": "诱导关注",
    "rumor": "谣言",
    "gambling": "赌博",
    "privacy": "收集个人隐私",
    "vulgar": "色情低俗",
}

CATEGORIES: Final[tuple[str, ...]] = (*VIOLATIONS, NORMAL)


def is_category(name: object) -> bool:
    return isinstance(name, str) and name in CATEGORIES
