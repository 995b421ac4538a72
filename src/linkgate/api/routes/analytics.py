"""Link analytics for a platform: shares, opens, continue rate and reports, grouped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from fastapi import APIRouter, Depends, Query, Request

from linkgate.api.auth import Caller, require
from linkgate.api.problems import Problem
from linkgate.runtime import Runtime
from linkgate.storage.analytics import GROUPINGS, Analytics, GroupBy, LinkAnalytics, check_range

router = APIRouter(tags=["platforms"])

DEFAULT_RANGE: Final = timedelta(days=30)


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        422,
        f"{field}: {message}",
        type_="invalid-field",
        errors=[{"field": field, "message": message}],
    )


def parse_time(field: str, value: str | None) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time (UTC when it names no offset)."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(field, "an ISO 8601 date or date-time, e.g. 2026-11-01") from None
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


def platform_analytics(
    runtime: Runtime,
    platform: str,
    since: datetime | None,
    until: datetime | None,
    group_by: str,
) -> Analytics:
    """The figures the API and the portal show; Problem(422) naming the field at fault."""
    if group_by not in GROUPINGS:
        raise _invalid("group_by", f"one of {', '.join(GROUPINGS)}")
    end = until or datetime.now(UTC)
    start = since or end - DEFAULT_RANGE
    wrong = check_range(start, end)
    if wrong is not None:
        raise _invalid("from" if since is not None else "to", wrong)
    grouping: GroupBy = group_by  # narrowed by the check above
    return LinkAnalytics(runtime.engine).summary(platform, start, end, grouping)


@router.get(
    "/v1/platforms/{platform_id}/analytics",
    summary="Shares, opens, interstitial continue rate and reports of a platform's links",
)
def get_analytics(
    platform_id: str,
    request: Request,
    from_: str | None = Query(None, alias="from", description="Start (ISO 8601); 30 days back."),
    to: str | None = Query(None, description="End, exclusive (ISO 8601); now."),
    group_by: str = Query("channel", description="channel, treatment or day (UTC)."),
    caller: Caller = Depends(require("operator", "platform")),
) -> dict[str, Any]:
    caller.check_platform(platform_id)
    runtime: Runtime = request.app.state.runtime
    if runtime.gateway.snapshot.inspector.registry.get(platform_id) is None:
        raise Problem(404, f"no platform {platform_id!r}")
    since = parse_time("from", from_)
    until = parse_time("to", to)
    return platform_analytics(runtime, platform_id, since, until, group_by).to_dict()
