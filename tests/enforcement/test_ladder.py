"""The violation ladder: narrowest scope, the next rung, evasion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkgate.enforcement.ladder import LadderParams, Lifted, Violation, plan

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
P = LadderParams()


def v(
    path: str,
    *,
    days_ago: float = 0,
    domain: str = "evil.top",
    severity: float = 5.0,
    platform: str | None = None,
    host: str | None = None,
) -> Violation:
    host = host or f"www.{domain}"
    return Violation(
        at=NOW - timedelta(days=days_ago),
        url=f"https://{host}{path}",
        host=host,
        path=path,
        domain=domain,
        severity=severity,
        platform=platform,
    )


def test_the_first_violation_blocks_the_url_until_fixed_and_appealed() -> None:
    chosen = plan(v("/a"), [], [], P)
    assert (chosen.scope, chosen.target, chosen.duration, chosen.rung) == (
        "url",
        "https://www.evil.top/a",
        None,
        1,
    )
    assert "until fixed and appealed" in chosen.why


def test_repeat_violations_climb_12h_1d_1w_and_stay() -> None:
    history: list[Violation] = []
    seen = []
    for i in range(5):
        chosen = plan(v(f"/p{i}", severity=1), history, [], P)
        seen.append(chosen.duration)
        history.append(v(f"/p{i}", severity=1, days_ago=0.001))
    assert seen == [
        None,
        timedelta(hours=12),
        timedelta(days=1),
        timedelta(days=7),
        timedelta(days=7),
    ]


def test_old_violations_fall_out_of_the_lookback() -> None:
    chosen = plan(v("/a"), [v("/b", days_ago=P.lookback_days + 1)], [], P)
    assert chosen.rung == 1


def test_several_urls_under_one_path_block_the_path() -> None:
    history = [v("/hb/1", severity=1, days_ago=1), v("/hb/2", severity=1, days_ago=1)]
    chosen = plan(v("/hb/3", severity=1), history, [], P)
    assert (chosen.scope, chosen.target) == ("path", "www.evil.top/hb/")


def test_repeated_severe_violations_block_an_unregistered_domain() -> None:
    history = [v("/a", days_ago=2), v("/b/c", days_ago=1)]
    chosen = plan(v("/d"), history, [], P)
    assert (chosen.scope, chosen.target) == ("domain", "evil.top")


def test_a_platform_domain_is_never_blocked_whole_from_here() -> None:
    history = [v(f"/x{i}", domain="jd.com", platform="jd", days_ago=1) for i in range(5)]
    chosen = plan(v("/y", domain="jd.com", platform="jd"), history, [], P)
    assert chosen.scope == "url"


def test_flipping_back_after_unblocking_is_evasion() -> None:
    lifted = [Lifted("url", "https://www.evil.top/a", NOW - timedelta(days=3))]
    chosen = plan(v("/a"), [v("/a", days_ago=10)], lifted, P)
    assert chosen.evasion and chosen.duration == P.evasion
    assert (chosen.scope, chosen.target) == ("domain", "evil.top")
    assert "evasion" in chosen.why


def test_rotating_domains_with_the_same_page_is_evasion() -> None:
    elsewhere = v("/hongbao/get.html", domain="other.top", days_ago=2)
    chosen = plan(v("/hongbao/get.html"), [elsewhere], [], P)
    assert chosen.evasion
    assert "other.top" in chosen.why


def test_a_lift_long_ago_is_not_evasion() -> None:
    lifted = [Lifted("url", "https://www.evil.top/a", NOW - timedelta(days=P.flip_window_days + 5))]
    assert not plan(v("/a"), [], lifted, P).evasion
