"""linkgate's domain words, one name per concept (see docs/policy.md).

Treatments form a total order from best to worst; ``RANK`` gives each its
position so "the most restrictive wins" is ``max`` by rank.
"""

from __future__ import annotations

from typing import Final, Literal

Treatment = Literal["mini_program", "rich_page", "plain_page", "copy_only", "blocked"]
TREATMENTS: Final[tuple[Treatment, ...]] = (
    "mini_program",
    "rich_page",
    "plain_page",
    "copy_only",
    "blocked",
)
RANK: Final[dict[str, int]] = {t: i for i, t in enumerate(TREATMENTS)}

Interstitial = Literal["none", "warn", "copy_only", "blocked"]
INTERSTITIALS: Final[tuple[Interstitial, ...]] = ("none", "warn", "copy_only", "blocked")

Channel = Literal["private_chat", "group_chat", "moments", "official_account", "qr_scan"]
CHANNELS: Final[tuple[Channel, ...]] = (
    "private_chat",
    "group_chat",
    "moments",
    "official_account",
    "qr_scan",
)

Tier = Literal["first_party", "partner", "neutral", "competitor", "unknown"]
TIERS: Final[tuple[Tier, ...]] = ("first_party", "partner", "neutral", "competitor", "unknown")

LinkKind = Literal["commerce", "content", "short_link", "app_download", "other"]
LINK_KINDS: Final[tuple[LinkKind, ...]] = (
    "commerce",
    "content",
    "short_link",
    "app_download",
    "other",
)

Capability = Literal[
    "login",
    "social_graph",
    "share",
    "like",
    "add_to_cart",
    "open_app",
    "payment",
    "qr_code",
    "mini_program",
    "mall",
]
CAPABILITIES: Final[tuple[Capability, ...]] = (
    "login",
    "social_graph",
    "share",
    "like",
    "add_to_cart",
    "open_app",
    "payment",
    "qr_code",
    "mini_program",
    "mall",
)

GroupSetting = Literal["allow", "deny", "commerce_only", "content_only"]
GROUP_SETTINGS: Final[tuple[GroupSetting, ...]] = ("allow", "deny", "commerce_only", "content_only")

PolicyPath = Literal["open", "selective", "compromise"]
POLICY_PATHS: Final[tuple[PolicyPath, ...]] = ("open", "selective", "compromise")

ReportCategory = Literal[
    "marketing",
    "fake",
    "fraud",
    "rumor",
    "vulgar",
    "induced_sharing",
    "fake_red_envelope",
    "gambling",
    "piracy",
    "privacy",
    "malware_phishing",
    "other",
]
REPORT_CATEGORIES: Final[tuple[ReportCategory, ...]] = (
    "marketing",
    "fake",
    "fraud",
    "rumor",
    "vulgar",
    "induced_sharing",
    "fake_red_envelope",
    "gambling",
    "piracy",
    "privacy",
    "malware_phishing",
    "other",
)


def interstitial_for(treatment: str, warn: bool) -> Interstitial:
    """The page a user sees before a link with this treatment opens."""
    if treatment == "blocked":
        return "blocked"
    if treatment == "copy_only":
        return "copy_only"
    return "warn" if warn else "none"
