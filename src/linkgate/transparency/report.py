"""The transparency report as data: totals, per category, per day.

Definitions (also in docs/simulator.md):

- **links handled**: share decisions that were ``blocked``, ``copy_only``, or
  ``warned`` (opened behind the warning interstitial), per violation
  category (``uncategorised`` when the decision named none: rollout, channel
  rules, deception); ``links`` counts distinct links over the period.
- **domains blocked**: domain-scope blocks made in the period (by operators,
  reports or violations), distinct domains, per category.
- **accounts**: distinct accounts warned, restricted, banned and permanently
  banned in the period (``actions`` counts every action).
- **reports**: received by filing day; upheld and rejected by review day.
- **appeals**: filed by filing day; granted and denied by decision day.
- **median time to review**: from a report's filing to its review, over the
  reports reviewed in the period (or that day), in hours; likewise appeals.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from linkgate.periods import Period
from linkgate.storage.transparency import ACCOUNT_ACTIONS, LINK_ACTIONS, TransparencyData

UNCATEGORISED: Final = "uncategorised"
#: Columns of the daily table (the CSV and the charts), in order.
DAILY_COLUMNS: Final = (
    "day",
    "links_blocked",
    "links_copy_only",
    "links_warned",
    "domains_blocked",
    "accounts_warned",
    "accounts_restricted",
    "accounts_banned",
    "accounts_permanently_banned",
    "reports_received",
    "reports_upheld",
    "appeals_filed",
    "appeals_granted",
    "median_hours_to_review",
)
#: Columns of the per-category table.
CATEGORY_COLUMNS: Final = (
    "category",
    "links_blocked",
    "links_copy_only",
    "links_warned",
    "distinct_links_blocked",
    "distinct_links_copy_only",
    "distinct_links_warned",
    "domains_blocked",
    "reports_received",
    "reports_upheld",
)


def median_hours(seconds: Iterable[float]) -> float | None:
    """The median of durations in hours (4 decimals), or None when there are none."""
    values = list(seconds)
    if not values:
        return None
    return round(statistics.median(values) / 3600, 4)


def _name(category: str | None) -> str:
    return category or UNCATEGORISED


def build_report(data: TransparencyData, period: Period) -> dict[str, Any]:
    """The report (plain JSON data) from the counts of ``period``."""
    days: list[date] = period.days()
    daily: list[dict[str, Any]] = [
        {column: 0 for column in DAILY_COLUMNS} | {"day": day.isoformat()} for day in days
    ]
    categories: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()

    for (day, category, action), n in data.links.items():
        daily[day][f"links_{action}"] += n
        categories[_name(category)][f"links_{action}"] += n
        totals[f"links_{action}"] += n
    for (category, action), n in data.distinct_links.items():
        categories[_name(category)][f"distinct_links_{action}"] += n
        totals[f"distinct_links_{action}"] += n

    domains_by_category: dict[str, set[str]] = defaultdict(set)
    domains: set[str] = set()
    domains_per_day: dict[int, set[str]] = defaultdict(set)
    for (day, category, domain), _n in data.domain_blocks.items():
        domains_per_day[day].add(domain)
        domains_by_category[_name(category)].add(domain)
        domains.add(domain)
    for day, found in domains_per_day.items():
        daily[day]["domains_blocked"] = len(found)
    for category, found in domains_by_category.items():
        categories[category]["domains_blocked"] = len(found)

    for (day, action), n in data.account_actions.items():
        daily[day][f"accounts_{ACCOUNT_ACTIONS[action]}"] += n

    for (day, category), n in data.reports_received.items():
        daily[day]["reports_received"] += n
        categories[_name(category)]["reports_received"] += n
        totals["reports_received"] += n
    for (day, category), n in data.reports_upheld.items():
        daily[day]["reports_upheld"] += n
        categories[_name(category)]["reports_upheld"] += n
        totals["reports_upheld"] += n
    rejected = sum(data.reports_rejected.values())

    for day, n in data.appeals_filed.items():
        daily[day]["appeals_filed"] += n
    for day, n in data.appeals_granted.items():
        daily[day]["appeals_granted"] += n

    reviews: dict[int, list[float]] = defaultdict(list)
    for day, seconds in data.review_seconds:
        reviews[day].append(seconds)
    for index, row in enumerate(daily):
        row["median_hours_to_review"] = median_hours(reviews.get(index, ()))

    category_rows = [
        {"category": name} | {column: counts[column] for column in CATEGORY_COLUMNS[1:]}
        for name, counts in sorted(
            categories.items(), key=lambda kv: (kv[0] == UNCATEGORISED, kv[0])
        )
    ]
    return {
        "period": {
            **period.to_dict(),
            "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(),
            "days": len(days),
        },
        "links": {
            action: {
                "decisions": totals[f"links_{action}"],
                "links": totals[f"distinct_links_{action}"],
            }
            for action in LINK_ACTIONS
        },
        "domains_blocked": {"count": len(domains), "domains": sorted(domains)},
        "accounts": {
            word: {
                "accounts": data.accounts.get(action, 0),
                "actions": sum(n for (_, a), n in data.account_actions.items() if a == action),
            }
            for action, word in ACCOUNT_ACTIONS.items()
        },
        "reports": {
            "received": totals["reports_received"],
            "upheld": totals["reports_upheld"],
            "rejected": rejected,
            "reviewed": len(data.review_seconds),
            "median_hours_to_review": median_hours(s for _, s in data.review_seconds),
        },
        "appeals": {
            "filed": sum(data.appeals_filed.values()),
            "granted": sum(data.appeals_granted.values()),
            "denied": sum(data.appeals_denied.values()),
            "median_hours_to_decision": median_hours(s for _, s in data.appeal_seconds),
        },
        "categories": category_rows,
        "daily": daily,
    }
